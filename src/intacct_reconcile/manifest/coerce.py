"""Located YAML nodes -> plain data for the schema, kind-aware, with substitution.

String-typed positions (identities, strings, enums, dates, refs) take a plain scalar's
source text, so `2110`, `"2110"` and `0110` are the strings they look like and `admin: off`
is "off", not YAML 1.1's False. Spans are kept by path for every key and value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from intacct_reconcile.errors import Problem
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.kinds.base import Field, Kind
from intacct_reconcile.manifest.loader import Document, LeanMap, Node
from intacct_reconcile.manifest.substitute import ENV_ONLY, substitute
from intacct_reconcile.smoke.declare import SECTION as SMOKE_SECTION
from intacct_reconcile.spans import Span

Path = tuple[str | int, ...]
TEXT_TYPES = {"string", "enum", "date", "month", "cidr"}
# sections whose `${...}` are resolved later, by their own code: the smoke check's passwords
# are read when it runs, so validate/plan/apply never need them (smoke/declare.py)
VERBATIM_SECTIONS = frozenset({SMOKE_SECTION})
# any key that names a credential: the value may only come from the environment
SECRET_NAME = re.compile(
    r"(^|[_-])(pass(word|wd)?|secret([_-]?key)?|token|api[_-]?key|private[_-]?key"
    r"|credentials?)$",
    re.I,
)


@dataclass
class Coerced:
    """One document as plain data, with the spans of its keys and values by path, the problems
    found, and which values failed or came from the environment."""

    data: Any
    spans: dict[Path, Span] = field(default_factory=dict)
    key_spans: dict[Path, Span] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    failed: set[Path] = field(default_factory=set)  # values already reported (no 2nd message)
    from_env: set[Path] = field(default_factory=set)  # values never echoed in messages
    # objects coerced straight from a LeanMap: their fields' spans are there, not in `spans`
    lean: dict[Path, LeanMap] = field(default_factory=dict)

    def span(self, path: Path, *, key: bool = False) -> Span | None:
        """The span at `path`, or of its nearest located ancestor."""
        if self.lean and len(path) > 1:
            lean = self.lean.get(path[:2])
            if lean is not None:
                return self._lean_span(lean, path, key)
        table = (self.key_spans, self.spans) if key else (self.spans, self.key_spans)
        for end in range(len(path), -1, -1):
            for spans in table:
                if path[:end] in spans:
                    return spans[path[:end]]
        return None

    def _lean_span(self, lean: LeanMap, path: Path, key: bool) -> Span | None:
        """What `span` finds in the tables had the object's fields been recorded there."""
        if len(path) > 2 and path[2] in lean.keys:
            index = lean.keys.index(str(path[2]))
            return lean.key_span(index) if key else lean.value_span(index)
        if key:
            return self.key_spans.get(path[:2], lean.span)
        return lean.span


