"""At a terminal, exporting into a folder with files asks first (a real pseudo-terminal)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

from e2e.conftest import copy_blueprint


def run_at_terminal(args: list[str], answer: str, cwd: Path) -> tuple[int, str]:
    """Run the CLI on a pty; answer its question once it is asked; return (exit code, output)."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "intacct_reconcile", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=cwd,
        close_fds=True,
    )
    os.close(slave)
    output = b""
    answered = False
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            if not answered and b"overwrite" in output:
                os.write(master, answer.encode() + b"\n")
                answered = True
            if proc.poll() is not None and not ready:
                break
        return proc.wait(timeout=60), output.decode("utf-8", "replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


def test_export_asks_before_writing_into_a_folder_with_files(tmp_path: Path):
    folder = copy_blueprint("leanix", tmp_path)
    out = tmp_path / "o"
    out.mkdir()
    (out / "roles.yaml").write_text("version: 1\n")
    args = [
        "export",
        "--kind",
        "roles",
        "--out",
        str(out),
        "--config",
        str(folder / "intacct-reconcile.yaml"),
        "-q",
    ]

    code, output = run_at_terminal(args, "n", tmp_path)
    assert code == 1, output
    assert "roles.yaml" in output and "cancelled" in output
    assert (out / "roles.yaml").read_text() == "version: 1\n"

    code, output = run_at_terminal(args, "y", tmp_path)
    assert code == 0, output
    assert "Administrator" in (out / "roles.yaml").read_text()
