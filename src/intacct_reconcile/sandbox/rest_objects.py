"""REST objects as views of the sandbox's XML records: JSON <-> XML field mapping.

Every REST write goes through ``objects.create/update/delete(..., via="rest")``, so the XML
gateway reads exactly what REST wrote (CREDITCARD, CHECKINGACCOUNT, SEQUENCE, ROLES...). A
:class:`Resource` declares its JSON properties as dot paths mapped to XML fields; conversion,
payload checking (unknown fields, types, enums) and error mapping are shared here. Roles and
the permission catalogue have their own module (``rest_roles``).

Shapes follow the Intacct REST reference: records carry ``key`` (system key = RECORDNO),
``id`` and ``href``; references to other objects are ``{"key", "id", "href"}`` objects and
are accepted on write as ``{"id": ...}``, ``{"key": ...}`` or a bare id string.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.objects.errors import DUPLICATE, SandboxError
from intacct_reconcile.sandbox.rest_errors import (
    Detail,
    RestError,
    bad_request,
    conflict,
    not_found,
    unprocessable,
)
from intacct_reconcile.sandbox.store import Store

Record = dict[str, Any]
# Properties the server owns: sent back by clients that echo what they read, ignored on write.
SERVER_OWNED = frozenset({"key", "href", "audit"})

STATUS = {"active": "active", "inactive": "inactive"}


@dataclass(frozen=True)
class Prop:
    """One JSON property (dot path) stored in one XML field (``GROUP/FIELD`` for groups)."""

    path: str
    xml: str
    kind: str = "text"  # text | int | number_text | month | bool | enum | ref
    enum: Mapping[str, str] = field(default_factory=dict)  # REST value -> XML value
    ref: str = ""  # XML object a ref names (by its key field)
    href: str = ""  # REST object path of the referenced object
    maximum: int | None = None  # schema maximum of an int (e.g. fixedLength <= 16)

    def to_json(self, store: Store, value: Any, cache: dict[tuple[str, str], str | None]) -> Any:
        text = "" if value is None else str(value)
        if self.kind == "ref":
            if not text:
                return {"key": None, "id": None}
            cached = (self.ref, text)
            if cached not in cache:
                target = store.get_by_key(self.ref, text)
                cache[cached] = target.get("RECORDNO") if target else None
            key = cache[cached]
            out: dict[str, Any] = {"key": key, "id": text}
            if key is not None and self.href:
                out["href"] = f"/objects/{self.href}/{key}"
            return out
        if not text:
            return None
        if self.kind == "int":
            return int(text) if text.lstrip("-").isdigit() else text
        if self.kind == "month":
            return f"{int(text):02d}" if text.isdigit() else text
        if self.kind == "bool":
            return text.lower() == "true"
        if self.kind == "enum":
            back = {xml.lower(): rest for rest, xml in self.enum.items()}
            return back.get(text.lower(), text)
        return text

    def to_xml(self, store: Store, value: Any, target: str) -> tuple[str, Detail | None]:
        """(XML value, problem) for a value a client sent."""
        if value is None:
            return "", None
        if self.kind == "ref":
            if isinstance(value, str):
                return value, None
            if isinstance(value, Mapping):
                if value.get("id") not in (None, ""):
                    return str(value["id"]), None
                if value.get("key") not in (None, ""):
                    found = (
                        store.get(self.ref, int(value["key"]))
                        if str(value["key"]).isdigit()
                        else None
                    )
                    if found is None:
                        return "", Detail(f"no {self.ref} with key {value['key']}", target)
                    return objects.definition(self.ref).key_of(found), None
                return "", None
            return "", Detail(f"{target} must be an object such as {{'id': ...}}", target)
        if isinstance(value, Mapping | list):
            return "", Detail(f"{target} must be a single value", target)
        if self.kind in ("int", "number_text", "month"):
            text = str(value).strip()
            if isinstance(value, bool) or not text.lstrip("-").isdigit():
                return "", Detail(f"{value!r} is not a whole number", target)
            if self.kind == "month" and not 1 <= int(text) <= 12:
                return "", Detail(f"{value!r} is not a month (01..12)", target)
            if self.maximum is not None and int(text) > self.maximum:
                return "", Detail(f"{value!r} is more than the maximum {self.maximum}", target)
            return str(int(text)), None
        if self.kind == "bool":
            if not isinstance(value, bool):
                return "", Detail(f"{value!r} is not true or false", target)
            return "true" if value else "false", None
        if self.kind == "enum":
            for rest, xml in self.enum.items():
                if str(value).lower() == rest.lower():
                    return xml, None
            return "", Detail(
                f"{value!r} is not valid; use one of: {', '.join(self.enum)}",
                target,
                message_id="IA.INVALID_ENUM_VALUE",
            )
        return str(value), None


def set_path(out: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = out
    for name in parents:
        node = node.setdefault(name, {})
    node[leaf] = value


def _xml_get(record: Record, xml: str) -> Any:
    group, _, name = xml.partition("/")
    if not name:
        return record.get(group)
    inner = record.get(group) or {}
    return inner.get(name) if isinstance(inner, Mapping) else None


def _xml_set(record: Record, xml: str, value: Any) -> None:
    group, _, name = xml.partition("/")
    if name:
        record.setdefault(group, {})[name] = value
    else:
        record[group] = value


_XML_NAME = re.compile(r"\b[A-Z][A-Z0-9_]{2,}\b")


def iso_time(stamp: Any) -> str | None:
    """XML ``mm/dd/yyyy HH:MM:SS`` -> REST ``yyyy-mm-ddTHH:MM:SSZ``."""
    try:
        parsed = time.strptime(str(stamp), "%m/%d/%Y %H:%M:%S")
    except ValueError:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)


def from_sandbox_error(exc: SandboxError, names: Mapping[str, str] | None = None) -> RestError:
    """A business failure from the object rules as a REST error (409/404/422).

    ``names`` maps XML field names to REST paths so messages speak the client's language."""
    names = names or {}

    def rest_words(text: str) -> str:
        return _XML_NAME.sub(lambda m: names.get(m.group(0), m.group(0)), text)

    def target(error: tuple[str, str, str, str]) -> str:
        hit = next((n for n in _XML_NAME.findall(error[1]) if n in names), "")
        return "/" + names[hit].replace(".", "/") if hit else ""

    first = exc.errors[0] if exc.errors else ("", str(exc), "", "")
    details = [
        Detail(
            rest_words(" ".join(part for part in (e[1], e[2]) if part)),
            target(e),
            code="invalidRequest",
            error_id=e[0],
            message_id="IA.BUSINESS_VALIDATION",
        )
        for e in exc.errors
    ]
    first = (first[0], rest_words(first[1]), first[2], first[3])
    if any(e[0] == DUPLICATE or e[1].startswith("Duplicate") for e in exc.errors):
        error = conflict(first[1])
        error.details = details
        return error
    if first[1].startswith("Cannot find"):
        return RestError(404, "notFound", first[1], "REST-1040", "IA.RECORD_NOT_FOUND")
    return unprocessable(first[1], details)


