"""Lint and formatting regressions fail the suite, not only a separate CI step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TARGETS = ("src", "tests", "benchmarks")


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    # the venv's own ruff (a module of the interpreter running the tests), never one on PATH
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *TARGETS],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args", [("check",), ("format", "--check")], ids=["ruff-check", "ruff-format"]
)
def test_ruff_finds_nothing_to_fix(args: tuple[str, ...]) -> None:
    result = ruff(*args)
    assert result.returncode == 0, (
        f"`ruff {' '.join(args)}` found problems (fix with `ruff check --fix` / `ruff format`):\n"
        f"{result.stdout}{result.stderr}"
    )
