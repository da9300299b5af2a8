"""Legacy object functions (2.1-style ``create_xxx``/``update_xxx``/``delete_xxx``) for the
records the sandbox keeps.

Reference §2: legacy functions are "not deprecated and sometimes the only option". Sage's
JavaScript SDK (npm ``@intacct/intacct-sdk`` 2.2.1) still deletes through them, e.g.
``Functions/GeneralLedger/AccountDelete`` sends ``<delete_glaccount glaccountno="…"/>``,
``VendorDelete`` ``<delete_vendor vendorid="…"/>``, ``EmployeeDelete``
``<delete_employee employeeid="…"/>``, ``LocationDelete``/``DepartmentDelete``/``ContactDelete``
the same with ``locationid``/``departmentid``/``contactname``. Shapes:

    <create_glaccount><glaccountno>6100</glaccountno><title>…</title>…</create_glaccount>
    <update_glaccount glaccountno="6100"><title>…</title></update_glaccount>
    <delete_glaccount glaccountno="6100"/>

The key travels as the element named like the attribute (create) or as the attribute
(update, delete). Results carry ``<key>`` instead of ``<data>`` (reference §1.5 table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.objects.errors import ILLEGAL, SandboxError, not_found
from intacct_reconcile.sandbox.xml_context import Context, Handler, Outcome


@dataclass(frozen=True)
class Legacy:
    """How one object's legacy create_/update_/delete_ functions map onto it: the object, the
    element or attribute naming the record, and renamed elements."""

    obj: str  # XML object the functions write
    key: str  # attribute (update/delete) and element (create) naming the record
    # legacy element -> object field where the name is not simply the upper-cased element
    renames: dict[str, str] = field(default_factory=dict)


# DTD v2.1 intacct_gl_functions (reference §3.5) names the GL account's id glaccountno and
# its category categoryname; subledgercontrolon is "disallow direct posting".
# assumption: every other legacy element is the generic field name in lower case
LEGACY: dict[str, Legacy] = {
    "glaccount": Legacy(
        "GLACCOUNT", "glaccountno", {"glaccountno": "ACCOUNTNO", "categoryname": "CATEGORY"}
    ),
    "vendor": Legacy("VENDOR", "vendorid"),
    "employee": Legacy("EMPLOYEE", "employeeid"),
    "location": Legacy("LOCATION", "locationid"),
    "department": Legacy("DEPARTMENT", "departmentid"),
    "contact": Legacy("CONTACT", "contactname"),
    # reference §3.4: legacy create_expensetype / delete_expensetype expensetype="…"
    # assumption: the expense type's elements are expensetype, description, glaccountno,
    # offsetglaccountno, status
    "expensetype": Legacy("EEACCOUNTLABEL", "expensetype", {"expensetype": "ACCOUNTLABEL"}),
}


def _fields(spec: Legacy, element: etree._Element) -> dict[str, object]:
    record: dict[str, object] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = spec.renames.get(child.tag, child.tag.upper())
        if len(child):
            record[name] = {
                c.tag.upper(): (c.text or "").strip() for c in child if isinstance(c.tag, str)
            }
        else:
            record[name] = (child.text or "").strip()
    return record


def _existing(ctx: Context, spec: Legacy, element: etree._Element, verb: str) -> dict:
    key = element.get(spec.key, "").strip()
    if not key:
        raise SandboxError(
            [
                (
                    ILLEGAL,
                    f"Missing {spec.key}",
                    f"<{element.tag}> names its record in the {spec.key} attribute.",
                    f'Send <{element.tag} {spec.key}="…">.',
                )
            ]
        )
    defn = objects.definition(spec.obj)
    found = objects.get_by_key(ctx.store, spec.obj, key)
    if found is None:
        raise SandboxError([not_found(defn.label.lower(), key, verb)])
    return found


def _create(spec: Legacy) -> Handler:
    def create(ctx: Context, element: etree._Element) -> Outcome:
        _, key = objects.create(
            ctx.store, spec.obj, _fields(spec, element), via="legacy", entity=ctx.locationid
        )
        return Outcome(key=key)

    return create


def _update(spec: Legacy) -> Handler:
    def update(ctx: Context, element: etree._Element) -> Outcome:
        existing = _existing(ctx, spec, element, "update")
        record = _fields(spec, element)
        record["RECORDNO"] = existing["RECORDNO"]
        _, key = objects.update(ctx.store, spec.obj, record, via="legacy")
        return Outcome(key=key)

    return update


def _delete(spec: Legacy) -> Handler:
    def delete(ctx: Context, element: etree._Element) -> Outcome:
        existing = _existing(ctx, spec, element, "delete")
        objects.delete(ctx.store, spec.obj, existing["RECORDNO"], via="legacy")
        # assumption: a legacy delete answers the deleted record's key, as create does
        return Outcome(key=objects.definition(spec.obj).key_of(existing))

    return delete


HANDLERS: dict[str, Handler] = {
    f"{verb}_{suffix}": make(spec)
    for suffix, spec in LEGACY.items()
    for verb, make in (("create", _create), ("update", _update), ("delete", _delete))
}
