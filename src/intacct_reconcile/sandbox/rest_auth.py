"""OAuth2 client-credentials tokens for the sandbox REST API and Bearer checks.

The token request follows what the FYR SDK sends (reference §5): ``grant_type=
client_credentials`` with ``client_id``, ``client_secret`` and ``username`` = ``USER@COMPANY``
(optionally ``USER@COMPANY|ENTITY``), form-encoded or JSON. The username's company picks which
of the sandbox's companies checks the client and the user, and the token speaks for it. The
answer carries ``access_token``, ``token_type``, ``expires_in`` and ``refresh_token``; FYR reads
``refresh_token`` unconditionally, and sends ``grant_type=refresh_token`` (with ``client_id``,
``client_secret``, ``refresh_token``) to renew. Tokens live in memory of the serving
process: a restarted sandbox forgets them, as a real token would eventually expire anyway.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs

from intacct_reconcile.sandbox.rest_errors import unauthorized

# assumption: Intacct does not document the access-token lifetime we could find; 6 hours
TOKEN_LIFETIME_S = 6 * 3600
# assumption: refresh tokens last 30 days and are single-use (each refresh returns a new one)
REFRESH_LIFETIME_S = 30 * 24 * 3600


@dataclass(frozen=True)
class Principal:
    """Who a valid token speaks for."""

    user_id: str
    company_id: str
    entity_id: str
    expires: float = field(repr=False)


class OAuthError(Exception):
    """An OAuth2 token-endpoint failure, answered in RFC 6749 §5.2 shape."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        # assumption: the token endpoint answers errors in the standard OAuth2 shape rather
        # than as ia::error (not documented either way)
        return {"error": self.error, "error_description": self.description}


class TokenStore:
    """Issued access tokens; thread-safe; the clock is injectable so tests need not sleep."""

    def __init__(
        self, lifetime_s: float = TOKEN_LIFETIME_S, clock: Callable[[], float] = time.time
    ) -> None:
        self.lifetime_s = lifetime_s
        self.clock = clock
        self._tokens: dict[str, Principal] = {}
        self._refresh: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def issue(self, user_id: str, company_id: str, entity_id: str = "") -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self.clock()
            self._tokens = {t: p for t, p in self._tokens.items() if p.expires > now}
            self._tokens[token] = Principal(user_id, company_id, entity_id, now + self.lifetime_s)
        return token, int(self.lifetime_s)

    def issue_refresh(self, user_id: str, company_id: str, entity_id: str = "") -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self.clock()
            self._refresh = {t: p for t, p in self._refresh.items() if p.expires > now}
            self._refresh[token] = Principal(
                user_id, company_id, entity_id, now + REFRESH_LIFETIME_S
            )
        return token

    def redeem_refresh(self, token: str) -> Principal | None:
        """The principal of an unexpired refresh token, which is used up by this call."""
        with self._lock:
            found = self._refresh.pop(token, None)
        if found is None or found.expires <= self.clock():
            return None
        return found

    def expire(self, token: str) -> None:
        """End a token now (the realism middleware's injected expiry)."""
        with self._lock:
            found = self._tokens.get(token)
            if found is not None:
                self._tokens[token] = Principal(
                    found.user_id, found.company_id, found.entity_id, expires=0.0
                )

    def principal(self, authorization: str | None) -> Principal:
        """The principal of an ``Authorization: Bearer ...`` header, or a 401 RestError."""
        if not authorization:
            raise unauthorized("Authorization header is missing; send 'Bearer <access_token>'")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("Authorization header must be 'Bearer <access_token>'")
        with self._lock:
            found = self._tokens.get(token.strip())
        if found is None:
            raise unauthorized("The access token is invalid")
        if found.expires <= self.clock():
            raise unauthorized("The access token has expired; request a new one")
        return found


def read_token_request(body: bytes, content_type: str) -> dict[str, str]:
    """Parameters of a token request, form-encoded (the OAuth2 norm) or JSON."""
    if "json" in content_type.lower():
        try:
            value = json.loads(body or b"{}")
        except (ValueError, RecursionError):
            raise OAuthError(400, "invalid_request", "request body is not valid JSON") from None
        if not isinstance(value, dict):
            raise OAuthError(400, "invalid_request", "request body must be a JSON object")
        return {str(k): str(v) for k, v in value.items() if v is not None}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise OAuthError(400, "invalid_request", "request body is not UTF-8") from None
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


class CompanyChecks(Protocol):
    """What a token request is checked against: the company its username names."""

    def check_client(self, client_id: str, client_secret: str) -> bool: ...
    def user_exists(self, login: str) -> bool: ...
    def entity_exists(self, entity: str) -> bool: ...


def grant(
    params: dict[str, Any],
    tokens: TokenStore,
    *,
    company: Callable[[str], CompanyChecks | None],
) -> dict[str, Any]:
    """Check a client_credentials or refresh_token request and issue tokens; raises
    OAuthError. `company(id)` is the company of that ID, or None when there is none."""
    grant_type = params.get("grant_type", "")
    if grant_type not in ("client_credentials", "refresh_token"):
        # assumption: authorization_code is not offered by the sandbox (no sign-in page)
        raise OAuthError(
            400,
            "unsupported_grant_type",
            f"grant_type {grant_type!r} is not supported; use client_credentials or refresh_token",
        )
    client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
    if grant_type == "refresh_token":
        found = tokens.redeem_refresh(params.get("refresh_token", ""))
        checks = company(found.company_id) if found is not None else None
        if checks is not None and not checks.check_client(client_id, secret):
            raise OAuthError(401, "invalid_client", "client authentication failed")
        if found is None or checks is None or not checks.user_exists(found.user_id):
            raise OAuthError(400, "invalid_grant", "the refresh token is invalid or expired")
        return _answer(tokens, found.user_id, found.company_id, found.entity_id)
    username = params.get("username", "")
    user, at, rest = username.partition("@")
    company_id, _, entity = rest.partition("|")
    # the username's company decides which company's client registry is asked; a missing or
    # unknown company cannot vouch for the client either
    checks = company(company_id) if company_id else None
    if checks is None or not checks.check_client(client_id, secret):
        if not at or not user or not company_id:
            raise OAuthError(
                400, "invalid_request", "username must be USER@COMPANY (e.g. admin@DEMO)"
            )
        if checks is None:
            # assumption: an unknown company fails like a wrong user (invalid_grant), so the
            # answer does not tell which companies exist
            raise OAuthError(400, "invalid_grant", f"user {username!r} cannot sign in")
        raise OAuthError(401, "invalid_client", "client authentication failed")
    if not at or not user:
        raise OAuthError(400, "invalid_request", "username must be USER@COMPANY (e.g. admin@DEMO)")
    if not checks.user_exists(user):
        raise OAuthError(400, "invalid_grant", f"user {username!r} cannot sign in")
    if entity and not checks.entity_exists(entity):
        # assumption: an unknown entity fails like a wrong sign-in, as it does in XML logins
        raise OAuthError(400, "invalid_grant", f"entity {entity!r} does not exist")
    return _answer(tokens, user, company_id, entity)


def _answer(tokens: TokenStore, user: str, company: str, entity: str) -> dict[str, Any]:
    token, lifetime = tokens.issue(user, company, entity)
    # assumption: a client_credentials answer carries a refresh_token too (the reference's
    # FYR reads it unconditionally; RFC 6749 §4.4.3 would leave it out)
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "refresh_token": tokens.issue_refresh(user, company, entity),
    }