@dataclass(frozen=True)
class Resource:
    """One REST object backed by one XML object."""

    path: str  # "cash-management/credit-card-account"
    xml: str  # "CREDITCARD"
    label: str
    id_xml: str  # XML key field that REST calls "id"
    props: tuple[Prop, ...] = ()
    verbs: frozenset[str] = frozenset({"list", "get", "create", "update", "delete"})

    # -- reading ----------------------------------------------------------------------------

    def href(self, key: Any) -> str:
        return f"/objects/{self.path}/{key}"

    def ref(self, record: Record) -> dict[str, Any]:
        key = record["RECORDNO"]
        return {"key": str(key), "id": record.get(self.id_xml), "href": self.href(key)}

    def to_json(self, store: Store, record: Record, cache: dict[Any, Any] | None = None) -> Record:
        cache = {} if cache is None else cache
        out: Record = {"key": str(record["RECORDNO"]), "id": record.get(self.id_xml)}
        for prop in self.props:
            set_path(out, prop.path, prop.to_json(store, _xml_get(record, prop.xml), cache))
        out["audit"] = {
            "createdDateTime": iso_time(record.get("WHENCREATED")),
            "modifiedDateTime": iso_time(record.get("WHENMODIFIED")),
        }
        out["href"] = self.href(record["RECORDNO"])
        return out

    def records(self, store: Store) -> list[Record]:
        return objects.query(store, self.xml)[1]

    def refs(self, store: Store) -> list[Record]:
        return [self.ref(r) for r in self.records(store)]

    def all_json(self, store: Store) -> list[Record]:
        cache: dict[Any, Any] = {}
        return [self.to_json(store, r, cache) for r in self.records(store)]

    def find(self, store: Store, key: str) -> Record:
        record = objects.get(store, self.xml, key) if key.isdigit() else None
        if record is None:
            raise not_found(self.label, key)
        return record

    def read(self, store: Store, key: str) -> Record:
        return self.to_json(store, self.find(store, key))

    def rest_names(self) -> dict[str, str]:
        names = {p.xml.rsplit("/", 1)[-1]: p.path for p in self.props}
        names[self.id_xml] = "id"
        return names

    def fields(self) -> frozenset[str]:
        """Valid query paths: every property, its parents, and ref sub-fields."""
        paths = {"key", "id", "href", "audit", "audit.createdDateTime", "audit.modifiedDateTime"}
        for prop in self.props:
            parts = prop.path.split(".")
            paths |= {".".join(parts[: i + 1]) for i in range(len(parts))}
            if prop.kind == "ref":
                paths |= {f"{prop.path}.key", f"{prop.path}.id", f"{prop.path}.href"}
        return frozenset(paths)

    # -- writing ----------------------------------------------------------------------------

    def payload_to_xml(self, store: Store, payload: Mapping[str, Any]) -> Record:
        """XML fields for the properties a payload sets; 400 with every problem found."""
        by_path = {p.path: p for p in self.props}
        parents = {p.path.rsplit(".", 1)[0] for p in self.props if "." in p.path}
        parents |= {".".join(p.split(".")[:i]) for p in parents for i in range(1, p.count(".") + 1)}
        record: Record = {}
        problems: list[Detail] = []

        def walk(node: Mapping[str, Any], prefix: str) -> None:
            for name, value in node.items():
                path = f"{prefix}{name}"
                target = "/" + path.replace(".", "/")
                if not prefix and name in SERVER_OWNED:
                    continue
                if path == "id":
                    if not isinstance(value, str) or not value.strip():
                        problems.append(Detail("id must be a non-empty string", "/id"))
                    else:
                        record[self.id_xml] = value.strip()
                    continue
                prop = by_path.get(path)
                if prop is not None:
                    xml_value, problem = prop.to_xml(store, value, target)
                    if problem:
                        problems.append(problem)
                    else:
                        _xml_set(record, prop.xml, xml_value)
                elif path in parents and isinstance(value, Mapping):
                    walk(value, path + ".")
                else:
                    problems.append(
                        Detail(
                            f"{target} is not a valid field",
                            target,
                            error_id="REST-1043",
                            message_id="IA.NOT_A_VALID_FIELD",
                        )
                    )

        walk(payload, "")
        if problems:
            raise bad_request("Payload contains errors", problems)
        return record

    def create(self, store: Store, payload: Mapping[str, Any], *, entity: str = "") -> Record:
        """`entity`: the request's X-IA-API-Param-Entity, kept as the record's MEGAENTITYID."""
        record = self.payload_to_xml(store, payload)
        if not record.get(self.id_xml):
            raise bad_request(
                "Payload contains errors",
                [Detail("id is required", "/id", message_id="IA.REQUIRED_FIELD_MISSING")],
            )
        try:
            recordno, _ = objects.create(store, self.xml, record, via="rest", entity=entity)
        except SandboxError as exc:
            raise from_sandbox_error(exc, self.rest_names()) from None
        return self.ref(objects.get(store, self.xml, recordno) or {"RECORDNO": recordno})

    def update(self, store: Store, key: str, payload: Mapping[str, Any]) -> Record:
        existing = self.find(store, key)
        record = self.payload_to_xml(store, payload)
        for name, value in list(record.items()):
            if isinstance(value, dict):  # groups are replaced whole by objects.update
                record[name] = {**(existing.get(name) or {}), **value}
        record["RECORDNO"] = existing["RECORDNO"]
        try:
            objects.update(store, self.xml, record, via="rest")
        except SandboxError as exc:
            raise from_sandbox_error(exc, self.rest_names()) from None
        return self.ref(objects.get(store, self.xml, key) or existing)

    def delete(self, store: Store, key: str) -> None:
        self.find(store, key)
        try:
            objects.delete(store, self.xml, key, via="rest")
        except SandboxError as exc:
            raise from_sandbox_error(exc, self.rest_names()) from None


