"""kill -9 of a real `apply` process while its first write request is in flight.

The sandbox is served over HTTP with latency, so the kill lands while the first request
(1,000 records) is on its way. The write-ahead journal must already hold an intent for each
of those 1,000 changes (and none for the 900 never sent); the next plan and apply say that an
earlier apply never finished and which changes may or may not have landed; an apply that
finishes settles it; the hash chain survives the kill.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.engine_io.served import served_sandbox

from intacct_reconcile import audit

ACCOUNTS = 1900  # two write requests: 1,000 records, then 900
LATENCY_MS = 1500  # the first request is still in flight when the kill lands
CLI = [sys.executable, "-m", "intacct_reconcile"]


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    project = tmp_path / "intacct"
    project.mkdir()
    lines = ["version: 1", "gl_accounts:"]
    lines += [
        f'  "6{n:04d}": {{title: Account {n}, type: balance_sheet, normal_balance: debit, '
        "closing_type: non_closing}"
        for n in range(ACCOUNTS)
    ]
    (project / "accounts.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with served_sandbox(tmp_path / "served.db", latency_ms=LATENCY_MS, concurrency=0) as (_, url):
        (project / "intacct-reconcile.yaml").write_text(
            f'default_target: local\ntargets:\n  local: {{endpoint: "{url}", company_id: DEMO}}\n',
            encoding="utf-8",
        )
        yield project


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("INTACCT_")}


def _kill_mid_apply(project: Path) -> None:
    process = subprocess.Popen(
        [*CLI, "apply", str(project), "--auto-approve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:  # plain progress lines: stderr is not a terminal
        seen.append(line)
        if line.startswith("write GLACCOUNT: 0/"):  # the first request is on its way
            process.send_signal(signal.SIGKILL)
            break
    else:
        process.kill()
        raise AssertionError("the writes never started:\n" + "".join(seen))
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=300, env=_env(), cwd=project
    )


def test_kill_9_leaves_intents_and_the_next_run_reports_the_unfinished_apply(project: Path):
    _kill_mid_apply(project)

    # the journal holds the truth: 1,000 intents sent, no answer, no end; 900 never sent
    (killed,) = audit.applies(project)
    assert not killed.finished
    assert len(killed.intents) == 1000 and not killed.outcomes
    assert killed.unanswered() == [f"gl_accounts/6{n:04d}" for n in range(1000)]
    assert "gl_accounts/61000" not in killed.final()
    verified = _run(project, "audit", "verify", "--path", str(project))
    assert verified.returncode == 0, verified.stderr  # the chain survives the kill

    # the next plan says so: a warning on stderr and a JSON field
    planned = _run(project, "plan", str(project), "--format", "json", "--quiet")
    assert planned.returncode == 0, planned.stderr
    assert "an earlier apply to local" in planned.stderr
    assert "never finished" in planned.stderr and "1000 change(s)" in planned.stderr
    assert "may or may not have landed: gl_accounts/60000," in planned.stderr
    assert "A fresh plan reads live state" in planned.stderr
    (reported,) = json.loads(planned.stdout)["unfinished_applies"]
    assert reported["apply"] == killed.apply_id and len(reported["unknown"]) == 1000
    assert reported["applied"] == [] and reported["audit_log_line"] == 1

    # an apply that finishes reports it too, then settles it
    applied = _run(project, "apply", str(project), "--auto-approve", "--format", "json")
    assert applied.returncode == 0, applied.stderr
    assert "never finished" in applied.stderr
    assert len(json.loads(applied.stdout)["unfinished_applies"]) == 1
    after = _run(project, "plan", str(project), "--format", "json", "--quiet")
    assert "never finished" not in after.stderr
    assert json.loads(after.stdout)["unfinished_applies"] == []
    assert _run(project, "audit", "verify", "--path", str(project)).returncode == 0
