"""The values that flow through the engine.

Desired and live state are the same type (State), so planning is a pure function of two
values. A Plan is an ordered, serialisable value; applying it yields an ApplyReport.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["create", "update", "delete", "deactivate", "manual"]
Ensure = Literal["present", "absent"]
ResultStatus = Literal["applied", "failed", "not_attempted", "manual", "skipped"]


@dataclass(frozen=True, order=True)
class Span:
    """Where a manifest node came from (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Ref:
    """Identity of one object: its kind (manifest key) and its key within the kind."""

    kind: str
    key: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.key}"


@dataclass(frozen=True)
class Resource:
    """One object of a kind, with normalised field values.

    For desired state `values` holds only the fields the manifest manages (plus defaults the
    kind defines); for live state it holds every field the kind knows. `field_spans` maps a
    field name to where the manifest set it.
    """

    kind: str
    key: str
    values: Mapping[str, Any]
    source: Span | None = None
    ensure: Ensure = "present"
    field_spans: Mapping[str, Span] = field(default_factory=dict)
    # API identity of a live object (RECORDNO, REST key, ...): needed to write it, never diffed
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> Ref:
        return Ref(self.kind, self.key)


@dataclass(frozen=True)
class State:
    """Resources by kind, then by key. DesiredState and LiveState are both a State."""

    resources: Mapping[str, Mapping[str, Resource]] = field(default_factory=dict)

    def kinds(self) -> tuple[str, ...]:
        return tuple(self.resources)

    def of(self, kind: str) -> Mapping[str, Resource]:
        return self.resources.get(kind, {})

    def get(self, kind: str, key: str) -> Resource | None:
        return self.resources.get(kind, {}).get(key)

    def __iter__(self) -> Iterator[Resource]:
        for by_key in self.resources.values():
            yield from by_key.values()

    def __len__(self) -> int:
        return sum(len(by_key) for by_key in self.resources.values())


DesiredState = State
LiveState = State
