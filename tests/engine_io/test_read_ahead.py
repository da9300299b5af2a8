"""Live reads start as soon as the manifests have parsed (readahead.py, validate's on_loaded).

The names handed over come from the parsed files before any check; what the read-ahead read
is used only for kinds whose fields cover what the checked manifests need, the rest is read
again; invalid manifests still fail as invalid manifests.
"""

from __future__ import annotations

import io
from contextlib import ExitStack
from pathlib import Path

import pytest

from intacct_reconcile.errors import ManifestError
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.live import fields_to_read
from intacct_reconcile.manifest.api import load_desired
from intacct_reconcile.progress import Progress
from intacct_reconcile.readahead import ReadAhead
from intacct_reconcile.settings import Target

LEDGER = """version: 1
gl_accounts:
  "7001": {title: Read ahead, type: balance_sheet, normal_balance: debit}
departments:
  D1: {title: Research}
"""


def write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "ledger.yaml").write_text(text, encoding="utf-8")
    return folder


def test_names_are_handed_over_once_the_files_parse(tmp_path):
    seen = []
    load_desired(write(tmp_path / "m", LEDGER), vars={}, env={}, on_loaded=seen.append)
    assert seen == [{"gl_accounts": {"title", "type", "normal_balance"}, "departments": {"title"}}]


def test_schema_problems_are_found_after_the_hand_over(tmp_path):
    seen = []
    broken = LEDGER.replace("normal_balance: debit", "normal_balance: sideways")
    with pytest.raises(ManifestError, match="sideways"):
        load_desired(write(tmp_path / "m", broken), vars={}, env={}, on_loaded=seen.append)
    assert list(seen[0]) == ["gl_accounts", "departments"]  # reads would have started


def test_a_file_that_does_not_parse_starts_no_read(tmp_path):
    seen = []
    with pytest.raises(ManifestError, match="YAML syntax error"):
        load_desired(
            write(tmp_path / "m", LEDGER + "  bad: [\n"), vars={}, env={}, on_loaded=seen.append
        )
    assert seen == []


def test_read_ahead_result_covers_only_kinds_read_with_every_needed_field(tmp_path):
    target = Target("sandbox", sandbox=True, db=tmp_path / "sandbox.db")
    with ExitStack() as stack, Progress(io.StringIO(), enabled=False) as progress:
        ahead = ReadAhead(target, progress, (), stack)
        ahead.start({"gl_accounts": {"title"}, "departments": {"title"}})
        gl = REGISTRY["gl_accounts"]
        needed = {
            "gl_accounts": fields_to_read(gl, {"title", "normal_balance"}),  # more than read
            "departments": fields_to_read(REGISTRY["departments"], {"title"}),
        }
        live = ahead.result(["gl_accounts", "departments"], needed)
        assert list(live.resources) == ["departments"]  # gl_accounts: read again by the plan
        assert live.of("departments")  # the starter company's departments
        assert ahead.clients() is not None


def test_a_kind_whose_checks_derive_fields_is_read_once_with_all_of_them(tmp_path):
    # custom packages write `file`; validation adds its `digest`, which the plan compares
    packages = REGISTRY["custom_packages"]
    target = Target("sandbox", sandbox=True, db=tmp_path / "sandbox.db")
    with ExitStack() as stack, Progress(io.StringIO(), enabled=False) as progress:
        ahead = ReadAhead(target, progress, (), stack)
        ahead.start({"custom_packages": {"file"}})
        needed = {"custom_packages": fields_to_read(packages, {"file", "digest"})}
        live = ahead.result(["custom_packages"], needed)
        assert list(live.resources) == ["custom_packages"]  # covered: no second read
