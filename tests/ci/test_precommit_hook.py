"""The pre-commit hook (.pre-commit-hooks.yaml): follows pre-commit's conventions, and its entry,
run as pre-commit runs it (the console script of this package, plus `args`, in the repository
root, no file names), passes valid manifests and stops a commit of broken ones."""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from .ci_files import ACCOUNTS, CLI, HOOKS, REPO, load, repo_with_manifests


@pytest.fixture(scope="module")
def hook() -> dict[str, Any]:
    hooks = load(HOOKS)
    assert [h["id"] for h in hooks] == ["intacct-reconcile-validate"]
    return hooks[0]


def test_hook_follows_pre_commit_conventions(hook: dict[str, Any]) -> None:
    assert hook["name"] and hook["entry"]
    assert hook["language"] == "python"  # pre-commit pip-installs this repository
    assert hook["pass_filenames"] is False  # references span files: validate the whole folder
    assert set(hook) <= {
        "id",
        "name",
        "entry",
        "language",
        "files",
        "exclude",
        "types",
        "args",
        "pass_filenames",
        "description",
        "minimum_pre_commit_version",
        "always_run",
        "require_serial",
        "stages",
        "verbose",
    }


def test_entry_is_a_console_script_of_this_package(hook: dict[str, Any]) -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert shlex.split(hook["entry"])[0] in scripts


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("intacct/accounts.yaml", True),
        ("intacct/roles/ap.yml", True),
        ("intacct/intacct-reconcile.yaml", True),
        ("src/app.py", False),
        ("README.md", False),
        ("other/intacct/accounts.yaml", False),
    ],
)
def test_hook_runs_when_a_manifest_changes(hook: dict[str, Any], path: str, runs: bool) -> None:
    # pre-commit matches `files` with re.search against the path from the repository root
    assert bool(re.search(hook["files"], path)) is runs


def run_hook(hook: dict[str, Any], repo: Path) -> subprocess.CompletedProcess[str]:
    entry = shlex.split(hook["entry"])
    argv = [str(CLI), *entry[1:], *hook.get("args", [])]
    return subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=120)


def test_hook_passes_valid_manifests(hook: dict[str, Any], tmp_path: Path) -> None:
    result = run_hook(hook, repo_with_manifests(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid: 2 objects in 2 files")


def test_hook_stops_broken_manifests_with_their_location(
    hook: dict[str, Any], tmp_path: Path
) -> None:
    repo = repo_with_manifests(tmp_path)
    (repo / "intacct" / "accounts.yaml").write_text(ACCOUNTS.replace("credit", "sideways"))
    result = run_hook(hook, repo)
    assert result.returncode == 1
    assert re.search(r"intacct/accounts\.yaml:4:\d+: .*sideways", result.stderr), result.stderr
    assert "Traceback" not in result.stderr
