"""The XML gateway's request and response, as values.

A request is a control block, one authentication (login or session id) and functions, each
with its control id. A response is parsed into control status, authentication status and one
Result per function; errors at each level become ErrorDetails (see client/errors.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from intacct_reconcile.client import xml
from intacct_reconcile.client.errors import (
    ErrorDetail,
    IntacctError,
    ProtocolError,
    SessionExpiredError,
    error_for,
    redact,
)
from intacct_reconcile.credentials import Secret

DTD_VERSION = "3.0"
QUERY_PAGE_SIZE = 2000  # the largest page `query` serves
READ_BY_QUERY_PAGE_SIZE = 1000  # the largest page `readByQuery` serves
# No configuration object of a company comes near ten million records: a larger count in an
# answer is broken or hostile, and planning pages for it would exhaust memory.
MAX_RECORDS = 10_000_000
MAX_SESSION_ID_CHARS = 4096


@dataclass(frozen=True)
class Function:
    """One <function>: its control id and the element inside it."""

    control_id: str
    body: etree._Element

    @property
    def name(self) -> str:
        return str(self.body.tag)


@dataclass(frozen=True)
class Filter:
    """A `query` filter: an operator on a field, or and/or over filters."""

    op: str
    field: str = ""
    values: tuple[str, ...] = ()
    children: tuple[Filter, ...] = ()

    def to_xml(self) -> etree._Element:
        node = xml.element(self.op)
        if self.children:
            for child in self.children:
                node.append(child.to_xml())
            return node
        xml.sub(node, "field", self.field)
        for value in self.values:
            xml.sub(node, "value", value)
        return node

    def to_sql(self) -> str:
        """The same filter as a readByQuery query string."""
        if self.children:
            return "(" + f" {self.op.upper()} ".join(c.to_sql() for c in self.children) + ")"
        quoted = [_sql_quote(v) for v in self.values]
        if self.op in ("in", "notin"):
            return f"{self.field} {'IN' if self.op == 'in' else 'NOT IN'} ({', '.join(quoted)})"
        if self.op in ("isnull", "isnotnull"):
            return f"{self.field} IS {'NULL' if self.op == 'isnull' else 'NOT NULL'}"
        return f"{self.field} {_SQL_OPS[self.op]} {quoted[0]}"


_SQL_OPS = {
    "equalto": "=",
    "notequalto": "!=",
    "lessthan": "<",
    "lessthanorequalto": "<=",
    "greaterthan": ">",
    "greaterthanorequalto": ">=",
    "like": "like",
    "notlike": "not like",
}


def _sql_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def eq(field_name: str, value: object) -> Filter:
    return Filter("equalto", field_name, (xml.format_value(value),))


def in_(field_name: str, values: Sequence[object]) -> Filter:
    return Filter("in", field_name, tuple(xml.format_value(v) for v in values))


def and_(*filters: Filter) -> Filter:
    return filters[0] if len(filters) == 1 else Filter("and", children=tuple(filters))


def or_(*filters: Filter) -> Filter:
    return filters[0] if len(filters) == 1 else Filter("or", children=tuple(filters))


# --- function bodies -------------------------------------------------------------------


def query(
    object_name: str,
    fields: Sequence[str],
    filter_: Filter | None = None,
    *,
    offset: int = 0,
    pagesize: int = QUERY_PAGE_SIZE,
    order_by: str | None = "RECORDNO",
) -> etree._Element:
    node = xml.element("query")
    xml.sub(node, "object", object_name)
    select = xml.sub(node, "select")
    for name in fields:
        xml.sub(select, "field", name)
    if filter_ is not None:
        xml.sub(node, "filter").append(filter_.to_xml())
    if order_by:
        # a stable order keeps offset pages from overlapping or skipping records
        order = xml.sub(xml.sub(node, "orderby"), "order")
        xml.sub(order, "field", order_by)
        xml.sub(order, "ascending")
    xml.sub(node, "pagesize", pagesize)
    xml.sub(node, "offset", offset)
    return node


def read_by_query(
    object_name: str,
    fields: Sequence[str],
    filter_: Filter | None = None,
    *,
    pagesize: int = READ_BY_QUERY_PAGE_SIZE,
) -> etree._Element:
    node = xml.element("readByQuery")
    xml.sub(node, "object", object_name)
    xml.sub(node, "fields", ",".join(fields) or "*")
    xml.sub(node, "query", filter_.to_sql() if filter_ else "")
    xml.sub(node, "pagesize", pagesize)
    return node


def read_more(result_id: str) -> etree._Element:
    node = xml.element("readMore")
    xml.sub(node, "resultId", result_id)
    return node


def create(records: Sequence[tuple[str, Mapping[str, Any]]]) -> etree._Element:
    node = xml.element("create")
    for object_name, fields in records:
        node.append(xml.record(object_name, fields))
    return node


def update(records: Sequence[tuple[str, Mapping[str, Any]]]) -> etree._Element:
    node = xml.element("update")
    for object_name, fields in records:
        node.append(xml.record(object_name, fields))
    return node


def delete(object_name: str, keys: Sequence[str]) -> etree._Element:
    node = xml.element("delete")
    xml.sub(node, "object", object_name)
    xml.sub(node, "keys", ",".join(keys))
    return node


def get_api_session(location_id: str | None) -> etree._Element:
    node = xml.element("getAPISession")
    if location_id is not None:
        xml.sub(node, "locationid", location_id)
    return node


# --- request ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    """A user's login for a request's <authentication> block: what opens an API session."""

    user_id: str
    company_id: str
    password: Secret
    location_id: str | None = None


@dataclass(frozen=True)
class Session:
    """An API session for a request's <authentication> block: its id, the endpoint
    getAPISession named and the entity (location) it was opened in."""

    session_id: Secret
    endpoint: str
    location_id: str | None = None


def build_request(
    *,
    sender_id: str,
    sender_password: Secret,
    auth: Login | Session,
    functions: Sequence[Function],
    transaction: bool = False,
    unique: bool = False,
    control_id: str | None = None,
) -> bytes:
    """The request document. `unique` makes Intacct refuse to repeat a completed function."""
    root = xml.element("request")
    control = xml.sub(root, "control")
    xml.sub(control, "senderid", sender_id)
    xml.sub(control, "password", sender_password.reveal())
    xml.sub(control, "controlid", control_id or f"req-{uuid.uuid4()}")
    xml.sub(control, "uniqueid", unique)
    xml.sub(control, "dtdversion", DTD_VERSION)
    xml.sub(control, "includewhitespace", False)
    operation = xml.sub(root, "operation", transaction="true" if transaction else "false")
    authentication = xml.sub(operation, "authentication")
    if isinstance(auth, Session):
        xml.sub(authentication, "sessionid", auth.session_id.reveal())
    else:
        login = xml.sub(authentication, "login")
        xml.sub(login, "userid", auth.user_id)
        xml.sub(login, "companyid", auth.company_id)
        xml.sub(login, "password", auth.password.reveal())
        if auth.location_id:
            xml.sub(login, "locationid", auth.location_id)
    content = xml.sub(operation, "content")
    for function in functions:
        wrapper = xml.sub(content, "function", controlid=function.control_id)
        wrapper.append(function.body)
    return xml.tostring(root)


# --- response --------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One function's outcome."""

    status: str
    function: str
    control_id: str
    errors: tuple[ErrorDetail, ...] = ()
    data: etree._Element | None = None
    key: str | None = None
    attrs: Mapping[str, str] = field(default_factory=dict)
    replayed: bool = False  # a retried write that Intacct had already applied

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def int_attr(self, name: str, default: int = 0) -> int:
        """A count from the answer: a whole number from 0 to MAX_RECORDS, or `default`."""
        raw = self.attrs.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:  # also digits past Python's int-conversion limit
            raise ProtocolError(
                f"{self.function}: data attribute {name}={raw[:40]!r} is not a number"
            ) from None
        if not 0 <= value <= MAX_RECORDS:
            raise ProtocolError(
                f"{self.function}: data attribute {name}={raw[:40]!r} is out of range "
                f"(0 to {MAX_RECORDS:,}); refusing the answer"
            )
        return value

    @property
    def total_count(self) -> int:
        return self.int_attr("totalcount")

    @property
    def num_remaining(self) -> int:
        return self.int_attr("numremaining")

    @property
    def result_id(self) -> str:
        return self.attrs.get("resultId", "")

    @property
    def records(self) -> list[dict[str, Any]]:
        return xml.records(self.data)

    def error(self) -> IntacctError:
        return error_for(
            self.errors, level="function", function=self.function, control_id=self.control_id
        )

    def raise_for_status(self) -> Result:
        if not self.ok:
            raise self.error()
        return self


