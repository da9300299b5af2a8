"""The sandbox REST API under ``/ia/api/v1/``: OAuth2 token, Bearer auth, objects, query.

    handle(app, environ) -> (status line, headers, body bytes)      called by app.SandboxApp

Routes (reference §5):
    POST   oauth2/token                          client_credentials -> access_token
    GET    objects/<module>/<object>             references {key, id, href} + ia::meta
    POST   objects/<module>/<object>             create -> 201 {key, id, href}
    GET    objects/<module>/<object>/<key>       one record (<k1>,<k2>,... up to 500: a list)
    PATCH  objects/<module>/<object>/<key>       partial update -> 200 {key, id, href}
    DELETE objects/<module>/<object>/<key>       204
    POST   services/core/query                   {object, fields, filters, orderBy, start, size}
    GET    services/core/session/id              an XML gateway session for the token
    GET    services/core/model?name=<object>     the object's fields
The token's company (its ``username=USER@COMPANY``) picks which of the sandbox's companies a call
reaches; ``X-IA-API-Param-Entity`` (or the token's ``|ENTITY``) scopes it to an entity.
Writes honour an ``Idempotency-Key`` header: a key used for another request answers 409, a
retry of the same request its first answer (rest_idempotency).
Success bodies are ``{"ia::result": ..., "ia::meta": ...}``; failures are ia::error bodies
(rest_errors). Writes reach the same XML records the gateway reads (rest_objects).
"""

from __future__ import annotations

import dataclasses
import json
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from intacct_reconcile.sandbox import company, user_rights
from intacct_reconcile.sandbox.realism import MAX_REQUEST_BYTES as MAX_BODY
from intacct_reconcile.sandbox.rest_auth import (
    OAuthError,
    Principal,
    TokenStore,
    grant,
    read_token_request,
)
from intacct_reconcile.sandbox.rest_errors import (
    REASONS,
    Detail,
    RestError,
    bad_request,
    forbidden,
    method_not_allowed,
)
from intacct_reconcile.sandbox.rest_idempotency import IdempotencyKeys, request_digest
from intacct_reconcile.sandbox.rest_objects import (
    CHECKING_ACCOUNT,
    CREDIT_CARD_ACCOUNT,
    DOCUMENT_SEQUENCE,
    ENTITY,
    GL_ACCOUNT,
    USER,
)
from intacct_reconcile.sandbox.rest_query import run_query
from intacct_reconcile.sandbox.rest_roles import PERMISSION, ROLE
from intacct_reconcile.sandbox.rest_services import model, model_name, session_id

PREFIX = "/ia/api/v1/"
RESOURCES: dict[str, Any] = {
    r.path: r
    for r in (
        ROLE,
        PERMISSION,
        DOCUMENT_SEQUENCE,
        CREDIT_CARD_ACCOUNT,
        CHECKING_ACCOUNT,
        USER,
        GL_ACCOUNT,
        ENTITY,
    )
}
LIST_PAGE = 100  # GET on a collection returns up to 100 references per page
JSON = "application/json"
Response = tuple[str, list[tuple[str, str]], bytes]


def tokens_for(app: Any) -> TokenStore:
    """The app's token store, created on first use; it follows ``app.clock``."""
    store = getattr(app, "rest_tokens", None)
    if store is None:
        store = TokenStore(clock=lambda: app.clock())
        app.rest_tokens = store
    return store


def idempotency_for(app: Any) -> IdempotencyKeys:
    """The app's used Idempotency-Keys, created on first use."""
    keys = getattr(app, "rest_idempotency", None)
    if keys is None:
        keys = app.rest_idempotency = IdempotencyKeys()
    return keys


def _idempotent(
    app: Any,
    store: Any,
    environ: dict[str, Any],
    method: str,
    path: str,
    raw: bytes,
    write: Callable[[], Response],
) -> Response:
    """Run a write under the request's Idempotency-Key, if it has one (rest_idempotency)."""
    key = environ.get("HTTP_IDEMPOTENCY_KEY")
    if key is not None:
        key = f"{store.prefix}|{key}"  # each company has its own keys: no answer crosses over
    return idempotency_for(app).run(key, request_digest(method, path, raw), write)


def _respond(status: int, body: Any = None, extra: list[tuple[str, str]] | None = None) -> Response:
    headers = list(extra or [])
    if body is None:
        return f"{status} {REASONS.get(status, '')}".strip(), headers, b""
    data = json.dumps(body, separators=(",", ":")).encode()
    return f"{status} {REASONS.get(status, '')}".strip(), [("Content-Type", JSON), *headers], data


