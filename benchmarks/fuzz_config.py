"""Fuzz intacct-reconcile.yaml: 3,000 seeded mutations through validate, plan and apply.

Every outcome must be exit 0 or a clean error (no traceback). The test suite runs a few
hundred of the same mutations (tests/cli_robustness/test_config_fuzz.py); this is the
longer run. Prints counts and the first crashes; raises when there is any.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTATIONS = 3_000
SEEDS = (1, 2)
COMMANDS = (("validate",), ("plan",), ("apply", "--auto-approve", "--quiet"))


def main() -> None:
    sys.path.insert(0, str(ROOT))  # the mutator lives with the tests
    from tests.cli_robustness import config_fuzz

    crashes: list[str] = []
    for seed in SEEDS:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            outcome = config_fuzz.run(
                Path(tmp) / "project", seed=seed, count=MUTATIONS // len(SEEDS), commands=COMMANDS
            )
        crashes += outcome.crashes
        print(
            f"seed {seed}: {outcome.runs} runs, {outcome.accepted} exit 0, "
            f"{outcome.refused} clean errors, {len(outcome.crashes)} crashes "
            f"in {time.perf_counter() - started:.1f} s"
        )
    for crash in crashes[:3]:
        print(crash)
    if crashes:
        raise RuntimeError(f"{len(crashes)} mutated configs crashed")


if __name__ == "__main__":
    main()
