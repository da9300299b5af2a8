"""Many targets: groups of client companies in intacct-reconcile.yaml, and choosing among them.

    groups:
      clients:
        targets_file: clients.yaml        # acme: {company_id: ACME, vars: {...}}, one per company
        defaults: {endpoint: ..., profile: "${target}", safety: {...}}   # under every target
        vars: {ap_email: "ap@${target}.example"}                         # var defaults

`load_groups` turns each group into ordinary Targets (settings.Target), located errors for
anything unknown or duplicated. `select` picks targets by name, glob, group or `all`;
`shard` splits a selection for a CI matrix; `env_prefix` names a target's own INTACCT_*
variables (credentials.py).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intacct_reconcile.errors import ConfigError, did_you_mean
from intacct_reconcile.manifest.loader import Node

if TYPE_CHECKING:
    from intacct_reconcile.safety_policy import Policy
    from intacct_reconcile.settings import Config, Target

ALL = "all"  # selects every target; no group may take the name
TARGET_TOKEN = "${target}"  # in a group's defaults and vars: the target's own name

_VARS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": {"type": ["string", "number", "boolean"]},
}
GROUP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "targets_file": {"type": "string", "minLength": 1},
        "targets": {"type": "object", "additionalProperties": {"$ref": "#/$defs/target"}},
        "defaults": {"$ref": "#/$defs/target"},
        "vars": _VARS_SCHEMA,
    },
}


def env_prefix(name: str) -> str:
    """`INTACCT_ACME_1_` for target `acme-1`: the prefix of the target's own variables."""
    return "INTACCT_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "_"


# --- config: groups --------------------------------------------------------------------------


def load_groups(
    path: Path,
    node: Node | None,
    data: Mapping[str, Any],
    targets: dict[str, Target],
    ownership: Mapping[str, str],
    safety: Policy,
) -> dict[str, tuple[str, ...]]:
    """Add every group's targets to `targets` (in place); return group name -> target names."""
    from intacct_reconcile import settings

    groups: dict[str, tuple[str, ...]] = {}
    for group, spec in (data.get("groups") or {}).items():
        at = ["groups", group]
        if group == ALL or group in targets:
            what = "selects every target" if group == ALL else "is also a target's name"
            raise ConfigError(
                f"{settings._where(path, node, at, key=True)}: group name {group!r} {what} — "
                "rename the group"
            )
        defaults = dict(spec.get("defaults") or {})
        group_policy = settings._safety(
            path, node, defaults.pop("safety", None) or {}, [*at, "defaults", "safety"], safety
        )
        group_ownership = {**ownership, **defaults.pop("ownership", {})}
        _check_ownership_kinds(path, node, group_ownership, [*at, "defaults", "ownership"])
        var_defaults = dict(spec.get("vars") or {})
        members: list[tuple[str, Mapping[str, Any], Path, Node | None, list[Any]]] = []
        for name, target_spec in (spec.get("targets") or {}).items():
            members.append((name, target_spec, path, node, [*at, "targets", name]))
        if spec.get("targets_file"):
            file_path = path.parent / spec["targets_file"]
            file_node, entries = _read_targets_file(
                file_path, path.parent, settings._where(path, node, [*at, "targets_file"])
            )
            for name, target_spec in entries.items():
                members.append((name, target_spec, file_path, file_node, [name]))
        if not members:
            raise ConfigError(
                f"{settings._where(path, node, at, key=True)}: group {group!r} has no targets — "
                "add `targets_file: FILE` or `targets: {NAME: {...}}`"
            )
        names = []
        for name, target_spec, where_path, where_node, location in members:
            located = settings._where(where_path, where_node, location, key=True)
            if name in targets:
                first = targets[name].defined_at or str(path)
                raise ConfigError(
                    f"{located}: target {name!r} is defined twice (first at {first}) — keep one"
                )
            merged = {**_with_name(defaults, name), **dict(target_spec)}
            merged["vars"] = {
                **_with_name(var_defaults, name),
                **_with_name(defaults.get("vars") or {}, name),
                **(target_spec.get("vars") or {}),
            }
            policy = settings._safety(
                where_path,
                where_node,
                target_spec.get("safety") or {},
                [*location, "safety"],
                group_policy,
            )
            _check_ownership_kinds(
                where_path, where_node, target_spec.get("ownership") or {}, [*location, "ownership"]
            )
            merged.pop("safety", None)
            target = settings._target(name, merged, group_ownership, policy, path.parent)
            targets[name] = dataclasses.replace(target, defined_at=located)
            names.append(name)
        groups[group] = tuple(sorted(names))
    _check_env_prefixes(targets)
    return groups


