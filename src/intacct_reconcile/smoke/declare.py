"""The `smoke_checks:` manifest section: which web services users to sign in as, through which
sender ID, and which objects each must be able to read.

    smoke_checks:
      xmlgateway_expensify:                        # a login declared under web_services_users
        password: ${env:EXPENSIFY_WS_PASSWORD}     # read when the check runs, never at validate
        sender_id: expensify                       # a sender declared under sender_ids
        sender_password: ${env:EXPENSIFY_SENDER_PASSWORD}   # optional: the vendor's own
        reads: [EMPLOYEE, EEACCOUNTLABEL, GLACCOUNT]

The section is kept verbatim by the manifest loader (manifest/coerce.py): its `${env:...}`
references are resolved only when the check runs, so `validate`, `plan` and `apply` never
need the vendor's passwords. The validator checks the shape with `SCHEMA` (located errors),
builds `SmokeCheck`s with `parse`, and checks them against the declared users and sender IDs
with `check_declared` once every file is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.errors import Problem, did_you_mean
from intacct_reconcile.spans import Span

SECTION = "smoke_checks"
USERS_KIND = "web_services_users"
SENDERS_KIND = "sender_ids"
# the same pattern as the manifest schema's secret fields (manifest/schema.py ENV_ONLY): a
# password may only come from the environment
ENV_ONLY = r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$"
_ENV_NAME = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")

# Objects a smoke check may read: the XML objects integrations read (those this tool manages,
# and the transaction objects vendor guides name). Intacct has more; a name outside this list
# is refused with the closest match, which catches typos before anyone signs in.
READABLE = (
    "APBILL",
    "APPYMT",
    "APTERM",
    "ARINVOICE",
    "ARPYMT",
    "ARTERM",
    "CCTRANSACTION",
    "CHECKINGACCOUNT",
    "CLASS",
    "CONTACT",
    "CREDITCARD",
    "CUSTOMER",
    "DEPARTMENT",
    "EEACCOUNTLABEL",
    "EEXPENSES",
    "EMPLOYEE",
    "GLACCOUNT",
    "GLBATCH",
    "GLDETAIL",
    "GLENTRY",
    "GLJOURNAL",
    "ITEM",
    "LOCATION",
    "LOCATIONENTITY",
    "PROJECT",
    "TASK",
    "TAXDETAIL",
    "TAXSOLUTION",
    "VENDOR",
)

_TEXT = {"type": "string", "minLength": 1}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Integration smoke check, keyed by web services user login: after apply "
    "(`apply --smoke-check`) or on demand (`smoke-check`), sign in as the user and run the "
    "reads its vendor needs (docs/smoke-check.md). Not a change: nothing is planned.",
    "additionalProperties": {
        "type": "object",
        "additionalProperties": False,
        "required": ["password", "sender_id", "reads"],
        "properties": {
            "password": {
                "type": "string",
                "pattern": ENV_ONLY,
                "description": "${env:NAME}: the user's password, read when the check runs.",
            },
            "sender_id": {
                **_TEXT,
                "description": "The sender ID the vendor signs in through (declared under "
                "sender_ids).",
            },
            "sender_password": {
                "type": "string",
                "pattern": ENV_ONLY,
                "description": "${env:NAME}: the vendor's sender password, when you have it. "
                "Without it the check signs in through the tool's own sender ID.",
            },
            "reads": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "description": "XML objects the vendor reads; each is a readByQuery of one record.",
                "items": {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_]*$"},
            },
        },
    },
}


@dataclass(frozen=True)
class SmokeCheck:
    """One declared check: sign in as `user` and read each of `reads`."""

    user: str
    password_env: str  # the NAME of ${env:NAME}, never a value
    sender_id: str
    reads: tuple[str, ...]
    sender_password_env: str = ""  # "" = sign in through the tool's own sender ID
    span: Span | None = None


def env_name(reference: str) -> str:
    """NAME of a `${env:NAME}` reference ("" when it is not one)."""
    match = _ENV_NAME.match(reference.strip())
    return match.group(1) if match else ""


def parse(
    section: Any, span_of: Callable[..., Span | None]
) -> tuple[list[SmokeCheck], list[Problem]]:
    """Checks from a schema-checked section; `span_of(path, key=...)` locates a value in it.
    Shape problems are the schema's to report: such entries are left out silently."""
    out: list[SmokeCheck] = []
    problems: list[Problem] = []
    if not isinstance(section, dict):
        return out, problems
    for user, entry in section.items():
        if not isinstance(entry, dict):
            continue
        password, sender = entry.get("password"), entry.get("sender_id")
        reads, sender_password = entry.get("reads"), entry.get("sender_password", "")
        if not (isinstance(password, str) and env_name(password)):
            continue
        if not isinstance(sender, str) or not sender or not isinstance(sender_password, str):
            continue
        if not isinstance(reads, list) or not reads or not all(isinstance(r, str) for r in reads):
            continue
        objects = []
        for n, name in enumerate(reads):
            upper = name.upper()
            if upper not in READABLE:
                hint = did_you_mean(upper, READABLE).removeprefix(" — ")
                problems.append(
                    Problem(
                        span_of((SECTION, user, "reads", n)),
                        f"{SECTION}.{user}: {name!r} is not an object the smoke check reads",
                        hint or f"use one of: {', '.join(READABLE)}",
                    )
                )
            elif upper in objects:
                problems.append(
                    Problem(
                        span_of((SECTION, user, "reads", n)),
                        f"{SECTION}.{user}: {upper} is listed twice",
                        "list each object once",
                    )
                )
            else:
                objects.append(upper)
        out.append(
            SmokeCheck(
                user=str(user),
                password_env=env_name(password),
                sender_id=sender,
                reads=tuple(objects),
                sender_password_env=env_name(sender_password) if sender_password else "",
                span=span_of((SECTION, user), key=True),
            )
        )
    return out, problems


