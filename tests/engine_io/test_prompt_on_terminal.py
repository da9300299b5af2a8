"""The confirmation prompt on a real pseudo-terminal: nothing redraws it while it waits.

The CLI runs as a real process whose stdin, stdout and stderr are the terminal side of a pty
(and its controlling terminal, so Ctrl-C is a keystroke). A plan big enough that reading live
state shows the progress display; the prompt must then stand alone: no byte may reach the
terminal between the question and the answer.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers.manifests import write_gl_accounts
from helpers.terminal import Terminal, cli_on_terminal

from .conftest import record

PROMPT = b"Apply these changes? [y/N]: "
ACCOUNTS = 300  # enough creates that the plan scrolls and the read shows progress
QUIET_WINDOW_S = 1.5  # a progress display redraws ~10 times a second: it would show here


def _accounts_manifest(project: Path) -> None:
    write_gl_accounts(project / "many_accounts.yaml", [f"91{n:03d}" for n in range(ACCOUNTS)])


@contextmanager
def apply_on_terminal(project: Path) -> Iterator[tuple[subprocess.Popen[bytes], Terminal]]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    with cli_on_terminal(["apply", str(project)], env=env) as running:
        yield running


def _wait_for_prompt_then_silence(terminal: Terminal) -> bytes:
    shown = terminal.read_until(PROMPT)
    assert shown.endswith(PROMPT), f"something was written after the prompt: {shown[-300:]!r}"
    after = terminal.read(QUIET_WINDOW_S)
    assert after == b"", f"the terminal changed while the question waited: {after!r}"
    return shown


@pytest.mark.parametrize(("key", "applied", "code"), [(b"y\r", True, 0), (b"n\r", False, 1)])
def test_prompt_stands_alone_until_answered(
    project: Path, company, key: bytes, applied: bool, code: int
) -> None:
    _accounts_manifest(project)
    with apply_on_terminal(project) as (process, terminal):
        shown = _wait_for_prompt_then_silence(terminal)
        # the whole plan is above the question, its last line included
        assert b"create gl_accounts/91299" in shown
        terminal.type(key)
        rest = terminal.drain()
        assert process.wait(timeout=120) == code, rest.decode(errors="replace")
    assert (record(company(), "GLACCOUNT", "91299") is not None) is applied
    if not applied:
        assert b"apply cancelled: nothing was changed" in rest


def test_ctrl_c_at_the_prompt_exits_130_and_changes_nothing(project: Path, company) -> None:
    _accounts_manifest(project)
    with apply_on_terminal(project) as (process, terminal):
        _wait_for_prompt_then_silence(terminal)
        terminal.type(b"\x03")  # the terminal turns it into SIGINT for the process
        rest = terminal.drain()
        assert process.wait(timeout=120) == 130, rest.decode(errors="replace")
    text = rest.decode(errors="replace")
    assert "interrupted: nothing was changed" in text
    assert "Aborted" not in text and "Traceback" not in text
    assert record(company(), "GLACCOUNT", "91000") is None


def test_sigterm_at_the_prompt_exits_143(project: Path, company) -> None:
    _accounts_manifest(project)
    with apply_on_terminal(project) as (process, terminal):
        _wait_for_prompt_then_silence(terminal)
        process.send_signal(signal.SIGTERM)
        rest = terminal.drain()
        assert process.wait(timeout=120) == 143, rest.decode(errors="replace")
    assert b"interrupted: nothing was changed" in rest
    assert record(company(), "GLACCOUNT", "91000") is None
