"""Validate a generated 5,000-object manifest directory; target < 2 s."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from intacct_reconcile.manifest.api import load_desired

TARGET_SECONDS = 2.0
OBJECTS = 5_000


def write_manifests(root: Path, objects: int = OBJECTS) -> int:
    """Accounts, departments, locations, expense types and users spread over 10 files."""
    per_file = objects // 10
    written = 0
    for n in range(10):
        lines = ["version: 1"]
        kind = n % 5
        base = n * per_file
        if kind == 0:
            lines.append("gl_accounts:")
            for i in range(base, base + per_file):
                lines += [
                    f"  {10000 + i}:",
                    f"    title: Account {i}",
                    "    type: balance_sheet",
                    "    normal_balance: credit",
                    "    closing_type: non_closing",
                    "    required_dimensions: []",
                ]
        elif kind == 1:
            lines.append("departments:")
            for i in range(base, base + per_file):
                lines += [f"  D{i}: {{title: Department {i}, status: active}}"]
        elif kind == 2:
            lines.append("locations:")
            for i in range(base, base + per_file):
                lines += [f"  L{i}: {{name: Location {i}}}"]
        elif kind == 3:
            lines.append("expense_types:")
            for i in range(base, base + per_file):
                lines += [
                    f"  Expense {i}:",
                    f"    description: Expense type {i}",
                    f'    gl_account: "{10000 + (i % per_file)}"',
                ]
        else:
            lines.append("web_services_users:")
            for i in range(base, base + per_file):
                lines += [
                    f"  user{i}:",
                    "    first_name: Sync",
                    f"    last_name: User {i}",
                    f"    email: user{i}@example.com",
                    '    admin: "off"',
                    "    roles: [Reader]",
                ]
        (root / f"part{n:02d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += per_file
    return written


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        count = write_manifests(root)
        started, cpu_started = time.perf_counter(), time.process_time()
        manifests = load_desired(root, vars={}, env={})
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    assert len(manifests.desired) == count
    verdict = "met" if elapsed < TARGET_SECONDS else "missed"
    print(
        f"validate + normalise {count} objects in 10 files: {elapsed:.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s: {verdict})"
    )
    # CPU time shows the cost without other processes competing for the cores
    print(f"CPU time: {cpu:.2f} s; deferred references: {len(manifests.deferred_refs)}")


if __name__ == "__main__":
    main()
