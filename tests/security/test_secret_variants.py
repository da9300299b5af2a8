"""Not only the exact secret: its case variants, encodings (base64, base64url, Basic-auth
`user:secret`, URL, hex, HTML, JSON) and fragments of 8 or more characters never reach
error messages, DEBUG logs, the audit log or the CLI's output."""

from __future__ import annotations

import base64
import html
import json
import logging
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from tests.client.fakes import FakeGateway, Seen, error, response, result, xml_response
from typer.testing import CliRunner

from intacct_reconcile import audit
from intacct_reconcile.audit.journal import ApplyJournal, RunFacts
from intacct_reconcile.cli import app
from intacct_reconcile.client.errors import IntacctError, ValidationError, redact
from intacct_reconcile.client.gateway import Gateway
from intacct_reconcile.client.retry import RetryPolicy
from intacct_reconcile.credentials import Secret, XmlCredentials
from intacct_reconcile.types import Change, ChangeResult, FieldChange, Ref

SECRET = "Qx7-Vault-Pw-4471zeta"
USER = "api_user"
_secret = Secret(SECRET)  # registers it, as loading credentials does


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


VARIANTS: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "lower": str.lower,
    "swapped": str.swapcase,
    "base64": _b64,
    "base64-unpadded": lambda s: _b64(s).rstrip("="),
    "base64url": lambda s: base64.urlsafe_b64encode(s.encode()).decode(),
    "basic-auth": lambda s: "Basic " + _b64(f"{USER}:{s}"),
    "basic-auth-1": lambda s: _b64(f"u:{s}"),
    "basic-auth-2": lambda s: _b64(f"us:{s}"),
    "basic-auth-suffix": lambda s: _b64(f"{USER}:{s}\n"),
    "url": lambda s: urllib.parse.quote(s, safe=""),
    "form": lambda s: urllib.parse.urlencode({"password": s}).split("=", 1)[1],
    "hex": lambda s: s.encode().hex(),
    "HEX": lambda s: s.encode().hex().upper(),
    "html": html.escape,
    "json": lambda s: json.dumps(s)[1:-1],
    "prefix-12": lambda s: s[:12] + "…",
    "prefix-8": lambda s: s[:8],
    "suffix-9": lambda s: "…" + s[-9:],
    "middle-10": lambda s: s[5:15],
}
# what a variant must not leave behind: its longest part that is secret-derived
ORDINARY = "the title must be unique; account 10000 (balance sheet) in entity E100"


def _leaks(text: str) -> list[str]:
    return [name for name, make in VARIANTS.items() if _core(make(SECRET)) in text]


def _core(variant: str) -> str:
    """The part of a variant that only the secret determines (no `Basic `, no user prefix)."""
    body = variant.removeprefix("Basic ").strip("…")
    return body[-8:] if len(body) >= 8 else body


@pytest.mark.parametrize("name", VARIANTS)
def test_redact_removes_each_variant(name: str) -> None:
    variant = VARIANTS[name](SECRET)
    text = redact(f"refused: {variant} ({ORDINARY})")
    assert _core(variant) not in text, text
    assert ORDINARY in text  # ordinary words, numbers and names stay


def test_an_error_quoting_variants_of_a_secret_keeps_none(tmp_path: Path) -> None:
    quoted = " ".join(make(SECRET) for make in VARIANTS.values())

    def handler(seen: Seen) -> httpx.Response:
        f = seen.functions[0]
        failure = error("BL01001973", f"could not create: {html.escape(quoted)}")
        return xml_response(
            response(result(seen.names[0], f.get("controlid"), status="failure", errors=failure))
        )

    creds = XmlCredentials("sender", Secret("sender-pw-55Aa"), "ACME", USER, _secret)
    gateway = Gateway(FakeGateway(handler=handler).client(), creds, retry=RetryPolicy(attempts=1))
    (written,) = gateway.create("GLACCOUNT", [{"ACCOUNTNO": "1"}], idempotency_key="k")
    gateway.close()
    assert isinstance(written.error, ValidationError)
    for text in (str(written.error), repr(written.error), repr(written.error.errors)):
        assert _leaks(text) == [], text
    # and the audit log, written from those errors and from anything else
    journal = ApplyJournal(
        audit.audit_path(tmp_path),
        RunFacts("prod", "ACME", "", "tester", "USER", None, None, "sha256:x", "0"),
        env={},
    )
    first = Change(
        "create", Ref("gl_accounts", "1"), "xml", fields=(FieldChange("title", None, quoted),)
    )
    second = Change("create", Ref("gl_accounts", "2"), "xml")
    journal.begin([first, second])
    journal.sending([first, second])
    journal.answered(
        [ChangeResult(first, "failed", str(written.error)), ChangeResult(second, "failed", quoted)]
    )
    logged = audit.audit_path(tmp_path).read_text(encoding="utf-8")
    assert _leaks(logged) == [], logged
    assert audit.applies(tmp_path)[0].final()["gl_accounts/2"] == "failed"


