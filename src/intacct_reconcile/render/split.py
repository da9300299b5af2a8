"""The `plan --base` split, added to the head plan's rendering (base_split.py says what it is).

text:     a section after the plan: introduced, already pending on base, withdrawn
markdown: a block right under the comment's heading, so reviewers read first what the pull
          request itself changes; the plan follows, cut to fit the rest of GitHub's limit
json:     the plan's object with a `base` key (docs/plan-base.md)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from intacct_reconcile.render import markdown
from intacct_reconcile.render.json import change_data
from intacct_reconcile.render.values import SYMBOLS, change_brief, field_brief, where
from intacct_reconcile.types import Change, Plan

if TYPE_CHECKING:
    from intacct_reconcile.base_split import AgainstBase, Entry

# the split's share of a pull-request comment; the plan gets the rest
MARKDOWN_SHARE = 20_000

INTRODUCED = "Introduced by this pull request"
PENDING = "Already pending on base"
PENDING_WHY = "drift made in Intacct, or merged changes not applied yet: not this pull request's"
WITHDRAWN = "Withdrawn by this pull request"
WITHDRAWN_WHY = "pending on base, no longer planned: reverted or adopted by this pull request"


def headline(against: AgainstBase) -> str:
    source = against.source
    if source.kind == "git":
        what = f"base {source.ref} (commit {source.commit[:12]}, {source.path})"
    else:
        what = f"base folder {source.path}"
    return f"What this pull request changes, against {what}"


def status_line(against: AgainstBase) -> str:
    if not against.available:
        return (
            "Split unavailable: the base manifests cannot be planned (below) — the whole plan "
            "is shown, none of it attributed to this pull request or the base"
        )
    if against.source.missing:
        return f"The base has no manifests at {against.source.path}: everything is introduced"
    return ""


def counts_line(against: AgainstBase) -> str:
    result = against.result
    if result is None:
        return ""
    return (
        f"{len(result.introduced)} introduced by this pull request, "
        f"{len(result.pending_on_base)} already pending on base, "
        f"{len(result.withdrawn)} withdrawn"
    )


def _label(change: Change) -> str:
    return f"{SYMBOLS[change.action]} {change.action} {change.ref}"


# --- text -------------------------------------------------------------------------------------


def render_text(output: str, against: AgainstBase, head: Plan, *, color: bool = False) -> str:
    lines = ["", headline(against)]
    for line in (status_line(against), counts_line(against)):
        if line:
            lines.append(f"  {line}")
    if not against.available:
        lines += [f"  {line}" for line in against.error.splitlines()]
    result = against.result
    if result is not None:
        lines += _text_group(INTRODUCED, "", result.introduced, against, details=True)
        lines += _text_group(PENDING, PENDING_WHY, result.pending_on_base, against)
        lines += _text_group(WITHDRAWN, WITHDRAWN_WHY, result.withdrawn, against, base=True)
    lines += [f"  note: {n}" for n in against.notes]
    return output + "\n".join(lines) + "\n"


def _text_group(
    title: str,
    why: str,
    entries: tuple[Entry, ...],
    against: AgainstBase,
    *,
    details: bool = False,
    base: bool = False,
) -> list[str]:
    if not entries:
        return []
    lines = [f"  {title} ({len(entries)})" + (f": {why}" if why else "")]
    for entry in entries:
        change = entry.change
        source = against.where(change.source) if base else where(change.source)
        lines.append(f"    {_label(change)}" + (f"  ({source})" if source else ""))
        if details or base:
            lines += [f"        {field_brief(fc)}" for fc in entry.fields]
        on_base = entry.base_change
        if on_base is not None and on_base.action != change.action:
            lines.append(f"        on base: {_label(on_base)}: {_brief(on_base)}")
        if entry.pending_on_base_fields:
            shared = ", ".join(entry.pending_on_base_fields)
            lines.append(f"        already pending on base: {shared}")
        if entry.withdrawn_fields:
            lines.append(f"        withdrawn: {', '.join(entry.withdrawn_fields)}")
    return lines


def _brief(change: Change) -> str:
    if change.action == "update" and change.fields:
        return "; ".join(field_brief(fc) for fc in change.fields)
    return change_brief(change)


# --- markdown ---------------------------------------------------------------------------------


def render_markdown(output: str, against: AgainstBase, head: Plan, *, color: bool = False) -> str:
    block = _markdown_block(against)
    if len(output) + len(block) > markdown.GITHUB_LIMIT:
        output = markdown.render_plan(head, limit=markdown.GITHUB_LIMIT - len(block))
    heading, sep, rest = output.partition("\n\n")
    return heading + sep + block + rest if sep else block + output


def _markdown_block(against: AgainstBase) -> str:
    cell, code = markdown.cell, markdown.code
    preamble = f"### {cell(headline(against))}\n\n"
    status = status_line(against)
    if status:
        alert = "WARNING" if not against.available else "NOTE"
        preamble += f"> [!{alert}]\n> {cell(status)}\n"
        if not against.available:
            preamble += "".join(f"> {code(line)}\n" for line in against.error.splitlines()[:20])
        preamble += "\n"
    counts = counts_line(against)
    if counts:
        preamble += f"**{cell(counts)}**\n\n"
    preamble += "".join(f"- _{cell(n)}_\n" for n in against.notes)
    sections: list[markdown.Section] = []
    result = against.result
    if result is not None:
        if result.introduced:
            sections.append(
                markdown.Section(
                    f"**{INTRODUCED} ({len(result.introduced)})**\n\n" + _TABLE,
                    [_md_row(e, against, base=False) for e in result.introduced],
                    what="introduced changes",
                )
            )
        for title, why, entries, base in (
            (PENDING, PENDING_WHY, result.pending_on_base, False),
            (WITHDRAWN, WITHDRAWN_WHY, result.withdrawn, True),
        ):
            if entries:
                sections.append(
                    markdown.Section(
                        f"\n<details><summary>{title} ({len(entries)}): {why}</summary>\n\n"
                        + _TABLE,
                        [_md_row(e, against, base=base) for e in entries],
                        "\n</details>\n",
                        what=f"{title.lower()} changes",
                    )
                )
    block = markdown.fit(preamble, sections, limit=MARKDOWN_SHARE)
    return block + "\n---\n\n"


_TABLE = "| | Object | Source | Change |\n|---|---|---|---|\n"


def _md_row(entry: Entry, against: AgainstBase, *, base: bool) -> str:
    cell, code = markdown.cell, markdown.code
    change = entry.change
    source = against.where(change.source) if base else where(change.source)
    if entry.base_change is not None and entry.fields:
        what = cell("; ".join(field_brief(fc) for fc in entry.fields))
    else:
        what = cell(_brief(change))
    on_base = entry.base_change
    if on_base is not None and on_base.action != change.action:
        what += f" (on base: {cell(on_base.action)}: {cell(_brief(on_base))})"
    if entry.pending_on_base_fields:
        what += f"; already pending on base: {cell(', '.join(entry.pending_on_base_fields))}"
    if entry.withdrawn_fields:
        what += f"; withdrawn: {cell(', '.join(entry.withdrawn_fields))}"
    action = f"{SYMBOLS[change.action]} {change.action}"
    return f"| {action} | {code(str(change.ref))} | {code(source) if source else ''} | {what} |\n"


# --- json -------------------------------------------------------------------------------------


def render_json(output: str, against: AgainstBase, head: Plan, *, color: bool = False) -> str:
    data = json.loads(output)
    data["base"] = base_data(against)
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def base_data(against: AgainstBase) -> dict[str, Any]:
    source = against.source
    result = against.result
    if not against.available:
        status = "unavailable"
    elif source.missing:
        status = "missing"
    else:
        status = "ok"
    return {
        "source": source.kind,
        "ref": source.ref or None,
        "commit": source.commit or None,
        "path": source.path,
        "status": status,
        "error": against.error or None,
        "config_differs": source.config_differs,
        "summary": {
            "introduced": len(result.introduced),
            "pending_on_base": len(result.pending_on_base),
            "withdrawn": len(result.withdrawn),
        }
        if result is not None
        else None,
        "introduced": [_entry_data(e, against) for e in result.introduced] if result else None,
        "pending_on_base": [_ref_data(e.change) for e in result.pending_on_base]
        if result
        else None,
        "withdrawn": [_withdrawn_data(e, against) for e in result.withdrawn] if result else None,
        "notes": list(against.notes),
    }


def _ref_data(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "kind": change.ref.kind,
        "key": change.ref.key,
        "source": where(change.source) or None,
    }


def _entry_data(entry: Entry, against: AgainstBase) -> dict[str, Any]:
    data: dict[str, Any] = {**_ref_data(entry.change), "reason": entry.reason}
    if entry.base_change is not None:
        data["introduced_fields"] = [f.name for f in entry.fields]
        data["base_change"] = _withdrawn_data(type(entry)(entry.base_change), against)
        data["pending_on_base_fields"] = list(entry.pending_on_base_fields)
        data["withdrawn_fields"] = list(entry.withdrawn_fields)
    return data


def _withdrawn_data(entry: Entry, against: AgainstBase) -> dict[str, Any]:
    data = change_data(entry.change)
    data["source"] = against.where(entry.change.source) or None
    return data


RENDERERS: dict[str, Callable[..., str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
