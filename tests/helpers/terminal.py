"""The CLI as a real process on a pseudo-terminal, and the person at that terminal.

The process's stdin, stdout and stderr are the terminal side of a pty, which is also its
controlling terminal (so Ctrl-C typed there is SIGINT), sized 40 rows by 120 columns.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path


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
        """Everything the process writes until it closes the terminal."""
        while self.read(5) is not None:
            pass
        return self.seen

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)


def _make_controlling_terminal() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@contextmanager
def cli_on_terminal(
    args: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], Terminal]]:
    """`intacct-reconcile ARGS` on a fresh pty; killed if still running when the block ends."""
    controller, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "intacct_reconcile", *args],
        stdin=side,
        stdout=side,
        stderr=side,
        cwd=cwd,
        env=None if env is None else dict(env),
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
