"""After go-live Intacct advances a sequence's next number: the blueprint still converges."""

from __future__ import annotations

import json
from pathlib import Path

from e2e.conftest import Invoke, copy_blueprint
from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.store import Store


def advance_next_number(db: Path, sequence: str, next_number: int) -> None:
    """What numbering expense reports does to the sequence in Intacct."""
    store = Store.open(str(db))
    try:
        objects.update(
            store, "SEQUENCE", {"SEQUENCEID": sequence, "NEXTNUMBER": next_number}, via="rest"
        )
    finally:
        store.close()


def next_number(db: Path, sequence: str) -> str:
    store = Store.open(str(db))
    try:
        record = objects.get_by_key(store, "SEQUENCE", sequence)
    finally:
        store.close()
    assert record is not None
    return str(record["NEXTNUMBER"])


def sequence_changes(cli: Invoke, folder: Path) -> list[dict]:
    result = cli("plan", folder, "--format", "json", "--quiet", "--kind", "document_sequences")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["changes"]


def test_an_advanced_next_number_is_in_sync_and_a_lower_live_one_is_raised(
    tmp_path: Path, cli: Invoke
) -> None:
    folder = copy_blueprint("expensify", tmp_path)
    db = folder / ".intacct-reconcile" / "sandbox.db"
    assert cli("apply", folder, "--auto-approve", "--by", "e2e").exit_code == 0
    assert next_number(db, "EXP") == "2"  # as declared

    advance_next_number(db, "EXP", 57)  # reports EXP0002..EXP0056 were numbered
    assert sequence_changes(cli, folder) == []  # declared 2 is a floor: 57 is in sync
    applied = cli("apply", folder, "--auto-approve", "--by", "e2e", "--kind", "document_sequences")
    assert applied.exit_code == 0, applied.output  # nothing refused as irreversible
    assert next_number(db, "EXP") == "57"  # never lowered

    advance_next_number(db, "EXP", 1)  # below the floor (e.g. reset by hand)
    (change,) = sequence_changes(cli, folder)
    assert change["key"] == "EXP" and change["action"] == "update"
    assert [(f["name"], f["before"], f["after"]) for f in change["fields"]] == [
        ("next_number", 1, 2)
    ]
    assert change["irreversible"] == []