class _Coercer:
    def __init__(self, vars: Mapping[str, str], env: Mapping[str, str], release: bool = False):
        self.vars, self.env = vars, env
        self.out = Coerced(None)
        # let go of each object's located nodes once coerced (their spans are kept in `out`):
        # the tree and its plain copy are never both whole in memory
        self.release = release
        self.substituting = True  # off inside VERBATIM_SECTIONS

    # ------------------------------------------------------------ generic

    def generic(self, node: Node, path: Path) -> Any:
        if type(node) is LeanMap:  # reached other than as an object of its kind (an alias)
            node = node.node()
        self.out.spans[path] = node.span
        if node.broken:
            self.out.failed.add(path)
            return None
        if node.is_map:
            result = {}
            for key, child, key_span in node.items():
                self.out.key_spans[(*path, key)] = key_span
                self.check_secret(key, child, (*path, key))
                result[key] = self.generic(child, (*path, key))
            return result
        if node.is_seq:
            return [self.generic(child, (*path, i)) for i, child in enumerate(node.value)]
        value = node.value
        if isinstance(value, str):
            return self.substituted(value, node, path)
        if isinstance(value, float) and value != value:  # .nan: not JSON
            return node.text
        return value

    def substituted(self, text: str, node: Node, path: Path) -> str:
        if "${" not in text or not self.substituting:
            return text
        if "${env:" in text:
            self.out.from_env.add(path)
        result, errors = substitute(text, self.vars, self.env)
        for err in errors:
            self.out.problems.append(Problem(node.span, err.message, err.hint))
        if errors:
            self.out.failed.add(path)
            return text
        return result

    def check_secret(self, key: str, node: Node, path: Path, force: bool = False) -> None:
        if not (force or _secret_name(key)):
            return
        if node.is_scalar and node.value is None:
            return
        if node.is_scalar and isinstance(node.value, str) and ENV_ONLY.match(node.value.strip()):
            return
        self.out.failed.add(path)
        self.out.problems.append(
            Problem(
                node.span,
                f"'{key}' holds a literal secret",
                "secrets never go in manifests: write `" + key + ": ${env:NAME}` and set NAME in "
                "the environment",
            )
        )

    # ------------------------------------------------------------ typed

    def text(self, node: Node, path: Path) -> Any:
        self.out.spans[path] = node.span
        if not node.is_scalar or node.broken:
            return self.generic(node, path)
        value = node.value
        if value is None:
            return None
        if not isinstance(value, str) and node.plain and node.text is not None:
            value = node.text  # 0110 stays "0110"; off stays "off"
        if isinstance(value, str):
            return self.substituted(value, node, path)
        return value

    def typed(self, f: Field | None, node: Node, path: Path) -> Any:
        if f is None:
            return self.generic(node, path)
        if f.type in TEXT_TYPES:
            return self.text(node, path)
        if f.type == "string_list":
            if node.is_seq:
                self.out.spans[path] = node.span
                return [self.text(child, (*path, i)) for i, child in enumerate(node.value)]
            return self.generic(node, path)
        value = self.generic(node, path)
        if isinstance(value, str) and node.is_scalar and "${" in str(node.value):
            return _retype(f, value)  # a substituted integer/boolean arrives as text
        return value

    def fields(self, kind: Kind, node: Node, path: Path) -> Any:
        if not node.is_map:
            return self.generic(node, path)
        spans, key_spans = self.out.spans, self.out.key_spans
        spans[path] = node.span
        result = {}
        by_name, node_key_spans = kind.fields_by_name, node.key_spans
        for key, child in node.value.items():
            child_path = (*path, key)
            key_spans[child_path] = node_key_spans.get(key, child.span)
            f = by_name.get(key)
            text = child.text
            if (
                f is not None
                and f.type in TEXT_TYPES
                and text is not None
                and not f.secret
                and not child.broken
                and "${" not in text
                and not _secret_name(key)
            ):
                # the plain-scalar fast path: what `text` does, without substitution
                spans[child_path] = child.span
                value = child.value
                result[key] = text if value is not None and child.plain else value
                continue
            self.check_secret(key, child, child_path, force=bool(f and f.secret))
            if key == "ensure" or (kind.shape == "list" and key == kind.identity.name):
                result[key] = self.text(child, child_path)
            else:
                result[key] = self.typed(f, child, child_path)
        return result

    def kind_section(self, kind: Kind, node: Node, path: Path) -> Any:
        if kind.shape == "singleton":
            return self.fields(kind, node, path)
        if kind.shape == "list":
            if not node.is_seq:
                return self.generic(node, path)
            self.out.spans[path] = node.span
            return [
                self.text(child, (*path, i))
                if child.is_scalar
                else self.fields(kind, child, (*path, i))
                for i, child in enumerate(node.value)
            ]
        if not node.is_map:
            return self.generic(node, path)
        self.out.spans[path] = node.span
        result = {}
        for key, child, key_span in node.items():
            child_path = (*path, key)
            self.out.key_spans[child_path] = key_span
            if "${" in key:
                self.out.problems.append(
                    Problem(
                        key_span,
                        "substitution is not allowed in an object's key",
                        "write the key literally; use ${var.NAME} in field values only",
                    )
                )
            if type(child) is LeanMap:
                values = _lean_fields(kind, child)
                if values is not None:
                    result[key] = values
                    self.out.lean[child_path] = child
                    if self.release:
                        node.value[key] = _RELEASED
                    continue
                child = child.node()  # a field the fast path does not know: the tree
            result[key] = self.fields(kind, child, child_path)
            if self.release:
                node.value[key] = _RELEASED
        return result

    def document(self, doc: Document) -> Coerced:
        root = doc.root
        if not root.is_map:
            self.out.data = self.generic(root, ())
            return self.out
        self.out.spans[()] = root.span
        data = {}
        for key, child, key_span in root.items():
            self.out.key_spans[(key,)] = key_span
            kind = REGISTRY.get(key)
            if kind is None and key in VERBATIM_SECTIONS:
                self.substituting = False
                try:
                    data[key] = self.generic(child, (key,))
                finally:
                    self.substituting = True
                continue
            data[key] = (
                self.kind_section(kind, child, (key,)) if kind else self.generic(child, (key,))
            )
        self.out.data = data
        return self.out


