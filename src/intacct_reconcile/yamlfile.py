"""Small hand-edited YAML files (the targets file, attestations) read with the manifest
loader's guarantees: every problem located (file:line:col: what — how to fix), duplicate and
non-scalar keys refused, unknown tags refused, nesting and alias expansion bounded, control
characters and syntax errors reported without a traceback.

    node, data = load_mapping(path, what="config", max_nodes=100_000)

`data` holds plain values (dict with str keys, list, str, int, float, bool, None); `node` is
the located tree (manifest.loader.Node) for pointing messages at a key or value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from intacct_reconcile.errors import ConfigError, Problem
from intacct_reconcile.manifest.loader import Node, load_text
from intacct_reconcile.spans import Span


def read_text(path: Path, what: str) -> str:
    """A hand-edited file's text; not UTF-8 or unreadable: a located ConfigError."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}:{line}:1: the {what} file is not UTF-8 text ({exc.reason}) — save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the {what} file ({exc.strerror}) — check its permissions"
        ) from None


def load_mapping(
    path: Path, text: str, *, what: str, max_nodes: int, shape_hint: str
) -> tuple[Node | None, dict[str, Any]]:
    """The file's single document as a mapping (an empty file: {}), or a ConfigError listing
    every problem found, located."""
    file = str(path)
    text = _located_control_characters(file, text)
    documents, problems = load_text(text, file, path)
    if problems:
        raise _error(problems)
    if len(documents) > 1:
        second = documents[1].root.span
        raise _error(
            [
                Problem(
                    second, f"the {what} file holds several YAML documents", "keep one (no `---`)"
                )
            ]
        )
    if not documents:
        return None, {}
    root = documents[0].root
    if not root.is_map:
        raise _error([Problem(root.span, f"the {what} file must be a mapping", shape_hint)])
    budget = _Budget(max_nodes, file)
    data = _plain(root, budget)
    return root, data


def where(node: Node | None, location: list[Any], file: str, *, key: bool = False) -> str:
    """file:line:col of the value at `location` (of its key, with key=True)."""
    current = node
    span = current.span if current is not None else Span(file, 1, 1)
    for n, step in enumerate(location):
        if current is None or not current.is_map or str(step) not in current.value:
            listed = current is not None and current.is_seq and isinstance(step, int)
            if listed and 0 <= step < len(current.value):
                current = current.value[step]
                span = current.span
                continue
            break
        child = current.value[str(step)]
        last = n == len(location) - 1
        span = current.key_spans.get(str(step), child.span) if (last and key) else child.span
        current = child
    return str(span)


class _Budget:
    """Counts plain values made: aliases share one node, but each copy is a value to check."""

    def __init__(self, limit: int, file: str):
        self.left = limit
        self.limit = limit
        self.file = file

    def spend(self, node: Node) -> None:
        self.left -= 1
        if self.left < 0:
            raise _error(
                [
                    Problem(
                        node.span,
                        f"the file expands to more than {self.limit:,} values (aliases "
                        "nested too deep)",
                        "write the values out without nested aliases",
                    )
                ]
            )


def _plain(node: Node, budget: _Budget) -> Any:
    budget.spend(node)
    if node.is_map:
        return {key: _plain(child, budget) for key, child in node.value.items()}
    if node.is_seq:
        return [_plain(child, budget) for child in node.value]
    return node.value


def _located_control_characters(file: str, text: str) -> str:
    """Refuse characters YAML does not allow (NUL, escape...) with their line and column:
    the YAML reader's own error gives only an offset."""
    try:
        yaml.reader.Reader(text)  # checks every character as it is built
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        raise _error(
            [
                Problem(
                    Span(file, line, column),
                    f"control character U+{int(exc.character):04X} is not allowed in YAML",
                    "remove it, or write it as an escape inside double quotes",
                )
            ]
        ) from None
    return text


def _error(problems: list[Problem]) -> ConfigError:
    ordered = sorted(problems, key=lambda p: (p.span or Span("", 0, 0), p.message))
    return ConfigError("\n".join(str(p) for p in ordered))
