"""Validate manifests: schema, then meaning (values, permissions, references, cycles).

Every problem is collected; `validate` raises one ManifestError listing them all, sorted by
file and line, each as `file:line:col: what is wrong — how to fix`.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intacct_reconcile.errors import ManifestError, Problem
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Kind
from intacct_reconcile.kinds.normalize import to_date
from intacct_reconcile.manifest.coerce import Coerced, coerce_document
from intacct_reconcile.manifest.fastcheck import certainly_valid, sections_certainly_valid
from intacct_reconcile.manifest.gcpause import gc_paused
from intacct_reconcile.manifest.loader import (
    CONFIG_FILE,
    Document,
    LeanMap,
    load_file,
    manifest_files,
)
from intacct_reconcile.manifest.messages import translate
from intacct_reconcile.manifest.objects import Declared, DeferredRef, FieldSpans
from intacct_reconcile.manifest.placement import PLACEHOLDER, copies, top_level_problems
from intacct_reconcile.manifest.refs import check_cycles, check_refs
from intacct_reconcile.manifest.schema import (
    object_validation_schema,
    section_schema,
    sections_schema,
)
from intacct_reconcile.smoke import declare as smoke
from intacct_reconcile.sod import mitigations
from intacct_reconcile.types import Span

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator


@dataclass(frozen=True)
class Validated:
    """Manifests that passed validation: the declared objects, the references left to check
    against live state, the files and their digest, SoD mitigations and smoke checks."""

    objects: dict[str, dict[str, Declared]]  # kind -> normalised key -> object
    deferred: tuple[DeferredRef, ...]
    files: tuple[str, ...]  # as shown in messages
    digest: str  # sha256 over every file's name and bytes
    mitigations: tuple[mitigations.Mitigation, ...] = ()  # `sod_mitigations:` of every file
    smoke_checks: tuple[smoke.SmokeCheck, ...] = ()  # `smoke_checks:` of every file


class _LeanSections:
    """Sections whose plain `field: value` objects the loader may hand over as LeanMaps: the
    kinds of mapping shape, asked one section name at a time (so only the kinds a manifest
    names are loaded, not every kind)."""

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in REGISTRY and REGISTRY[key].shape == "mapping"


_LEAN_SECTIONS = _LeanSections()


@functools.cache
def _validator(kind_key: str | None, absent: bool = False) -> Draft202012Validator:
    # imported when a check needs it: manifests the quick checks (fastcheck) find certainly
    # valid never load jsonschema (a twentieth of a second)
    from jsonschema import Draft202012Validator

    if kind_key is None:
        return Draft202012Validator(sections_schema())
    return Draft202012Validator(object_validation_schema(kind_key, absent=absent))


def display_name(path: Path, root: Path) -> str:
    if root.is_file() or path == root:
        return str(path)
    return os.path.join(str(root), path.relative_to(root).as_posix())


class _Run:
    def __init__(self, vars: Mapping[str, str], env: Mapping[str, str]):
        self.vars, self.env = vars, env
        self.problems: list[Problem] = []
        self.objects: dict[str, dict[str, Declared]] = {}
        self.valid_shapes: set[tuple[Any, ...]] = set()
        self.mitigations: list[mitigations.Mitigation] = []
        self.smoke_checks: list[smoke.SmokeCheck] = []

    def document(self, doc: Document) -> None:
        if not doc.root.is_map:
            self.problems.append(
                Problem(
                    doc.root.span,
                    "a manifest document must be a mapping",
                    "start with `version: 1`, then kinds such as `roles:` at the left margin",
                )
            )
            return
        c = coerce_document(doc, self.vars, self.env, release=True)
        self.problems.extend(c.problems)
        shallow = _shallow(c.data)
        if not sections_certainly_valid(shallow):
            for error in _validator(None).iter_errors(shallow):
                self.problems.extend(translate(error, c))
        for kind_key, section in c.data.items():
            kind = REGISTRY.get(kind_key)
            if kind is not None:
                self.section(kind, section, c, doc)
            elif kind_key == mitigations.SECTION:
                found, problems = mitigations.parse(section, c.span)
                self.mitigations += found
                self.problems.extend(problems)
            elif kind_key == smoke.SECTION:
                checks, problems = smoke.parse(section, c.span)
                self.smoke_checks += checks
                self.problems.extend(problems)

    def check_object(self, kind: Kind, obj: Any, c: Coerced, path: tuple[Any, ...]) -> bool:
        """Schema-check one object; True when it has no problem."""
        if obj is None:
            obj = {}
        # an invalid `ensure` is reported alone, without asking for the fields of a present object
        absent = isinstance(obj, dict) and obj.get("ensure", "present") != "present"
        signature = _signature(kind, obj)
        if signature is not None and signature in self.valid_shapes:
            return True
        clean = True
        # several schema rules can require the same field (the kind's own `required` and
        # conditional ones): each missing field is reported once
        found: dict[Problem, None] = {}
        for error in _validator(kind.key, absent).iter_errors(obj):
            if _in_permissions(kind, tuple(error.absolute_path)):
                continue  # the catalogue explains permission problems better (meaning())
            clean = False
            found.update(dict.fromkeys(translate(error, c, prefix=path)))
        self.problems.extend(found)
        if clean and signature is not None:
            self.valid_shapes.add(signature)
        return clean

    def section(self, kind: Kind, section: Any, c: Coerced, doc: Document) -> None:
        fields_by_name = kind.fields_by_name
        lean = c.lean
        for path, raw_key, obj in _entries(kind, section):
            if lean:
                found = lean.get(path)
                if found is not None and self.lean_object(kind, found, path, raw_key, obj, c, doc):
                    continue
            obj, misplaced = top_level_problems(
                kind, raw_key, obj, lambda name, path=path: c.span((*path, name), key=True)
            )
            self.problems.extend(misplaced)
            # a bare list item (a CIDR string) has no settings to check
            clean = (obj is None and kind.shape == "list") or self.check_object(kind, obj, c, path)
            if raw_key is None:
                continue  # a list item without its identity: reported by the schema
            if path in c.failed or (*path, kind.identity.name) in c.failed:
                continue  # its identity did not substitute: already reported
            entry = obj if isinstance(obj, dict) else {}
            placed, problems = copies(kind, str(raw_key), entry, c.span(path, key=True))
            self.problems.extend(problems)
            for key, values in placed:  # one object, or a copy per entity (manifest/placement)
                declared = Declared(
                    kind=kind,
                    key=key,
                    ensure=str(values.get("ensure", "present")),
                    values={k: v for k, v in values.items() if k in fields_by_name},
                    span=c.span(path, key=True),
                    field_spans=_field_spans(c, path, values),
                    manifest=doc.path,
                    clean=clean
                    and not misplaced
                    and not any(p[: len(path)] == path for p in c.failed),
                )
                if not self.identity(declared):
                    continue
                self.meaning(declared, c, path)
                self.register(declared)

    def lean_object(
        self,
        kind: Kind,
        lean: LeanMap,
        path: tuple[Any, ...],
        raw_key: str,
        obj: dict[str, Any],
        c: Coerced,
        doc: Document,
    ) -> bool:
        """An object read as a LeanMap that is certainly valid, declared as `section` would
        declare it, without its general steps; False (nothing done) for any other object."""
        if PLACEHOLDER in raw_key or not certainly_valid(kind, lean.keys, obj):
            return False  # `section` tells what is wrong, or makes the copies
        if "ensure" in obj:  # `present` (certainly_valid): not a field of the object
            values = {k: v for k, v in obj.items() if k != "ensure"}
            spans: Mapping[str, Span] = {
                k: lean.value_span(i) for i, k in enumerate(lean.keys) if k != "ensure"
            }
        else:  # every key is a field of the kind (certainly_valid)
            values, spans = obj, FieldSpans(lean.file, lean.keys, lean.fields_at)
        # (kind, key, ensure, values, span, field_spans, manifest): by position, for 100,000
        # objects a keyword call's cost is felt
        declared = Declared(kind, raw_key, "present", values, c.key_spans[path], spans, doc.path)
        if self.identity(declared):
            self.meaning(declared, c, path)
            self.register(declared)
        return True

    def identity(self, obj: Declared) -> bool:
        if not obj.key.strip():
            self.problems.append(
                Problem(
                    obj.span,
                    f"{obj.kind.key}: empty {obj.kind.identity.name}",
                    f"give the object its {obj.kind.identity.name}",
                )
            )
            return False
        try:
            obj.key = obj.kind.normalize_key(obj.key)
        except ValueError as exc:
            self.problems.append(
                Problem(
                    obj.span,
                    f"{obj.kind.key}: '{obj.key}' is not a valid network: {exc}",
                    _cidr_hint(obj.key),
                )
            )
            return False
        if obj.kind.identity.type == "cidr" and obj.ensure != "absent":
            network = ipaddress.ip_network(obj.key)
            if network.prefixlen == 0 and obj.values.get("allow_any") is not True:
                self.problems.append(
                    Problem(
                        obj.span,
                        f"{obj.kind.key}: {obj.key} allows every address",
                        "list the vendor's addresses instead, or add `allow_any: true` if this is "
                        "really meant",
                    )
                )
        return True

    def meaning(self, obj: Declared, c: Coerced, path: tuple[Any, ...]) -> None:
        kind = obj.kind
        for f in kind.meaning_fields:
            value = obj.values.get(f.name)
            if f.type == "permissions" and value is not None:
                self.permissions(obj, c, (*path, f.name), value)
            if f.type == "date" and value is not None and obj.clean:
                try:
                    to_date(value)
                except ValueError:
                    span = obj.field_spans.get(f.name, obj.span)
                    message = f"{obj.ref} {f.name}: '{value}' is not a calendar date"
                    self.problems.append(Problem(span, message, "write a real date as YYYY-MM-DD"))
                    obj.clean = False
        if obj.clean and kind.hooks.resolve:
            self.problems.extend(kind.hooks.resolve(obj))
        if obj.clean and kind.hooks.check:
            obj.normalized = kind.normalize(obj.values)
            for name, message, hint in kind.hooks.check(kind, dict(obj.normalized)):
                span = obj.field_spans.get(name, obj.span)
                self.problems.append(Problem(span, f"{kind.key}/{obj.key}: {message}", hint))

    def permissions(self, obj: Declared, c: Coerced, path: tuple[Any, ...], value: Any) -> None:
        from intacct_reconcile import catalog  # the permission catalogue: roles only

        for p in catalog.check_permissions(value):
            where = c.span((*path, *p.path), key=p.at_key)
            self.problems.append(Problem(where, f"{obj.ref}: {p.message}", p.hint))
            obj.clean = False

    def register(self, obj: Declared) -> None:
        by_key = self.objects.setdefault(obj.kind.key, {})
        first = by_key.get(obj.key)
        if first is None:
            by_key[obj.key] = obj
            return
        self.problems.append(
            Problem(
                obj.span,
                f"{obj.ref} is declared twice (first at {first.span})",
                "keep one declaration; files in a manifest directory merge by kind",
            )
        )


def _field_spans(c: Coerced, path: tuple[Any, ...], values: Mapping[str, Any]) -> dict[str, Span]:
    """Where each of an object's fields was written (its value; else its nearest ancestor)."""
    spans = c.spans
    out = {}
    for k in values:
        found = spans.get((*path, k))
        if found is None:
            found = c.span((*path, k))
        if found is not None:
            out[k] = found
    return out


