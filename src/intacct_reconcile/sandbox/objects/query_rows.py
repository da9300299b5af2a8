"""The read path's SQL for large pages: only the top-level values a response needs.

`query` and `readByQuery` answer with a few fields of up to 2,000 records. Decoding every
stored record (20-odd fields of JSON each) in Python dominated the sandbox's time per page, so
these helpers let SQLite pick the wanted keys out of each record's JSON in C: one
`json_extract(data, path1, path2, ...)` per row, which SQLite answers as a small JSON array
(`["1","1000","Cash",...]`, null where a key is missing) in the order of `keys`.

Same rows, order and totals as `crud.query` / `store.get_many`; only the projection differs.
"""

from __future__ import annotations

from collections.abc import Sequence

from intacct_reconcile.sandbox.objects.crud import definition, page
from intacct_reconcile.sandbox.objects.filters import Filter
from intacct_reconcile.sandbox.store import Store


def _paths(keys: Sequence[str]) -> list[str]:
    paths = [f'$."{key}"' for key in keys]
    # with a single path json_extract returns the bare SQL value, not an array: ask twice
    return paths * 2 if len(paths) == 1 else paths


def _select(keys: Sequence[str]) -> str:
    return f"json_extract(data, {', '.join('?' * len(_paths(keys)))})"


def query_values(
    store: Store,
    obj: str,
    keys: Sequence[str],
    *,
    where: Filter | None = None,
    order: Sequence[tuple[str, bool]] = (),
    offset: int = 0,
    limit: int | None = None,
    case_insensitive: bool = False,
) -> tuple[int, list[str]]:
    """(total matching, one JSON array of `keys`' values per record of the page)."""
    total, rows = page(
        store, obj, _select(keys), _paths(keys), where, order, offset, limit, case_insensitive
    )
    return total, [values for (values,) in rows]


def values_by_recordno(
    store: Store, obj: str, keys: Sequence[str], recordnos: Sequence[int]
) -> list[str]:
    """JSON arrays of `keys`' values for the given RECORDNOs, in that order (missing skipped)."""
    name = definition(obj).name
    found: dict[int, str] = {}
    for start in range(0, len(recordnos), 500):
        chunk = list(recordnos[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for recordno, values in store.execute(
            f"SELECT recordno, {_select(keys)} FROM {store.records_sql} "
            f"WHERE obj = ? AND recordno IN ({marks})",
            (*_paths(keys), name, *chunk),
        ):
            found[recordno] = values
    return [found[n] for n in recordnos if n in found]