@functools.lru_cache(maxsize=4096)
def _secret_name(key: str) -> bool:
    # the same few field names repeat on every object of a large manifest
    return SECRET_NAME.search(key) is not None


def _lean_fields(kind: Kind, lean: LeanMap) -> dict[str, Any] | None:
    """What `fields` makes of a LeanMap's values, or None when one needs the tree's path
    (a secret, a field of a type other than text, integer or boolean, an unknown field)."""
    known = _LEAN_RULES.get((id(kind), lean.keys))
    if known is None or known[0] is not kind:
        if len(_LEAN_RULES) > 4096:  # manifests with very many shapes: stay bounded
            _LEAN_RULES.clear()
        known = _LEAN_RULES[(id(kind), lean.keys)] = (kind, _lean_rules(kind, lean.keys))
    rules = known[1]
    if rules is None:
        return None
    if lean.values is lean.texts:  # every value is its text: each rule gives the text
        return dict(zip(lean.keys, lean.texts, strict=True))
    out: dict[str, Any] = {}
    for key, text, value, plain, text_rule in zip(
        lean.keys, lean.texts, lean.values, lean.plain, rules, strict=True
    ):
        if text_rule:  # `text`: a plain 0110 stays "0110", off "off"
            out[key] = text if plain and value is not None else value
        else:  # `generic`: YAML's value (.nan: its text)
            out[key] = text if isinstance(value, float) and value != value else value
    return out


# (kind, field names) -> the kind (its id is only unique while it lives) and _lean_rules
_LEAN_RULES: dict[tuple[int, tuple[str, ...]], tuple[Kind, tuple[bool, ...] | None]] = {}


def _lean_rules(kind: Kind, keys: tuple[str, ...]) -> tuple[bool, ...] | None:
    """Per field of an object written with `keys`: True where `fields` takes the value as
    text, False where as YAML typed it; None if any field needs more (see _lean_fields)."""
    by_name = kind.fields_by_name
    rules = []
    for key in keys:
        f = by_name.get(key)
        if (f is None and key != "ensure") or (f is not None and f.secret) or _secret_name(key):
            return None
        if f is None or key == "ensure" or f.type in TEXT_TYPES:
            rules.append(True)
        elif f.type in ("integer", "boolean"):
            rules.append(False)
        else:
            return None
    return tuple(rules)


def _retype(f: Field, text: str) -> Any:
    if f.type == "integer":
        try:
            return int(text.strip())
        except ValueError:
            return text
    if f.type == "boolean":
        lowered = text.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    return text


# what a released object's place in the tree holds (an empty mapping, never walked again)
_RELEASED = Node(Span("", 0, 0), {})


def coerce_document(
    doc: Document, vars: Mapping[str, str], env: Mapping[str, str], *, release: bool = False
) -> Coerced:
    """The document as plain data with spans by path. `release`: the tree is let go of as it
    is coerced (only for a tree without shared nodes, `Document.shared`)."""
    return _Coercer(vars, env, release and not doc.shared).document(doc)