def _shallow(data: Any) -> Any:
    """The document as the sections schema needs it: mapping sections without the entries
    that are already mappings (or empty), the only thing that schema asks of an entry.

    Each entry costs jsonschema a descent; 30,000 of them were a tenth of validation, for a
    verdict known from their type. Sections whose keys the schema checks keep every entry.
    """
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for key, section in data.items():
        kind = REGISTRY.get(key)
        if kind is None or kind.shape != "mapping" or not isinstance(section, dict):
            continue
        shape = section_schema(key)
        if "propertyNames" in shape or shape.get("additionalProperties") != {
            "type": ["object", "null"]
        }:
            continue
        out[key] = {k: v for k, v in section.items() if not (v is None or isinstance(v, dict))}
    return out


# Values the object schema only checks the type of; anything else is checked by value.
_TYPE_ONLY = frozenset({"string", "cidr"})


def _signature(kind: Kind, obj: Any) -> tuple[Any, ...] | None:
    """What the kind's object schema can depend on in `obj`, or None if it is not flat.

    Objects with the same signature get the same schema verdict, so a valid one is checked
    once per manifest run: thousands of similar objects validate in a fraction of the time.
    """
    if not isinstance(obj, dict):
        return None
    parts: list[Any] = [kind.key]
    for key, value in obj.items():
        f = kind.fields_by_name.get(key)
        if isinstance(value, dict):
            return None
        if isinstance(value, list):
            if any(isinstance(v, dict | list) for v in value):
                return None
            parts.append((key, "list", tuple((type(v).__name__, v) for v in value)))
        elif f is not None and f.type in _TYPE_ONLY and not f.secret and not f.max_length:
            parts.append((key, type(value).__name__))
        else:
            parts.append((key, type(value).__name__, value))
    return tuple(parts)