@dataclass(frozen=True)
class Response:
    """A <response> whose control and authentication succeeded: each function's result and the
    session timeout Intacct reported."""

    results: tuple[Result, ...]
    session_timeout: str = ""


def _errors(node: etree._Element | None) -> tuple[ErrorDetail, ...]:
    if node is None:
        return ()
    # redacted as they are read: a server that quotes a session id or password back must not
    # have it kept in a Result, whose repr may end up in a log
    return tuple(
        ErrorDetail(
            redact(xml.text(e, "errorno")),
            redact(xml.text(e, "description")),
            redact(xml.text(e, "description2")),
            redact(xml.text(e, "correction")),
        )
        for e in node.iter("error")
    )


def parse_response(root: etree._Element, *, http_status: int | None = None) -> Response:
    """Check control and authentication status (raising typed errors) and collect results."""
    if root.tag != "response":
        raise ProtocolError(f"expected a <response> document, got <{root.tag}>")
    control = root.find("control")
    if control is None:
        raise ProtocolError("response has no <control> block")
    if xml.text(control, "status") != "success":
        raise error_for(
            _errors(root.find("errormessage")) or _errors(root),
            level="control",
            http_status=http_status,
        )
    operation = root.find("operation")
    auth = operation.find("authentication") if operation is not None else None
    if operation is None or auth is None:
        raise ProtocolError("response has no <operation>/<authentication> block")
    if xml.text(auth, "status") != "success":
        raise error_for(
            _errors(operation.find("errormessage")) or _errors(auth),
            level="authentication",
            http_status=http_status,
        )
    results = tuple(_result(node) for node in operation.findall("result"))
    if not results and operation.find("errormessage") is not None:
        raise error_for(_errors(operation.find("errormessage")), level="authentication")
    return Response(results, xml.text(auth, "sessiontimeout"))


def _result(node: etree._Element) -> Result:
    status = xml.text(node, "status")
    if status not in ("success", "failure", "aborted"):
        raise ProtocolError(f"result has unknown status {status!r}")
    data = node.find("data")
    key = node.find("key")
    return Result(
        status=status,
        function=xml.text(node, "function"),
        control_id=xml.text(node, "controlid"),
        errors=_errors(node.find("errormessage")),
        data=data,
        key=key.text if key is not None else None,
        attrs=dict(data.attrib) if data is not None else {},
    )


def session_from(result: Result) -> tuple[str, str, str]:
    """(session id, endpoint, location id) from a getAPISession result."""
    api = result.data.find("api") if result.data is not None else None
    if api is None or not xml.text(api, "sessionid"):
        raise SessionExpiredError("getAPISession returned no session id")
    session_id = xml.text(api, "sessionid")
    # it travels back in every request body: printable and of a sane length, or refused
    if len(session_id) > MAX_SESSION_ID_CHARS or not session_id.isprintable():
        raise ProtocolError("getAPISession returned a malformed session id")
    return session_id, xml.text(api, "endpoint"), xml.text(api, "locationid")