def _body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        # assumption: no documented REST size limit; the gateway's 50 MiB cap applies here too
        raise RestError(413, "payloadTooLarge", f"The payload is larger than {MAX_BODY} bytes")
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _json_payload(raw: bytes, method: str) -> Any:
    if not raw.strip():
        raise RestError(
            400,
            "invalidRequest",
            f"A {method} request requires a payload",
            "REST-1028",
            "IA.REQUEST_REQUIRES_A_PAYLOAD",
            {"OPERATION": method},
        )
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise bad_request(
            f"The payload is not valid JSON: {exc.msg} at position {exc.pos}"
        ) from None
    except UnicodeDecodeError:
        raise bad_request("The payload is not UTF-8 JSON") from None
    except RecursionError:
        raise bad_request("The payload is nested too deeply") from None


def handle(app: Any, environ: dict[str, Any]) -> Response:
    method = environ.get("REQUEST_METHOD", "GET").upper()
    path = environ.get("PATH_INFO", "")[len(PREFIX) :].strip("/")
    try:
        raw = _body(environ)
        if path == "oauth2/token":
            return _token(app, environ, method, raw)
        principal = tokens_for(app).principal(environ.get("HTTP_AUTHORIZATION"))
        home = app.company(principal.company_id)
        if home is None:
            raise RestError(401, "unauthorized", "The access token's company does not exist")
        if not company.ip_allowed(home, environ.get("REMOTE_ADDR", "")):
            # assumption: IP address filters apply to REST calls as to XML logins
            raise forbidden("Requests from this IP address are not allowed for this company")
        principal = _in_entity(home, principal, environ)
        store = home.in_entity(principal.entity_id)
        if path.startswith("services/core/") and path != "services/core/query":
            return _core_service(app, store, method, path, principal, environ)
        # writes of users and roles need admin rights; reads need the object's List or View
        # right, as over XML (user_rights)
        _check_rights(home, principal.user_id, method, path)
        return _route(app, store, method, path, raw, environ, reader=_Reader(home, principal))
    except RestError as exc:
        # RFC 6750 §3: a 401 names the scheme the client should use
        extra = [("WWW-Authenticate", 'Bearer error="invalid_token"')] if exc.status == 401 else []
        return _respond(exc.status, exc.body(), extra)
    except Exception:  # a sandbox bug still answers an ia::error, as the gateway answers XML
        errors = environ.get("wsgi.errors")
        if errors is not None:
            traceback.print_exc(file=errors)
        # assumption: code and error id are our own; Intacct documents no 500 body
        bug = RestError(500, "internalError", "Internal error in the sandbox REST API", "REST-1500")
        return _respond(500, bug.body())


def _token(app: Any, environ: dict[str, Any], method: str, raw: bytes) -> Response:
    if method != "POST":
        raise method_not_allowed(method, "oauth2/token")
    try:
        params = read_token_request(raw, environ.get("CONTENT_TYPE", ""))
        answer = grant(params, tokens_for(app), company=lambda cid: _Checks.of(app, cid))
    except OAuthError as exc:
        return _respond(exc.status, exc.body(), [("Cache-Control", "no-store")])
    return _respond(200, answer, [("Cache-Control", "no-store")])


class _Checks:
    """A token request's checks against the company its username names (rest_auth.grant)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    @classmethod
    def of(cls, app: Any, companyid: str) -> _Checks | None:
        store = app.company(companyid)
        return cls(store) if store is not None else None

    def check_client(self, client_id: str, client_secret: str) -> bool:
        return company.check_rest_client(self.store, client_id, client_secret)

    def user_exists(self, login: str) -> bool:
        user = self.store.get_by_key("USERINFO", login)
        return user is not None and user.get("STATUS", "active") == "active"

    def entity_exists(self, entity: str) -> bool:
        return self.store.get_by_key("LOCATIONENTITY", entity) is not None


def _in_entity(home: Any, principal: Principal, environ: dict[str, Any]) -> Principal:
    """The principal as this request's X-IA-API-Param-Entity header places it (reference §5)."""
    header = environ.get("HTTP_X_IA_API_PARAM_ENTITY")
    if header is None:
        return principal
    entity = header.strip()
    if entity and home.get_by_key("LOCATIONENTITY", entity) is None:
        # assumption: an unknown entity in the header is a 400 invalidRequest naming it
        raise bad_request(f"Entity {entity!r} does not exist in this company")
    return dataclasses.replace(principal, entity_id=entity)


