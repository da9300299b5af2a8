"""Finds the sandbox's `assumption:` notes (comments and docstrings) and the rows of
docs/sandbox-assumptions.md, for test_assumptions_doc."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "src" / "intacct_reconcile" / "sandbox"
DOC = ROOT / "docs" / "sandbox-assumptions.md"
_MARK = re.compile(r"\bassumption:\s*(.*)$")
_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*(.+?)\s*\|\s*$")


@dataclass(frozen=True)
class Note:
    file: str  # path below src/intacct_reconcile/sandbox, e.g. "rest_auth.py"
    line: int
    summary: str  # the note's text on its first line (the doc's key, with the file)
    text: str  # the whole note, continuation lines included

    def row(self) -> str:
        return f"| `{self.file}` | {escape(self.text)} |"


def escape(text: str) -> str:
    """Table-cell text: a pipe would end the cell, a <TAG> would be read as HTML."""
    return text.replace("|", "\\|").replace("<", "&lt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("\\|", "|")


def _continuation(lines: list[str], start: int, comment: bool) -> list[str]:
    """Lines that carry a note on after its first line."""
    more = []
    for raw in lines[start + 1 :]:
        stripped = raw.strip()
        if comment:
            if not stripped.startswith("#") or "assumption:" in stripped:
                break
            rest = stripped.lstrip("#").strip()
            if not rest or rest.startswith(("reference", "assumption")):
                break
            more.append(rest)
        else:
            if not stripped or stripped.startswith('"""') or "assumption:" in stripped:
                break
            more.append(stripped.rstrip('"').strip())
    return more


def notes() -> list[Note]:
    found = []
    for path in sorted(SANDBOX.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, raw in enumerate(lines):
            match = _MARK.search(raw)
            if not match:
                continue
            before = raw[: match.start()]
            comment = "#" in before
            summary = match.group(1).strip().rstrip('"').strip()
            if summary.startswith("`"):
                continue  # a mention of the marker ("marked `# assumption:`"), not a note
            if summary.endswith(")") and "(" not in summary:
                summary = summary[:-1]  # "...  # 1..12 (assumption: numeric, not names)"
            text = " ".join([summary, *_continuation(lines, index, comment)]).strip()
            found.append(Note(str(path.relative_to(SANDBOX)), index + 1, summary, text))
    return found


def documented() -> list[tuple[str, str]]:
    """(file, assumption text) of every table row in the doc."""
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            rows.append((match.group(1), unescape(match.group(2))))
    return rows