CARD_TYPES = {
    "visa": "Visa",
    "mastercard": "MasterCard",
    "discover": "Discover",
    "americanExpress": "American Express",
    "dinersClub": "Diners Club",
    "otherChargeCard": "Other Charge Card",
}

DOCUMENT_SEQUENCE = Resource(
    path="company-config/document-sequence",
    xml="SEQUENCE",
    label="Document sequence",
    id_xml="SEQUENCEID",
    props=(
        Prop("printTitle", "PRINTTITLE"),
        Prop("type", "TYPE", "enum", {"numeric": "numeric", "alpha": "alpha"}),
        Prop("fixedLength", "FIXEDLENGTH", "int", maximum=16),  # reference §3.4: <= 16
        Prop("fixedPrefix", "FIXEDPREFIX"),
        Prop("prefixSeparator", "PREFIXSEPARATOR"),
        Prop("fixedSuffix", "FIXEDSUFFIX"),
        Prop("suffixSeparator", "SUFFIXSEPARATOR"),
        Prop("startingNumber", "STARTINGNUMBER", "int"),
        Prop("endingNumber", "ENDINGNUMBER", "int"),
        # Lowering nextNumber is accepted, as the REST API does: it can re-issue numbers
        # already used, which is why the planner never lowers it (a floor), not the server.
        Prop("nextNumber", "NEXTNUMBER", "int"),
        Prop("status", "STATUS", "enum", STATUS),
    ),
)

