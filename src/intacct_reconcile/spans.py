"""Where a manifest or config node came from: the one engine value the config loader needs
(kept apart from types.py, whose plan and report values load with the engine)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True, slots=True)  # one per manifest key and value: kept small
class Span:
    """Where a manifest node came from (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"
