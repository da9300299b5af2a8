"""The confirmation prompt on a real pseudo-terminal: nothing redraws it while it waits.

The CLI runs as a real process whose stdin, stdout and stderr are the terminal side of a pty
(and its controlling terminal, so Ctrl-C is a keystroke). A plan big enough that reading live
state shows the progress display; the prompt must then stand alone: no byte may reach the
terminal between the question and the answer.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import record

PROMPT = b"Apply these changes? [y/N]: "
ACCOUNTS = 300  # enough creates that the plan scrolls and the read shows progress
QUIET_WINDOW_S = 1.5  # a progress display redraws ~10 times a second: it would show here


def _accounts_manifest(project: Path) -> None:
    lines = ["version: 1", "gl_accounts:"]
    lines += [
        f'  "91{n:03d}": {{title: Account {n}, type: balance_sheet, normal_balance: debit, '
        "closing_type: non_closing}"
        for n in range(ACCOUNTS)
    ]
    (project / "many_accounts.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


class Terminal:
    """The controller side of a pty: what the person types and sees."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.seen = b""

    def read_until(self, wanted: bytes, timeout: float = 120) -> bytes:
        deadline = time.monotonic() + timeout
        while wanted not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"never saw {wanted!r}; terminal ends:\n{self.seen[-2000:]!r}")
            chunk = self.read(left)
            if chunk is None:
                raise AssertionError(f"closed before {wanted!r}:\n{self.seen[-2000:]!r}")
        return self.seen

    def read(self, wait: float) -> bytes | None:
        """Bytes written within `wait` seconds (b"" if none); None once the process is gone."""
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return b""
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: every holder of the terminal side has closed it
            return None
        self.seen += chunk
        return chunk if chunk else None

    def drain(self) -> bytes:
        while self.read(5) is not None:
            pass
        return self.seen

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)


def _make_controlling_terminal() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@contextmanager
def apply_on_terminal(project: Path) -> Iterator[tuple[subprocess.Popen[bytes], Terminal]]:
    controller, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    process = subprocess.Popen(
        [sys.executable, "-m", "intacct_reconcile", "apply", str(project)],
        stdin=side,
        stdout=side,
        stderr=side,
        env=env,
        preexec_fn=_make_controlling_terminal,
    )
    os.close(side)
    try:
        yield process, Terminal(controller)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=60)
        os.close(controller)


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
