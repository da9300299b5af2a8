"""Validated manifests -> DesiredState (normalised values, sources, field spans)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.manifest.gcpause import gc_paused
from intacct_reconcile.manifest.objects import Declared, DeferredRef, FieldSpans
from intacct_reconcile.manifest.validate import OnLoaded, Validated, validate
from intacct_reconcile.smoke.declare import SmokeCheck
from intacct_reconcile.sod.mitigations import Mitigation
from intacct_reconcile.types import Resource, Span, State


@dataclass(frozen=True)
class Manifests:
    """Everything the engine needs from the manifests of one directory (or file)."""

    desired: State
    deferred_refs: tuple[DeferredRef, ...]  # references to objects that must exist live
    files: tuple[str, ...]
    digest: str  # sha256 over the files' names and contents: stable across runs
    root: Path
    mitigations: tuple[Mitigation, ...] = ()  # `sod_mitigations:` (segregation of duties)
    smoke_checks: tuple[SmokeCheck, ...] = ()  # `smoke_checks:` (docs/smoke-check.md)


# desired objects have no API identity: one shared empty mapping, not a dict each
_NO_META: Mapping[str, Any] = MappingProxyType({})


def to_resource(obj: Declared) -> Resource:
    kind = obj.kind
    # an object being removed carries no settings (and no defaults): only its identity matters
    if obj.ensure == "absent":
        values: dict[str, Any] = {}
    elif obj.normalized is not None:  # validation normalised it already (kind checks)
        values = obj.normalized
        obj.normalized = None  # the resource's own now (kind checks were given a copy)
    else:
        values = kind.normalize(obj.values)
    only = kind.extra.get("manifest_only_fields", ())
    if only:
        values = {k: v for k, v in values.items() if k not in only}
        # validation switches (allow_any), not Intacct state
    # (kind, key, values, source, ensure, field_spans, meta): by position, as it is made for
    # every declared object
    return Resource(
        kind.key,
        obj.key,
        values,
        obj.span,
        "absent" if obj.ensure == "absent" else "present",
        _field_spans(kind, obj.field_spans),
        _NO_META,
    )


def _field_spans(kind: Kind, spans: Mapping[str, Span]) -> Mapping[str, Span]:
    """The spans of the kind's fields (`ensure` and validation switches have spans too)."""
    fields = kind.fields_by_name
    if type(spans) is FieldSpans or all(name in fields for name in spans):
        return spans  # the usual object: its spans, not a copy
    return {k: v for k, v in spans.items() if k in fields}


def to_state(validated: Validated) -> State:
    resources = {}
    for kind_key in REGISTRY:  # registry order: stable, independent of file order
        by_key = validated.objects.get(kind_key)
        if by_key:
            resources[kind_key] = {key: to_resource(by_key[key]) for key in sorted(by_key)}
    return State(resources)


def load_desired(
    path: Path | str,
    *,
    vars: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    on_loaded: OnLoaded | None = None,
) -> Manifests:
    """Load, validate and normalise; raises ManifestError listing every problem.
    `on_loaded`: see validate()."""
    root = Path(path)
    with gc_paused():  # see gcpause: building the tree, not making garbage
        validated = validate(
            root, vars=vars or {}, env=os.environ if env is None else env, on_loaded=on_loaded
        )
        desired = to_state(validated)
    return Manifests(
        desired=desired,
        deferred_refs=validated.deferred,
        files=validated.files,
        digest=validated.digest,
        root=root,
        mitigations=validated.mitigations,
        smoke_checks=validated.smoke_checks,
    )