def _in_permissions(kind: Kind, path: tuple[Any, ...]) -> bool:
    return (
        bool(path)
        and kind.has_field(str(path[0]))
        and kind.field(str(path[0])).type == ("permissions")
    )


def _cidr_hint(text: str) -> str:
    try:
        return f"did you mean {ipaddress.ip_network(text, strict=False)}?"
    except ValueError:
        return "write an address (34.163.234.156) or a network (10.0.0.0/8)"


def _entries(kind: Kind, section: Any) -> list[tuple[tuple[Any, ...], Any, Any]]:
    """(path of the object, raw identity, object) for each well-shaped entry."""
    if kind.shape == "singleton":
        return [((kind.key,), kind.key, section)] if isinstance(section, dict) else []
    if kind.shape == "list":
        out = []
        for i, item in enumerate(section if isinstance(section, list) else []):
            if isinstance(item, str):
                out.append(((kind.key, i), item, None))
            elif isinstance(item, dict):
                ident = item.get(kind.identity.name)
                out.append(((kind.key, i), ident if isinstance(ident, str) else None, item))
        return out
    if not isinstance(section, dict):
        return []
    return [((kind.key, key), key, obj) for key, obj in section.items()]


def _no_files_hint(path: Path) -> str:
    projects = sorted(p.parent.name for p in path.glob(f"*/{CONFIG_FILE}"))
    if projects:
        return (
            "its subfolders are separate projects (each has its own intacct-reconcile.yaml): "
            "validate one of them, e.g. " + str(path / projects[0])
        )
    return "add a file starting with `version: 1`"


