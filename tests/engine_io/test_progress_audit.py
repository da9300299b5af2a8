"""Progress lines, the audit log and attestation files as files and streams."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from intacct_reconcile import attestations
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