# writes that need admin rights (user_rights); other writes are open to any valid token of the
# company, reads need the object's read right (_Reader)
# assumption: no per-permission checks on writes of the other objects (any token of the company
# may write them)
ADMIN_WRITES = {"company-config/user": user_rights.USERS, "company-config/role": user_rights.ROLES}
_VERBS = {"POST": "create", "PATCH": "update", "DELETE": "delete"}


def _check_rights(home: Any, login: str, method: str, path: str) -> None:
    """Refuse a user or role write by a user without the rights (`home`: the company's store)."""
    parts = path.split("/")
    what = ADMIN_WRITES.get("/".join(parts[1:3])) if parts[0] == "objects" else None
    if what is None or method not in _VERBS:
        return
    user = home.get_by_key("USERINFO", login)
    why = user_rights.refusal(home, user, what, _VERBS[method])
    if why:
        # assumption: a refused user or role write is the documented 403 status, with our
        # wording of the reason
        raise forbidden(f"Permission denied: {method} {'/'.join(parts[1:3])}: {why}")


@dataclasses.dataclass(frozen=True)
class _Reader:
    """The signed-in user whose rights a read needs (`home`: the company's top-level store,
    where roles and their permission assignments live)."""

    home: Any
    principal: Principal

    def check(self, resource: Any, verb: str) -> None:
        """Refuse listing (`list`, the query service) without the object's List right, or
        reading by key (`get`) without its View right (user_rights.READ_GRANTS)."""
        xml = getattr(resource, "xml", None)
        if xml is None:  # the permission catalogue, which is no XML object: anyone may read it
            return
        function = "read" if verb == "get" else "query"
        missing = user_rights.read_refusal(self.home, self.principal.user_id, xml, function)
        if missing:
            operation = user_rights.OPERATION[function]
            # the wording integrators report for a role without the right ("You do not have
            # permission for API operation QUERY on objects of type GLACCOUNT")
            # assumption: REST answers it with the documented 403 for "does not have sufficient
            # permission", the message as over XML and a detail naming the missing right
            raise forbidden(
                f"You do not have permission for API operation {operation} on objects of type "
                f"{xml.lower()}",
                [Detail(f"Grant {missing} to the user's role (or to the user)", "/object")],
            )


def _core_service(
    app: Any, store: Any, method: str, path: str, principal: Principal, environ: dict[str, Any]
) -> Response:
    if path == "services/core/session/id":
        if method != "GET":
            raise method_not_allowed(method, path)
        body = session_id(app, store, principal, environ)
        return _respond(200, {"ia::result": body, "ia::meta": _one()})
    if path == "services/core/model":
        if method != "GET":
            raise method_not_allowed(method, path)
        name = model_name(environ.get("QUERY_STRING", ""))
        resource = RESOURCES.get(name.removeprefix("objects/"))
        if resource is None:
            raise RestError(
                404,
                "notFound",
                f"Object {name} is not supported",
                "REST-1001",
                "IA.OBJECT_NOT_FOUND",
            )
        return _respond(200, {"ia::result": model(resource, name), "ia::meta": _one()})
    raise RestError(
        404, "notFound", f"/{path} is not a valid resource", "REST-1001", "IA.RESOURCE_NOT_FOUND"
    )


