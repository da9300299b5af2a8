"""REST core services besides query: ``GET services/core/session/id`` and
``GET services/core/model?name=<object>`` (reference §5).

``session/id`` turns the caller's OAuth token into an XML gateway session (FYR
``Sessions.get_session_id`` reads ``ia::result``), so a client can go on with XML functions
REST lacks. ``model`` describes an object's fields, as FYR ``ApiBase.get_model`` asks.
"""

from __future__ import annotations

import secrets
import wsgiref.util
from typing import Any
from urllib.parse import parse_qs

from intacct_reconcile.sandbox.app import XML_PATH
from intacct_reconcile.sandbox.rest_auth import Principal
from intacct_reconcile.sandbox.rest_errors import Detail, bad_request


def session_id(
    app: Any, store: Any, principal: Principal, environ: dict[str, Any]
) -> dict[str, Any]:
    """A new XML session for the token's user, company and entity."""
    now = app.clock()
    expires = now + app.options.session_minutes * 60
    sessionid = secrets.token_urlsafe(24)
    store.add_session(
        sessionid, principal.user_id, principal.company_id, principal.entity_id, expires
    )
    endpoint = wsgiref.util.application_uri(environ).rstrip("/") + XML_PATH
    # assumption: the result's property names (the reference names only the service)
    return {
        "sessionId": sessionid,
        "endpoint": endpoint,
        "companyId": principal.company_id,
        "userId": principal.user_id,
        "entityId": principal.entity_id or None,
    }


def _kind(prop: Any) -> str:
    # assumption: the model's type names (string, integer, boolean) follow JSON schema
    return {"int": "integer", "bool": "boolean"}.get(getattr(prop, "kind", "text"), "string")


def model(resource: Any, name: str) -> dict[str, Any]:
    """The object's model: its fields by path, with type and allowed values."""
    fields: dict[str, Any] = {
        "key": {"type": "string", "readOnly": True},
        "id": {"type": "string"},
        "href": {"type": "string", "readOnly": True},
    }
    refs: dict[str, Any] = {}
    for prop in getattr(resource, "props", ()):
        if prop.kind == "ref":
            refs[prop.path] = {"apiObject": prop.href or prop.ref, "fields": ["key", "id"]}
            continue
        entry: dict[str, Any] = {"type": _kind(prop)}
        if prop.enum:
            entry["enum"] = list(prop.enum)
        fields[prop.path] = entry
    for path in sorted(resource.fields()):
        if path not in fields and not any(path.startswith(r) for r in refs):
            fields.setdefault(path, {"type": "string"})
    verbs = getattr(resource, "verbs", frozenset({"list", "get"}))
    methods = [m for v, m in (("list", "GET"), ("create", "POST")) if v in verbs]
    methods += [m for v, m in (("update", "PATCH"), ("delete", "DELETE")) if v in verbs]
    # assumption: shape of the model document beyond "fields" (refs, httpMethods)
    return {"name": name, "fields": fields, "refs": refs, "httpMethods": ",".join(methods)}


def model_name(query_string: str) -> str:
    name = (parse_qs(query_string).get("name") or [""])[0].strip()
    if not name:
        raise bad_request(
            "Payload contains errors", [Detail("name is required, e.g. ?name=...", "/name")]
        )
    return name
