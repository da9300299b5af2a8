"""The fleet roll-up: one row per target, as text, markdown (one PR comment) or JSON.

The JSON form (`format_version` "1") is also what `plan --out-dir DIR` leaves in
DIR/rollup.json; `intacct-reconcile rollup DIR...` joins several (a CI matrix's shards) into
one roll-up.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from intacct_reconcile.errors import ConfigError
from intacct_reconcile.fleet import TargetResult, worst
from intacct_reconcile.run_context import ROLLUP_NAME

FORMAT_VERSION = "1"
COMMENT_LIMIT = 65_536  # GitHub's limit for one comment
_BUDGET = COMMENT_LIMIT - 2_000  # room for the header, the footer and a CI step's own text
COLUMNS = ("target", "creates", "updates", "deletes", "manual", "gate", "status")


def status(result: TargetResult) -> str:
    if not result.ok:
        return f"FAILED (exit {result.exit_code})"
    if result.applied is not None:
        return f"applied {result.applied}" if result.applied else "no changes"
    return "changes" if result.has_changes else "no changes"


def line(result: TargetResult) -> str:
    """One target, as streamed while the fleet runs."""
    if not result.ok:
        first = result.error.strip().splitlines()[0] if result.error.strip() else "failed"
        return f"{result.target}: FAILED (exit {result.exit_code}): {first}"
    counts = (
        f"{result.creates} to create, {result.updates} to update, {result.deletes} to delete, "
        f"{result.manual} manual"
    )
    if result.applied is not None:
        counts = f"applied {result.applied} ({counts.replace(' to ', ' ')})"
        if result.skipped:
            counts += f", {result.skipped} already in place"
        if result.failed:
            counts += f", {result.failed} failed or not attempted: {_one_line(result.error)}"
    gate = f", gate {result.gate}" if result.gate and result.gate != "pass" else ""
    return f"{result.target}: {counts}{gate}"


def totals(results: Sequence[TargetResult]) -> dict[str, int]:
    return {
        "targets": len(results),
        "failed": sum(1 for r in results if not r.ok),
        "with_changes": sum(1 for r in results if r.ok and r.has_changes),
        "creates": sum(r.creates for r in results),
        "updates": sum(r.updates for r in results),
        "deletes": sum(r.deletes for r in results),
        "manual": sum(r.manual for r in results),
        "refused": sum(1 for r in results if r.gate == "refused"),
    }


def exit_code(results: Sequence[TargetResult], *, detailed: bool) -> int:
    """The fleet's exit status: the worst target's (fleet.SEVERITY); without
    --detailed-exitcode a plan's 2, 3 and 6 count as success, as for one target."""
    codes = [r.exit_code for r in results]
    if not detailed:
        codes = [0 if c in (2, 3, 6) else c for c in codes]
    return worst(codes)


def summary_line(verb: str, results: Sequence[TargetResult]) -> str:
    t = totals(results)
    return (
        f"{verb}: {t['targets']} target(s), {t['failed']} failed, {t['with_changes']} with "
        f"changes ({t['creates']} to create, {t['updates']} to update, {t['deletes']} to "
        f"delete, {t['manual']} manual), {t['refused']} refused by the safety gate"
    )


# --- formats -----------------------------------------------------------------------------------


def to_data(verb: str, results: Sequence[TargetResult], shard: str | None = None) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "verb": verb,
        "shard": shard,
        "summary": totals(results),
        "targets": [r.to_data() for r in results],
    }


def render(fmt: str, verb: str, results: Sequence[TargetResult], shard: str | None = None) -> str:
    if fmt == "json":
        return json.dumps(to_data(verb, results, shard), indent=2, sort_keys=True) + "\n"
    if fmt == "markdown":
        return markdown(verb, results)
    return text(verb, results)


