"""A real Ctrl-C (SIGINT) or SIGTERM while 1,900 creates are being written.

The CLI runs as its own process against a sandbox served over HTTP with latency, so the first
request (1,000 records) is in flight when the signal arrives. The first signal lets that
request finish and sends nothing more: the screen and the audit log then say exactly which
changes were applied and which were never attempted, and the sandbox agrees.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.engine_io.served import served_sandbox

from helpers.manifests import write_gl_accounts
from intacct_reconcile import audit
from intacct_reconcile.sandbox import objects

ACCOUNTS = 1900  # two write requests: 1,000 records (10 functions of 100), then 900
LATENCY_MS = 1500  # the first request is still in flight when the signal lands


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[object, Path]]:
    project = tmp_path / "intacct"
    project.mkdir()
    write_gl_accounts(project / "accounts.yaml", [f"6{n:04d}" for n in range(ACCOUNTS)])
    with served_sandbox(tmp_path / "served.db", latency_ms=LATENCY_MS, concurrency=0) as (
        app,
        url,
    ):
        (project / "intacct-reconcile.yaml").write_text(
            f'default_target: local\ntargets:\n  local: {{endpoint: "{url}", company_id: DEMO}}\n',
            encoding="utf-8",
        )
        yield app, project


def _apply_and_signal(project: Path, *signals: signal.Signals) -> tuple[int, str, str]:
    """Start `apply`, send the signals once the first write request is on its way."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTACCT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "intacct_reconcile", "apply", str(project), "--auto-approve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:  # plain progress lines: stderr is not a terminal
        seen.append(line)
        if line.startswith("write GLACCOUNT: 0/"):
            process.send_signal(signals[0])
            break
    else:
        process.kill()
        raise AssertionError("the writes never started:\n" + "".join(seen))
    for extra in signals[1:]:
        for line in process.stderr:
            seen.append(line)
            if line.startswith("stopping:"):
                process.send_signal(extra)
                break
    out, err = process.communicate(timeout=120)
    return process.returncode, out, "".join(seen) + err


def _audited(project: Path) -> dict[str, str]:
    return audit.applies(project)[-1].final()


def _in_sandbox(app: object) -> set[str]:
    _, rows = objects.query(app.store, "GLACCOUNT")  # type: ignore[attr-defined]
    return {f"gl_accounts/{r['ACCOUNTNO']}" for r in rows}


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_first_signal_finishes_the_request_in_flight_and_says_what_landed(
    served: tuple[object, Path], sig: signal.Signals, code: int
) -> None:
    app, project = served
    exit_code, out, err = _apply_and_signal(project, sig)
    assert exit_code == code, err
    assert "Traceback" not in err
    assert "interrupted: 1000 applied, 0 failed, 900 not attempted" in err
    assert "INTERRUPTED" in out and "1000 applied, 0 failed, 900 not attempted" in out
    statuses = _audited(project)
    assert Counter(statuses.values()) == {"applied": 1000, "not_attempted": 900}
    applied = {ref for ref, status in statuses.items() if status == "applied"}
    # the log tells the truth: exactly the applied ones are in Intacct
    assert applied == _in_sandbox(app) & set(statuses)
    assert f"applied: create {sorted(applied)[0]}" in out
    never = sorted(ref for ref, status in statuses.items() if status == "not_attempted")
    assert f"not attempted: create {never[0]}" in out


def test_second_ctrl_c_stops_at_once_and_names_the_changes_in_flight(
    served: tuple[object, Path],
) -> None:
    app, project = served
    exit_code, out, err = _apply_and_signal(project, signal.SIGINT, signal.SIGINT)
    assert exit_code == 130, err
    assert "Traceback" not in err
    statuses = _audited(project)
    # the first request's 1,000 were sent with no answer; the other 900 never left
    assert Counter(statuses.values()) == {"interrupted": 1000, "not_attempted": 900}
    never = {ref for ref, status in statuses.items() if status == "not_attempted"}
    assert not never & _in_sandbox(app)
    assert "1000 sent without answer" in err
    assert "? interrupted: create gl_accounts/60000" in out
    assert "Intacct's answer never came" in out
