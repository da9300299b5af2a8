"""Run the declared smoke checks: sign in as each web services user and read one record of each
object its vendor needs.

Each user gets its own session (getAPISession with the user's login, as the vendor's
integration signs in), then one request holding a readByQuery of one record per object; each
read passes or fails alone, with Intacct's own error. Passwords come from the environment when
the check runs and travel only as `Secret`s, which every error message and log redacts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from intacct_reconcile.client import envelope
from intacct_reconcile.client.errors import AuthenticationError, AuthorizationError, IntacctError
from intacct_reconcile.client.gateway import Gateway
from intacct_reconcile.credentials import Secret, XmlCredentials
from intacct_reconcile.smoke.declare import SmokeCheck

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class ReadResult:
    """One read of a smoke check: the object, and whether it passed (with Intacct's error)."""

    object: str
    status: str  # passed | failed
    error: str = ""


@dataclass(frozen=True)
class UserResult:
    """One user's smoke check: whether it passed, failed or was skipped, and each read's result."""

    user: str
    sender_id: str  # the declared sender ID (see `reason` when the check signed in otherwise)
    status: str  # passed | failed | skipped
    reason: str = ""
    reads: tuple[ReadResult, ...] = ()


def own_sender_note(tool_sender: str, declared: str) -> str:
    """What a sign-in through the tool's own sender ID does not prove."""
    return (
        f"sign-in through the tool's own sender ID {tool_sender} (no sender_password "
        f"declared): the authorization of sender ID {declared} is not proven by it (that is "
        f"the manual step sender_ids/{declared}, verified or attested)"
    )


def run_checks(
    gateway: Gateway,
    tool: XmlCredentials,
    checks: Sequence[SmokeCheck],
    env: Mapping[str, str],
    progress: Callable[[str], None] = lambda _: None,
) -> list[UserResult]:
    """One result per check, in the order given. `gateway` is the tool's own (its HTTP client
    and request limits are shared); `tool` its credentials (company, entity, sender)."""
    results = []
    for check in checks:
        progress(f"smoke check: signing in as {check.user}")
        results.append(_run_one(gateway, tool, check, env))
    return results


def _run_one(
    gateway: Gateway, tool: XmlCredentials, check: SmokeCheck, env: Mapping[str, str]
) -> UserResult:
    def skipped(name: str, what: str) -> UserResult:
        return UserResult(
            check.user,
            check.sender_id,
            SKIPPED,
            f"environment variable {name} ({what}) is not set (or empty): export it to run "
            "this check",
        )

    password = env.get(check.password_env, "")
    if not password:
        return skipped(check.password_env, f"password of {check.user}")
    note = ""
    if check.sender_password_env:
        sender_password = env.get(check.sender_password_env, "")
        if not sender_password:
            return skipped(check.sender_password_env, f"password of sender {check.sender_id}")
        sender_id, sender_secret = check.sender_id, Secret(sender_password)
    else:
        sender_id, sender_secret = tool.sender_id, tool.sender_password
        if sender_id != check.sender_id:
            note = own_sender_note(sender_id, check.sender_id)
    creds = XmlCredentials(
        sender_id=sender_id,
        sender_password=sender_secret,
        company_id=tool.company_id,
        user_id=check.user,
        user_password=Secret(password),
        entity_id=tool.entity_id,
    )
    functions = [
        envelope.Function(f"smoke-{n}", envelope.read_by_query(obj, ["RECORDNO"], pagesize=1))
        for n, obj in enumerate(check.reads)
    ]
    try:
        answers = gateway.signed_in_as(creds).call(functions)
    except (AuthenticationError, AuthorizationError) as exc:
        return UserResult(
            check.user, check.sender_id, FAILED, _join("sign-in failed: " + _first(exc), note)
        )
    except IntacctError as exc:
        return UserResult(
            check.user, check.sender_id, FAILED, _join("could not run: " + _first(exc), note)
        )
    reads = tuple(
        ReadResult(obj, PASSED) if answer.ok else ReadResult(obj, FAILED, _first(answer.error()))
        for obj, answer in zip(check.reads, answers, strict=True)
    )
    failed = [r.object for r in reads if r.status == FAILED]
    reason = f"cannot read {', '.join(failed)}" if failed else ""
    return UserResult(
        check.user, check.sender_id, FAILED if failed else PASSED, _join(reason, note), reads
    )


def _first(exc: IntacctError) -> str:
    """Intacct's first error (already redacted), else the exception's own text."""
    return str(exc.errors[0]) if exc.errors else str(exc).splitlines()[0]


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
