"""Terminal conventions: colour decided by rich (NO_COLOR, FORCE_COLOR, TERM=dumb, --no-color),
shell completion, and the verbs talking through a Ui object instead of printing themselves."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intacct_reconcile import workflow
from intacct_reconcile.cli import app

from .conftest import AnsweringUi, record

SRC = Path(__file__).resolve().parents[2] / "src" / "intacct_reconcile"
ESCAPE = "\x1b["


def _plan(project: Path, *flags: str, env: dict[str, str]) -> str:
    base = {"NO_COLOR": None, "FORCE_COLOR": None, "TERM": "xterm-256color"}
    result = CliRunner().invoke(app, [*flags, "plan", str(project), "--quiet"], env={**base, **env})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_force_color_colours_even_a_pipe(project: Path) -> None:
    out = _plan(project, env={"FORCE_COLOR": "1"})
    assert ESCAPE in out and "create gl_accounts/2110" in out


@pytest.mark.parametrize(
    ("flags", "env"),
    [
        ((), {}),  # a pipe: plain
        ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}),
        (("--no-color",), {"FORCE_COLOR": "1"}),
        ((), {"FORCE_COLOR": "1", "TERM": "dumb"}),
    ],
)
def test_no_colour_when_asked_or_not_a_colour_terminal(
    project: Path, flags: tuple[str, ...], env: dict[str, str]
) -> None:
    out = _plan(project, *flags, env=env)
    assert ESCAPE not in out and "create gl_accounts/2110" in out


def test_no_hand_written_escape_codes_in_the_source() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for path in SRC.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\\x1b|\\033|\\u001b|\\e\[", line)
    ]
    assert offenders == []


def test_shell_completion_is_offered() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--install-completion" in result.output and "--show-completion" in result.output


def test_workflow_does_not_import_typer() -> None:
    probe = "import sys, intacct_reconcile.workflow; print('typer' in sys.modules)"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "False"


def test_the_plan_is_shown_before_the_question_and_no_means_no(project: Path, company) -> None:
    ui = AnsweringUi(lambda: False)
    outcome = workflow.apply(project, quiet=True, ui=ui, by="tester")
    assert ui.questions == [workflow.CONFIRM_QUESTION]
    assert any("create gl_accounts/2110" in n for n in ui.notes)  # shown before asking
    assert outcome.exit_code == 1 and "nothing was changed" in outcome.output
    assert record(company(), "GLACCOUNT", "2110") is None


def test_ctrl_c_at_the_question_is_an_interruption_not_a_no(project: Path, company) -> None:
    def interrupted() -> bool:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt, match="nothing was changed"):
        workflow.apply(project, quiet=True, ui=AnsweringUi(interrupted), by="tester")
    assert record(company(), "GLACCOUNT", "2110") is None
