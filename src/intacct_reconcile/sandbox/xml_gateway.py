"""The XML gateway: POST /ia/xml/xmlgw.phtml -> one <response> (reference §1).

Three failure levels, as in the real gateway: control (bad XML, bad sender credentials: no
operation runs), authentication (per operation: no function runs), function (only that
function fails, unless <operation transaction="true">: then it fails, every other function is
`aborted` with XL03000009 and all their writes are rolled back).

Replay protection: with <uniqueid>true</uniqueid> (the default) a writing function whose
controlid already completed successfully for this company fails instead of running again.
assumption: only writing functions (create, update, delete, legacy writes, installApp) are
recorded; reads may reuse control ids freely.
"""

from __future__ import annotations

import traceback
import wsgiref.util
from typing import Any

from lxml import etree

from intacct_reconcile.sandbox import company, xml_describe, xml_legacy, xml_query, xml_writes
from intacct_reconcile.sandbox.objects.errors import Problem, SandboxError
from intacct_reconcile.sandbox.realism import MAX_REQUEST_BYTES
from intacct_reconcile.sandbox.xml_auth import (
    AuthFailure,
    Identity,
    authenticate,
    authentication_block,
    new_session,
)
from intacct_reconcile.sandbox.xml_codec import (
    ParseError,
    errormessage,
    parse,
    serialize,
    sub,
    text,
)
from intacct_reconcile.sandbox.xml_context import Context, Handler, Outcome

CONTENT_TYPE = 'text/xml; encoding="UTF-8"'
MAX_BODY = MAX_REQUEST_BYTES
Response = tuple[str, list[tuple[str, str]], bytes]

HANDLERS: dict[str, Handler] = {
    "query": xml_query.query,
    "readByQuery": xml_query.read_by_query,
    "readMore": xml_query.read_more,
    "read": xml_query.read,
    "readByName": xml_query.read_by_name,
    "create": xml_writes.create,
    "update": xml_writes.update,
    "delete": xml_writes.delete,
    "create_journal": xml_writes.create_journal,
    "update_journal": xml_writes.update_journal,
    "delete_journal": xml_writes.delete_journal,
    "installApp": xml_writes.install_app,
    "lookup": xml_describe.lookup,
    "inspect": xml_describe.inspect,
    "getDimensions": xml_describe.get_dimensions,
    "getUserPermissions": xml_describe.get_user_permissions,
    "get_applications": xml_describe.get_applications,
    "get_companyprefs": xml_describe.get_companyprefs,
    **xml_legacy.HANDLERS,
}
WRITES = frozenset(
    {
        "create",
        "update",
        "delete",
        "create_journal",
        "update_journal",
        "delete_journal",
        "installApp",
        *xml_legacy.HANDLERS,
    }
)
ABORTED: Problem = (
    "XL03000009",
    "The entire transaction in this operation has been rolled back due to an error.",
    "",
    "",
)
# assumption: errorno of a replayed control id (the reference only records the text)
REPLAY_ERRORNO = "XL03000005"


class _Rollback(Exception):
    """Raised inside a transaction="true" operation to undo it after a failure."""


def _respond(status: str, root: etree._Element, pretty: bool = False) -> Response:
    return status, [("Content-Type", CONTENT_TYPE)], serialize(root, pretty)


def _control_failure(control: etree._Element | None, errors: list[Problem]) -> Response:
    root = etree.Element("response")
    block = sub(root, "control")
    sub(block, "status", "failure")
    sub(block, "senderid", text(control, "senderid"))
    sub(block, "controlid", text(control, "controlid"))
    sub(block, "uniqueid", text(control, "uniqueid", "false"))
    sub(block, "dtdversion", text(control, "dtdversion", "3.0"))
    errormessage(root, errors)
    return _respond("200 OK", root)


def _schema_error(message: str) -> list[Problem]:
    return [
        (
            "XL03000003",
            f"XML Parse schema error: {message}",
            "",
            "Correct the request so that it is well-formed and follows the schema.",
        )
    ]


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        # refused unread: a truncated read would only surface as a confusing parse error
        raise ParseError(f"request body of {length} bytes is larger than {MAX_BODY} bytes")
    return environ["wsgi.input"].read(length) if length > 0 else b""


