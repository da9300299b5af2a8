"""SoD mitigations declared in the manifests (`sod_mitigations:`, a top-level list).

    sod_mitigations:
      - rule: web_services_admin_full
        user: xmlgateway_expensify          # or `role: Expensify` (every user holding it)
        owner: controller@acme.example      # who answers for the mitigating control
        reason: Expensify's setup requires Full admin; admin changes are reviewed monthly
        expires: 2027-03-31                 # after this date the conflict is a violation again

The manifest validator checks the shape with `SCHEMA` (located errors, like any manifest
value) and builds `Mitigation`s with `parse`; rule ids are checked against the rule pack at
plan time (`check_rules`), since the pack comes from the config.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.errors import ManifestError, Problem, did_you_mean
from intacct_reconcile.types import Span

SECTION = "sod_mitigations"
_TEXT = {"type": "string", "minLength": 1}
SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "Segregation-of-duties conflicts accepted with a mitigating control, each "
    "with an owner, a reason and an expiry date (docs/access-review-and-sod.md).",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["rule", "owner", "reason", "expires"],
        "properties": {
            "rule": {**_TEXT, "description": "Rule id of the SoD pack."},
            "user": {**_TEXT, "description": "Login id of the user it covers."},
            "role": {**_TEXT, "description": "Role: covers every user holding it."},
            "owner": {**_TEXT, "description": "Who answers for the mitigating control."},
            "reason": {**_TEXT, "description": "The mitigating control, in a sentence."},
            "expires": {
                "type": "string",
                "pattern": r"^\d{4}-\d{2}-\d{2}$",
                "description": "YYYY-MM-DD: after this day the conflict is a violation again.",
            },
        },
        "oneOf": [{"required": ["user"]}, {"required": ["role"]}],
    },
}


@dataclass(frozen=True)
class Mitigation:
    """One declared SoD mitigation: a rule accepted for a user or role, who answers for it, why,
    and until when."""

    rule: str
    owner: str
    reason: str
    expires: dt.date
    user: str = ""
    role: str = ""
    span: Span | None = None

    def covers(self, login: str, roles: Iterable[str]) -> bool:
        if self.user:
            return self.user.casefold() == login.casefold()
        return any(self.role.casefold() == r.casefold() for r in roles)

    def current(self, today: dt.date) -> bool:
        return today <= self.expires

    def describe(self) -> str:
        who = f"user {self.user}" if self.user else f"role {self.role}"
        return f"{self.owner} ({who}), until {self.expires.isoformat()}: {self.reason}"


def parse(
    section: Any, span_of: Callable[[tuple[Any, ...]], Span | None]
) -> tuple[list[Mitigation], list[Problem]]:
    """Mitigations from a schema-checked section; `span_of(path)` locates a value in it."""
    out: list[Mitigation] = []
    problems: list[Problem] = []
    if not isinstance(section, list):
        return out, problems  # reported by the schema
    for n, entry in enumerate(section):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("rule", "owner", "reason", "expires")
        ):
            continue  # reported by the schema
        try:
            expires = dt.date.fromisoformat(entry["expires"])
        except ValueError:
            problems.append(
                Problem(
                    span_of((SECTION, n, "expires")),
                    f"expires {entry['expires']!r} is not a calendar date",
                    "write YYYY-MM-DD, e.g. 2027-03-31",
                )
            )
            continue
        out.append(
            Mitigation(
                rule=entry["rule"],
                owner=entry["owner"],
                reason=entry["reason"],
                expires=expires,
                user=str(entry.get("user") or ""),
                role=str(entry.get("role") or ""),
                span=span_of((SECTION, n)),
            )
        )
    return out, problems


def check_rules(mitigations: Sequence[Mitigation], rule_ids: Iterable[str]) -> None:
    """Every mitigation names a rule of the pack in use (ManifestError otherwise)."""
    known = list(rule_ids)
    problems = [
        Problem(
            m.span,
            f"sod_mitigations: no rule {m.rule!r} in the SoD rule pack",
            f"use one of: {', '.join(known)}"
            if not did_you_mean(m.rule, known)
            else did_you_mean(m.rule, known).removeprefix(" — "),
        )
        for m in mitigations
        if m.rule not in known
    ]
    if problems:
        raise ManifestError(problems)
