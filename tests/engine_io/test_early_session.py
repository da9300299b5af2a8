"""`apply` asks for its API session before the engine loads (early_session.py).

The session needs only the config and the target: it is sent before the kinds, the planner
and the renderers are imported, and the reads and writes of the apply use it (one sign-in).
Whatever must have its say first (a saved plan file, a config that does not load) sends
nothing early.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from intacct_reconcile import early_session
from intacct_reconcile.early_session import LateProgress
from intacct_reconcile.sandbox import company as sandbox_company

from .served import point_at, served_sandbox

CREDENTIALS = {
    "INTACCT_SENDER_ID": "intacct_reconcile",
    "INTACCT_COMPANY_ID": "DEMO",
    "INTACCT_SENDER_PASSWORD": "Snd-Pw-right-0001",
    "INTACCT_USER_ID": "admin",
    "INTACCT_USER_PASSWORD": "Usr-Pw-right-0003",
}
ENGINE = (
    "intacct_reconcile.kinds",
    "intacct_reconcile.planner",
    "intacct_reconcile.workflow",
    "intacct_reconcile.render",
    "intacct_reconcile.applier",
)


def _entries(log: Path) -> list[dict[str, object]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def _sign_ins(log: Path) -> int:
    return sum("getAPISession" in str(e["functions"]) for e in _entries(log))


@contextmanager
def _served(tmp_path: Path, project: Path, log: Path) -> Iterator[None]:
    """The project's default target: a sandbox served over HTTP, logging its requests."""
    with served_sandbox(tmp_path / "served.db", log_path=str(log)) as (app, url):
        sandbox_company.set_sender_password(app.store, "intacct_reconcile", "Snd-Pw-right-0001")
        sandbox_company.set_user_password(app.store, "admin", "Usr-Pw-right-0003")
        point_at(project, url)
        yield


def test_the_session_is_asked_for_before_the_engine_is_imported(project: Path, tmp_path: Path):
    """In a fresh interpreter, as the command line runs it: the session has been answered
    while none of the engine's modules is loaded yet."""
    log = tmp_path / "requests.jsonl"
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        import intacct_reconcile.cli
        from intacct_reconcile import early_session
        early = early_session.start(
            Path({str(project)!r}), config=None, target=None, concurrency=None, sandbox=False
        )
        failed = early.ahead._signed_in()
        loaded = [m for m in {ENGINE!r} if m in sys.modules]
        early.stack.close()
        print(json.dumps({{"failed": repr(failed) if failed else None, "loaded": loaded}}))
        """
    )
    with _served(tmp_path, project, log):
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **CREDENTIALS},
        )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome == {"failed": None, "loaded": []}
    assert _sign_ins(log) == 1


def test_an_apply_signs_in_once_for_its_reads_writes_and_verification(
    cli, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    log = tmp_path / "requests.jsonl"
    with _served(tmp_path, project, log):
        result = cli("apply", project, "--auto-approve", "--quiet", "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    statuses = {r["status"] for r in report["results"] if r["action"] != "manual"}
    assert statuses == {"applied"}
    assert _sign_ins(log) == 1
    assert len(_entries(log)) > 3  # reads, writes and the re-read went over that session


def test_a_saved_plan_or_a_config_that_does_not_load_sends_nothing_early(
    project: Path, tmp_path: Path
):
    log = tmp_path / "requests.jsonl"
    with _served(tmp_path, project, log):
        plan_file = tmp_path / "saved.json"
        plan_file.write_text("{}", encoding="utf-8")
        broken = tmp_path / "broken.yaml"
        broken.write_text("targets: [\n", encoding="utf-8")
        for path, config in ((plan_file, None), (project, broken), (tmp_path / "none", None)):
            started = early_session.start(
                path, config=config, target=None, concurrency=None, sandbox=False
            )
            assert started is None, path
    assert _entries(log) == []


def test_progress_said_before_the_display_exists_is_shown_there_in_order():
    late = LateProgress()
    shown: list[str] = []

    class Display:
        def __call__(self, event: object) -> None:
            shown.append(f"event {event}")

        def step(self, message: str) -> None:
            shown.append(f"step {message}")

    late("retrying")
    late.step("signing in")
    assert shown == []
    late.attach(Display())
    late.step("reading")
    assert shown == ["event retrying", "step signing in", "step reading"]
