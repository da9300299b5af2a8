"""The objects a manifest declares, gathered across files with their locations."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.manifest.loader import field_value_span
from intacct_reconcile.types import Ref, Span


@dataclass(slots=True)  # one per declared object (100,000 in a large manifest)
class Declared:
    """One declared object: raw (coerced, substituted) values and where each came from."""

    kind: Kind
    key: str  # normalised identity
    ensure: str
    values: dict[str, Any]  # manifest field values (not normalised)
    span: Span | None  # the object's key (or list item)
    field_spans: Mapping[str, Span] = field(default_factory=dict)
    manifest: Path = Path()  # the file that declares it (package paths are relative to it)
    clean: bool = True  # no schema problem inside: safe to normalise
    # kind.normalize(values) when validation already needed it (kind checks): not done twice
    normalized: dict[str, Any] | None = None

    @property
    def ref(self) -> Ref:
        return Ref(self.kind.key, self.key)


@dataclass(frozen=True)
class DeferredRef:
    """A reference to an object the manifests do not declare: checked against live state."""

    source: Ref
    field: str
    target: Ref
    span: Span | None
    suggestion: str = ""  # a declared object with a similar key (a likely typo)

    def __str__(self) -> str:
        where = f"{self.span}: " if self.span else ""
        return (
            f"{where}{self.source} {self.field} -> {self.target} is not declared here; "
            "it must exist in Intacct (checked at plan time)"
        )


class FieldSpans(Mapping[str, Span]):
    """Where each field's value was written, for an object read as a LeanMap: the names and
    packed positions it already holds (shared tuples), a Span made only when one is asked
    for (a message, the audit) rather than three dicts' worth per object kept for the run."""

    __slots__ = ("file", "names", "positions")

    def __init__(self, file: str, names: tuple[str, ...], positions: tuple[int, ...]):
        self.file, self.names, self.positions = file, names, positions

    def __getitem__(self, name: str) -> Span:
        try:
            return field_value_span(self.file, self.positions[self.names.index(name)])
        except ValueError:
            raise KeyError(name) from None

    def get(self, name: str, default: Any = None) -> Any:
        if name in self.names:
            return field_value_span(self.file, self.positions[self.names.index(name)])
        return default

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __repr__(self) -> str:
        return f"FieldSpans({dict(self)!r})"
