"""`${var.NAME}` (target vars) and `${env:NAME}` (environment) inside manifest strings."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

# `$${` is a literal `${` (the escape is consumed, never substituted), closed or not: an
# exported description holding a lone `${` round-trips as `$${`
TOKEN = re.compile(r"\$(\$)\{|\$\{([^}]*)\}")
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
VAR = re.compile(rf"^var\.({NAME})$")
ENV = re.compile(rf"^env:({NAME})$")
ENV_ONLY = re.compile(rf"^\$\{{env:{NAME}\}}$")


@dataclass(frozen=True)
class SubstitutionError:
    """One `${...}` that cannot be substituted: what is wrong and how to fix it."""

    message: str
    hint: str


def has_tokens(text: str) -> bool:
    return "${" in text


def substitute(
    text: str, vars: Mapping[str, str], env: Mapping[str, str]
) -> tuple[str, list[SubstitutionError]]:
    """Replace every token; unknown or undefined names are errors (never left in place)."""
    errors: list[SubstitutionError] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return "${"
        body = match.group(2).strip()
        if m := VAR.match(body):
            if m.group(1) in vars:
                return str(vars[m.group(1)])
            errors.append(
                _undefined(
                    "variable",
                    f"var.{m.group(1)}",
                    m.group(1),
                    vars,
                    "define it under the target's `vars:` in intacct-reconcile.yaml",
                )
            )
            return ""
        if m := ENV.match(body):
            if m.group(1) in env:
                return env[m.group(1)]
            errors.append(
                SubstitutionError(
                    f"environment variable {m.group(1)} is not set",
                    f"export {m.group(1)}=... before running (it is read at run time)",
                )
            )
            return ""
        errors.append(
            SubstitutionError(
                f"unknown substitution '${{{body}}}'",
                "use ${var.NAME} for target vars or ${env:NAME} for environment variables",
            )
        )
        return ""

    if "${" in TOKEN.sub("", text):
        return text, [SubstitutionError("unterminated '${'", "close it with '}'")]
    return TOKEN.sub(replace, text), errors


def _undefined(
    what: str, token: str, name: str, known: Mapping[str, str], how: str
) -> SubstitutionError:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"did you mean var.{close[0]}? Otherwise {how}" if close else how
    return SubstitutionError(f"undefined {what} {token}", hint)