def check_declared(
    checks: list[SmokeCheck], objects: Mapping[str, Mapping[str, Any]]
) -> tuple[list[SmokeCheck], list[Problem]]:
    """Each check names a web services user and a sender ID the manifests declare (present),
    and each user is checked once across files. `objects`: kind -> key -> Declared."""
    users = {k.casefold(): o for k, o in objects.get(USERS_KIND, {}).items()}
    senders = {k.casefold(): o for k, o in objects.get(SENDERS_KIND, {}).items()}
    problems: list[Problem] = []
    seen: dict[str, SmokeCheck] = {}
    for check in checks:
        first = seen.get(check.user.casefold())
        if first is not None:
            problems.append(
                Problem(
                    check.span,
                    f"{SECTION}: user {check.user} is also checked at {first.span}",
                    "keep one smoke check per user",
                )
            )
            continue
        seen[check.user.casefold()] = check
        problems += _declared(check, users, USERS_KIND, check.user, "user")
        problems += _declared(check, senders, SENDERS_KIND, check.sender_id, "sender ID")
    return list(seen.values()), problems


def _declared(
    check: SmokeCheck, declared: Mapping[str, Any], kind: str, name: str, what: str
) -> list[Problem]:
    obj = declared.get(name.casefold())
    if obj is None:
        close = did_you_mean(name, [getattr(o, "key", "") for o in declared.values()])
        return [
            Problem(
                check.span,
                f"{SECTION}.{check.user}: {what} {name} is not declared under `{kind}:`",
                close.removeprefix(" — ") or f"declare it under `{kind}:` (or fix the name)",
            )
        ]
    if getattr(obj, "ensure", "present") == "absent":
        return [
            Problem(
                check.span,
                f"{SECTION}.{check.user}: {what} {name} is declared `ensure: absent`",
                "remove the smoke check, or keep the " + what,
            )
        ]
    return []
