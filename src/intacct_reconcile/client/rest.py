"""REST client (`/ia/api/v1`): OAuth2 client credentials, paging, typed errors, idempotent create.

The access token is fetched once, cached, and fetched again once when a call answers 401.
A create that is retried (after a dropped connection, a 5xx...) and then answers 409 "already
exists" is checked against the existing object: if it holds what we sent, the earlier attempt
applied it and the create counts as done.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from intacct_reconcile.client import xml
from intacct_reconcile.client.errors import (
    AuthenticationError,
    AuthorizationError,
    DuplicateError,
    ErrorDetail,
    IntacctError,
    NotFoundError,
    ProtocolError,
    SessionExpiredError,
    ValidationError,
)
from intacct_reconcile.client.progress import Progress, ProgressEvent
from intacct_reconcile.client.retry import RetryPolicy
from intacct_reconcile.client.session import Limiter, Reply, send
from intacct_reconcile.credentials import RestCredentials, Secret

API_PREFIX = "/ia/api/v1"
PAGE_SIZE = 2000
MAX_RECORDS = 10_000_000  # a larger totalCount is a broken or hostile answer (envelope.py)
MAX_PAGES = MAX_RECORDS // PAGE_SIZE + 1
MAX_TOKEN_CHARS = 8192
JSON_TYPES = ("application/json",)
log = logging.getLogger("intacct_reconcile.client")

_STATUS_ERRORS: dict[int, type[IntacctError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: AuthorizationError,
    404: NotFoundError,
    405: ValidationError,
    409: DuplicateError,
    415: ProtocolError,
    422: ValidationError,
}


class RestClient:
    def __init__(
        self,
        http: httpx.Client,
        creds: RestCredentials,
        *,
        retry: RetryPolicy | None = None,
        progress: Progress | None = None,
        limiter: Limiter | None = None,
    ):
        self._http = http
        self._creds = creds
        self._retry = retry or RetryPolicy()
        self._progress = progress
        self._limiter = limiter or Limiter(2)
        self._token: Secret | None = None
        self._token_lock = threading.Lock()

    @property
    def requests_sent(self) -> int:
        return self._limiter.requests

    def entity(self, entity_id: str | None) -> RestClient:
        """A client scoped to an entity (X-IA-API-Param-Entity; None = top level), same limits."""
        return RestClient(
            self._http,
            dataclasses.replace(self._creds, entity_id=entity_id or None),
            retry=self._retry,
            progress=self._progress,
            limiter=self._limiter,
        )

    # --- auth --------------------------------------------------------------------------

    def _access_token(self) -> Secret:
        with self._token_lock:
            if self._token is None:
                self._token = self._fetch_token()
            return self._token

    def _drop_token(self, stale: Secret | None) -> None:
        with self._token_lock:
            if stale is None or self._token is stale:
                self._token = None

    def _fetch_token(self) -> Secret:
        username = self._creds.username
        if self._creds.entity_id:
            username += f"|{self._creds.entity_id}"
        form = {
            "grant_type": "client_credentials",
            "client_id": self._creds.client_id,
            "client_secret": self._creds.client_secret.reveal(),
            "username": username,
        }
        reply = send(
            self._http,
            self._limiter,
            "POST",
            f"{API_PREFIX}/oauth2/token",
            data=form,
            headers={"Accept": "application/json"},
        )
        data = _json(reply)
        token = data.get("access_token") if isinstance(data, dict) else None
        if reply.status == 200 and token and not _token_shaped(token):
            # it goes back in every Authorization header: text of a sane length, or refused
            raise ProtocolError("OAuth2 token answer carries a malformed access_token")
        if reply.status != 200 or not isinstance(data, dict) or not token:
            reason = (
                data.get("error_description") or data.get("error")
                if isinstance(data, dict)
                else None
            )
            raise AuthenticationError(
                f"OAuth2 token request refused (HTTP {reply.status}): "
                f"{reason or 'no reason given'}",
                http_status=reply.status,
                hint="check INTACCT_CLIENT_ID/INTACCT_CLIENT_SECRET and that the user "
                f"{self._creds.username!r} exists and may use the API",
            )
        return Secret(str(token))

    # --- requests ----------------------------------------------------------------------

    def _request(self, method: str, path: str, **kw: Any) -> Any:
        """One API call with retries; the `ia::result` of the answer (None for 204)."""
        return self._call(method, path, **kw)[0]

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        on_retried_conflict: Callable[[], Any] | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """(ia::result, ia::meta) of one call, retried on transient failures and 401 once."""
        used: list[Secret] = []

        def attempt(n: int) -> tuple[Any, dict[str, Any]]:
            token = self._access_token()
            used[:] = [token]
            headers = self._headers(token)
            if idempotency_key:
                # assumption: an Idempotency-Key header is honoured (409 on replays, §5)
                headers["Idempotency-Key"] = idempotency_key
            reply = send(
                self._http,
                self._limiter,
                method,
                f"{API_PREFIX}/{path.lstrip('/')}",
                json=body,
                params=params,
                headers=headers,
            )
            if reply.status == 401:
                raise SessionExpiredError("access token refused (HTTP 401)", http_status=401)
            if reply.status == 409 and n > 1 and on_retried_conflict is not None:
                return on_retried_conflict(), {}
            data = _json(reply)
            if reply.status >= 400:
                raise _error(reply.status, data, f"{method} {path}")
            if not isinstance(data, dict):
                raise ProtocolError(f"{method} {path}: answer is not a JSON object")
            if reply.status != 204 and "ia::result" not in data:
                raise ProtocolError(f"{method} {path}: answer has no ia::result")
            meta = data.get("ia::meta") or {}
            if not isinstance(meta, dict):
                raise ProtocolError(f"{method} {path}: ia::meta is not a JSON object")
            return data.get("ia::result"), meta

        def expired() -> None:
            self._drop_token(used[0] if used else None)

        return self._retry.run(attempt, on_session_expired=expired, what=f"{method} {path}")

    def query(
        self, object: str, fields: Sequence[str], filters: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        """services/core/query, every page (size 2000, start is 1-based)."""
        records: list[dict[str, Any]] = []
        start = 1
        for _ in range(MAX_PAGES):
            body: dict[str, Any] = {
                "object": object,
                "fields": list(fields),
                "start": start,
                "size": PAGE_SIZE,
            }
            if filters:
                body["filters"] = filters
            page, meta = self._request_with_meta("POST", "services/core/query", body=body)
            records += page
            total = _total(meta, len(records), "services/core/query")
            self._report(object, len(records), total)
            if not page or len(records) >= total:
                return records
            start += len(page)
        raise _too_many_pages("POST services/core/query")

    def list(self, path: str) -> list[dict[str, Any]]:
        """GET objects/<path>, every page."""
        records: list[dict[str, Any]] = []
        start = 1
        for _ in range(MAX_PAGES):
            page, meta = self._request_with_meta(
                "GET", f"objects/{path}", params={"start": start, "size": PAGE_SIZE}
            )
            records += page
            total = _total(meta, len(records), f"GET objects/{path}")
            if not page or len(records) >= total:
                return records
            start += len(page)
        raise _too_many_pages(f"GET objects/{path}")

    def _request_with_meta(
        self, method: str, path: str, **kw: Any
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        result, meta = self._call(method, path, **kw)
        if not isinstance(result, list):
            raise ProtocolError(f"{method} {path}: expected a list in ia::result")
        if len(result) > PAGE_SIZE:
            raise ProtocolError(
                f"{method} {path}: a page of {len(result)} objects, more than the "
                f"{PAGE_SIZE} asked for; refusing the answer"
            )
        if not all(isinstance(item, dict) for item in result):
            raise ProtocolError(f"{method} {path}: ia::result holds something not an object")
        return result, meta

    def _headers(self, token: Secret) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token.reveal()}", "Accept": "application/json"}
        if self._creds.entity_id:
            headers["X-IA-API-Param-Entity"] = self._creds.entity_id
        return headers

    def get(self, path: str, key: str) -> dict[str, Any]:
        result = self._request("GET", f"objects/{path}/{key}")
        if isinstance(result, list):  # some objects answer a one-element list
            result = result[0] if result else None
        if not isinstance(result, dict):
            raise ProtocolError(f"GET objects/{path}/{key}: expected an object in ia::result")
        return result

    def create(self, path: str, body: Mapping[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        """POST objects/<path>; a retried create that meets 409 is checked against what exists."""
        key = _request_key(idempotency_key, body)
        result = self._request(
            "POST",
            f"objects/{path}",
            body=dict(body),
            idempotency_key=key,
            on_retried_conflict=lambda: self._existing_if_same(path, body),
        )
        self._report(path, 1, 1, action="write")
        return result if isinstance(result, dict) else {}

    def update(
        self, path: str, key: str, body: Mapping[str, Any], *, idempotency_key: str
    ) -> dict[str, Any]:
        result = self._request(
            "PATCH",
            f"objects/{path}/{key}",
            body=dict(body),
            idempotency_key=_request_key(idempotency_key, body),
        )
        self._report(path, 1, 1, action="write")
        return result if isinstance(result, dict) else {}

    def delete(self, path: str, key: str, *, idempotency_key: str) -> None:
        try:
            self._request(
                "DELETE",
                f"objects/{path}/{key}",
                idempotency_key=_request_key(idempotency_key, {"delete": key}),
                on_retried_conflict=None,
            )
        except NotFoundError:
            # gone already: either an earlier attempt of ours or someone else removed it
            log.info("DELETE objects/%s/%s: already absent", path, key)
        self._report(path, 1, 1, action="write")

    def _existing_if_same(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        ident = body.get("id")
        conflict = DuplicateError(
            f"POST objects/{path}: an object with id {ident!r} already exists with other values",
            http_status=409,
        )
        if ident is None:
            raise conflict
        found = self.query(path, ["key", "id"], [{"$eq": {"id": ident}}])
        key = found[0].get("key") if found else None
        if not isinstance(key, str | int) or isinstance(key, bool):
            raise conflict
        existing = self.get(path, str(key))
        if not _contains(existing, body):
            raise conflict
        log.info("POST objects/%s: 409 on retry, existing object matches; counted as created", path)
        return existing

    def _report(self, object: str, done: int, total: int, action: str = "read") -> None:
        if self._progress is not None:
            self._progress(ProgressEvent(action, object, done, total))  # type: ignore[arg-type]


def _request_key(idempotency_key: str, body: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    return f"{idempotency_key}-{digest[:32]}"


def _contains(existing: Any, sent: Any) -> bool:
    """Does the existing object hold every value we sent (ignoring lists' order details)?"""
    if isinstance(sent, Mapping):
        return isinstance(existing, Mapping) and all(
            _contains(existing.get(k), v) for k, v in sent.items()
        )
    if isinstance(sent, list):
        return isinstance(existing, list) and len(existing) >= len(sent)
    return str(existing) == str(sent) if existing is not None else sent is None


def _json(reply: Reply) -> Any:
    if reply.status == 204 or not reply.body.strip():
        return {}
    xml.check_content_type(reply.content_type, expected=JSON_TYPES)
    try:
        return json.loads(reply.body)
    except ValueError as exc:
        raise ProtocolError(f"response is not valid JSON (truncated?): {exc}") from None
    except RecursionError:
        # json nests by recursion: a body of a million "[" would otherwise end the run with
        # a traceback instead of an error
        raise ProtocolError("response JSON is nested too deeply; refusing it") from None


def _total(meta: Mapping[str, Any], default: int, where: str) -> int:
    value = meta.get("totalCount", default)
    if isinstance(value, bool) or not isinstance(value, int | str | None):
        raise ProtocolError(f"{where}: ia::meta totalCount is not a number")
    try:
        total = int(value or 0)
    except ValueError:  # also digits past Python's int-conversion limit
        raise ProtocolError(f"{where}: ia::meta totalCount {value!r:.40} is not a number") from None
    if not 0 <= total <= MAX_RECORDS:
        raise ProtocolError(
            f"{where}: ia::meta totalCount {str(total)[:40]} is out of range "
            f"(0 to {MAX_RECORDS:,}); refusing the answer"
        )
    return total


def _too_many_pages(where: str) -> ProtocolError:
    return ProtocolError(
        f"{where}: still more pages after {MAX_PAGES:,} requests; refusing to read on"
    )


def _token_shaped(token: Any) -> bool:
    return (
        isinstance(token, str)
        and len(token) <= MAX_TOKEN_CHARS
        and token.isascii()
        and token.isprintable()
        and " " not in token
    )


def _error(status: int, data: Any, where: str) -> IntacctError:
    # a hostile or broken error body may put anything anywhere: take only well-shaped parts
    result = data.get("ia::result") if isinstance(data, dict) else None
    error = result.get("ia::error") if isinstance(result, dict) else None
    error = error if isinstance(error, dict) else {}
    details = (
        [
            ErrorDetail(
                str(error.get("errorId", "")),
                str(error.get("message", "")),
                str(error.get("code", "")),
            )
        ]
        if error
        else []
    )
    items = error.get("details")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            target = f"{item.get('target')}: " if item.get("target") else ""
            details.append(
                ErrorDetail(str(item.get("errorId", "")), target + str(item.get("message", "")))
            )
    cls = _STATUS_ERRORS.get(status, ValidationError if status < 500 else IntacctError)
    return cls(f"{where}: HTTP {status}", details, http_status=status)
