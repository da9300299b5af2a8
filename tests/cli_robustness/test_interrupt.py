"""Ctrl-C: exit 130 and "interrupted", also while the modules are still loading."""

from __future__ import annotations

import subprocess
import sys

# SIGINT delivered while `typer` is being imported by the CLI module: deterministic, unlike
# sending a signal after a guessed delay
_EARLY_INTERRUPT = """
import builtins, os, signal, sys
real_import = builtins.__import__
def interrupting_import(name, *args, **kwargs):
    if name == "typer":
        builtins.__import__ = real_import
        os.kill(os.getpid(), signal.SIGINT)
    return real_import(name, *args, **kwargs)
builtins.__import__ = interrupting_import
sys.argv = ["intacct-reconcile", "--version"]
from intacct_reconcile.cli import main
main()
"""


def test_ctrl_c_while_loading_exits_130_without_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _EARLY_INTERRUPT], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 130, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "interrupted"
