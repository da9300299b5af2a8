"""Writing functions: create, update, delete, legacy journal functions, installApp.

assumption: a create/update function is atomic — if one of its records fails, the whole
function fails and none of its records is kept (the gateway runs each function in its own
store transaction). The failure names the failing record's object and position.
"""

from __future__ import annotations

import hashlib

from lxml import etree

from intacct_reconcile.sandbox import objects, user_rights
from intacct_reconcile.sandbox.objects.errors import GENERIC, ILLEGAL, SandboxError
from intacct_reconcile.sandbox.xml_codec import (
    ParseError,
    leaf_rows_element,
    parse,
    record_from_element,
    sub,
    text,
)
from intacct_reconcile.sandbox.xml_context import Context, Outcome
from intacct_reconcile.sandbox.xml_query import subscribed

SubElement = etree.SubElement
# reference §3.1/§3.2: users and their role links are written by admins only (user_rights)
ADMIN_ONLY = {"USERINFO": user_rights.USERS, "USERROLES": user_rights.USERS}


def _require_admin(ctx: Context, obj: str, verb: str) -> None:
    if obj not in ADMIN_ONLY:
        return
    # the user as stored now: a change earlier in this request may have taken its rights
    user = objects.get_by_key(ctx.store, "USERINFO", ctx.userid)
    why = user_rights.refusal(ctx.store, user, ADMIN_ONLY[obj], verb)
    if why:
        # assumption: number; description2 wording follows the SDKs' permission errors
        raise SandboxError(
            [
                (
                    GENERIC,
                    "Permission denied",
                    f"You do not have permission for API operation {verb.upper()} on "
                    f"objects of type {obj}: {why}.",
                    "Sign in as a business user with admin privileges whose role grants "
                    "Administration > Users.",
                )
            ]
        )


def _write_many(ctx: Context, element: etree._Element, verb: str) -> Outcome:
    items = [c for c in element if isinstance(c.tag, str)]
    if not items:
        raise SandboxError(
            [(ILLEGAL, f"Nothing to {verb}", "", f"Put one or more objects inside <{verb}>.")]
        )
    if verb == "create":
        _prefetch_ids(ctx, items)
    rendered: dict[str, tuple[str, list[str], list[list[str]]]] = {}  # by object
    order: list[str] = []  # the object of each record, in order
    # an object's definition and subscription, looked up once a function: nothing a write
    # does changes which applications the company subscribes to
    known: dict[str, objects.ObjectDef] = {}
    for position, item in enumerate(items, start=1):
        defn = known.get(item.tag)
        if defn is None:
            defn = known[item.tag] = subscribed(ctx, objects.definition(item.tag))
        _require_admin(ctx, defn.name, verb)
        record = record_from_element(defn, item)
        try:
            if verb == "create":  # the record as stored comes back with its RECORDNO
                recordno, _, stored = objects.create_record(
                    ctx.store, defn.name, record, via="xml", entity=ctx.locationid
                )
            else:
                recordno, _ = objects.update(ctx.store, defn.name, record, via="xml")
                stored = objects.get(ctx.store, defn.name, recordno) or {}
        except SandboxError as exc:
            if len(items) > 1:
                exc.errors.insert(0, (GENERIC, f"Record {position} ({defn.name}) failed", "", ""))
            raise
        if defn.name not in rendered:
            rendered[defn.name] = (defn.name.lower(), ["RECORDNO", *defn.key], [])
        rendered[defn.name][2].append([str(recordno), *(str(stored.get(n, "")) for n in defn.key)])
        order.append(defn.name)
    attrs = {"listtype": "objects", "count": str(len(items))}
    if len(rendered) == 1:  # the usual function: records of one object
        tag, names, rows = next(iter(rendered.values()))
        return Outcome(data=leaf_rows_element(attrs, tag, names, rows))
    data = etree.Element("data", attrs)
    taken = dict.fromkeys(rendered, 0)
    for obj in order:
        tag, names, rows = rendered[obj]
        out = SubElement(data, tag)
        for name, value in zip(names, rows[taken[obj]], strict=True):
            SubElement(out, name).text = value
        taken[obj] += 1
    return Outcome(data=data)


def _prefetch_ids(ctx: Context, items: list[etree._Element]) -> None:
    """Read the records of a create function's ids in one query: each record's duplicate
    check then finds its answer read ahead (an id sent otherwise than as its plain field,
    or an unknown object, is simply not read ahead; errors stay the records' own)."""
    ids: dict[str, list[str]] = {}
    for item in items:
        defn = objects.OBJECTS.get(str(item.tag).upper())
        if defn is not None:
            key = "|".join((item.findtext(name) or "").strip() for name in defn.key)
            ids.setdefault(defn.name, []).append(key)
    store = ctx.store.company_wide()
    for obj, keys in ids.items():
        store.prefetch(obj, keys)