def _with_name(values: Mapping[str, Any], name: str) -> dict[str, Any]:
    """`${target}` in a group's string defaults replaced by the target's name."""
    return {
        key: value.replace(TARGET_TOKEN, name) if isinstance(value, str) else value
        for key, value in values.items()
    }


def _read_targets_file(
    file_path: Path, config_dir: Path, named_at: str
) -> tuple[Node | None, dict[str, Any]]:
    """A group's targets file: NAME: {target keys}, one per target, checked like the config.
    Beside the manifests it must be named *.targets.yaml, which manifest loading skips."""
    from intacct_reconcile import settings, yamlfile
    from intacct_reconcile.manifest.loader import TARGETS_SUFFIXES

    if not file_path.name.endswith(TARGETS_SUFFIXES) and _inside(file_path, config_dir):
        raise ConfigError(
            f"{named_at}: targets file {file_path.name} sits among the manifests, which would "
            f"read it as one — name it {file_path.stem}.targets.yaml (manifest loading skips "
            "*.targets.yaml) or move it out of the manifest folder"
        )
    if not file_path.is_file():
        raise ConfigError(
            f"{named_at}: targets file {file_path} not found — fix `targets_file:` (it is "
            "relative to the config's folder)"
        )
    node, data = yamlfile.load_mapping(
        file_path,
        yamlfile.read_text(file_path, "targets"),
        what="targets",
        max_nodes=settings.MAX_CONFIG_NODES,
        shape_hint="one entry per target at the left margin, e.g. `acme: {company_id: ACME}`",
    )
    schema = {
        "type": "object",
        "additionalProperties": {"$ref": "#/$defs/target"},
        "$defs": settings.CONFIG_SCHEMA["$defs"],
    }
    settings._check_schema(file_path, node, data, schema)
    return node, data


def _inside(path: Path, folder: Path) -> bool:
    return path.absolute().is_relative_to(folder.absolute())


def _check_ownership_kinds(
    path: Path, node: Node | None, ownership: Mapping[str, str], at: list[Any]
) -> None:
    from intacct_reconcile import settings
    from intacct_reconcile.kinds import REGISTRY

    for kind in ownership:
        if kind not in REGISTRY:
            raise ConfigError(
                f"{settings._where(path, node, [*at, kind], key=True)}: "
                f"{'.'.join(map(str, [*at, kind]))}: unknown kind {kind!r}"
                f"{did_you_mean(str(kind), REGISTRY)} (kinds: {', '.join(sorted(REGISTRY))})"
            )


def _check_env_prefixes(targets: Mapping[str, Target]) -> None:
    """Two targets whose INTACCT_<TARGET>_* variables would be the same ones."""
    seen: dict[str, str] = {}
    for name in sorted(targets):
        prefix = env_prefix(name)
        if prefix in seen:
            raise ConfigError(
                f"{targets[name].defined_at or name}: targets {seen[prefix]!r} and {name!r} "
                f"would both read their credentials from {prefix}* — rename one of them"
            )
        seen[prefix] = name


# --- choosing targets ------------------------------------------------------------------------


