"""YAML files -> located node trees: every mapping, key and scalar knows its file:line:col.

Built on PyYAML's composer (libyaml when available) rather than its constructor, because:
  - the constructor silently keeps the last of two duplicate keys; we report both;
  - identity and string fields need the scalar's source text (YAML 1.1 reads `0110` as
    octal 72 and `1_000` as 1000; `"2110"` and `2110` must mean the same account).
Anchors, aliases and merge keys (`<<`) work as in YAML; a recursive alias is an error.

For the validator (`lean=`), an object that is a plain `field: value` mapping comes as a
`LeanMap` (values in tuples, positions packed in ints) rather than a node per scalar, and a
file made of plain lines only is read line by line (manifest/plainscan) rather than from
the parser's events: either way the same tree, positions and messages.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from sys import intern
from typing import Any

import yaml

from intacct_reconcile.errors import Problem
from intacct_reconcile.spans import Span

CONFIG_FILE = "intacct-reconcile.yaml"
TARGETS_SUFFIXES = (".targets.yaml", ".targets.yml")  # a config group's list of targets
SUFFIXES = (".yaml", ".yml")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# alias expansion budget: stops "billion laughs" documents long before memory runs out
MAX_NODES = 2_000_000
# nesting: libyaml's composer recurses in C, and ~50,000 levels ("[[[[...") crash the process
MAX_DEPTH = 200
# over-estimates nesting cheaply: every opener counts, closers inside (what may be) quotes don't
_NESTING_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'|[\[{]|[\]}]')
_COMPACT_RUN = re.compile(r"(?:[-?][ \t]+){" + str(MAX_DEPTH // 4) + ",}")


@dataclass(slots=True)  # ~100,000 per 30,000-object manifest: no per-instance __dict__
class Node:
    """One YAML node with its location.

    value: dict[str, Node] for mappings, list[Node] for sequences, the constructed Python
    value for scalars. `text` is a scalar's source text, `plain` whether it was unquoted.
    """

    span: Span
    value: Any
    text: str | None = None
    plain: bool = False
    key_spans: dict[str, Span] = field(default_factory=dict)
    broken: bool = False  # already reported (recursive alias): no further messages about it

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return not (self.is_map or self.is_seq)

    def items(self) -> Iterator[tuple[str, Node, Span]]:
        key_spans = self.key_spans
        for key, child in self.value.items():
            yield key, child, key_spans.get(key) or child.span


# a position packed in one int: line << _COLUMN_BITS | column (1-based both)
_COLUMN_BITS = 20
_COLUMN_MASK = (1 << _COLUMN_BITS) - 1
# implicit tags a plain value of a lean mapping may resolve to (anything else: a Node tree)
_LEAN_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "null", "bool", "int", "float", "timestamp")
)
_NOT_LEAN: Any = object()  # a value only the located tree represents
# values shorter than this and without blanks (enum words, account numbers) are kept once
# per file rather than once per object
_SHARED_TEXT = 32


def packed_span(file: str, packed: int) -> Span:
    return Span(file, packed >> _COLUMN_BITS, packed & _COLUMN_MASK)


# a field's key and value on one line, in one int: line << 2 * _COLUMN_BITS | key column <<
# _COLUMN_BITS | value column (one int per field, not two)
def field_at(line: int, key_column: int, value_column: int) -> int:
    return line << 2 * _COLUMN_BITS | key_column << _COLUMN_BITS | value_column


def field_key_span(file: str, packed: int) -> Span:
    return Span(file, packed >> 2 * _COLUMN_BITS, packed >> _COLUMN_BITS & _COLUMN_MASK)


def field_value_span(file: str, packed: int) -> Span:
    return Span(file, packed >> 2 * _COLUMN_BITS, packed & _COLUMN_MASK)


class LeanMap:
    """A mapping of plain values (one manifest object's fields) without a `Node` per scalar.

    Most objects of a large manifest are a handful of `field: value` lines; a located node,
    span and key span per value made up most of the memory and time of loading them. Here
    the values sit in tuples and the positions in packed ints; `node()` builds the very tree
    the event builder would have (for the rare object a check refuses: its messages come
    from the same code as before). Only the validator asks for these (`load_file(lean=...)`).

    keys: field names; texts: each value's source text; values: what YAML reads it as (the
    text itself for text; None, bool, int or float for plain values YAML types); plain:
    whether each value was unquoted; at: the mapping's packed position; fields_at: each
    field's key and value position (`field_at`: on one line).
    """

    __slots__ = ("at", "fields_at", "file", "keys", "plain", "texts", "values")

    def __init__(
        self,
        file: str,
        at: int,
        keys: tuple[str, ...],
        texts: tuple[str, ...],
        values: tuple[Any, ...],
        plain: tuple[bool, ...],
        fields_at: tuple[int, ...],
    ):
        self.file, self.at, self.keys, self.texts = file, at, keys, texts
        self.values, self.plain, self.fields_at = values, plain, fields_at

    @property
    def span(self) -> Span:
        return packed_span(self.file, self.at)

    def key_span(self, index: int) -> Span:
        return field_key_span(self.file, self.fields_at[index])

    def value_span(self, index: int) -> Span:
        return field_value_span(self.file, self.fields_at[index])

    def node(self) -> Node:
        """The located tree of this mapping, as `_EventBuilder` builds it."""
        file, no_keys = self.file, _NO_KEYS
        values: dict[str, Node] = {}
        key_spans: dict[str, Span] = {}
        for i, key in enumerate(self.keys):
            key_spans[key] = self.key_span(i)
            text = self.texts[i]
            values[key] = Node(
                field_value_span(file, self.fields_at[i]),
                self.values[i],
                text,
                self.plain[i],
                no_keys,
            )
        return Node(self.span, values, key_spans=key_spans)


# scalars have no keys: one shared (never written) mapping rather than a dict each
_NO_KEYS: dict[str, Span] = {}


@dataclass(frozen=True)
class Document:
    """One YAML document of a manifest file: its located tree, where it came from, and whether
    its nodes may be shared."""

    file: str  # as shown in messages
    path: Path
    index: int  # 0-based position in a multi-document file
    root: Node
    # nodes may be reached twice (aliases, merge keys): no part of the tree may be let go
    # while another part is still to be walked (see coerce's release)
    shared: bool = True


def span_of(file: str, mark: Any) -> Span:
    return Span(file, mark.line + 1, mark.column + 1)


def manifest_files(path: Path) -> list[Path]:
    """A file, or every *.yaml / *.yml below a directory (recursively, sorted).

    Skipped: hidden files and directories (.intacct-reconcile/ holds state, not manifests),
    the targets file intacct-reconcile.yaml, a group's targets files (*.targets.yaml), and
    subdirectories that have their own
    intacct-reconcile.yaml (another project, e.g. one blueprint among several).
    """
    if path.is_file():
        return [path]
    found = []
    for folder, dirs, files in os.walk(path):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not (here / d / CONFIG_FILE).is_file()
        )
        for name in files:
            if (
                name.endswith(SUFFIXES)
                and name != CONFIG_FILE
                and not name.endswith(TARGETS_SUFFIXES)
                and not name.startswith(".")
            ):
                found.append(here / name)
    return sorted(found, key=lambda p: p.relative_to(path).as_posix())


class _Builder:
    """Turns composed yaml nodes into located `Node`s, collecting problems."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.constructor = yaml.constructor.SafeConstructor()
        self.cache: dict[int, Node] = {}
        self.active: set[int] = set()
        self.count = 0
        self.sizes: dict[int, int] = {}  # expanded size of nodes reached through an alias

    def _expanded(self, node: Node) -> int:
        """How many nodes `node` stands for once aliases are expanded (memoised per node)."""
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        if type(node) is LeanMap:
            return 1 + len(node.keys)
        children = node.value.values() if node.is_map else node.value if node.is_seq else ()
        size = 1 + sum(self._expanded(child) for child in children)
        self.sizes[id(node)] = size
        return size

    def problem(self, mark: Any, message: str, hint: str = "") -> None:
        self.problems.append(Problem(span_of(self.file, mark), message, hint))

    def build(self, node: yaml.Node) -> Node:
        cached = self.cache.get(id(node))
        if cached is not None:
            # an alias: the same located node (building stays linear), but whoever walks the
            # tree later (validation, desired state) walks every copy, so copies count too
            if not cached.is_scalar:
                self.count += self._expanded(cached)
                if self.count > MAX_NODES:
                    raise _TooBig(node.start_mark)
            return cached
        if id(node) in self.active:
            self.problem(node.start_mark, "recursive alias", "an anchor cannot contain itself")
            return Node(span_of(self.file, node.start_mark), None, broken=True)
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(node.start_mark)
        if type(node) is yaml.ScalarNode:  # a leaf cannot contain itself: no recursion check
            built = self.cache[id(node)] = self._scalar(node, span_of(self.file, node.start_mark))
            return built
        self.active.add(id(node))
        try:
            built = self._build(node)
        finally:
            self.active.discard(id(node))
        self.cache[id(node)] = built
        return built

    def _build(self, node: yaml.Node) -> Node:
        span = span_of(self.file, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, span)
        if isinstance(node, yaml.SequenceNode):
            return Node(span, [self.build(item) for item in node.value])
        return self._scalar(node, span)

    def _scalar(self, node: yaml.ScalarNode, span: Span) -> Node:
        plain = node.style not in ("'", '"', "|", ">")
        if node.tag in (_STR_TAG, _TIMESTAMP_TAG):  # text as written; dates are checked later
            return Node(span, node.value, text=node.value, plain=plain)
        construct = self.constructor.yaml_constructors.get(node.tag)
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        hint = "remove the YAML tag and write a plain value"
        if construct is None:
            self.problem(node.start_mark, f"unknown YAML tag {tag}", hint)
            return Node(span, node.value, text=node.value, broken=True)
        try:
            value = construct(self.constructor, node)
        except Exception:
            # tagged scalars fail in assorted ways (!!bool maybe -> KeyError, !!int x -> ValueError)
            self.problem(node.start_mark, f"invalid {tag} value {node.value!r}", hint)
            return Node(span, node.value, text=node.value, broken=True)
        if isinstance(value, dt.date | dt.datetime | bytes | set):
            value = node.value  # JSON-like values only; dates stay text (normalised later)
        # (libyaml reports a plain scalar's style as "" where PyYAML says None)
        return Node(span, value, text=node.value, plain=plain)

    def _mapping(self, node: yaml.MappingNode, span: Span) -> Node:
        if any(key_node.tag == _MERGE_TAG for key_node, _ in node.value):
            return self._merged_mapping(node, span)
        # one pass over keys and values (the usual mapping: no `<<:` to flatten first)
        out = Node(span, {})
        values, key_spans, file = out.value, out.key_spans, self.file
        seen: dict[str, Span] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._key_problem(key_node)
                continue
            mark = key_node.start_mark
            key, key_span = key_node.value, Span(file, mark.line + 1, mark.column + 1)
            first = seen.setdefault(key, key_span)
            if first is not key_span:
                self._duplicate_problem(key_node, first)
            values[key] = self.build(value_node)
            key_spans[key] = key_span
        return out

    def _key_problem(self, key_node: yaml.Node) -> None:
        self.problem(
            key_node.start_mark,
            "a mapping key must be a plain value",
            "use a string or number as the key, not a list or mapping",
        )

    def _duplicate_problem(self, key_node: yaml.Node, first: Span) -> None:
        self.problem(
            key_node.start_mark,
            f"duplicate key '{key_node.value}' (first "
            f"defined at line {first.line}, column {first.column})",
            "remove one of them or merge their contents",
        )

    def _merged_mapping(self, node: yaml.MappingNode, span: Span) -> Node:
        seen: dict[str, Span] = {}
        key_spans: dict[int, Span] = {}
        merges = False
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                merges = True
                continue
            key_span = key_spans[id(key_node)] = span_of(self.file, key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(
                    key_node.start_mark,
                    "a mapping key must be a plain value",
                    "use a string or number as the key, not a list or mapping",
                )
                continue
            if key_node.value in seen:
                first = seen[key_node.value]
                self.problem(
                    key_node.start_mark,
                    f"duplicate key '{key_node.value}' (first "
                    f"defined at line {first.line}, column {first.column})",
                    "remove one of them or merge their contents",
                )
            seen.setdefault(key_node.value, key_span)
        try:
            if merges:
                self.constructor.flatten_mapping(node)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or node.start_mark
            self.problem(
                mark,
                "invalid merge key (<<)",
                "`<<:` takes an alias to a mapping, or a list of them",
            )
        out = Node(span, {})
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                continue
            out.value[key_node.value] = self.build(value_node)
            known = key_spans.get(id(key_node))
            out.key_spans[key_node.value] = known or span_of(self.file, key_node.start_mark)
        return out


def expanded_size(node: yaml.Node | None, limit: int = MAX_NODES) -> int:
    """Nodes a composed YAML document holds once its aliases are expanded, counted up to
    just past `limit` (memoised: a "billion laughs" document is measured in a blink).

    For YAML read with PyYAML's constructor (the targets file, attestations): the
    constructed value shares aliased objects, but anything that walks it (schema checks,
    str()) walks every copy."""
    sizes: dict[int, int] = {}

    def size(current: yaml.Node, depth: int) -> int:
        known = sizes.get(id(current))
        if known is not None:
            return known
        if depth > 1000:  # also bounds recursion (and a recursive alias)
            return limit + 1
        total = 1
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                total += size(key, depth + 1) + size(value, depth + 1)
                if total > limit:
                    break
        elif isinstance(current, yaml.SequenceNode):
            for item in current.value:
                total += size(item, depth + 1)
                if total > limit:
                    break
        sizes[id(current)] = total
        return total

    return 0 if node is None else size(node, 0)


class _EventBuilder(_Builder):
    """Builds located `Node`s straight from the parser's events.

    The composer keeps a whole document of PyYAML nodes (each with two marks) alive until it
    is done, and resolves every scalar's tag in Python; here each event is turned into its
    `Node` and dropped, and a plain scalar's tag is looked up by its first character (most
    manifest values, `Account 12`, `debit`, start with a letter no implicit tag claims).
    Documents with merge keys (`<<`) go through the composer (`_Builder`), which flattens them.
    """

    def __init__(self, file: str, lean: Container[str] = frozenset()):
        super().__init__(file)
        # top-level keys whose entries may be read as `LeanMap`s (the validator's mapping kinds)
        self.lean = lean
        # objects' field names and plain flags: one tuple per shape, shared
        self.shared: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self.shared_texts: dict[str, str] = {}  # short values without blanks: one str each
        self.anchors: dict[str, Node] = {}
        self.aliased = False  # an alias was followed: some node is reached twice
        resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers
        self.resolvers: dict[str, list[tuple[str, Any]]] = resolvers
        self.wildcard = resolvers.get(None, [])
        self.constructors = self.constructor.yaml_constructors
        self.no_keys: dict[str, Span] = {}

    def documents(self, events: Iterator[Any]) -> Iterator[Node | None]:
        """One root `Node` per document (None for an empty one)."""
        for event in events:
            if type(event) is yaml.DocumentStartEvent:
                self.anchors = {}
                first = next(events)
                if self.lean and type(first) is yaml.MappingStartEvent:
                    root = self.node(first, events, sections=self.lean)
                else:
                    root = self.node(first, events)
                next(events)  # DocumentEndEvent
                empty = root.is_scalar and root.text == ""
                yield None if empty else root

    def node(
        self,
        event: Any,
        events: Iterator[Any],
        sections: Container[str] = frozenset(),
        objects: bool = False,
    ) -> Node:
        """The located node of `event` (and of the events up to its end). `sections`: keys
        of this mapping whose entries may be `LeanMap`s; `objects`: this mapping's values may."""
        kind = type(event)
        if kind is yaml.AliasEvent:
            return self.alias(event)
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(event.start_mark)
        mark = event.start_mark
        span = Span(self.file, mark.line + 1, mark.column + 1)
        if kind is yaml.ScalarEvent:
            built = self.scalar(event, span)
        elif kind is yaml.MappingStartEvent:
            built = Node(span, {})
            self.mark_anchor(event, built)
            self.mapping(built, events, sections, objects)
            self.active.discard(id(built))
            return built
        elif kind is yaml.SequenceStartEvent:
            built = Node(span, [])
            self.mark_anchor(event, built)
            items = built.value
            for item in events:
                if type(item) is yaml.SequenceEndEvent:
                    break
                items.append(self.node(item, events))
            self.active.discard(id(built))
            return built
        else:  # pragma: no cover - the parser emits no other event here
            raise yaml.composer.ComposerError(None, None, f"unexpected {event}", mark)
        if event.anchor is not None:
            self.anchors[event.anchor] = built
        return built

    def mark_anchor(self, event: Any, built: Node) -> None:
        self.active.add(id(built))
        if event.anchor is not None:
            self.anchors[event.anchor] = built

    def alias(self, event: Any) -> Node:
        self.aliased = True
        target = self.anchors.get(event.anchor)
        if target is None:
            raise yaml.composer.ComposerError(
                None, None, f"found undefined alias {event.anchor!r}", event.start_mark
            )
        if id(target) in self.active:
            # told at the anchor, as the composer's builder tells it
            self.problems.append(
                Problem(target.span, "recursive alias", "an anchor cannot contain itself")
            )
            return Node(target.span, None, broken=True)
        if target.is_scalar:
            return target
        # the same located node, but whoever walks the tree walks every copy (see build)
        self.count += self._expanded(target)
        if self.count > MAX_NODES:
            raise _TooBig(event.start_mark)
        return target

    def mapping(
        self,
        out: Node,
        events: Iterator[Any],
        sections: Container[str] = frozenset(),
        objects: bool = False,
    ) -> None:
        values, key_spans, file = out.value, out.key_spans, self.file
        for key_event in events:
            kind = type(key_event)
            if kind is yaml.MappingEndEvent:
                return
            if kind is not yaml.ScalarEvent:
                self.node(key_event, events)  # consumed, then refused
                self._key_problem(key_event)
                self.node(next(events), events)
                continue
            value_event = next(events)
            mark = key_event.start_mark
            # the same few field names on every object: one string each, not one per object
            key, key_span = intern(key_event.value), Span(file, mark.line + 1, mark.column + 1)
            if key_event.anchor is not None:
                self.anchors[key_event.anchor] = self.scalar(key_event, key_span)
            first = key_spans.get(key)
            if first is not None:
                self.problem(
                    mark,
                    f"duplicate key '{key}' (first "
                    f"defined at line {first.line}, column {first.column})",
                    "remove one of them or merge their contents",
                )
            else:
                key_spans[key] = key_span
            if (
                type(value_event) is yaml.MappingStartEvent
                and value_event.anchor is None  # nothing may alias a lean mapping
                and value_event.implicit
            ):
                if objects:
                    values[key] = self.lean_mapping(value_event, events)
                    continue
                if key in sections:
                    values[key] = self.node(value_event, events, objects=True)
                    continue
            values[key] = self.node(value_event, events)

    def lean_mapping(self, start: Any, events: Iterator[Any]) -> Node | LeanMap:
        """A mapping of untagged, unanchored scalars as a `LeanMap`; anything else (nesting,
        an anchor or alias, a tag, a duplicate key, `${`, a value YAML types in a way only the
        tree handles) as the usual `Node` tree, from the same events."""
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(start.start_mark)
        scalar, end = yaml.ScalarEvent, yaml.MappingEndEvent
        resolvers, shared_texts = self.resolvers, self.shared_texts
        keys: list[str] = []
        # per field: its text, YAML's value, plain?, position (field_at)
        fields: list[Any] = []
        typed = False  # some value is not its text
        for key_event in events:
            if type(key_event) is end:
                break
            value_event = next(events)
            if (
                type(key_event) is not scalar
                or type(value_event) is not scalar
                or key_event.anchor is not None
                or value_event.anchor is not None
                or key_event.tag is not None
                or value_event.tag is not None
            ):
                return self.tree(start, keys, fields, (key_event, value_event), events)
            key, text = key_event.value, value_event.value
            # untagged: plain exactly when unquoted (the parser's rule for plain_implicit)
            plain = value_event.implicit[0]
            if key in keys or "${" in text:
                return self.tree(start, keys, fields, (key_event, value_event), events)
            if len(text) < _SHARED_TEXT and " " not in text:
                text = shared_texts.setdefault(text, text)  # debit, balance_sheet, 2110: once
            value: Any = text
            if plain and (text == "" or text[0] in resolvers or self.wildcard):
                value = self.lean_value(text)
                if value is _NOT_LEAN:
                    return self.tree(start, keys, fields, (key_event, value_event), events)
                typed = typed or value is not text
            mark, at = key_event.start_mark, value_event.start_mark
            if mark.line != at.line or at.column + 1 >= _COLUMN_MASK:
                return self.tree(start, keys, fields, (key_event, value_event), events)
            keys.append(intern(key))
            fields += (
                text,
                value,
                plain,
                field_at(mark.line + 1, mark.column + 1, at.column + 1),
            )
        self.count += len(keys)
        if self.count > MAX_NODES:
            raise _TooBig(start.start_mark)
        shared = self.shared
        shape, plain_flags, texts = tuple(keys), tuple(fields[2::4]), tuple(fields[0::4])
        mark = start.start_mark
        return LeanMap(
            self.file,
            (mark.line + 1) << _COLUMN_BITS | (mark.column + 1),
            shared.setdefault(shape, shape),
            texts,
            tuple(fields[1::4]) if typed else texts,  # the usual object: all text
            shared.setdefault(plain_flags, plain_flags),
            tuple(fields[3::4]),
        )

    def lean_value(self, text: str) -> Any:
        """What YAML reads a plain `text` as, as `scalar` makes it; _NOT_LEAN for a tag only
        the tree handles (or a value its constructor refuses: the tree reports it)."""
        tag = self.resolve(text)
        if tag in (_STR_TAG, _TIMESTAMP_TAG):
            return text
        if tag not in _LEAN_TAGS:
            return _NOT_LEAN
        try:
            return self.constructors[tag](self.constructor, yaml.ScalarNode(tag, text))
        except Exception:
            return _NOT_LEAN

    def tree(
        self,
        start: Any,
        keys: list[str],
        fields: list[Any],
        pending: tuple[Any, Any],
        events: Iterator[Any],
    ) -> Node:
        """The located tree of a mapping `lean_mapping` started: the fields it read, then
        the pending events and the rest, as `mapping` reads them."""
        mark = start.start_mark
        built = LeanMap(
            self.file,
            (mark.line + 1) << _COLUMN_BITS | (mark.column + 1),
            tuple(keys),
            tuple(fields[0::4]),
            tuple(fields[1::4]),
            tuple(fields[2::4]),
            tuple(fields[3::4]),
        ).node()
        self.count += len(keys)  # `mapping` counts the rest
        self.active.add(id(built))
        self.mapping(built, chain(pending, events))
        self.active.discard(id(built))
        return built

    def scalar(self, event: Any, span: Span) -> Node:
        value, style, tag = event.value, event.style, event.tag
        plain = style not in ("'", '"', "|", ">")
        if tag is None or tag == "!":
            if not event.implicit[0]:
                return Node(span, value, value, plain, self.no_keys)
            tag = self.resolve(value)
        if tag in (_STR_TAG, _TIMESTAMP_TAG):
            return Node(span, value, value, plain, self.no_keys)
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, style)
        return self._scalar(node, span)

    def resolve(self, value: str) -> str:
        """The implicit tag of a plain scalar, as PyYAML's resolver finds it."""
        for tag, regexp in self.resolvers.get(value[0] if value else "", ()):
            if regexp.match(value):
                return str(tag)
        for tag, regexp in self.wildcard:
            if regexp.match(value):
                return str(tag)
        return _STR_TAG