def _digest(files: list[tuple[str, bytes]]) -> str:
    """sha256 over each (name, sha256 of its bytes): see `_hashed`."""
    h = hashlib.sha256()
    for name, hashed in files:
        h.update(name.encode() + b"\0" + hashed)
    return h.hexdigest()


def _hashed(name: str, data: bytes) -> tuple[str, bytes]:
    """A file's part of the digest, taken as soon as it is read: the bytes are let go then
    (a 100,000-object manifest is megabytes) rather than held until every file is checked."""
    return name, hashlib.sha256(data).digest()


# called with the field names each kind's objects use, once every file is parsed
OnLoaded = Callable[[dict[str, set[str]]], None]


def validate(
    path: Path,
    *,
    vars: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    on_loaded: OnLoaded | None = None,
) -> Validated:
    """Load and check every manifest under `path`; raise ManifestError with all problems.

    `on_loaded` learns which kinds (and field names) the manifests use as soon as every file
    has parsed without a syntax problem, before the slower checks: plan starts reading
    Intacct then (the names are unchecked: a misspelt field is simply not read)."""
    with gc_paused():  # see gcpause: building the tree, not making garbage
        return _validate(Path(path), vars, env, on_loaded)


def used_names(documents: Iterable[Document]) -> dict[str, set[str]]:
    """Kind key -> field names written in its objects, straight from the parsed documents."""
    out: dict[str, set[str]] = {}
    for doc in documents:
        if not doc.root.is_map:
            continue
        for key, section in doc.root.value.items():
            kind = REGISTRY.get(key)
            if kind is None:
                continue
            names = out.setdefault(key, set())
            if kind.shape == "singleton":
                objects = [section]
            elif kind.shape == "list":
                objects = section.value if section.is_seq else []
            else:
                objects = list(section.value.values()) if section.is_map else []
            for obj in objects:
                if type(obj) is LeanMap:
                    names.update(obj.keys)
                elif obj.is_map:
                    names.update(obj.value)
    return out


