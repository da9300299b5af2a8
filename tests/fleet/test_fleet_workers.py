"""A fleet's targets in worker processes (`--workers N`), the CLI run as a real process against
one sandbox served over HTTP hosting several companies: the same roll-up as in one process,
a company with wrong credentials failing alone, a worker killed outright failing only the
targets it was running, and a real Ctrl-C (to the whole process group, as a terminal sends
it) or SIGTERM stopping the fleet with the rows of the targets that were running."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.fleet.conftest import write_project

from intacct_reconcile.fleet_workers import LOST
from intacct_reconcile.sandbox.app import SandboxApp, make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.serve import served

COMPANY = re.compile(rb"<companyid>([^<]+)</companyid>")


class Logins:
    """WSGI wrapper: the companies signed in to so far, in order (a target's first request)."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.companies: list[str] = []
        self.lock = threading.Lock()
        self.two = threading.Event()
        self.busy = 0  # requests being answered (a killed client's may still be)
        self.idle = threading.Condition(self.lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        found = COMPANY.search(body)
        if found:
            with self.lock:
                name = found.group(1).decode()
                if name not in self.companies:
                    self.companies.append(name)
                if len(self.companies) >= 2:
                    self.two.set()
        with self.lock:
            self.busy += 1
        try:
            return list(self.app(environ, start_response))
        finally:
            with self.lock:
                self.busy -= 1
                self.idle.notify_all()

    def wait_idle(self) -> None:
        with self.lock:
            self.idle.wait_for(lambda: self.busy == 0, timeout=30)


def _serve(tmp_path: Path, names: list[str], latency_ms: float) -> Iterator[tuple[Logins, str]]:
    app = make_app(str(tmp_path / "fleet.db"), SandboxOptions(latency_ms=latency_ms))
    for name in names:
        app.companies.create(name, seed="starter")
    logins = Logins(app)
    try:
        with served(logins) as url:
            yield logins, url
            logins.wait_idle()  # before the database closes under a request in flight
    finally:
        app.store.close()


@pytest.fixture
def quick(tmp_path: Path) -> Iterator[tuple[Logins, str]]:
    yield from _serve(tmp_path, [f"client-{c}" for c in "abcde"] + ["locked-out"], 0)


@pytest.fixture
def slow(tmp_path: Path) -> Iterator[tuple[Logins, str]]:
    # a target's requests take long enough for a signal to land while two of them run
    yield from _serve(tmp_path, [f"client-{c}" for c in "abcd"], 400)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTACCT_")}
    env["HOME"] = "/nonexistent-home"  # no ~/.intacct/credentials.ini
    return {**env, **extra}


def _cli(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "intacct_reconcile", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def _workers_of(pid: int) -> list[int]:
    """The fleet's worker processes: children of `pid` started by multiprocessing's spawn."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_bytes()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(b")", 1)[1].split()[1]) == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


@contextmanager
def two_targets_running(
    tmp_path: Path, url: str, logins: Logins, *args: str, own_group: bool = False
) -> Iterator[tuple[subprocess.Popen[str], list[int]]]:
    """`plan --target all --workers 2 --parallel-targets 2 ARGS` over four companies, run as a
    real process (in a process group of its own with `own_group`, as a terminal's foreground
    job), held until two targets have signed in; yields it and its two workers, and kills it at
    the end if the test left it running."""
    names = [f"client-{c}" for c in "abcd"]
    project = write_project(tmp_path / "p", dict.fromkeys(names, url))
    command = [sys.executable, "-m", "intacct_reconcile", "plan", str(project), "--target"]
    command += ["all", "--workers", "2", "--parallel-targets", "2", *args]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=tmp_path,
        start_new_session=own_group,
    )
    try:
        assert logins.two.wait(timeout=120), "two targets never started"
        workers = _workers_of(process.pid)
        assert len(workers) == 2, workers
        yield process, workers
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return True
    return state == b"Z"  # ended, not reaped yet


def test_workers_give_the_roll_up_of_one_process_and_a_bad_login_fails_alone(
    tmp_path: Path, quick: tuple[Logins, str]
) -> None:
    _, url = quick
    names = [f"client-{c}" for c in "abcde"] + ["locked-out"]
    project = write_project(tmp_path / "p", dict.fromkeys(names, url))
    secret = "pw-Wq27x-not-the-password"
    env = _env(INTACCT_LOCKED_OUT_USER_PASSWORD=secret)
    runs = {}
    for workers in ("1", "3"):
        out = tmp_path / f"plans-{workers}"
        runs[workers] = _cli(
            "plan", project, "--target", "all", "--format", "json", "--out-dir", out,
            "--workers", workers, "--parallel-targets", "3", env=env,
        )  # fmt: skip

    one, three = runs["1"], runs["3"]
    assert three.returncode == one.returncode == 1, three.stderr  # the bad login: an error
    rows = json.loads(three.stdout)["targets"]
    assert [r["target"] for r in rows] == sorted(names)

    def without_paths(stdout: str) -> list[dict[str, Any]]:
        return [
            {**r, "plan_file": Path(r["plan_file"]).name} for r in json.loads(stdout)["targets"]
        ]

    assert without_paths(three.stdout) == without_paths(one.stdout)
    by_name = {r["target"]: r for r in rows}
    assert not by_name["locked-out"]["ok"]
    assert "refused the sign-in" in by_name["locked-out"]["error"]
    assert all(by_name[n]["ok"] and by_name[n]["creates"] == 2 for n in names if n != "locked-out")
    # one line per target streamed on stderr as it finished, in the worker processes
    assert sorted(line.split(":")[0] for line in three.stderr.splitlines() if ": " in line) == (
        sorted(names)
    )
    for name in names[:-1]:
        saved = json.loads((tmp_path / "plans-3" / f"{name}.plan.json").read_text())
        assert saved["target"]["name"] == name
    assert not (tmp_path / "plans-3" / "locked-out.plan.json").exists()
    assert secret not in three.stdout + three.stderr


def test_a_killed_worker_fails_only_the_targets_it_was_running(
    tmp_path: Path, slow: tuple[Logins, str]
) -> None:
    logins, url = slow
    names = [f"client-{c}" for c in "abcd"]
    with two_targets_running(tmp_path, url, logins, "--format", "json") as (process, workers):
        with logins.lock:
            running = list(logins.companies)
        os.kill(workers[0], signal.SIGKILL)
        out, err = process.communicate(timeout=120)

    assert process.returncode == 1, err
    assert "Traceback" not in err
    rows = {r["target"]: r for r in json.loads(out)["targets"]}
    assert sorted(rows) == names  # every target has its row
    lost = [n for n, r in rows.items() if not r["ok"]]
    # the killed worker was running one target (one thread each): that one fails, alone
    assert len(lost) == 1 and lost[0] in running, (lost, running)
    assert rows[lost[0]]["error"] == LOST.format(code=-signal.SIGKILL)
    assert all(r["creates"] == 2 for n, r in rows.items() if n not in lost)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_a_fleet_plan_in_workers_with_the_rows_of_the_running_targets(
    tmp_path: Path, slow: tuple[Logins, str], sig: signal.Signals, code: int
) -> None:
    logins, url = slow
    with two_targets_running(tmp_path, url, logins, "--out-dir", "plans", own_group=True) as (
        process,
        workers,
    ):
        if sig == signal.SIGINT:
            os.killpg(process.pid, sig)  # Ctrl-C: the terminal signals the whole group
        else:
            process.send_signal(sig)  # `kill`: the fleet process alone
        started = time.monotonic()
        out, err = process.communicate(timeout=120)
        stopped_after = time.monotonic() - started

    assert process.returncode == code, err
    assert "Traceback" not in err and err.rstrip().endswith("interrupted")
    with logins.lock:
        touched = list(logins.companies)
    assert len(touched) == 2, touched  # no target started after the signal
    # each target that was running finished and printed its line; no roll-up table
    lines = sorted(line for line in out.splitlines() if line.strip())
    assert [line.split(":")[0] for line in lines] == sorted(touched), out
    assert all("2 to create" in line for line in lines)
    assert sorted(p.name for p in (tmp_path / "plans").glob("*.plan.json")) == [
        f"{n}.plan.json" for n in sorted(touched)
    ]
    assert "target    creates" not in out
    assert stopped_after < 60
    assert all(_gone(pid) for pid in workers)  # no worker left behind


def test_reviewed_plans_applied_in_workers_converge(
    tmp_path: Path, quick: tuple[Logins, str]
) -> None:
    _, url = quick
    names = [f"client-{c}" for c in "abcde"]
    project = write_project(tmp_path / "p", dict.fromkeys(names, url))
    plans = tmp_path / "plans"
    planned = _cli("plan", project, "--target", "client-*", "--out-dir", plans, "--workers", "2",
                   env=_env())  # fmt: skip
    assert planned.returncode == 0, planned.stderr

    applied = _cli("apply", plans, "--format", "json", "--workers", "2", env=_env())

    assert applied.returncode == 0, applied.stderr
    rows = json.loads(applied.stdout)["targets"]
    assert [(r["target"], r["ok"], r["applied"]) for r in rows] == [(n, True, 2) for n in names]
    # the workers appended to one audit log at once: its chain is whole, every apply in it
    verified = _cli("audit", "verify", "--path", project, env=_env())
    assert verified.returncode == 0, verified.stdout + verified.stderr
    log = (project / ".intacct-reconcile" / "audit.log").read_text().splitlines()
    assert {json.loads(line).get("target") for line in log} >= set(names)
    again = _cli("plan", project, "--target", "client-*", "--detailed-exitcode", "--workers",
                 "2", "--format", "json", env=_env())  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["summary"]["with_changes"] == 0


def test_one_more_ctrl_c_ends_the_workers_at_once(tmp_path: Path, slow: tuple[Logins, str]) -> None:
    logins, url = slow
    with two_targets_running(tmp_path, url, logins, own_group=True) as (process, workers):
        os.killpg(process.pid, signal.SIGINT)  # the running targets would be waited for...
        time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)  # ...but asked again: stop at once
        out, err = process.communicate(timeout=120)

    assert process.returncode == 130, err
    assert "Traceback" not in err and err.rstrip().endswith("interrupted")
    assert all(_gone(pid) for pid in workers)  # killed and reaped before the CLI ended
    with logins.lock:
        assert len(logins.companies) == 2  # nothing started after the first Ctrl-C
    assert "target    creates" not in out


def test_workers_keep_the_runs_time_limit(tmp_path: Path, slow: tuple[Logins, str]) -> None:
    _, url = slow
    names = [f"client-{c}" for c in "abcd"]
    project = write_project(tmp_path / "p", dict.fromkeys(names, url))

    result = _cli("plan", project, "--target", "all", "--format", "json", "--workers", "2",
                  "--parallel-targets", "4", "--timeout", "0.3", env=_env())  # fmt: skip

    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)["targets"]
    assert [r["target"] for r in rows] == names
    assert all(not r["ok"] and "--timeout" in r["error"] for r in rows), rows
