"""The confirmation prompt on a terminal (a pseudo-terminal drives a real process)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from .conftest import record


def apply_on_a_terminal(project: Path, answer: str) -> tuple[int, str, str]:
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "intacct_reconcile", "apply", str(project), "--quiet"],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        os.write(controller, f"{answer}\n".encode())
        out, err = process.communicate(timeout=120)
    finally:
        os.close(controller)
        os.close(terminal)
    return process.returncode, out, err


def test_terminal_user_is_asked_and_no_means_nothing_changes(project: Path, company):
    code, out, err = apply_on_a_terminal(project, "n")
    assert code == 1, out + err
    assert "Apply these changes?" in err
    assert "gl_accounts/2110" in err  # the plan is shown with the question
    assert "cancelled" in out
    assert record(company(), "GLACCOUNT", "2110") is None

    code, out, err = apply_on_a_terminal(project, "y")
    assert code == 0, out + err
    assert record(company(), "GLACCOUNT", "2110") is not None
