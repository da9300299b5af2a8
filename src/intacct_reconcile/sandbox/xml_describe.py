"""Describing functions: lookup, inspect, getDimensions, getUserPermissions,
get_applications, get_companyprefs (reference §2, §3.2, §3.3, §3.11)."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from intacct_reconcile.sandbox import company, objects, user_rights
from intacct_reconcile.sandbox.objects import Field, ObjectDef
from intacct_reconcile.sandbox.objects.errors import SandboxError
from intacct_reconcile.sandbox.xml_codec import sub, text
from intacct_reconcile.sandbox.xml_context import Context, Outcome

_DATATYPE = {"text": "TEXT", "boolean": "BOOLEAN", "integer": "INTEGER", "date": "DATE"}


def _flat_fields(defn: ObjectDef) -> Iterator[tuple[str, Field]]:
    yield "RECORDNO", Field("RECORDNO", type="integer", readonly=True, label="Record number")
    for field in defn.fields:
        if field.type == "group":
            for child in field.children:
                yield f"{field.name}.{child.name}", child
        else:
            yield field.name, field
    for stamp in ("WHENCREATED", "WHENMODIFIED"):
        yield stamp, Field(stamp, type="date", readonly=True)


def _target(element: etree._Element) -> str:
    return text(element, "object") or text(element, "name")


def lookup(ctx: Context, element: etree._Element) -> Outcome:
    defn = objects.definition(_target(element))
    data = etree.Element("data", listtype="All", count="1")
    kind = sub(data, "Type", Name=defn.name, DocumentType="")
    fields = sub(kind, "Fields")
    for name, field in _flat_fields(defn):
        out = sub(fields, "Field")
        sub(out, "ID", name)
        sub(out, "LABEL", field.display)
        sub(out, "DESCRIPTION", field.display)
        sub(out, "REQUIRED", "true" if field.required else "false")
        sub(out, "READONLY", "true" if field.readonly else "false")
        sub(out, "DATATYPE", "ENUM" if field.enum else _DATATYPE.get(field.type, "TEXT"))
        sub(out, "ISCUSTOM", "false")
        if field.enum:
            valid = sub(out, "VALIDVALUES")
            for value in field.enum:
                sub(valid, "VALIDVALUE", value)
    relationships = sub(kind, "Relationships")
    for field in defn.fields:
        if field.ref:
            rel = sub(relationships, "Relationship")
            sub(rel, "OBJECTPATH", field.ref)
            sub(rel, "OBJECTNAME", field.ref.lower())
            sub(rel, "LABEL", objects.definition(field.ref).label)
            sub(rel, "RELATIONSHIPTYPE", "MANY2ONE")
            sub(rel, "RELATEDBY", field.name)
    return Outcome(data=data)


def inspect(ctx: Context, element: etree._Element) -> Outcome:
    target = _target(element)
    detail = element.get("detail", "0") == "1"
    if target == "*":
        data = etree.Element("data", listtype="All", count=str(len(objects.OBJECTS)))
        for defn in objects.OBJECTS.values():
            sub(data, "type", defn.label, typename=defn.name)
        return Outcome(data=data)
    defn = objects.definition(target)
    data = etree.Element("data", listtype="All", count="1")
    kind = sub(data, "Type", Name=defn.name)
    if detail:
        attributes = sub(kind, "Attributes")
        sub(attributes, "TypeName", defn.name)
        sub(attributes, "DisplayLabel", defn.label)
    fields = sub(kind, "Fields")
    for name, field in _flat_fields(defn):
        if not detail:
            sub(fields, "Field", name)
            continue
        out = sub(fields, "Field")
        sub(out, "Name", name)
        sub(out, "isRequired", "true" if field.required else "false")
        sub(out, "isReadOnly", "true" if field.readonly else "false")
        sub(out, "maxLength", "")
        sub(out, "DisplayLabel", field.display)
        sub(out, "Description", field.display)
        sub(out, "isCustom", "false")
        if field.enum:
            valid = sub(out, "validValues")
            for value in field.enum:
                sub(valid, "validValue", value)
    return Outcome(data=data)


def get_dimensions(ctx: Context, element: etree._Element) -> Outcome:
    data = etree.Element("data")
    dimensions = sub(data, "dimensions")
    for defn in objects.OBJECTS.values():
        if defn.dimension:
            item = sub(dimensions, "dimension")
            sub(item, "objectName", defn.name)
            sub(item, "objectLabel", defn.label)
            sub(item, "termLabel", defn.label)
            sub(item, "userDefinedDimension", "true" if defn.user_defined else "false")
            sub(item, "enabledInGL", "true")
    return Outcome(data=data)


def effective_permissions(ctx: Context, login: str) -> dict[str, dict[str, list[str]]]:
    """application -> policy -> rights, merged over every role the user has and the rights
    granted to the user directly (user-based permissions, USERRIGHTS)."""
    return user_rights.effective_permissions(ctx.store, login)


def _may_view_permissions(ctx: Context) -> bool:
    # reference §3.2: needs Users > Permissions View; assumption: the Administration "Users"
    # policy with View (or admin privileges) grants it
    if ctx.user.get("ADMIN") == "Full":
        return True
    users = effective_permissions(ctx, ctx.userid).get("Administration", {}).get("Users", [])
    return "View" in users


def get_user_permissions(ctx: Context, element: etree._Element) -> Outcome:
    if not _may_view_permissions(ctx):
        raise SandboxError(
            [
                (
                    "BL01001973",
                    "Permission denied",
                    "You do not have permission for API operation getUserPermissions.",
                    "Grant Administration > Users View to the API user's role.",
                )
            ]
        )
    login = text(element, "userId") or text(element, "userid")
    if objects.get_by_key(ctx.store, "USERINFO", login) is None:
        raise SandboxError([("BL03000025", f"Login ID {login} does not exist.", "", "")])
    data = etree.Element("data")
    root = sub(data, "permissions")
    for application, policies in effective_permissions(ctx, login).items():
        app = sub(root, "appSubscription")
        sub(app, "applicationName", application)
        block = sub(app, "policies")
        for policy, rights in policies.items():
            item = sub(block, "policy")
            sub(item, "policyName", policy)
            sub(item, "rights", "|".join(rights))
    return Outcome(data=data)


def get_applications(ctx: Context, element: etree._Element) -> Outcome:
    data = etree.Element("data")
    for code in company.subscriptions(ctx.store):
        sub(data, "application", code)
    return Outcome(data=data)


def get_companyprefs(ctx: Context, element: etree._Element) -> Outcome:
    application = (element.get("application") or text(element, "application")).upper()
    data = etree.Element("data")
    # assumption: an application without preferences returns an empty <data/>
    for name, value in company.preferences(ctx.store, application).items():
        pref = sub(data, "companypref")
        sub(pref, "application", application)
        sub(pref, "preference", name)
        sub(pref, "prefvalue", value)
    return Outcome(data=data)
