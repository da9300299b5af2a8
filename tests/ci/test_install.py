"""The CI files install a tool that runs: the workflow's `pip install git+REPO@REF` line and the
action's install step, run for real into fresh virtual environments (this repository stands in
for the one on GitHub: git+file at the commit checked out here; dependencies from the index)."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

from .ci_files import ACTION, REPO, WORKFLOW, load, run_script, step_named

COMPOSITE_SHELL = "bash --noprofile --norc -eo pipefail {0}"


def head_commit() -> str:
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_workflow_installs_the_pinned_commit_from_git(tmp_path: Path) -> None:
    workflow = load(WORKFLOW)
    runner_python = tmp_path / "setup-python"  # what actions/setup-python puts on PATH
    venv.create(runner_python, with_pip=True)
    run = run_script(
        step_named(workflow, "plan", "Install intacct-reconcile")["run"],
        cwd=tmp_path,
        env={
            "PATH": f"{runner_python / 'bin'}:/usr/bin:/bin",
            # a netloc, as in the https URL: pip rejects git+file:/// requirement URLs
            "INTACCT_RECONCILE_REPO": f"file://localhost{REPO}",
            "INTACCT_RECONCILE_REF": head_commit(),
        },
        tmp=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().endswith("intacct-reconcile 0.1.0")
    assert (runner_python / "bin" / "intacct-reconcile").exists()


def test_action_installs_its_own_files_in_a_venv_of_its_own(tmp_path: Path) -> None:
    runner_python = tmp_path / "setup-python"
    venv.create(runner_python, with_pip=True)
    github_path = tmp_path / "github_path"
    github_path.write_text("")
    run = run_script(
        step_named(load(ACTION), None, "Install intacct-reconcile")["run"],
        cwd=tmp_path,
        env={
            "PATH": f"{runner_python / 'bin'}:/usr/bin:/bin",
            "VERSION": "",
            "GITHUB_ACTION_PATH": str(REPO),
            "GITHUB_PATH": str(github_path),
        },
        tmp=tmp_path,
        shell=COMPOSITE_SHELL,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().endswith("intacct-reconcile 0.1.0")
    # later steps find the tool through GITHUB_PATH; the caller's Python stays untouched
    tool_bin = Path(github_path.read_text().strip())
    assert (tool_bin / "intacct-reconcile").exists()
    assert not (runner_python / "bin" / "intacct-reconcile").exists()
    # the exact versions the lock pins, not the newest the ranges allow
    frozen = subprocess.run(
        [str(tool_bin / "pip"), "freeze"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    locked = set((REPO / "requirements.lock").read_text().splitlines())
    pinned = [line for line in frozen if "==" in line]
    assert pinned and set(pinned) <= locked, set(pinned) - locked
