"""The general manual implementation: UI-only settings the API can neither read nor write.

Nothing is read (live state stays empty; the planner closes such steps with attestations) and
nothing is written (the applier reports manual changes, it never executes them). A manual kind
that Intacct can report (module subscriptions, T&E preferences) overrides the reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from intacct_reconcile.errors import ReconcileError
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.kinds.io import KindReader, KindWriter, Records, WriteContext
from intacct_reconcile.types import Change, ChangeResult, Resource


@dataclass(frozen=True)
class ManualReader(KindReader):
    """Reads nothing: a manual kind's live state stays empty (attestations close its steps)."""

    readable: ClassVar[bool] = False

    def read(self, kind: Kind, clients: Any, records: Records) -> dict[str, Resource]:
        return {}


@dataclass(frozen=True)
class ManualWriter(KindWriter):
    """Refuses every write: a manual kind's changes are made by a person in the Intacct UI."""

    batches: ClassVar[bool] = False

    def write(
        self, kind: Kind, clients: Any, changes: Sequence[Change], context: WriteContext
    ) -> list[ChangeResult]:
        raise ReconcileError(f"{kind.title} changes are made in the Intacct UI, not by the API")
