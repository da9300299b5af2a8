"""`diff --from A --to B`: how two targets differ, as the plan that would promote A to B.

Direction: A's live configuration plays the manifests and B is the company the plan would
change, so the output reads like any plan for B: "create" is in A but missing in B, "update"
shows B's value before and A's after, "delete" is in B but not in A (every compared kind is
treated as fully owned, so nothing B holds is hidden as "unmanaged"). Promoting an
implementation company to production is `diff --from impl --to prod`.

Only kinds Intacct can report are compared (manual, UI-only kinds are skipped with a note).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from intacct_reconcile import planner
from intacct_reconcile.connect import open_clients
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.live import holds_constants, read_live, readable
from intacct_reconcile.render import RENDERERS
from intacct_reconcile.settings import Target, load_config, resolve_target
from intacct_reconcile.types import Plan, PlanOptions, Resource, State


@dataclass(frozen=True)
class DiffOutcome:
    """What `diff` gives: the plan that would promote one target's configuration to the other,
    and its rendered output."""

    plan: Plan
    output: str

    @property
    def differs(self) -> bool:
        return bool(self.plan.changes)


def diff(
    from_name: str,
    to_name: str,
    *,
    path: Path | None = None,
    kinds: Sequence[str] = (),
    config: Path | None = None,
    fmt: str = "text",
    quiet: bool = False,
) -> DiffOutcome:
    if fmt not in RENDERERS:
        raise ConfigError(f"unknown --format {fmt!r} — use one of: {', '.join(RENDERERS)}")
    if path is not None and not path.exists():
        raise ConfigError(f"{path}: no such manifest directory or file — check the PATH argument")
    cfg = load_config(config, manifest_path=path)
    source, dest = resolve_target(cfg, from_name), resolve_target(cfg, to_name)
    if source.name == dest.name:
        raise ConfigError(f"--from and --to are both {source.name!r} — name two targets")
    compared, skipped = _kinds(kinds, path, dest)
    if not compared:
        raise ConfigError(
            "no kind Intacct can report to compare"
            + (f" (skipped UI-only: {', '.join(skipped)})" if skipped else "")
            + " — pass --kind K"
        )
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="diff") as pool:
        read_source = pool.submit(_read, source, compared)
        read_dest = pool.submit(_read, dest, compared)
        source_live, dest_live = read_source.result(), read_dest.result()
    desired = as_desired(source_live)
    the_plan = planner.plan(
        desired,
        _own(dest_live, desired),
        PlanOptions(
            target=dest.name,
            ownership=dict.fromkeys(compared, "full"),
            only_kinds=tuple(compared),
        ),
    )
    notes = (
        f"compared {', '.join(compared)}: what applying {source.name}'s configuration to "
        f"{dest.name} would change",
        *(
            (f"not compared (UI-only, Intacct cannot report them): {', '.join(skipped)}",)
            if skipped
            else ()
        ),
    )
    the_plan = replace(the_plan, notes=(*notes, *the_plan.notes))
    return DiffOutcome(the_plan, _render(the_plan, fmt, source, dest))


def _kinds(kinds: Sequence[str], path: Path | None, dest: Target) -> tuple[list[str], list[str]]:
    unknown = sorted(set(kinds) - set(REGISTRY))
    if unknown:
        raise ConfigError(
            f"unknown --kind {', '.join(unknown)} — known kinds: {', '.join(REGISTRY)}"
        )
    if kinds:
        wanted = list(dict.fromkeys(kinds))
    elif path is not None:
        import os

        from intacct_reconcile.manifest.api import load_desired

        wanted = list(load_desired(path, vars=dict(dest.vars), env=os.environ).desired.kinds())
    else:
        raise ConfigError(
            "diff needs the kinds to compare: pass --kind K (repeatable) or a manifest PATH "
            "(its kinds are compared)"
        )
    compared = [k for k in wanted if readable(REGISTRY[k])]
    return compared, [k for k in wanted if k not in compared]


def _read(target: Target, kinds: Sequence[str]) -> State:
    with open_clients(target) as clients:
        return read_live(clients, kinds)


def as_desired(live: State) -> State:
    """A company's live objects in desired form: the kind's own objects, fields without a
    value left out (as `export` writes them), no API identity."""
    resources = {}
    for kind_key in live.kinds():
        kind = REGISTRY[kind_key]
        resources[kind_key] = {
            key: Resource(kind_key, key, {n: v for n, v in r.values.items() if v is not None})
            for key, r in sorted(live.of(kind_key).items())
            if holds_constants(kind, r)
        }
    return State(resources)


def _own(live: State, desired: State) -> State:
    """Kinds whose API object holds others' objects (USERINFO: UI users) keep only their own,
    as `plan` does."""
    from intacct_reconcile.live import _own_objects

    return State(
        {
            k: _own_objects(REGISTRY[k], live.of(k), desired)
            if REGISTRY[k].api_constants
            else dict(live.of(k))
            for k in live.kinds()
        }
    )


def _render(the_plan: Plan, fmt: str, source: Target, dest: Target) -> str:
    output = RENDERERS[fmt](the_plan)
    direction = {
        "from": source.name,
        "to": dest.name,
        "meaning": f"changes that would make {dest.name} match {source.name}",
    }
    if fmt == "json":
        data = json.loads(output)
        data["diff"] = direction
        return json.dumps(data, indent=2, sort_keys=True) + "\n"
    head = f"diff: {direction['meaning']} (--from {source.name} --to {dest.name})"
    if fmt == "markdown":
        head = f"**{head}**"
    return f"{head}\n\n{output}"