def test_a_value_journaled_before_its_secret_was_known_is_masked_after(tmp_path: Path) -> None:
    late = "Late-Registered-Zq93-secret"  # a secret that becomes known mid-run
    journal = ApplyJournal(
        audit.audit_path(tmp_path),
        RunFacts("prod", "ACME", "", "tester", "USER", None, None, "sha256:x", "0"),
        env={},
    )

    def change(key: str) -> Change:
        return Change(
            "create", Ref("gl_accounts", key), "xml", fields=(FieldChange("title", None, late),)
        )

    journal.sending([change("1")])  # not a secret yet: written as it is
    Secret(late)  # registered now, as credentials loaded later would be
    journal.sending([change("2")])
    lines = [json.loads(line) for line in audit.audit_path(tmp_path).read_text().splitlines()]
    after = {rec["ref"]: rec["values"][0]["after"] for rec in lines if rec["type"] == "intent"}
    assert after == {"gl_accounts/1": late, "gl_accounts/2": "***"}


def test_debug_logs_keep_no_variant(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    quoted = " ".join(make(SECRET) for make in VARIANTS.values())
    logging.getLogger("intacct_reconcile.client").debug("answer: %s", quoted)
    logging.getLogger("httpx").debug("request: %s", quoted)
    # a real exchange at DEBUG: no request body (with its <password>) is ever logged
    fake = FakeGateway()
    creds = XmlCredentials("sender", Secret("sender-pw-55Aa"), "ACME", USER, _secret)
    gateway = Gateway(fake.client(), creds)
    gateway.read_all("GLACCOUNT", ["RECORDNO"])
    gateway.close()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "answer: " in text and "request: " in text
    assert _leaks(text) == [], text
    assert "<password>" not in text and "sender-pw-55Aa" not in text


def test_cli_errors_keep_no_variant(tmp_path: Path) -> None:
    # the path echoes back in the error: as a user pasting a token into a command would
    for name in ("base64", "upper", "prefix-12"):
        missing = tmp_path / VARIANTS[name](SECRET).replace("/", "_")
        result = CliRunner().invoke(app, ["validate", str(missing)], catch_exceptions=False)
        assert result.exit_code == 1
        assert "error: " in result.stderr
        assert _leaks(result.stderr) == [], result.stderr


def test_intacct_errors_built_anywhere_are_redacted() -> None:
    exc = IntacctError(f"token {SECRET.upper()} and {_b64(USER + ':' + SECRET)}", hint=SECRET[:9])
    assert _leaks(str(exc)) == [] and _leaks(repr(exc)) == []


def test_values_masked_ahead_are_masked_again_once_a_secret_becomes_known(
    tmp_path: Path,
) -> None:
    from intacct_reconcile.audit.journal import MaskedAhead

    late = "Masked-Ahead-Late-Kp42-secret"
    plain = "Plain title worked out ahead"

    def change(key: str, title: str) -> Change:
        return Change(
            "create", Ref("gl_accounts", key), "xml", fields=(FieldChange("title", None, title),)
        )

    first, second = change("1", late), change("2", plain)
    masked = MaskedAhead()
    masked.add([first, second], until=lambda: False)  # while the reads were out
    Secret(late)  # then the secret became known (credentials, a `${env:...}` value)
    journal = ApplyJournal(
        audit.audit_path(tmp_path),
        RunFacts("prod", "ACME", "", "tester", "USER", None, None, "sha256:x", "0"),
        env={},
        masked=masked,
    )
    journal.sending([first, second, change("3", late)])
    lines = [json.loads(line) for line in audit.audit_path(tmp_path).read_text().splitlines()]
    after = {rec["ref"]: rec["values"][0]["after"] for rec in lines if rec["type"] == "intent"}
    assert after == {"gl_accounts/1": "***", "gl_accounts/2": plain, "gl_accounts/3": "***"}
    assert late not in audit.audit_path(tmp_path).read_text()
