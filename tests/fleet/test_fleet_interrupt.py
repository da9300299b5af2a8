"""A real Ctrl-C (SIGINT) or SIGTERM while a fleet apply writes to several companies at once.

The CLI runs as its own process against one sandbox served over HTTP with latency, hosting
three companies; two targets run at a time (as threads of the CLI process, or in two worker
processes). The signal is sent once both running targets have a write request in flight: each
gets its answer, nothing more is sent to any company, the third target never starts, and the
roll-up says per target what landed — as the sandbox does.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from intacct_reconcile.fleet import NOT_STARTED
from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.app import SandboxApp, make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.serve import served

# 21 create functions of 100 records per company, several per request; the requests of one
# call (independent creates) go two at a time, as the company's limit allows
ACCOUNTS = 2100
LATENCY_MS = 1500  # a write request is still in flight when the signal lands
COMPANIES = ["client-a", "client-b", "client-c"]
SESSION = re.compile(rb"<sessionid>([^<]+)</sessionid>")


class WriteWatch:
    """WSGI wrapper: notes which sessions (one per target) have sent a create request."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.sessions: set[bytes] = set()
        self.two_writing = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        found = SESSION.search(body)
        if b"<create>" in body and found:
            self.sessions.add(found.group(1))
            if len(self.sessions) >= 2:
                self.two_writing.set()
        return self.app(environ, start_response)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[tuple[SandboxApp, WriteWatch, Path]]:
    project = tmp_path / "intacct"
    project.mkdir()
    lines = ["version: 1", "gl_accounts:"]
    lines += [
        f'  "6{n:04d}": {{title: Account {n}, type: balance_sheet, normal_balance: debit, '
        "closing_type: non_closing}"
        for n in range(ACCOUNTS)
    ]
    (project / "accounts.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    app = make_app(str(tmp_path / "fleet.db"), SandboxOptions(latency_ms=LATENCY_MS))
    for name in COMPANIES:
        app.companies.create(name, seed="starter")
    watch = WriteWatch(app)
    try:
        with served(watch) as url:
            targets = "".join(f"  {n}: {{endpoint: '{url}', company_id: {n}}}\n" for n in COMPANIES)
            (project / "intacct-reconcile.yaml").write_text(f"targets:\n{targets}")
            yield app, watch, project
    finally:
        app.store.close()


def _accounts_in(app: SandboxApp, company: str) -> int:
    store = app.companies.get(company)
    assert store is not None
    _, rows = objects.query(store, "GLACCOUNT")
    return sum(1 for r in rows if str(r["ACCOUNTNO"]).startswith("6") and len(r["ACCOUNTNO"]) == 5)


@pytest.mark.parametrize(
    ("sig", "code", "workers"),
    [
        (signal.SIGINT, 130, "1"),
        (signal.SIGTERM, 143, "1"),
        # two worker processes (one target each): a terminal's Ctrl-C reaches the whole
        # process group; the workers leave it to the fleet process, which tells them
        (signal.SIGINT, 130, "2"),
    ],
)
def test_first_signal_stops_every_running_target_and_reports_what_landed(
    fleet: tuple[SandboxApp, WriteWatch, Path], sig: signal.Signals, code: int, workers: str
) -> None:
    app, watch, project = fleet
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTACCT_")}
    command = [sys.executable, "-m", "intacct_reconcile", "apply", str(project), "--target"]
    command += ["all", "--auto-approve", "--parallel-targets", "2", "--format", "json"]
    process = subprocess.Popen(
        [*command, "--workers", workers],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert watch.two_writing.wait(timeout=120), "two targets never wrote at once"
        if workers == "1":
            process.send_signal(sig)
        else:
            os.killpg(process.pid, sig)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == code, err
    assert "Traceback" not in err
    assert "stopping:" in err
    rows = {r["target"]: r for r in json.loads(out)["targets"]}
    running = [n for n in COMPANIES if rows[n]["applied"] is not None]
    assert len(running) == 2, rows
    for name in running:
        row = rows[name]
        # the request in flight got its answer; what was not sent yet never left
        assert row["exit_code"] == code and not row["ok"]
        assert row["applied"] % 100 == 0 and 100 <= row["applied"] < ACCOUNTS
        assert row["applied"] + row["failed"] == ACCOUNTS
        assert _accounts_in(app, name) == row["applied"]
    (waiting,) = set(COMPANIES) - set(running)
    assert rows[waiting]["exit_code"] == code and rows[waiting]["error"] == NOT_STARTED
    assert _accounts_in(app, waiting) == 0