CREDIT_CARD_ACCOUNT = Resource(
    path="cash-management/credit-card-account",
    xml="CREDITCARD",
    label="Credit card account",
    id_xml="CARDID",
    props=(
        Prop("vendor", "VENDORID", "ref", ref="VENDOR", href="accounts-payable/vendor"),
        Prop("accountDetails.description", "DESCRIPTION"),
        Prop("accountDetails.cardType", "CARDTYPE", "enum", CARD_TYPES),
        Prop(
            "accountDetails.accountType",
            "LIABILITYTYPE",
            "enum",
            {"credit": "Credit", "debit": "Debit"},
        ),
        Prop("accountDetails.expirationMonth", "EXP_MONTH", "month"),
        Prop("accountDetails.expirationYear", "EXP_YEAR", "number_text"),
        Prop("accountDetails.currency", "CURRENCY"),
        Prop(
            "accounting.offsetGLAccount",
            "OFFSETGLACCOUNTNO",
            "ref",
            ref="GLACCOUNT",
            href="general-ledger/account",
        ),
        Prop(
            "accounting.financeChargeGLAccount",
            "FINANCECHARGEACCOUNTNO",
            "ref",
            ref="GLACCOUNT",
            href="general-ledger/account",
        ),
        Prop(
            "accounting.otherFeesGLAccount",
            "OTHERFEESACCOUNTNO",
            "ref",
            ref="GLACCOUNT",
            href="general-ledger/account",
        ),
        Prop("accounting.useInEmployeeExpense", "USEINEXPENSES", "bool"),
        # assumption: REST name of the default location (reference §3.6: UNCONFIRMED)
        Prop(
            "accounting.defaultLocation",
            "LOCATION",
            "ref",
            ref="LOCATION",
            href="company-config/location",
        ),
        # assumption: objects created in an entity answer it as a reference, like other refs
        Prop("entity", "MEGAENTITYID", "ref", ref="LOCATIONENTITY", href="company-config/entity"),
        Prop("status", "STATUS", "enum", STATUS),
    ),
)

CHECKING_ACCOUNT = Resource(
    path="cash-management/checking-account",
    xml="CHECKINGACCOUNT",
    label="Checking account",
    id_xml="BANKACCOUNTID",
    props=(
        Prop("description", "DESCRIPTION"),
        Prop("bankAccountDetails.accountNumber", "BANKACCOUNTNO"),
        Prop("bankAccountDetails.bankName", "BANKNAME"),
        Prop("bankAccountDetails.routingNumber", "ROUTINGNO"),
        Prop("bankAccountDetails.branchId", "BRANCHID"),
        Prop("bankAccountDetails.currency", "CURRENCY"),
        Prop(
            "accounting.glAccount",
            "GLACCOUNTNO",
            "ref",
            ref="GLACCOUNT",
            href="general-ledger/account",
        ),
        Prop(
            "accounting.apJournal",
            "APJOURNAL",
            "ref",
            ref="GLJOURNAL",
            href="general-ledger/journal",
        ),
        Prop(
            "accounting.arJournal",
            "ARJOURNAL",
            "ref",
            ref="GLJOURNAL",
            href="general-ledger/journal",
        ),
        # assumption: dimension defaults sit at the top level as references
        Prop(
            "department", "DEPARTMENTID", "ref", ref="DEPARTMENT", href="company-config/department"
        ),
        Prop("location", "LOCATIONID", "ref", ref="LOCATION", href="company-config/location"),
        # assumption: objects created in an entity answer it as a reference, like other refs
        Prop("entity", "MEGAENTITYID", "ref", ref="LOCATIONENTITY", href="company-config/entity"),
        Prop("status", "STATUS", "enum", STATUS),
    ),
)