def create(ctx: Context, element: etree._Element) -> Outcome:
    return _write_many(ctx, element, "create")


def update(ctx: Context, element: etree._Element) -> Outcome:
    return _write_many(ctx, element, "update")


def delete(ctx: Context, element: etree._Element) -> Outcome:
    defn = subscribed(ctx, objects.definition(text(element, "object")))
    _require_admin(ctx, defn.name, "delete")
    keys = [k.strip() for k in text(element, "keys").split(",") if k.strip()]
    if not keys:
        raise SandboxError([(ILLEGAL, "Missing keys", "", "List RECORDNOs in <keys>.")])
    for key in keys:
        objects.delete(ctx.store, defn.name, key, via="xml")
    return Outcome()


# -- legacy GL journal functions (DTD v2.1 intacct_gl_functions) ---------------------------------


def create_journal(ctx: Context, element: etree._Element) -> Outcome:
    record = {"SYMBOL": text(element, "symbol"), "TITLE": text(element, "title")}
    if element.find("status") is not None:
        record["STATUS"] = text(element, "status")
    objects.create(ctx.store, "GLJOURNAL", record, via="legacy", entity=ctx.locationid)
    # assumption: the legacy <key> is the journal symbol
    return Outcome(key=record["SYMBOL"])


def _journal(ctx: Context, element: etree._Element, verb: str) -> dict:
    symbol = element.get("symbol", "").strip()
    journal = objects.get_by_key(ctx.store, "GLJOURNAL", symbol)
    if journal is None:
        raise SandboxError(
            [(GENERIC, f"Cannot find journal with key '{symbol}' to {verb}.", "", "")]
        )
    return journal


def update_journal(ctx: Context, element: etree._Element) -> Outcome:
    journal = _journal(ctx, element, "update")
    record = {"RECORDNO": journal["RECORDNO"]}
    for tag in ("title", "status"):
        if element.find(tag) is not None:
            record[tag.upper()] = text(element, tag)
    objects.update(ctx.store, "GLJOURNAL", record, via="legacy")
    return Outcome(key=journal["SYMBOL"])


def delete_journal(ctx: Context, element: etree._Element) -> Outcome:
    journal = _journal(ctx, element, "delete")
    objects.delete(ctx.store, "GLJOURNAL", journal["RECORDNO"], via="legacy")
    return Outcome(key=journal["SYMBOL"])


# -- installApp ---------------------------------------------------------------------------------


def _app_value(root: etree._Element, name: str) -> str:
    if root.get(name):
        return root.get(name, "").strip()
    for child in root.iter():
        if isinstance(child.tag, str) and child.tag.lower() == name:
            return (child.text or "").strip()
    return ""


def install_app(ctx: Context, element: etree._Element) -> Outcome:
    node = element.find("appxml")
    appxml = (node.text or "") if node is not None else ""
    try:
        root = parse(appxml.encode("utf-8"))
    except ParseError as exc:
        raise SandboxError(
            [
                (
                    ILLEGAL,
                    "Invalid application definition",
                    str(exc),
                    "Send a published application XML inside <appxml>.",
                )
            ]
        ) from exc
    name = _app_value(root, "name")
    if not name:
        # assumption: the package's name comes from a name attribute or <name> element
        raise SandboxError(
            [
                (
                    ILLEGAL,
                    "Invalid application definition",
                    "The application has no name.",
                    "Give the application a name.",
                )
            ]
        )
    record = {
        "NAME": name,
        "DESCRIPTION": _app_value(root, "description"),
        "VERSION": _app_value(root, "version"),
        "APPXML": appxml,
        "STATUS": "active",
    }
    existing = objects.get_by_key(ctx.store, "PTAPPLICATION", name)
    if existing is None:
        recordno, _ = objects.create(ctx.store, "PTAPPLICATION", record, via="legacy")
    else:
        recordno, _ = objects.update(ctx.store, "PTAPPLICATION", record, via="legacy")
    stored = objects.get(ctx.store, "PTAPPLICATION", recordno) or {}
    # assumption: DIGEST = "sha256:<hex>" of the definition exactly as sent
    stored["DIGEST"] = "sha256:" + hashlib.sha256(appxml.encode("utf-8")).hexdigest()
    ctx.store.replace("PTAPPLICATION", recordno, name, stored)
    # assumption: the result names the installed application like a create result
    data = etree.Element("data", listtype="application", count="1")
    out = sub(data, "application")
    sub(out, "RECORDNO", str(recordno))
    sub(out, "NAME", name)
    return Outcome(data=data)