def handle(app: Any, environ: dict[str, Any]) -> Response:
    try:
        return _handle(app, environ)
    except Exception:  # a sandbox bug must still answer well-formed XML (clients parse it)
        # assumption: HTTP 500 with errorno GW-0001 (a number of our own)
        errors = environ.get("wsgi.errors")
        if errors is not None:
            traceback.print_exc(file=errors)
        root = etree.Element("response")
        errormessage(
            root,
            [
                (
                    "GW-0001",
                    "Internal error in the sandbox gateway",
                    "",
                    "Retry; report the request if it persists.",
                )
            ],
        )
        return _respond("500 Internal Server Error", root)


def _method_not_allowed() -> Response:
    # reference §1.1: HTTP GET has been blocked since 2023-01-15
    # assumption: status 405 with a GW-0011-style XML body
    root = etree.Element("response")
    errormessage(
        root,
        [
            (
                "GW-0011",
                "Invalid Request: use HTTP POST",
                "The XML gateway only accepts POST.",
                "Send the request with POST.",
            )
        ],
    )
    status, headers, body = _respond("405 Method Not Allowed", root)
    return status, [*headers, ("Allow", "POST")], body


def _control_problems(app: Any, request: etree._Element) -> list[Problem]:
    """Why the control block is refused (empty list = accepted)."""
    control = request.find("control")
    if request.tag != "request" or control is None:
        return _schema_error("expected <request><control>")
    senderid, controlid = text(control, "senderid"), text(control, "controlid")
    if not senderid or not 1 <= len(controlid) <= 256:
        return _schema_error("control needs senderid and a controlid of 1 to 256 characters")
    # sender credentials are the partner's, not a company's: kept with the default company
    if not company.check_sender(app.store, senderid, text(control, "password")):
        return [("XL03000006", "Incorrect Intacct XML Partner ID or password.", "", "")]
    policy = text(control, "policyid")
    if policy:
        # reference §1.6: no asynchronous transport policy is set up for the sandbox company
        return [("XL03000006", f"{policy} is not a valid transport policy.", "", "")]
    if request.find("operation") is None:
        return _schema_error("missing <operation>")
    return []


def _handle(app: Any, environ: dict[str, Any]) -> Response:
    if environ.get("REQUEST_METHOD", "GET").upper() != "POST":
        return _method_not_allowed()
    try:
        request = parse(_read_body(environ))
    except ParseError as exc:
        return _control_failure(None, _schema_error(str(exc)))
    control = request.find("control")
    problems = _control_problems(app, request)
    if problems:
        return _control_failure(control, problems)
    root = etree.Element("response")
    block = sub(root, "control")
    sub(block, "status", "success")
    senderid = text(control, "senderid")
    sub(block, "senderid", senderid)
    sub(block, "controlid", text(control, "controlid"))
    uniqueid = text(control, "uniqueid", "true").lower() != "false"
    sub(block, "uniqueid", "true" if uniqueid else "false")
    sub(block, "dtdversion", text(control, "dtdversion", "3.0"))
    for operation in request.findall("operation"):
        _operation(app, environ, root, operation, senderid, uniqueid)
    pretty = text(control, "includewhitespace", "true").lower() != "false"
    return _respond("200 OK", root, pretty)


def _endpoint(environ: dict[str, Any]) -> str:
    return wsgiref.util.application_uri(environ).rstrip("/") + "/ia/xml/xmlgw.phtml"


def _operation(
    app: Any,
    environ: dict[str, Any],
    root: etree._Element,
    operation: etree._Element,
    senderid: str,
    uniqueid: bool,
) -> None:
    out = sub(root, "operation")
    try:
        identity = authenticate(
            app, operation.find("authentication"), senderid, environ.get("REMOTE_ADDR", "")
        )
    except AuthFailure as failure:
        authentication_block(out, "failure", failure.userid, failure.companyid)
        errormessage(out, failure.errors)
        return
    authentication_block(out, "success", identity.userid, identity.companyid, identity)
    ctx = Context(
        app,
        identity.companyid,
        identity.userid,
        identity.locationid,
        identity.user,
        identity.sessionid,
        _endpoint(environ),
        identity.store,
    )
    functions = [f for content in operation.findall("content") for f in content.findall("function")]
    runner = _Runner(ctx, identity, uniqueid, len(functions))
    if operation.get("transaction", "false").lower() == "true":
        results = runner.all_or_nothing(functions)
    else:
        results = [runner.one(f) for f in functions]
    for result in results:
        out.append(result)


