"""docs/sandbox-assumptions.md lists every `# assumption:` note of the sandbox, and only those."""

from __future__ import annotations

from .assumptions import DOC, Note, documented, notes


def _matches(note: Note, row: tuple[str, str]) -> bool:
    return row[0] == note.file and row[1].startswith(note.summary)


def test_every_assumption_has_a_row() -> None:
    rows = documented()
    missing = [n for n in notes() if not any(_matches(n, row) for row in rows)]
    assert not missing, f"add these rows to {DOC.name}:\n" + "\n".join(
        f"{n.row()}   <- {n.file}:{n.line}" for n in missing
    )


def test_every_row_names_an_assumption() -> None:
    found = notes()
    stale = [row for row in documented() if not any(_matches(n, row) for n in found)]
    assert not stale, f"rows of {DOC.name} whose note is gone or reworded:\n" + "\n".join(
        f"| `{file}` | {text} |" for file, text in stale
    )


def test_the_finder_sees_comment_and_docstring_notes() -> None:
    found = {(n.file, n.summary) for n in notes()}
    assert (
        "xml_legacy.py",
        "a legacy delete answers the deleted record's key, as create does",
    ) in found
    assert any(
        f == "xml_writes.py" and s.startswith("a create/update function is atomic")
        for f, s in found
    )
    assert len(found) > 50