def _validate(
    path: Path,
    vars: Mapping[str, str] | None,
    env: Mapping[str, str] | None,
    on_loaded: OnLoaded | None = None,
) -> Validated:
    if not path.exists():
        raise ManifestError(
            [
                Problem(
                    None,
                    f"{path} does not exist",
                    "pass a manifest directory or a .yaml file",
                )
            ]
        )
    if path.is_file() and path.name == CONFIG_FILE:
        raise ManifestError(
            [
                Problem(
                    None,
                    f"{path} holds targets, not manifests",
                    "pass the manifest directory (or a manifest file) instead",
                )
            ]
        )
    run = _Run(vars or {}, os.environ if env is None else env)
    files = manifest_files(path)
    if not files:
        raise ManifestError(
            [
                Problem(
                    None,
                    f"no manifest files (*.yaml) in {path}",
                    _no_files_hint(path),
                )
            ]
        )
    contents = []
    loaded = []
    for file in files:
        name = display_name(file, path)
        documents, problems = load_file(file, name, _LEAN_SECTIONS)
        run.problems.extend(problems)
        contents.append(
            _hashed(
                file.relative_to(path).as_posix() if path.is_dir() else file.name, file.read_bytes()
            )
        )
        loaded.append(documents)
    if on_loaded is not None and not run.problems:
        on_loaded(used_names(doc for documents in loaded for doc in documents))
    loaded.reverse()
    while loaded:
        documents = loaded.pop()  # each file's tree is let go once checked
        for doc in documents:
            try:
                run.document(doc)
            except RecursionError:  # a pathological nesting the loader let through
                run.problems.append(
                    Problem(doc.root.span, "document is nested too deeply", "flatten the structure")
                )
    for by_key in run.objects.values():
        for obj in by_key.values():
            if obj.kind.hooks.digest_parts:
                # e.g. a package file's bytes: part of the desired state, so of the digest
                contents += [_hashed(*part) for part in obj.kind.hooks.digest_parts(obj)]
    for key in run.objects:
        kind = REGISTRY[key]
        if kind.hooks.check_manifests is not None:  # rules across kinds (e.g. subscriptions)
            run.problems.extend(kind.hooks.check_manifests(kind, run.objects))
    ref_problems, deferred, edges = check_refs(run.objects)
    run.problems.extend(ref_problems)
    run.problems.extend(check_cycles(edges, run.objects))
    smoke_checks, smoke_problems = smoke.check_declared(run.smoke_checks, run.objects)
    run.problems.extend(smoke_problems)
    if run.problems:
        raise ManifestError(run.problems)
    return Validated(
        objects=run.objects,
        deferred=tuple(sorted(deferred, key=lambda d: (d.span or Span("", 0, 0), str(d.target)))),
        files=tuple(display_name(f, path) for f in files),
        digest=_digest(contents),
        mitigations=tuple(run.mitigations),
        smoke_checks=tuple(smoke_checks),
    )
