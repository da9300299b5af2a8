"""One apply per target: two real apply processes against one served company.

The first apply is suspended (SIGSTOP) while it holds the target's lock, so the second one
meets the lock for certain, without guessing delays; then it resumes and finishes alone.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from intacct_reconcile.locks import lock_path

from .served import point_at, served_sandbox
from .test_served import assert_no_duplicates

CLI = [sys.executable, "-m", "intacct_reconcile"]

# holds the lock file with a flock, as an apply on another host of a shared filesystem would
_FOREIGN_HOLDER = """
import fcntl, json, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
holder = {"pid": 4242, "host": "ci-runner-7", "user": "deploy",
          "started_at": "2026-12-01T09:00:00+00:00"}
os.write(fd, json.dumps(holder).encode())
print("held", flush=True)
sys.stdin.read()
"""


def apply_command(project: Path) -> list[str]:
    return [*CLI, "apply", str(project), "--auto-approve", "--quiet"]


def wait_for_holder(path: Path, pid: int, process: subprocess.Popen[bytes]) -> dict:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.communicate()
        try:
            holder = json.loads(path.read_text() or "{}")
        except (OSError, ValueError):
            holder = {}
        if holder.get("pid") == pid:
            return holder
        assert time.monotonic() < deadline, "the first apply never took the lock"
        time.sleep(0.02)


def test_a_second_apply_is_refused_while_the_first_holds_the_lock(project: Path, tmp_path: Path):
    with served_sandbox(tmp_path / "served.db", latency_ms=50) as (app, url):
        point_at(project, url)
        lock = lock_path(project, "local")
        first = subprocess.Popen(
            apply_command(project), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            holder = wait_for_holder(lock, first.pid, first)
            first.send_signal(signal.SIGSTOP)  # holds the lock, mid-apply, for as long as needed
            assert holder["host"] == socket.gethostname() and holder["target"] == "local"

            second = subprocess.run(
                apply_command(project), capture_output=True, text=True, timeout=120
            )
            assert second.returncode == 1, second.stdout + second.stderr
            assert "target 'local' is locked" in second.stderr
            assert f"pid {first.pid} on {socket.gethostname()}" in second.stderr
            assert "intacct-reconcile unlock --target local" in second.stderr
            assert "Traceback" not in second.stderr

            # unlock refuses to break the lock of a live apply on this host
            refused = subprocess.run(
                [*CLI, "unlock", "--target", "local", "--path", str(project)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert refused.returncode == 1 and "still running" in refused.stderr, refused.stderr

            first.send_signal(signal.SIGCONT)
            out, err = first.communicate(timeout=120)
        finally:
            first.kill()
        assert first.returncode == 0, out.decode() + err.decode()
        assert_no_duplicates(app.store)
        assert lock.read_text() == ""  # the holder is cleared when the apply ends


def test_a_killed_apply_leaves_no_lock_behind(project: Path, tmp_path: Path):
    with served_sandbox(tmp_path / "served.db", latency_ms=50) as (app, url):
        point_at(project, url)
        lock = lock_path(project, "local")
        first = subprocess.Popen(
            apply_command(project), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            wait_for_holder(lock, first.pid, first)
            first.send_signal(signal.SIGSTOP)
            first.send_signal(signal.SIGKILL)  # the flock dies with its process
            first.wait(timeout=60)
        finally:
            first.kill()
        rerun = subprocess.run(apply_command(project), capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert_no_duplicates(app.store)


def test_unlock_breaks_a_lock_whose_holder_is_on_another_host(project: Path, tmp_path: Path):
    with served_sandbox(tmp_path / "served.db") as (app, url):
        point_at(project, url)
        lock = lock_path(project, "local")
        lock.parent.mkdir(parents=True)
        holder = subprocess.Popen(
            [sys.executable, "-c", _FOREIGN_HOLDER, str(lock)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
            busy = subprocess.run(
                apply_command(project), capture_output=True, text=True, timeout=120
            )
            assert busy.returncode == 1
            assert "pid 4242 on ci-runner-7 (user deploy" in busy.stderr, busy.stderr

            broken = subprocess.run(
                [*CLI, "unlock", "--target", "local", "--path", str(project)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert broken.returncode == 0, broken.stderr
            assert "broke the lock" in broken.stdout and "ci-runner-7" in broken.stdout

            # the old holder still has its flock, on a file that is no longer the lock
            applied = subprocess.run(
                apply_command(project), capture_output=True, text=True, timeout=120
            )
            assert applied.returncode == 0, applied.stdout + applied.stderr
            assert_no_duplicates(app.store)
        finally:
            holder.kill()
            holder.wait(timeout=30)
        assert os.path.exists(lock)