class _TooBig(Exception):
    def __init__(self, mark: Any):
        self.mark = mark


def _has_tab(text: str, line: int) -> bool:
    lines = text.splitlines()
    return 0 < line <= len(lines) and "\t" in lines[line - 1]


def _syntax_problem(file: str, text: str, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    span = span_of(file, mark) if mark is not None else Span(file, 1, 1)
    problem = (getattr(exc, "problem", None) or str(exc)).strip()
    if "'\\t'" in problem or _has_tab(text, span.line):
        return Problem(
            span,
            "tab character in indentation",
            "YAML indents with spaces only: replace the tab with spaces",
        )
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    where = ""
    if context:
        where = f" ({context}"
        if context_mark is not None and context_mark.line + 1 != span.line:
            where += f" started at line {context_mark.line + 1}, column {context_mark.column + 1}"
        where += ")"
    return Problem(
        span,
        f"YAML syntax error: {problem}{where}",
        "check the indentation, quoting and ':' separators on this line and the one above",
    )


def _maybe_deep(text: str) -> bool:
    """A cheap upper bound on nesting says the document might be deeper than a quarter of
    MAX_DEPTH (`[[[[`, `- - - -`); real manifests nest a handful of levels."""
    limit = MAX_DEPTH // 4
    # a compact run holds `limit` indicators each followed by a blank: without that many
    # there is none (counting is a fast scan; the pattern's search visits every character)
    indicators = text.count("- ") + text.count("-\t") + text.count("? ") + text.count("?\t")
    if indicators >= limit and _COMPACT_RUN.search(text):
        return True
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _NESTING_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth = max(depth - 1, 0)
        else:  # a quoted string (or an apostrophe pairing): its openers count, closers don't
            depth += token.count("[") + token.count("{")
        if depth > limit:
            return True
    return False


def _too_deep(text: str, file: str) -> Problem | None:
    """The exact nesting, from the parser's events (no recursion), when the bound says so."""
    if not _maybe_deep(text):
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return Problem(
                        span_of(file, event.start_mark),
                        f"nested more than {MAX_DEPTH} levels deep",
                        "flatten the structure",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        # libyaml >= 0.2.5 has its own depth limit (1,000) and may stop first: same refusal
        return _nesting_problem(exc, file)  # None: composing reports the syntax error
    return None


def _nesting_problem(exc: yaml.YAMLError, file: str) -> Problem | None:
    """The parser's own "maximum nesting depth" error, told as our nesting refusal."""
    problem = getattr(exc, "problem", None) or ""
    mark = getattr(exc, "problem_mark", None)
    if "nesting depth" not in problem or mark is None:
        return None
    return Problem(
        span_of(file, mark), f"nested more than {MAX_DEPTH} levels deep", "flatten the structure"
    )


def load_text(
    text: str, file: str, path: Path | None = None, lean: Container[str] = frozenset()
) -> tuple[list[Document], list[Problem]]:
    """The documents of `text` as located trees. `lean`: top-level keys whose entries that
    are plain `field: value` mappings come as `LeanMap`s (see there)."""
    deep = _too_deep(text, file)
    if deep is not None:
        return [], [deep]
    merges = "<<" in text
    builder = _Builder(file) if merges else _EventBuilder(file, lean)
    if lean and not merges:
        from intacct_reconcile.manifest.plainscan import scan  # it builds this module's nodes

        root = scan(text, file, lean, builder)
        if root is not None:  # plain lines only: the tree the events would have made
            return [Document(file, path or Path(file), 0, root, shared=False)], []
    documents: list[Document] = []
    parser: Any = None
    try:
        if merges:
            roots: Iterator[Node | None] = (
                None
                if node is None or (isinstance(node, yaml.ScalarNode) and node.value == "")
                else builder.build(node)
                for node in yaml.compose_all(text, Loader=_Loader)
            )
        else:
            # the parser's own method as the iterator: no Python generator between (as in
            # yaml.parse) for a million events
            parser = _Loader(text)
            events = iter(parser.get_event, None)
            roots = builder.documents(events)  # type: ignore[attr-defined]
        for index, root in enumerate(roots):
            if root is None:
                continue  # an empty document (`---` alone) declares nothing
            shared = merges or builder.aliased  # type: ignore[attr-defined]
            documents.append(Document(file, path or Path(file), index, root, shared))
    except _TooBig as exc:
        return [], [
            Problem(
                span_of(file, exc.mark),
                "document expands to too many nodes (aliases nested too deep)",
                "expand fewer aliases",
            )
        ]
    except yaml.YAMLError as exc:
        deep = _nesting_problem(exc, file)
        if deep is not None:
            return [], [deep]
        return documents, [*builder.problems, _syntax_problem(file, text, exc)]
    except RecursionError:
        return [], [
            Problem(Span(file, 1, 1), "document is nested too deeply", "flatten the structure")
        ]
    finally:
        if parser is not None:
            parser.dispose()
    return documents, builder.problems


def _byte_span(file: str, data: bytes, offset: int) -> Span:
    """line:col of a byte offset, so an editor can jump to the offending character."""
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return Span(file, data.count(b"\n", 0, offset) + 1, column)


def load_file(
    path: Path, file: str, lean: Container[str] = frozenset()
) -> tuple[list[Document], list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [], [
            Problem(
                _byte_span(file, exc.object, exc.start),
                f"not UTF-8 text ({exc.reason}: byte 0x{exc.object[exc.start]:02x})",
                "save the file as UTF-8 (editors: 'Save with encoding')",
            )
        ]
    except OSError as exc:
        return [], [Problem(Span(file, 1, 1), f"cannot read file: {exc.strerror}", "")]
    documents, problems = load_text(text, file, path, lean)
    if not documents and not problems:
        problems.append(
            Problem(
                Span(file, 1, 1),
                "file holds no YAML document",
                "start it with `version: 1`, or remove the file",
            )
        )
    return documents, problems
