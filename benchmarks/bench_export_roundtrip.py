"""Export round trip of a large randomised company: build it, export every kind, re-plan.

The company comes from the test suite's generator (tests/export/company.py) with a larger
size than the suite uses; the round trip must hold (validate 0, plan --detailed-exitcode 0)
and the export's wall time is printed, never asserted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from typer.testing import CliRunner

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from export.test_random_company import build  # noqa: E402
from intacct_reconcile.cli import app  # noqa: E402

SEED = 7
SIZE = 60  # about 800 objects


def main() -> None:
    runner = CliRunner()

    def cli(*args: object):  # type: ignore[no-untyped-def]
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        company = build(cli, root / "team", SEED, SIZE)
        print(
            f"built a company of {company.object_count} objects in "
            f"{time.perf_counter() - started:.1f} s"
        )
        out = root / "adopted"
        out.mkdir()
        db = root / "team" / ".intacct-reconcile" / "sandbox.db"
        (out / "intacct-reconcile.yaml").write_text(
            f"default_target: sandbox\ntargets:\n  sandbox:\n    sandbox: true\n    db: {db}\n"
        )
        started = time.perf_counter()
        exported = cli(
            "export", "--out", out, "--config", out / "intacct-reconcile.yaml", "--force", "--quiet"
        )
        took = time.perf_counter() - started
        print(exported.stdout.splitlines()[0] if exported.stdout else exported.output)
        print(f"export: {took:.2f} s")
        valid = cli("validate", out).exit_code
        planned = cli("plan", out, "--detailed-exitcode", "--quiet").exit_code
        print(
            f"round trip: validate exit {valid}, plan --detailed-exitcode exit {planned} "
            f"({'held' if valid == planned == 0 else 'BROKEN'})"
        )
        if valid or planned:
            raise RuntimeError("the export of the random company does not plan empty")
