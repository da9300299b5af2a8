"""Object-specific rules, run on the merged record after the generic field checks.

Each takes (store, record, previous) — previous is None on create — may fill computed fields
in `record`, and returns the problems found (empty list = fine).
"""

from __future__ import annotations

from typing import Any

from intacct_reconcile.sandbox.objects import permissions
from intacct_reconcile.sandbox.objects.errors import Problem, illegal, required
from intacct_reconcile.sandbox.store import Store

Record = dict[str, Any]


def gl_account(store: Store, record: Record, previous: Record | None) -> list[Problem]:
    # reference §3.5: CLOSINGACCOUNTNO is required when the account is a closing account
    if record.get("CLOSINGTYPE") == "closing account" and not record.get("CLOSINGACCOUNTNO"):
        return [required("CLOSINGACCOUNTNO")]
    return []


def expense_type(store: Store, record: Record, previous: Record | None) -> list[Problem]:
    account = store.get_by_key("GLACCOUNT", record.get("GLACCOUNTNO", ""))
    if account is not None:
        record["GLACCOUNTTITLE"] = account.get("TITLE", "")
    return []


def employee(store: Store, record: Record, previous: Record | None) -> list[Problem]:
    if not (record.get("PERSONALINFO") or {}).get("CONTACTNAME"):
        return [required("PERSONALINFO/CONTACTNAME")]
    return []


def user(store: Store, record: Record, previous: Record | None) -> list[Problem]:
    contact = record.get("CONTACTINFO") or {}
    if (
        previous is None
        and not contact.get("CONTACTNAME")
        and not (contact.get("LASTNAME") and contact.get("FIRSTNAME") and contact.get("EMAIL1"))
    ):
        # reference §3.1: LASTNAME, FIRSTNAME, EMAIL1 for a new contact, or CONTACTNAME.
        # assumption: a new contact is kept inside the user; no CONTACT record is created
        return [required("CONTACTINFO/LASTNAME, FIRSTNAME, EMAIL1")]
    if previous is not None and contact != (previous.get("CONTACTINFO") or {}):
        # reference §3.1: contact info cannot be changed via the API
        return [
            (
                "BL03000018",
                "Contact information cannot be changed",
                "The CONTACTINFO of an existing user cannot be updated through the API.",
                "Change the contact in the Intacct UI.",
            )
        ]
    if record.get("USERTYPE") == "CRM user" and record.get("LOGINDISABLED") != "true":
        return [illegal("USERTYPE", "CRM user", ("CRM user requires LOGINDISABLED=true",))]
    return []


def role_policy(store: Store, record: Record, previous: Record | None) -> list[Problem]:
    module = permissions.module_by_name(str(record.get("APPLICATIONNAME", "")))
    if module is None:
        names = [m.application_name for m in permissions.modules()]
        return [illegal("APPLICATIONNAME", str(record.get("APPLICATIONNAME")), names)]
    record["APPLICATIONNAME"] = module.application_name
    record["MODULE"] = module.id
    labels = permissions.right_labels()
    rights = []
    for token in str(record.get("RIGHTS", "")).split("|"):
        label = labels.get(token.strip().lower())
        if label is None:
            return [illegal("RIGHTS", token, sorted(set(labels.values())))]
        if label not in rights:
            rights.append(label)
    order = permissions.right_order()
    record["RIGHTS"] = "|".join(sorted(rights, key=lambda r: order.get(r, 999)))
    return []


def credit_card(store: Store, record: Record, previous: Record | None) -> list[Problem]:
    month = record.get("EXP_MONTH")
    if month and not 1 <= int(month) <= 12:
        return [illegal("EXP_MONTH", month, ("1..12",))]
    return []


def sequence(store: Store, record: Record, previous: Record | None) -> list[Problem]:
    length = record.get("FIXEDLENGTH")
    if length and not 0 <= int(length) <= 16:  # REST: fixedLength <= 16
        return [illegal("FIXEDLENGTH", length, ("0..16",))]
    return []
