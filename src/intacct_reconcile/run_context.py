"""Which company a verb runs against: the config, the target and the folder of its records.

Kept apart from `workflow` so that resolving a target loads only the config's modules: an
apply resolves its target, and asks for its API session, before the engine (every kind, the
planner, the renderers) has loaded (early_session.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from intacct_reconcile.errors import ConfigError
from intacct_reconcile.settings import Config, Target, load_config, resolve_target

# a fleet's saved plans (`plan --out-dir`): one file per target and the roll-up beside them
PLAN_SUFFIX = ".plan.json"
ROLLUP_NAME = "rollup.json"


@dataclass(frozen=True)
class Context:
    """Which company a verb runs against: the loaded config, the chosen target and the folder
    holding its records."""

    config: Config
    target: Target
    base_dir: Path  # where .intacct-reconcile/ (attestations, audit log) lives


def resolve_context(
    path: Path | None,
    config: Path | None,
    target: str | None,
    concurrency: int | None = None,
    *,
    sandbox: bool = False,
) -> Context:
    """Config (--config, else beside PATH, else the current directory) and target."""
    if path is not None and not path.exists():
        raise ConfigError(f"{path}: no such manifest directory or file — check the PATH argument")
    cfg = load_config(config, manifest_path=path)
    tgt = resolve_target(cfg, target, sandbox=sandbox)
    if concurrency:
        tgt = dataclasses.replace(tgt, concurrency=concurrency)
    folder = None if path is None else (path if path.is_dir() else path.parent)
    base = folder or cfg.base_dir
    return Context(cfg, tgt, base)


def is_plan_file(path: Path) -> bool:
    """A saved plan is a JSON file; manifests are YAML files or directories."""
    if not path.is_file():
        return False
    if path.suffix.lower() == ".json":
        return True
    with path.open("rb") as fh:
        return fh.read(64).lstrip().startswith(b"{")


def is_plan_dir(path: Path) -> bool:
    """A folder written by `plan --out-dir` (plan files and its roll-up; an empty shard's
    folder holds the roll-up only)."""
    return path.is_dir() and ((path / ROLLUP_NAME).is_file() or any(path.glob("*" + PLAN_SUFFIX)))