class _Runner:
    def __init__(self, ctx: Context, identity: Identity, uniqueid: bool, count: int):
        self.ctx = ctx
        self.identity = identity
        self.uniqueid = uniqueid
        self.count = count

    def one(self, function: etree._Element) -> etree._Element:
        """Run one function atomically; its <result> element."""
        name, controlid, body = _unpack(function)
        try:
            with self.ctx.store.transaction():
                outcome = self._run(name, controlid, body)
        except SandboxError as exc:
            return _result(
                "failure",
                name,
                controlid,
                errors=exc.errors,
                empty_data=name in ("create", "update"),
            )
        return _result("success", name, controlid, outcome=outcome)

    def all_or_nothing(self, functions: list[etree._Element]) -> list[etree._Element]:
        done: list[tuple[str, str, Outcome]] = []
        failed: etree._Element | None = None
        try:
            with self.ctx.store.transaction():
                for function in functions:
                    name, controlid, body = _unpack(function)
                    try:
                        done.append((name, controlid, self._run(name, controlid, body)))
                    except SandboxError as exc:
                        failed = _result(
                            "failure",
                            name,
                            controlid,
                            errors=exc.errors,
                            empty_data=name in ("create", "update"),
                        )
                        raise _Rollback from exc
        except _Rollback:
            pass
        if failed is None:
            return [_result("success", n, c, outcome=o) for n, c, o in done]
        results = []
        for index, function in enumerate(functions):
            name, controlid, _ = _unpack(function)
            results.append(
                failed
                if index == len(done)
                else _result("aborted", name, controlid, errors=[ABORTED])
            )
        return results

    def _run(self, name: str, controlid: str, body: etree._Element | None) -> Outcome:
        if name == "getAPISession":
            return self._session(body)
        handler = HANDLERS.get(name)
        if handler is None or body is None:
            # assumption: an unknown function fails alone (the real gateway's XSD check may
            # fail the whole request instead)
            raise SandboxError(
                [
                    (
                        "XL03000003",
                        f"XML Parse schema error: unknown function '{name}'",
                        "",
                        "Use a function of the 3.0 API.",
                    )
                ]
            )
        replay = self.uniqueid and name in WRITES
        owner = company.company_id(self.ctx.store)  # not the id as typed: DEMO == demo
        if replay and self.ctx.store.controlid_seen(owner, controlid):
            raise SandboxError(
                [
                    (
                        REPLAY_ERRORNO,
                        "A successful transaction has already been "
                        f"recorded with the control id {controlid}",
                        "",
                        "Use a new function control id, or uniqueid=false.",
                    )
                ]
            )
        outcome = handler(self.ctx, body)
        if replay:
            self.ctx.store.record_controlid(owner, controlid)
        return outcome

    def _session(self, body: etree._Element | None) -> Outcome:
        if self.count != 1:
            # reference §1.4: getAPISession must be alone in its request
            # assumption: error number and wording
            raise SandboxError(
                [
                    (
                        "XL03000003",
                        "getAPISession must be the only function in its request",
                        "",
                        "Send getAPISession in its own request.",
                    )
                ]
            )
        wanted = None
        if body is not None and body.find("locationid") is not None:
            wanted = text(body, "locationid")
        try:
            sessionid, entity = new_session(self.ctx.app, self.identity, wanted)
        except AuthFailure as failure:
            raise SandboxError(failure.errors) from failure
        data = etree.Element("data")
        api = sub(data, "api")
        sub(api, "sessionid", sessionid)
        sub(api, "endpoint", self.ctx.endpoint)
        sub(api, "locationid", entity)
        return Outcome(data=data)


def _unpack(function: etree._Element) -> tuple[str, str, etree._Element | None]:
    body = next((c for c in function if isinstance(c.tag, str)), None)
    name = body.tag if body is not None else ""
    return name, function.get("controlid", ""), body


def _result(
    status: str,
    name: str,
    controlid: str,
    *,
    outcome: Outcome | None = None,
    errors: list[Problem] | None = None,
    empty_data: bool = False,
) -> etree._Element:
    result = etree.Element("result")
    sub(result, "status", status)
    sub(result, "function", name)
    sub(result, "controlid", controlid)
    if outcome is not None:
        if outcome.key is not None:
            sub(result, "key", outcome.key)
        if outcome.data is not None:
            result.append(outcome.data)
    if errors:
        if empty_data:
            sub(result, "data", listtype="objects", count="0")
        errormessage(result, errors)
    return result
