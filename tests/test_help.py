"""--help says what the code does: the exit codes of the errors, the options per command."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from intacct_reconcile import errors
from intacct_reconcile.cli import app


def help_of(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return re.sub(r"[\s│]+", " ", result.output)  # unwrap rich's boxes and line breaks


def test_top_level_help_lists_every_error_exit_code():
    text = help_of()
    codes = {
        cls.exit_code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ReconcileError)
    }
    assert codes == {1, 3, 5}
    # 2 and 6: --detailed-exitcode, 4: partial apply, 130: Ctrl-C
    for code in (*codes, 2, 4, 6, 130):
        assert f" {code} " in text, code


def test_config_defaults_are_described_per_command():
    for verb in ("validate", "plan", "apply"):
        assert "default: beside PATH" in help_of(verb), verb
        assert "current directory" in help_of(verb), verb
    assert "default: beside --path" in help_of("attest")
    assert "current directory" in help_of("export") and "PATH" not in help_of("export")


def test_allow_irreversible_does_not_claim_to_need_force():
    text = help_of("apply")
    assert "--allow-irreversible" in text and "(with --force)" not in text
