"""What the reviewed files declare about the safety gate (the `safety:` section of
intacct-reconcile.yaml, top level and per target): thresholds, global and per kind, and
allowances for named changes. Declared in the repository, so approving the pull request
approves the override; `--force` stays for a person at a terminal.

    safety:
      max_delete_percent: 20          # deletes + deactivations, % of a kind's live objects
      max_update_percent: 50
      min_existing: 10                # percentages apply to kinds with at least this many
      kinds:
        gl_accounts: {max_delete_percent: 40}
      allow:
        - change: delete gl_accounts/6000
          reason: retired travel account (CFO, ticket FIN-112)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intacct_reconcile.errors import ConfigError, did_you_mean

if TYPE_CHECKING:
    from intacct_reconcile.types import Change, Ref

THRESHOLDS = ("max_delete_percent", "max_update_percent", "min_existing")
DEFAULT_MAX_DELETE_PERCENT = 20.0
DEFAULT_MAX_UPDATE_PERCENT = 50.0
DEFAULT_MIN_EXISTING = 10
ACTIONS = ("create", "update", "delete", "deactivate", "manual")
_CHANGE = re.compile(r"^\s*(\S+)\s+([^/\s]+)/(.+?)\s*$")

_LIMITS: dict[str, Any] = {
    "max_delete_percent": {"type": "number", "minimum": 0, "maximum": 100},
    "max_update_percent": {"type": "number", "minimum": 0, "maximum": 100},
    "min_existing": {"type": "integer", "minimum": 0},
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **_LIMITS,
        "kinds": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": _LIMITS,
            },
        },
        "allow": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["change", "reason"],
                "properties": {
                    "change": {"type": "string", "minLength": 1},
                    "reason": {"type": "string", "minLength": 1, "pattern": r"\S"},
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Allowance:
    """A reviewed permission for one named change the gate would otherwise refuse."""

    action: str
    ref: Ref
    reason: str
    source: str = ""  # file:line:col of the entry

    def matches(self, change: Change) -> bool:
        return change.action == self.action and change.ref == self.ref

    def __str__(self) -> str:
        return f"{self.action} {self.ref}"

    def describe(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"safety.allow `{self}`{where}: {self.reason}"


@dataclass(frozen=True)
class Policy:
    """Thresholds (defaults, then per kind) and allowances; `config` names the file."""

    max_delete_percent: float = DEFAULT_MAX_DELETE_PERCENT
    max_update_percent: float = DEFAULT_MAX_UPDATE_PERCENT
    min_existing: int = DEFAULT_MIN_EXISTING
    kinds: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    allow: tuple[Allowance, ...] = ()
    config: str = "intacct-reconcile.yaml"

    def limit(self, kind: str, name: str) -> float:
        """The threshold `name` for `kind`: its own, else the policy's."""
        return float(self.kinds.get(kind, {}).get(name, getattr(self, name)))

    def merged(self, override: Policy) -> Policy:
        """This policy (top level) refined by a target's own `safety:` section."""
        kinds = {k: dict(v) for k, v in self.kinds.items()}
        for kind, limits in override.kinds.items():
            kinds[kind] = {**kinds.get(kind, {}), **limits}
        return Policy(
            **{name: getattr(override, name) for name in THRESHOLDS},
            kinds=kinds,
            allow=(*self.allow, *override.allow),
            config=override.config,
        )


Locate = Callable[[list[Any]], str]  # YAML path -> "file:line:col"


def policy_from_data(
    data: Mapping[str, Any],
    *,
    locate: Locate,
    at: list[Any],
    kinds: Mapping[str, Any],
    base: Policy | None = None,
    config: str = "intacct-reconcile.yaml",
) -> Policy:
    """A Policy from a schema-checked `safety:` mapping found at YAML path `at` (its
    `kinds:` keys already checked); malformed `change:` entries, unknown actions and kinds in
    them raise ConfigError at their file:line:col."""
    base = base or Policy(config=config)
    problems: list[str] = []
    per_kind: dict[str, dict[str, float]] = {}
    for kind, limits in (data.get("kinds") or {}).items():
        per_kind[kind] = dict(limits)  # names checked with the config's other kind keys
    allow = []
    for n, entry in enumerate(data.get("allow") or ()):
        allowance, problem = _allowance(entry, kinds, locate([*at, "allow", n, "change"]))
        if problem:
            problems.append(problem)
        elif allowance:
            allow.append(allowance)
    if problems:
        raise ConfigError("\n".join(problems))
    own = Policy(
        **{name: data.get(name, getattr(base, name)) for name in THRESHOLDS},
        kinds=per_kind,
        allow=tuple(allow),
        config=config,
    )
    return base.merged(own)


def _allowance(
    entry: Mapping[str, Any], kinds: Mapping[str, Any], where: str
) -> tuple[Allowance | None, str]:
    text = str(entry["change"])
    match = _CHANGE.match(text)
    example = 'e.g. change: "delete gl_accounts/6000"'
    if not match:
        return None, f"{where}: safety.allow change {text!r} is not 'ACTION KIND/KEY' — {example}"
    action, kind, key = match.groups()
    if action not in ACTIONS:
        return None, (
            f"{where}: unknown action {action!r} in safety.allow"
            f"{_hint(action, ACTIONS, 'use one of ' + ', '.join(ACTIONS))}"
        )
    if kind not in kinds:
        return None, f"{where}: unknown kind {kind!r} in safety.allow{_hint(kind, kinds, example)}"
    normalize = getattr(kinds[kind], "normalize_key", None)
    key = normalize(key) if normalize else key
    from intacct_reconcile.types import Ref

    return Allowance(action, Ref(kind, key), str(entry["reason"]).strip(), where), ""


def _hint(word: str, choices: Any, otherwise: str) -> str:
    return did_you_mean(word, choices) or f" — {otherwise}"
