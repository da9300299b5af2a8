"""Command groups whose usage errors exit 1, like every other bad input.

click's usage errors (unknown option, bad value) exit 2, which CI reads as "changes present"
with --detailed-exitcode (README "Exit codes").
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


class ExitOneGroup(TyperGroup):
    """A command group whose subcommands' usage errors exit 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            exc.exit_code = 1  # type: ignore[attr-defined]
            raise
