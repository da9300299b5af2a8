"""`intacct-reconcile audit verify` and `audit show`: the log checked and read by a person."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from intacct_reconcile.audit import history, log
from intacct_reconcile.errors import ConfigError, ReconcileError

PathOpt = Annotated[
    Path,
    typer.Option(
        "--path", help="The folder holding .intacct-reconcile/ (the manifest folder; default: .)."
    ),
]


class TamperedLogError(ReconcileError):
    """The hash chain is broken: exit 1 with the first bad line."""


def verify_text(base_dir: Path) -> str:
    path = log.audit_path(base_dir)
    verdict = log.verify(path)
    if not verdict.ok:
        raise TamperedLogError(
            f"{path}:{verdict.bad_line}: {verdict.problem} — the audit log was altered at or "
            "before this line; keep the file as evidence and compare it with a copy or backup"
        )
    legacy = (
        f" (after {verdict.legacy} unchained line(s) of the earlier format, covered by the "
        "first link)"
        if verdict.legacy
        else ""
    )
    return (
        f"{path}: intact — {verdict.records} chained record(s){legacy}; last hash "
        f"{verdict.last_hash} (record it elsewhere to detect a log cut short later)"
    )


def show_text(base_dir: Path, *, last: int = 5, target: str | None = None) -> str:
    path = log.audit_path(base_dir)
    if not path.is_file():
        raise ConfigError(
            f"{path}: no audit log here — pass --path the folder holding .intacct-reconcile/"
        )
    found = [a for a in history.applies(base_dir) if target is None or a.target == target]
    if not found:
        return f"{path}: no applies" + (f" to {target}" if target else "")
    blocks = [_describe(one) for one in found[-last:]]
    return "\n\n".join(blocks)


def _describe(one: history.Apply) -> str:
    begin = one.begin
    company = f" (company {begin['company_id']})" if begin.get("company_id") else ""
    who = str(begin.get("who") or "unknown")
    if begin.get("who_from"):
        who += f" via {begin['who_from']}"
    if begin.get("by") and begin.get("by") != begin.get("who"):
        who += f", --by {begin['by']}"
    git = begin.get("git")
    commit = (
        f"commit {str(git.get('commit'))[:12]}{' (dirty)' if git.get('dirty') else ''}"
        if isinstance(git, dict)
        else "manifests not in git"
    )
    if "type" not in begin:
        commit = "earlier format: no commit or values recorded"
    if one.end is None:
        state = "NEVER FINISHED (killed, or still running)"
    else:
        state = str(one.end.get("status", "completed"))
    final = one.final()
    counts = Counter(final.values())
    lines = [
        f"{begin.get('at')}  {one.target}{company}  by {who}  {commit}",
        f"  {state}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())),
    ]
    for (ref, action), intent in one.intents.items():
        status = final.get(ref, "unknown")
        where = f"  ({intent['source']})" if intent.get("source") else ""
        lines.append(f"  {status:>13}  {action} {ref}{where}")
        lines += [f"                   {_value_line(v)}" for v in intent.get("values") or ()]
    return "\n".join(lines)


def _value_line(value: dict[str, Any]) -> str:
    if value.get("added") or value.get("removed"):
        plus = [f"+{a}" for a in value.get("added") or ()]
        minus = [f"-{r}" for r in value.get("removed") or ()]
        return f"{value['field']}: {' '.join(plus + minus)}"
    return f"{value['field']}: {value.get('before')!r} -> {value.get('after')!r}"


def register(
    app: typer.Typer, boundary: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> None:
    audit_app = typer.Typer(help="The audit log: verify its hash chain, show recent applies.")

    @audit_app.command("verify")
    @boundary
    def verify(path: PathOpt = Path(".")) -> None:
        """Check the hash chain: exit 1 with the first edited, removed or moved record."""
        typer.echo(verify_text(path))

    @audit_app.command("show")
    @boundary
    def show(
        path: PathOpt = Path("."),
        last: Annotated[int, typer.Option("--last", min=1, help="How many applies.")] = 5,
        target: Annotated[str | None, typer.Option("--target", help="Only this target.")] = None,
    ) -> None:
        """Recent applies: who, which commit, every change with its values and outcome."""
        typer.echo(show_text(path, last=last, target=target))

    app.add_typer(audit_app, name="audit")