USER_TYPES = {
    "business": "business user",
    "employee": "employee user",
    "viewOnly": "view only user",
    "dashboard": "dashboard user",
    "projectManager": "project manager user",
    "constructionManager": "construction manager user",
    "platform": "platform user",
    "warehouse": "warehouse user",
    "paymentApprover": "payment approver",
    "crm": "CRM user",
}

USER = Resource(
    path="company-config/user",
    xml="USERINFO",
    label="User",
    id_xml="LOGINID",
    props=(
        Prop("userName", "DESCRIPTION"),
        Prop("accountEmail", "CONTACTINFO/EMAIL1"),
        Prop("contact.firstName", "CONTACTINFO/FIRSTNAME"),
        Prop("contact.lastName", "CONTACTINFO/LASTNAME"),
        Prop("userType", "USERTYPE", "enum", USER_TYPES),
        Prop("adminPrivileges", "ADMIN", "enum", {"off": "Off", "full": "Full"}),
        Prop(
            "status",
            "STATUS",
            "enum",
            {"active": "active", "inactive": "inactive", "lockedOut": "lockedout"},
        ),
        # assumption: the "Web Services / API properties" field name (reference §5 UNCONFIRMED)
        Prop("webServicesOnly", "LOGINDISABLED", "bool"),
        Prop("ssoEnabled", "SSO_ENABLED", "bool"),
    ),
    verbs=frozenset({"list", "get"}),  # users are written through the XML gateway here
)

# reference §5: general-ledger/account (R-general-ledger.account)
GL_ACCOUNT = Resource(
    path="general-ledger/account",
    xml="GLACCOUNT",
    label="GL account",
    id_xml="ACCOUNTNO",
    props=(
        Prop("name", "TITLE"),
        Prop(
            "accountType",
            "ACCOUNTTYPE",
            "enum",
            {"balanceSheet": "balancesheet", "incomeStatement": "incomestatement"},
        ),
        Prop("normalBalance", "NORMALBALANCE", "enum", {"debit": "debit", "credit": "credit"}),
        # assumption: closedToAccount (listed by the reference) has no XML counterpart in the
        # sandbox's GLACCOUNT, so only the two XML closing types are offered
        Prop(
            "closingType",
            "CLOSINGTYPE",
            "enum",
            {"nonClosingAccount": "non-closing account", "closingAccount": "closing account"},
        ),
        Prop(
            "closeToGLAccount",
            "CLOSINGACCOUNTNO",
            "ref",
            ref="GLACCOUNT",
            href="general-ledger/account",
        ),
        Prop(
            "alternativeGLAccount",
            "ALTERNATIVEACCOUNT",
            "enum",
            {
                "none": "None",
                "payablesAccount": "Payables account",
                "receivablesAccount": "Receivables account",
            },
        ),
        Prop("disallowDirectPosting", "SUBLEDGERCONTROLON", "bool"),
        Prop("category", "CATEGORY"),
        Prop("isTaxable", "TAXABLE", "bool"),
        *(
            Prop(f"requireDimensions.{rest}", f"REQUIRE{xml}", "bool")
            for rest, xml in (
                ("department", "DEPT"),
                ("location", "LOC"),
                ("project", "PROJECT"),
                ("customer", "CUSTOMER"),
                ("vendor", "VENDOR"),
                ("employee", "EMPLOYEE"),
                ("item", "ITEM"),
                ("class", "CLASS"),
                ("contract", "CONTRACT"),
                ("warehouse", "WAREHOUSE"),
            )
        ),
        Prop("status", "STATUS", "enum", STATUS),
    ),
)

# reference §5/§3.9: company-config/entity (create: id, name, federalId, ...); the XML side
# reads the same records as LOCATIONENTITY
ENTITY = Resource(
    path="company-config/entity",
    xml="LOCATIONENTITY",
    label="Entity",
    id_xml="LOCATIONID",
    props=(
        Prop("name", "NAME"),
        Prop("federalId", "FEDERALID"),
        # assumption: REST names of these entity fields (the reference lists them only as
        # "dates, fiscal months, contacts…")
        Prop("taxId", "TAXID"),
        Prop("reportPrintAs", "REPORTPRINTAS"),
        Prop("firstFiscalMonth", "FIRSTMONTH", "int"),
        Prop("firstTaxMonth", "FIRSTMONTHTAX", "int"),
        Prop("currency", "CURRENCY"),
        Prop("status", "STATUS", "enum", STATUS),
    ),
    # assumption: entities are not deleted through REST (the reference documents create)
    verbs=frozenset({"list", "get", "create", "update"}),
)