def text(verb: str, results: Sequence[TargetResult]) -> str:
    rows = [COLUMNS] + [_cells(r) for r in _ordered(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    table = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    failures = [f"{r.target}: {r.error.strip()}" for r in results if not r.ok]
    parts = ["\n".join(table), summary_line(verb, results)]
    if failures:
        parts.append("failed targets:\n" + "\n".join(f"  {f}" for f in failures))
    return "\n\n".join(parts) + "\n"


def markdown(verb: str, results: Sequence[TargetResult]) -> str:
    """A table that fits one PR comment: targets that failed or have changes first; when
    too long, the unchanged targets are only counted, then the rest is cut with a count."""
    head = f"### intacct-reconcile {verb}: {len(results)} target(s)\n\n"
    head += summary_line(verb, results) + "\n\n"
    header = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n"
    ordered = _ordered(results)
    quiet = [r for r in ordered if r.ok and not r.has_changes and r.gate != "refused"]
    rows = [_md_row(r) for r in ordered]
    if len(head) + len(header) + sum(map(len, rows)) > _BUDGET:
        loud = [r for r in ordered if r not in quiet]
        rows = [_md_row(r) for r in loud]
        names = ", ".join(r.target for r in quiet)
        if len(names) > 2_000:
            names = names[:2_000].rsplit(", ", 1)[0] + ", ..."
        head += f"{len(quiet)} target(s) without changes are not listed: {names}\n\n"
    body, used = [], len(head) + len(header)
    for n, row in enumerate(rows):
        if used + len(row) > _BUDGET:
            body.append(
                f"\n… and {len(rows) - n} more target(s): see the JSON roll-up "
                "(`--format json`) for all of them\n"
            )
            break
        body.append(row)
        used += len(row)
    errors = [r for r in results if not r.ok]
    details = ""
    if errors:
        listed = "\n".join(f"- `{r.target}`: {_one_line(r.error)}" for r in errors)
        candidate = f"\n<details><summary>errors</summary>\n\n{listed}\n\n</details>\n"
        if used + len(candidate) < _BUDGET:
            details = candidate
    return head + header + "".join(body) + details


def _ordered(results: Sequence[TargetResult]) -> list[TargetResult]:
    """Failed first, then refused, then with changes, then the rest; by name within."""
    return sorted(
        results,
        key=lambda r: (r.ok, r.gate != "refused", not r.has_changes, r.target),
    )


def _cells(r: TargetResult) -> tuple[str, ...]:
    return (
        r.target,
        str(r.creates),
        str(r.updates),
        str(r.deletes),
        str(r.manual),
        r.gate or "-",
        status(r),
    )


def _md_row(r: TargetResult) -> str:
    cells = [c.replace("|", "\\|") for c in _cells(r)]
    cells[0] = f"`{cells[0]}`"
    return "| " + " | ".join(cells) + " |\n"


def _one_line(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return (first[:300] + "…") if len(first) > 300 else first


# --- reading roll-ups back (CI shards) ----------------------------------------------------------


def write(folder: Path, verb: str, results: Sequence[TargetResult], shard: str | None) -> Path:
    path = folder / ROLLUP_NAME
    path.write_text(render("json", verb, results, shard), encoding="utf-8")
    return path


def read(paths: Sequence[Path]) -> tuple[str, list[TargetResult]]:
    """Join roll-ups: each path is a roll-up JSON file or a folder holding rollup.json. A
    target in two of them is an error (shards overlap)."""
    verbs: set[str] = set()
    seen: dict[str, Path] = {}
    results: list[TargetResult] = []
    for given in paths:
        path = given / ROLLUP_NAME if given.is_dir() else given
        data = _load(path)
        verbs.add(str(data.get("verb", "plan")))
        for row in data["targets"]:
            result = TargetResult.from_data(row)
            if result.target in seen:
                raise ConfigError(
                    f"{path}: target {result.target!r} is also in {seen[result.target]} — "
                    "the shards overlap; run each shard once (`--shard K/N`, same N)"
                )
            seen[result.target] = path
            results.append(result)
    verb = verbs.pop() if len(verbs) == 1 else "plan/apply"
    return verb, sorted(results, key=lambda r: r.target)


def _load(path: Path) -> Mapping[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no roll-up here — pass folders written by `plan --out-dir` or files "
            "saved from `--format json`"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a readable roll-up ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise ConfigError(
            f"{path}: not a fleet roll-up (no `targets` list) — pass the JSON of a fleet "
            "`plan`/`apply`"
        )
    if data.get("format_version") != FORMAT_VERSION:
        raise ConfigError(
            f"{path}: roll-up format {data.get('format_version')!r}; this version reads "
            f"{FORMAT_VERSION!r} — use the same intacct-reconcile version for every shard"
        )
    return data
