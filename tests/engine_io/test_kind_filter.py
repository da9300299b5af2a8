"""A mistyped --kind is a user mistake: reported before any request to Intacct."""

from __future__ import annotations

from pathlib import Path

from engine_io.conftest import Invoke

# Nothing listens on port 9 (discard): a read would fail, after retries, with
# "POST /ia/xml/xmlgw.phtml: connection failed (ConnectError)" instead.
UNREACHABLE = """\
default_target: local
targets:
  local:
    endpoint: "http://127.0.0.1:9"
    company_id: DEMO
    vars: {accounting_email: ap@demo.example}
"""


def test_unknown_kind_is_refused_before_live_state_is_read(project: Path, cli: Invoke) -> None:
    (project / "intacct-reconcile.yaml").write_text(UNREACHABLE, encoding="utf-8")
    result = cli("plan", project, "--kind", "gl_accounts", "--kind", "gl_acounts", "--quiet")
    assert result.exit_code == 1
    assert "unknown --kind gl_acounts" in result.stderr
    assert "connect" not in result.stderr.lower()