def _route(
    app: Any,
    store: Any,
    method: str,
    path: str,
    raw: bytes,
    environ: dict[str, Any],
    *,
    reader: _Reader,
) -> Response:
    parts = path.split("/")
    if path == "services/core/query":
        if method != "POST":
            raise method_not_allowed(method, path)
        return _query(store, _json_payload(raw, method), reader)
    if parts[0] != "objects" or len(parts) not in (3, 4):
        raise RestError(
            404,
            "notFound",
            f"/{path} is not a valid resource",
            "REST-1001",
            "IA.RESOURCE_NOT_FOUND",
        )
    resource = RESOURCES.get(f"{parts[1]}/{parts[2]}")
    if resource is None:
        raise RestError(
            404,
            "notFound",
            f"Object {parts[1]}/{parts[2]} is not supported",
            "REST-1001",
            "IA.OBJECT_NOT_FOUND",
        )
    if len(parts) == 3:
        if method == "GET":
            _allow(resource, "list", method, path)
            reader.check(resource, "list")
            return _list(resource, store, environ.get("QUERY_STRING", ""))
        if method == "POST":
            _allow(resource, "create", method, path)
            payload = _json_payload(raw, method)
            if not isinstance(payload, dict):
                # assumption: bulk (array) creates are not offered by the sandbox
                raise bad_request("Send one object to create; bulk arrays are not supported here")
            entity = store.entity  # the request's X-IA-API-Param-Entity, else the token's
            return _idempotent(
                app,
                store,
                environ,
                method,
                path,
                raw,
                lambda: _respond(
                    201,
                    {
                        "ia::result": resource.create(store, payload, entity=entity),
                        "ia::meta": _one(),
                    },
                ),
            )
        raise method_not_allowed(method, path)
    key = parts[3]
    if method == "GET" and "," in key:
        _allow(resource, "get", method, path)
        reader.check(resource, "get")
        return _batch_get(resource, store, key.split(","))
    if method == "GET":
        _allow(resource, "get", method, path)
        reader.check(resource, "get")
        return _respond(200, {"ia::result": resource.read(store, key), "ia::meta": _one()})
    if method == "PATCH":
        _allow(resource, "update", method, path)
        payload = _json_payload(raw, method)
        if not isinstance(payload, dict):
            raise bad_request("A PATCH payload must be a JSON object")
        return _idempotent(
            app,
            store,
            environ,
            method,
            path,
            raw,
            lambda: _respond(
                200, {"ia::result": resource.update(store, key, payload), "ia::meta": _one()}
            ),
        )
    if method == "DELETE":
        _allow(resource, "delete", method, path)

        def delete() -> Response:
            resource.delete(store, key)
            return _respond(204)

        return _idempotent(app, store, environ, method, path, raw, delete)
    raise method_not_allowed(method, path)


BATCH_MAX = 500  # "You can include at most 500 records in a batch request" (bulk-requests guide)


def _batch_get(resource: Any, store: Any, keys: list[str]) -> Response:
    """GET objects/<object>/194,195,310: several records in one answer."""
    if len(keys) > BATCH_MAX:
        raise bad_request(f"A batch request names at most {BATCH_MAX} records, not {len(keys)}")
    # assumption: one missing key fails the whole batch with 404 (no 207 per-record status)
    records = [resource.read(store, key.strip()) for key in keys]
    meta = {"totalCount": len(records), "totalSuccess": len(records), "totalError": 0}
    return _respond(200, {"ia::result": records, "ia::meta": meta})


def _allow(resource: Any, verb: str, method: str, path: str) -> None:
    if verb not in resource.verbs:
        raise method_not_allowed(method, path)


def _one() -> dict[str, int]:
    return {"totalCount": 1, "totalSuccess": 1, "totalError": 0}


REF_FIELDS = frozenset({"key", "id", "href"})


def _paths(query: dict[str, Any]) -> set[str]:
    """Every field path a query names (fields, filters, orderBy)."""
    paths = set(query.get("fields") or REF_FIELDS)
    for condition in query.get("filters") or []:
        if isinstance(condition, dict):
            for operand in condition.values():
                if isinstance(operand, dict):
                    paths |= set(operand)
    for item in query.get("orderBy") or []:
        if isinstance(item, dict):
            paths |= set(item)
    return paths


def _records(resource: Any, store: Any, query: dict[str, Any]) -> list[dict[str, Any]]:
    # A query about references only (the usual first step of reading a collection) need
    # not assemble whole records, which for roles means every permission assignment.
    if _paths(query) <= REF_FIELDS:
        return resource.refs(store)
    return resource.all_json(store)


def _list(resource: Any, store: Any, query_string: str) -> Response:
    params = {k: v[0] for k, v in parse_qs(query_string).items()}
    # assumption: collection GETs page with ?start=&size= like the query service
    query: dict[str, Any] = {"fields": ["key", "id", "href"]}
    for name in ("start", "size"):
        if name in params:
            if not params[name].isdigit():
                raise bad_request(f"{name} must be a positive whole number")
            query[name] = int(params[name])
    query.setdefault("size", LIST_PAGE)
    return _respond(200, run_query(query, _records(resource, store, query), resource.fields()))


def _query(store: Any, query: Any, reader: _Reader) -> Response:
    if not isinstance(query, dict):
        raise bad_request("The query must be a JSON object")
    name = query.get("object")
    resource = RESOURCES.get(str(name))
    if resource is None:
        raise bad_request(
            "Payload contains errors",
            [
                Detail(
                    f"{name!r} is not a queryable object; use one of: "
                    + ", ".join(sorted(RESOURCES)),
                    "/object",
                )
            ],
        )
    reader.check(resource, "list")
    body = run_query(query, _records(resource, store, query), resource.fields())
    return _respond(200, body)
