"""Progress lines, the audit log and attestation files as files and streams."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intacct_reconcile import attestations, audit
from intacct_reconcile.client.progress import ProgressEvent
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.progress import Progress
from intacct_reconcile.types import Ref, Resource, State


def test_plain_progress_lines_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(stream) as progress:
        progress.step("reading live state: gl_accounts")
        progress(ProgressEvent("read", "GLACCOUNT", 2000, 5000))
        progress(ProgressEvent("read", "GLACCOUNT", 2000, 5000))  # repeated: not printed twice
        progress(ProgressEvent("write", "USERINFO", 3, 3))
    assert stream.getvalue().splitlines() == [
        "reading live state: gl_accounts",
        "read GLACCOUNT: 2000/5000",
        "write USERINFO: 3/3",
    ]


def test_quiet_progress_prints_nothing():
    stream = io.StringIO()
    with Progress(stream, enabled=False) as progress:
        progress.step("x")
        progress(ProgressEvent("read", "GLACCOUNT", 1, 1))
    assert stream.getvalue() == ""


def test_audit_appends_one_json_line_per_apply(tmp_path: Path):
    when = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    for n in range(2):
        audit.record(
            tmp_path,
            by="alice",
            target="prod",
            plan_checksum=f"sha256:{n}",
            results=[
                {"ref": "gl_accounts/1", "action": "create", "status": "applied", "error": None}
            ],
            when=when,
        )
    entries = audit.read(tmp_path)
    assert [e["plan_checksum"] for e in entries] == ["sha256:0", "sha256:1"]
    assert entries[0]["when"] == "2026-11-22T03:00:00+00:00" and entries[0]["who"] == "alice"
    lines = (tmp_path / ".intacct-reconcile" / "audit.log").read_text().splitlines()
    assert all(json.loads(line) for line in lines)


def test_current_user_prefers_by_then_user_env():
    assert audit.current_user("bob", env={"USER": "carol"}) == "bob"
    assert audit.current_user(None, env={"USER": "carol"}) == "carol"


def declared(description: str) -> State:
    sender = Resource("sender_ids", "acme", {"description": description, "status": "active"})
    return State({"sender_ids": {"acme": sender}})


def test_attestation_round_trip_and_digest_follows_the_declared_value(tmp_path: Path):
    record = attestations.attest(
        tmp_path,
        ref=Ref("sender_ids", "acme"),
        target="prod",
        by="alice",
        note="INC-7",
        desired=declared("ACME"),
        manual_kinds={"sender_ids"},
    )
    loaded = attestations.load(tmp_path, "prod")
    assert loaded[Ref("sender_ids", "acme")] == record
    assert attestations.load(tmp_path, "staging") == {}
    same = declared("ACME").get("sender_ids", "acme")
    other = declared("ACME 2").get("sender_ids", "acme")
    assert record.digest == attestations.value_digest(same)
    assert record.digest != attestations.value_digest(other)


def test_broken_attestation_file_is_a_located_config_error(tmp_path: Path):
    path = attestations.attestation_path(tmp_path, "prod")
    path.parent.mkdir(parents=True)
    path.write_text("sender_ids/acme: {by: [unclosed\n")
    with pytest.raises(ConfigError, match=r"prod\.yaml:\d+:\d+"):
        attestations.load(tmp_path, "prod")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_gets_a_progress_bar_not_lines():
    stream = _Terminal()
    with Progress(stream) as progress:
        progress(ProgressEvent("read", "GLACCOUNT", 2000, 5000))
        progress(ProgressEvent("read", "GLACCOUNT", 5000, 5000))
        progress.step("verifying 3 change(s)")
        assert progress._bar is not None
    output = stream.getvalue()
    assert "verifying 3 change(s)" in output
    assert "read GLACCOUNT: 2000/5000" not in output  # no plain lines on a terminal
