"""Manifests written by tests that need many resources of one kind."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def write_gl_accounts(path: Path, keys: Sequence[str]) -> None:
    """A manifest declaring one balance-sheet account per key, titled `Account <position>`."""
    lines = ["version: 1", "gl_accounts:"]
    lines += [
        f'  "{key}": {{title: Account {n}, type: balance_sheet, normal_balance: debit, '
        "closing_type: non_closing}"
        for n, key in enumerate(keys)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
