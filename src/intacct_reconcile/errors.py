"""Errors a user can cause or meet, as one tree.

    ReconcileError                      anything the CLI reports without a traceback (exit 1)
    ├── ManifestError                   bad manifests: every Problem found, located
    ├── ConfigError                     bad intacct-reconcile.yaml, target or credentials
    ├── UnsafePlanError                 the safety gate refused the plan (exit 3)
    ├── StalePlanError                  live state changed since the plan was saved (exit 5)
    ├── PlanFileError                   unreadable, edited or foreign plan file
    └── client.errors.IntacctError      the API said no (see client/errors.py for its subtree)

Messages never carry secrets: credentials are wrapped in credentials.Secret, and the client
redacts session ids and tokens before building any exception.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from intacct_reconcile.spans import Span


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """ " — did you mean 'x'?" for the closest choice, or nothing when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" — did you mean {close[0]!r}?" if close else ""


class ReconcileError(Exception):
    """Base of every error the CLI turns into a message and an exit code."""

    exit_code = 1


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, with where it is and how to fix it."""

    span: Span | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.span}: " if self.span else ""
        fix = f" — {self.hint}" if self.hint else ""
        return f"{where}{self.message}{fix}"


class ManifestError(ReconcileError):
    """The manifests are wrong; carries every problem found, sorted by file and line."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(
            sorted(problems, key=lambda p: (p.span or Span("", 0, 0), p.message))
        )
        count = len(self.problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{lines}\n{count} problem{'s' if count != 1 else ''} found")


class ConfigError(ReconcileError):
    """intacct-reconcile.yaml, a target or its credentials are wrong or missing."""


class UnsafePlanError(ReconcileError):
    """The safety gate refused the plan; each reason names its rule and its override."""

    exit_code = 3

    def __init__(self, reasons: Sequence[str]):
        self.reasons = tuple(reasons)
        super().__init__(
            "plan refused by the safety gate:\n" + "\n".join(f"  - {r}" for r in reasons)
        )


class StalePlanError(ReconcileError):
    """Live objects the saved plan touches changed since it was made."""

    exit_code = 5

    def __init__(self, changed: Sequence[str]):
        self.changed = tuple(changed)
        super().__init__(
            "the saved plan is stale: live state changed since it was reviewed:\n"
            + "\n".join(f"  - {c}" for c in changed)
            + "\nrun `intacct-reconcile plan` again and review the new plan"
        )


class PlanFileError(ReconcileError):
    """A plan file that cannot be trusted: unreadable, edited, or for another target."""