def is_fleet_selector(selector: str) -> bool:
    """A selector that may stand for several targets: a glob or `all` (groups are known only
    once the config is read)."""
    return selector == ALL or any(c in selector for c in "*?[")


def select(config: Config, selectors: Sequence[str]) -> list[Target]:
    """The targets the selectors name, sorted by name, each once. A selector is a target's
    name, a group's name, `all`, or a glob over target names (`client-*`)."""
    if not config.targets:
        raise ConfigError(
            "several targets were asked for, but there is no intacct-reconcile.yaml with "
            'targets — write one (README "Many companies") or pass --config'
        )
    chosen: set[str] = set()
    for selector in selectors:
        if selector in config.targets:
            chosen.add(selector)
        elif selector in config.groups:
            chosen.update(config.groups[selector])
        elif selector == ALL:
            chosen.update(config.targets)
        elif is_fleet_selector(selector):
            matched = fnmatch.filter(config.targets, selector)
            if not matched:
                raise ConfigError(
                    f"--target {selector!r} matches no target (targets in {config.path}: "
                    f"{_sample(config.targets)})"
                )
            chosen.update(matched)
        else:
            names = [*config.targets, *config.groups]
            raise ConfigError(
                f"unknown target or group {selector!r}{did_you_mean(selector, names)} "
                f"(targets in {config.path}: {_sample(config.targets)}; groups: "
                f"{', '.join(sorted(config.groups)) or 'none'})"
            )
    return [config.targets[name] for name in sorted(chosen)]


def _sample(names: Sequence[str] | Mapping[str, Any], limit: int = 12) -> str:
    ordered = sorted(names)
    more = f", ... ({len(ordered) - limit} more)" if len(ordered) > limit else ""
    return ", ".join(ordered[:limit]) + more


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` (1 <= K <= N) -> (K, N)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ConfigError(
            f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. --shard 2/4 for the second "
            "of four shards"
        )
    return int(match.group(1)), int(match.group(2))


def shard(targets: Sequence[Target], k: int, n: int) -> list[Target]:
    """Shard K of N: sorted by name, dealt round-robin (target i goes to shard i mod N + 1),
    so every target is in exactly one shard and shards differ in size by at most one."""
    ordered = sorted(targets, key=lambda t: t.name)
    return [t for i, t in enumerate(ordered) if i % n == k - 1]


# --- validate: every target's vars -------------------------------------------------------------


def every_target_config(
    path: Path, config: Path | None, target: str | None, sandbox: bool
) -> Config | None:
    """The config when `validate` should check every target: several targets, none chosen."""
    from intacct_reconcile import settings

    if target is not None or sandbox:
        return None
    if config is None and settings.find_config(path) is None:
        return None
    cfg = settings.load_config(config, path)
    return cfg if len(cfg.targets) > 1 else None


def check_every_target(path: Path, config: Config, env: Mapping[str, str]) -> Any:
    """Load the manifests with each target's vars; every problem of one target only (a
    missing var) is reported with the target's name and where it is defined, problems all
    targets share once. Returns the first target's manifests."""
    from intacct_reconcile.errors import ManifestError, Problem
    from intacct_reconcile.manifest.desired import load_desired

    first: Any = None
    failed: dict[str, tuple[Problem, ...]] = {}
    names = sorted(config.targets)
    for name in names:
        try:
            loaded = load_desired(path, vars=dict(config.targets[name].vars), env=env)
        except ManifestError as exc:
            failed[name] = exc.problems
            continue
        first = first if first is not None else loaded
    if not failed:
        return first
    shared = (
        set.intersection(*(set(p) for p in failed.values())) if len(failed) == len(names) else set()
    )
    problems = list(shared)
    for name, found in failed.items():
        at = config.targets[name].defined_at
        for problem in found:
            if problem not in shared:
                problems.append(
                    Problem(
                        problem.span,
                        f"target {name!r}{f' ({at})' if at else ''}: {problem.message}",
                        problem.hint,
                    )
                )
    raise ManifestError(problems)
