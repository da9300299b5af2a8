"""Targets (from intacct-reconcile.yaml): endpoints, concurrency, ownership, safety limits.

    config = load_config(None, manifest_path=Path("intacct/"))
    target = resolve_target(config, "prod")

Credentials come from the environment or an ini profile (credentials.py); `sandbox: true`
targets need no credentials at all. Opening clients for a target is connect.py's job.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intacct_reconcile import quickschema, yamlfile
from intacct_reconcile.attestations import CONFIG_SCHEMA as ATTESTATIONS_SCHEMA
from intacct_reconcile.credentials import ENV, SANDBOX_XML
from intacct_reconcile.errors import ConfigError, did_you_mean
from intacct_reconcile.manifest.loader import Node
from intacct_reconcile.safety_policy import SCHEMA as SAFETY_SCHEMA
from intacct_reconcile.safety_policy import Policy, policy_from_data
from intacct_reconcile.targets import GROUP_SCHEMA, load_groups

# the config's `sod:` section (what sod/ reads from it): defined here, not in sod/, whose
# loading brings the access review and every kind with it, which reading a config must not wait
# for (an apply signs in as soon as its config is read)
SOD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "enabled": {"type": "boolean"},
        "pack": {"type": "string", "minLength": 1},
        "block_new_violations": {"type": "boolean"},
    },
}

CONFIG_NAME = "intacct-reconcile.yaml"
DEFAULT_ENDPOINT = "https://api.intacct.com"
DEFAULT_CONCURRENCY = 2  # Intacct's standard service level: two concurrent API requests
STATE_DIR = ".intacct-reconcile"
MAX_CONFIG_NODES = 100_000  # a targets file holds dozens of values; aliases may not explode


@dataclass(frozen=True)
class Target:
    """One company to plan and apply against, as the config defines it (or the embedded
    sandbox): endpoint, vars, ownership, safety limits and concurrency."""

    name: str
    company_id: str | None = None
    entity_id: str | None = None
    endpoint: str = DEFAULT_ENDPOINT
    sandbox: bool = False
    db: Path | None = None
    vars: Mapping[str, str] = field(default_factory=dict)
    ownership: Mapping[str, str] = field(default_factory=dict)
    safety: Policy = field(default_factory=Policy)
    concurrency: int = DEFAULT_CONCURRENCY
    profile: str | None = None  # credentials.ini profile of this target (credentials.py)
    defined_at: str = ""  # file:line:col of the target's definition (fleet messages)

    @property
    def is_local(self) -> bool:
        """An embedded sandbox or one served on this machine (takes sandbox credentials)."""
        if self.sandbox:
            return True
        import httpx  # late: `validate` reads targets' vars and never talks to a server

        host = httpx.URL(self.endpoint).host
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


@dataclass(frozen=True)
class Config:
    """The loaded intacct-reconcile.yaml: its targets and the defaults and policies they share
    (without a config: no targets, and where one was looked for)."""

    path: Path | None
    default_target: str | None
    targets: Mapping[str, Target]
    ownership: Mapping[str, str] = field(default_factory=dict)
    safety: Policy = field(default_factory=Policy)
    base_dir: Path = field(default_factory=Path.cwd)
    searched: tuple[Path, ...] = ()  # where a config was looked for, when none was found
    # `attestations:` (valid_for policy, attestations.py) and `sod:` (rule pack, sod.py)
    attestations: Mapping[str, Any] = field(default_factory=dict)
    sod: Mapping[str, Any] = field(default_factory=dict)
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name -> targets
    # `plans: {require_signature: true}`: apply refuses plan files not signed with
    # INTACCT_RECONCILE_PLAN_KEY (planfile.py)
    require_signed_plans: bool = False


_TARGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "sandbox": {"type": "boolean"},
        "endpoint": {"type": "string", "pattern": "^https?://"},
        "company_id": {"type": "string", "minLength": 1},
        "entity": {"type": "string"},
        "db": {"type": "string", "minLength": 1},
        "vars": {
            "type": "object",
            "additionalProperties": {"type": ["string", "number", "boolean"]},
        },
        "ownership": {"$ref": "#/$defs/ownership"},
        "safety": {"$ref": "#/$defs/safety"},
        "concurrency": {"type": "integer", "minimum": 1, "maximum": 16},
        "profile": {"type": "string", "minLength": 1},
    },
}
CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "default_target": {"type": "string"},
        "targets": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"$ref": "#/$defs/target"},
        },
        "ownership": {"$ref": "#/$defs/ownership"},
        "safety": {"$ref": "#/$defs/safety"},
        "attestations": ATTESTATIONS_SCHEMA,
        "sod": SOD_SCHEMA,
        "groups": {"type": "object", "additionalProperties": {"$ref": "#/$defs/group"}},
        "plans": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"require_signature": {"type": "boolean"}},
        },
    },
    "$defs": {
        "group": GROUP_SCHEMA,
        "target": _TARGET_SCHEMA,
        "ownership": {"type": "object", "additionalProperties": {"enum": ["additive", "full"]}},
        "safety": SAFETY_SCHEMA,
    },
}


# --- config file ---------------------------------------------------------------------------


def config_candidates(manifest_path: Path | None, cwd: Path | None = None) -> list[Path]:
    """Where a config is looked for when --config is not given, in order: beside PATH (the
    manifest directory, or a manifest file's folder), then the current directory."""
    candidates = []
    if manifest_path is not None:
        folder = manifest_path if manifest_path.is_dir() else manifest_path.parent
        candidates.append(folder / CONFIG_NAME)
    here = (cwd or Path.cwd()) / CONFIG_NAME
    if not any(_same_file(here, c) for c in candidates):
        candidates.append(here)
    return candidates


def _same_file(a: Path, b: Path) -> bool:
    return a.absolute() == b.absolute()


def find_config(manifest_path: Path | None) -> Path | None:
    """The first intacct-reconcile.yaml of `config_candidates` that exists."""
    return next((c for c in config_candidates(manifest_path) if c.is_file()), None)


def load_config(path: Path | None, manifest_path: Path | None = None) -> Config:
    """Read and check the config: `path` (--config), else the first one found beside the
    manifests or in the current directory. Without any, a Config with no targets: the
    caller decides (resolve_target) between the embedded sandbox asked for explicitly,
    credentials in the environment, or an error."""
    if path is not None and not path.is_file():
        raise ConfigError(f"{path}: config file not found — check --config")
    path = path or find_config(manifest_path)
    if path is None:
        base = (
            manifest_path
            if manifest_path and manifest_path.is_dir()
            else manifest_path.parent
            if manifest_path
            else Path.cwd()
        )
        return Config(
            None, None, {}, base_dir=base, searched=tuple(config_candidates(manifest_path))
        )
    text = _read(path)
    node, data = _parse_yaml(path, text)
    _check_schema(path, node, data)
    _check_kind_keys(path, node, data)
    base = path.parent
    ownership = dict(data.get("ownership", {}))
    safety = _safety(path, node, data.get("safety") or {}, ["safety"], None)
    targets = {
        name: _target(
            name,
            spec,
            ownership,
            _safety(path, node, spec.get("safety") or {}, ["targets", name, "safety"], safety),
            base,
        )
        for name, spec in data.get("targets", {}).items()
    }
    for name in data.get("targets", {}):
        targets[name] = dataclasses.replace(
            targets[name], defined_at=_where(path, node, ["targets", name], key=True)
        )
    groups = load_groups(path, node, data, targets, ownership, safety)
    default = data.get("default_target")
    if default is not None and default not in targets:
        raise ConfigError(
            f"{_where(path, node, ['default_target'])}: default_target {default!r} "
            f"is not among the targets{did_you_mean(default, targets)}"
        )
    return Config(
        path,
        default,
        targets,
        ownership,
        safety,
        base,
        attestations=dict(data.get("attestations") or {}),
        sod=dict(data.get("sod") or {}),
        groups=groups,
        require_signed_plans=bool((data.get("plans") or {}).get("require_signature", False)),
    )


def _safety(
    path: Path, node: Node | None, data: Mapping[str, Any], at: list[Any], base: Policy | None
) -> Policy:
    """The `safety:` section at YAML path `at` (kind names checked, located)."""
    kinds: Mapping[str, Any] = {}
    if data.get("allow"):  # the registry imports every kind: only for `allow:` entries' kinds
        from intacct_reconcile.kinds import REGISTRY as kinds

    return policy_from_data(
        data,
        locate=lambda where: _where(path, node, where),
        at=at,
        kinds=kinds,
        base=base,
        config=str(path),
    )


def _read(path: Path) -> str:
    return yamlfile.read_text(path, "config")


def _parse_yaml(path: Path, text: str) -> tuple[Node | None, dict[str, Any]]:
    """The config as plain data, read like a manifest: every problem located, duplicate and
    non-scalar keys, tags, control characters, deep nesting and alias bombs refused."""
    return yamlfile.load_mapping(
        path,
        text,
        what="config",
        max_nodes=MAX_CONFIG_NODES,
        shape_hint="start with `targets:` (and optionally `default_target:`) at the left margin",
    )


def _check_schema(
    path: Path, node: Node | None, data: Any, schema: dict[str, Any] | None = None
) -> None:
    schema = schema or CONFIG_SCHEMA
    if quickschema.certainly_valid(data, schema):
        return  # jsonschema, a twentieth of a second to import, only says what is wrong
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return
    lines = []
    for error in errors:
        location = list(error.absolute_path)
        message = error.message
        on_key = False
        if error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            extra = [k for k in error.instance if k not in known]
            if extra:
                location.append(extra[0])
                on_key = True
                message = f"unknown key {extra[0]!r}{did_you_mean(extra[0], known)}"
        dotted = ".".join(map(str, location)) or "(top level)"
        # a value as jsonschema quotes it may be huge (a long string, a big mapping): cut
        if len(message) > 200:
            message = message[:200] + "…"
        fix = "" if " — " in message else ' — see "Targets and credentials" in the README'
        lines.append(f"{_where(path, node, location, key=on_key)}: {dotted}: {message}{fix}")
    raise ConfigError("\n".join(lines))


# config mappings keyed by kind ("*": any key at that level)
KIND_KEYED: tuple[tuple[str, ...], ...] = (
    ("ownership",),
    ("targets", "*", "ownership"),
    ("safety", "kinds"),
    ("targets", "*", "safety", "kinds"),
)


def _check_kind_keys(path: Path, node: Node | None, data: dict[str, Any]) -> None:
    """Every key that names a kind names a registered one (a typo is never a silent no-op)."""
    keyed = [
        (location, key)
        for pattern in KIND_KEYED
        for location, section in _sections(data, pattern, [])
        for key in section
    ]
    if not keyed:
        return  # the registry imports every kind: not for a config that names none
    from intacct_reconcile.kinds import REGISTRY

    lines = []
    for location, key in keyed:
        if key in REGISTRY:
            continue
        where = _where(path, node, [*location, key], key=True)
        dotted = ".".join(map(str, [*location, key]))
        lines.append(
            f"{where}: {dotted}: unknown kind {key!r}{did_you_mean(str(key), REGISTRY)} "
            f"(kinds: {', '.join(sorted(REGISTRY))})"
        )
    if lines:
        raise ConfigError("\n".join(lines))


def _sections(
    data: Any, pattern: tuple[str, ...], location: list[Any]
) -> Iterator[tuple[list[Any], Mapping[str, Any]]]:
    """The mappings at `pattern` in the config data, with their locations."""
    if not isinstance(data, Mapping):
        return
    if not pattern:
        yield location, data
        return
    step, rest = pattern[0], pattern[1:]
    keys = list(data) if step == "*" else [step] if step in data else []
    for key in keys:
        yield from _sections(data[key], rest, [*location, key])


def _where(path: Path, node: Node | None, location: list[Any], *, key: bool = False) -> str:
    """file:line:col of the YAML node at `location` (of its key, with key=True)."""
    return yamlfile.where(node, location, str(path), key=key)


def _target(
    name: str,
    spec: Mapping[str, Any],
    ownership: Mapping[str, str],
    safety: Policy,
    base: Path,
) -> Target:
    sandbox = bool(spec.get("sandbox", False))
    db = spec.get("db")
    db_path = (base / db) if db else (base / STATE_DIR / "sandbox.db" if sandbox else None)
    return Target(
        name=name,
        company_id=spec.get("company_id") or (SANDBOX_XML["company_id"] if sandbox else None),
        entity_id=spec.get("entity") or None,
        endpoint=str(spec.get("endpoint", DEFAULT_ENDPOINT)).rstrip("/"),
        sandbox=sandbox,
        db=db_path,
        vars={k: str(v) for k, v in spec.get("vars", {}).items()},
        ownership={**ownership, **spec.get("ownership", {})},
        safety=safety,
        concurrency=int(spec.get("concurrency", DEFAULT_CONCURRENCY)),
        profile=spec.get("profile") or None,
    )


def resolve_target(
    config: Config,
    name: str | None,
    *,
    sandbox: bool = False,
    env: Mapping[str, str] = os.environ,
) -> Target:
    """The target to work on. The embedded sandbox only when a config target says
    `sandbox: true` or the user asks for it (`--sandbox`, or `--target sandbox` when no
    config defines that name); without a config, credentials in the environment name the
    company; otherwise an error that says how to write a config."""
    if sandbox:
        return _sandbox_target(config, name)
    if config.path is None:
        if name == SANDBOX_TARGET:
            return embedded_sandbox(config.base_dir)
        if has_env_credentials(env):
            found = environment_target(config.base_dir, env)
            if name in (None, found.name):
                return found
            raise ConfigError(
                f"unknown target {name!r}: no {CONFIG_NAME} was found, so the only target is "
                f"{found.name!r} (from INTACCT_COMPANY_ID) — write a config that names "
                f"{name!r}, or pass --config"
            )
        raise ConfigError(no_config_message(config))
    chosen = name or config.default_target
    if chosen is None:
        if len(config.targets) == 1:
            return next(iter(config.targets.values()))
        raise ConfigError(
            f"{config.path}: several targets and no default_target — pass --target "
            f"({', '.join(sorted(config.targets))}) or set default_target"
        )
    if chosen not in config.targets:
        if chosen == SANDBOX_TARGET:
            return embedded_sandbox(config.base_dir)
        groups = f"; groups: {', '.join(sorted(config.groups))}" if config.groups else ""
        raise ConfigError(
            f"unknown target {chosen!r}{did_you_mean(chosen, [*config.targets, *config.groups])} "
            f"(targets in {config.path}: {_names(config.targets)}{groups})"
        )
    return config.targets[chosen]


def _names(names: Mapping[str, Any], limit: int = 12) -> str:
    """Target names for a message; a fleet's hundreds are cut to a dozen and a count."""
    ordered = sorted(names)
    more = f", ... ({len(ordered) - limit} more)" if len(ordered) > limit else ""
    return ", ".join(ordered[:limit]) + more


SANDBOX_TARGET = "sandbox"
MINIMAL_CONFIG = """\
default_target: prod
targets:
  prod: {company_id: YOUR_COMPANY_ID}   # credentials: INTACCT_* environment variables
  sandbox: {sandbox: true}              # the embedded sandbox, no credentials needed
"""


def no_config_message(config: Config) -> str:
    where = config.searched[0] if config.searched else Path(CONFIG_NAME)
    looked = ", ".join(str(p) for p in config.searched) or CONFIG_NAME
    example = "".join(f"    {line}\n" for line in MINIMAL_CONFIG.splitlines())
    return (
        f"no {CONFIG_NAME} found (looked for {looked}) and no INTACCT_* credentials in the "
        f"environment, so there is no Intacct company to work on; nothing was read or "
        f"written. Create {where}, for example:\n{example}"
        "then pass --target prod or --target sandbox (or name it with --config FILE). "
        "To try the manifests against the embedded sandbox without a config, pass --sandbox."
    )


def embedded_sandbox(base: Path, name: str = SANDBOX_TARGET) -> Target:
    """The embedded sandbox asked for explicitly: state in BASE/.intacct-reconcile/sandbox.db."""
    return _target(name, {"sandbox": True}, {}, Policy(), base)


def _sandbox_target(config: Config, name: str | None) -> Target:
    """--sandbox: the config's sandbox target (the named one, or the only one), else the
    embedded sandbox with no vars."""
    if name is not None and name in config.targets:
        chosen = config.targets[name]
        if not chosen.sandbox:
            raise ConfigError(
                f"--sandbox with --target {name!r}, but target {name!r} in {config.path} is "
                "not a sandbox target (no `sandbox: true`) — drop one of the two options"
            )
        return chosen
    sandboxes = [t for t in config.targets.values() if t.sandbox]
    if name is None and config.default_target in {t.name for t in sandboxes}:
        return config.targets[config.default_target]  # type: ignore[index]
    if name is None and len(sandboxes) == 1:
        return sandboxes[0]
    if name is None and len(sandboxes) > 1:
        raise ConfigError(
            f"--sandbox: {config.path} has several sandbox targets "
            f"({', '.join(sorted(t.name for t in sandboxes))}) — pass --target too"
        )
    if name not in (None, SANDBOX_TARGET) and config.path is not None:
        raise ConfigError(
            f"--sandbox with unknown target {name!r}{did_you_mean(name or '', config.targets)} "
            f"(targets in {config.path}: {', '.join(sorted(config.targets))})"
        )
    return embedded_sandbox(config.base_dir, name or SANDBOX_TARGET)


def has_env_credentials(env: Mapping[str, str]) -> bool:
    """INTACCT_* credentials (or a credentials profile) named in the environment."""
    return any(env.get(var) for var in (*ENV.values(), "INTACCT_PROFILE"))


def environment_target(base: Path, env: Mapping[str, str]) -> Target:
    """Without a config: the company INTACCT_COMPANY_ID names, at the default endpoint."""
    company = env.get("INTACCT_COMPANY_ID") or None
    spec = {"company_id": company} if company else {}
    return _target(company or "env", spec, {}, Policy(), base)
