"""Credentials: from INTACCT_* variables (the names the official SDKs use) or profiles in
~/.intacct/credentials.ini, wrapped in Secret so they print as ***.

Credentials never live in the repo. Local sandboxes fall back to the sandbox's own defaults;
the embedded sandbox (`sandbox: true`) never reads the environment at all.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from intacct_reconcile.client.errors import register_secret
from intacct_reconcile.errors import ConfigError, did_you_mean
from intacct_reconcile.yamlfile import read_text

if TYPE_CHECKING:
    from intacct_reconcile.settings import Target

SANDBOX_XML = {
    "sender_id": "intacct_reconcile",
    "sender_password": "sandbox",
    "company_id": "DEMO",
    "user_id": "admin",
    "user_password": "sandbox",
}
SANDBOX_REST = {"client_id": "sandbox-client", "client_secret": "sandbox"}
# the embedded sandbox's documented sign-in: not secret, and redacting it (case-insensitive,
# as secrets are) would blank the word "sandbox" out of every message
_PUBLIC_VALUES = frozenset(SANDBOX_XML.values()) | frozenset(SANDBOX_REST.values())
ENV = {
    "sender_id": "INTACCT_SENDER_ID",
    "sender_password": "INTACCT_SENDER_PASSWORD",
    "company_id": "INTACCT_COMPANY_ID",
    "user_id": "INTACCT_USER_ID",
    "user_password": "INTACCT_USER_PASSWORD",
    "entity_id": "INTACCT_ENTITY_ID",
    "client_id": "INTACCT_CLIENT_ID",
    "client_secret": "INTACCT_CLIENT_SECRET",
}


class Secret:
    """A credential: prints as ***, compares by value, gives its value only via reveal()."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value
        if value not in _PUBLIC_VALUES:
            register_secret(value)

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "***"

    def __repr__(self) -> str:
        return "Secret('***')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class XmlCredentials:
    """What the XML gateway signs in with: the sender's credentials and the user's login to the
    company (and entity)."""

    sender_id: str
    sender_password: Secret
    company_id: str
    user_id: str
    user_password: Secret
    entity_id: str | None = None


@dataclass(frozen=True)
class RestCredentials:
    """What the REST client gets its OAuth2 token with: the client id and secret, the user
    (user@company) and the entity."""

    client_id: str
    client_secret: Secret
    username: str  # user@company
    entity_id: str | None = None


def _ini_profile(ini_path: Path, profile: str | None) -> Mapping[str, str]:
    if not ini_path.is_file():
        if profile:
            raise ConfigError(f"{ini_path}: credentials file not found (profile {profile!r} asked)")
        return {}
    text = read_text(ini_path, "credentials")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(ini_path))
    except configparser.Error as exc:
        raise ConfigError(_ini_problem(ini_path, exc)) from None
    name = profile or "default"
    if not parser.has_section(name):
        if profile:
            raise ConfigError(
                f"{ini_path}: no profile [{profile}]{did_you_mean(profile, parser.sections())}"
            )
        return {}
    return dict(parser.items(name))


def _ini_problem(ini_path: Path, exc: configparser.Error) -> str:
    """A located message for a broken credentials file. configparser's own messages quote
    the offending line, which may hold a password: they are never shown."""
    line = getattr(exc, "lineno", None)
    errors = getattr(exc, "errors", None)
    if line is None and errors:
        line = errors[0][0]
    where = f"{ini_path}:{line}:1" if line else str(ini_path)
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"{where}: a setting before any [profile] header — start with [default]"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"{where}: profile [{exc.section}] appears twice — keep one"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"{where}: {exc.option!r} is set twice in [{exc.section}] — keep one"
    if isinstance(exc, configparser.ParsingError):
        return f"{where}: not a `name = value` line (not shown: it may hold a secret) — fix it"
    return f"{where}: unreadable credentials file ({type(exc).__name__}) — fix its syntax"


def load_credentials(
    target: Target,
    env: Mapping[str, str] = os.environ,
    ini_path: Path | None = None,
    profile: str | None = None,
) -> tuple[XmlCredentials, RestCredentials | None]:
    """Each value from the first of (README "Targets and credentials"): the target's own
    variables (INTACCT_<TARGET>_USER_PASSWORD), the target's `profile:` in the credentials
    file, the shared variables (INTACCT_USER_PASSWORD), the INTACCT_PROFILE (else [default])
    profile; local sandboxes fall back to their defaults. The target's own sources win, so a
    fleet can share a sender in the environment and keep one login per company.

    The embedded sandbox (`sandbox: true`) always uses its own defaults: real credentials
    from the shell must never be sent to it, nor make it fail.
    """
    from intacct_reconcile.targets import env_prefix

    if target.sandbox:
        env, ini_path, profile = {}, Path("/nonexistent/credentials.ini"), None
    ini_path = ini_path or Path.home() / ".intacct" / "credentials.ini"
    own_profile = None if target.sandbox else getattr(target, "profile", None)
    own_ini = _ini_profile(ini_path, own_profile) if own_profile else {}
    profile = profile or env.get("INTACCT_PROFILE") or None
    ini = _ini_profile(ini_path, profile)
    defaults: dict[str, str] = {**SANDBOX_XML, **SANDBOX_REST} if target.is_local else {}
    if target.company_id:
        # a served sandbox's default company must not contradict the company the target names
        defaults.pop("company_id", None)
    own = env_prefix(target.name)
    values = {
        name: env.get(own + var.removeprefix("INTACCT_"))
        or own_ini.get(name)
        or env.get(var)
        or ini.get(name)
        or defaults.get(name)
        for name, var in ENV.items()
    }
    company = _company(target, values.get("company_id"))
    values["company_id"] = company
    missing = [
        n
        for n in ("sender_id", "sender_password", "user_id", "user_password", "company_id")
        if not values.get(n)
    ]
    if missing:
        company_hint = (
            " (or `company_id:` on the target in intacct-reconcile.yaml)"
            if "company_id" in missing
            else ""
        )
        raise ConfigError(
            f"target {target.name!r}: missing credentials — set "
            f"{', '.join(ENV[n] for n in missing)} (or {own}{ENV[missing[0]][8:]}, ...) in "
            f"the environment{company_hint}, or {', '.join(missing)} in a "
            f"[{own_profile or profile or 'default'}] profile of {ini_path}"
        )
    entity = target.entity_id or values.get("entity_id") or None
    xml_creds = XmlCredentials(
        values["sender_id"] or "",
        Secret(values["sender_password"] or ""),
        company,
        values["user_id"] or "",
        Secret(values["user_password"] or ""),
        entity,
    )
    rest = None
    if values.get("client_id") and values.get("client_secret"):
        rest = RestCredentials(
            values["client_id"] or "",
            Secret(values["client_secret"] or ""),
            f"{values['user_id']}@{company}",
            entity,
        )
    return xml_creds, rest


def _company(target: Target, from_credentials: str | None) -> str:
    if target.company_id and from_credentials and from_credentials != target.company_id:
        # acting on another company than the target names would apply config to the wrong books
        raise ConfigError(
            f"target {target.name!r} is company {target.company_id!r} but the "
            f"credentials name company {from_credentials!r} — fix "
            "INTACCT_COMPANY_ID or the target's company_id"
        )
    return target.company_id or from_credentials or ""
