"""Small hand-made kinds and state builders for the engine tests (no registry, no I/O)."""

from __future__ import annotations

from typing import Any

from intacct_reconcile.kinds import (
    ip_allowlist,
    module_subscriptions,
    roles,
    sender_ids,
    web_services_users,
)
from intacct_reconcile.kinds.base import Field, Hooks, Kind
from intacct_reconcile.types import Ensure, Resource, Span, State

GL = Kind(
    key="gl_accounts",
    title="GL account",
    api="xml",
    object="GLACCOUNT",
    identity=Field("number", "ACCOUNTNO"),
    fields=(
        Field("title", "TITLE"),
        Field("type", "ACCOUNTTYPE", type="enum"),
        Field("status", "STATUS", type="enum"),
    ),
    delete="delete",
    extra={"irreversible_delete": True},
)
CARDS = Kind(
    key="credit_card_accounts",
    title="credit card account",
    api="rest",
    object="cash-management/credit-card-account",
    identity=Field("id", "id"),
    fields=(
        Field("description", "description"),
        Field("offset_gl_account", "accounting.offsetGLAccount", ref="gl_accounts"),
    ),
)
ROLES = Kind(
    key="roles",
    title="role",
    api="rest",
    object="company-config/role",
    identity=Field("name", "id"),
    fields=(Field("description", "description"), Field("permissions", type="permissions")),
    hooks=Hooks(lockout=roles.lockout),
)
USERS = Kind(
    key="web_services_users",
    title="web services user",
    api="xml",
    object="USERINFO",
    identity=Field("login_id", "LOGINID"),
    fields=(
        Field("email", "EMAIL1", case="lower"),
        Field("roles", type="string_list", ref="roles"),
        Field("status", "STATUS"),
        Field("password", write_only=True),
    ),
    depends_on=("roles",),
    delete="deactivate",
    hooks=Hooks(lockout=web_services_users.lockout),
)
EMPLOYEES = Kind(
    key="employees",
    title="employee",
    api="xml",
    object="EMPLOYEE",
    identity=Field("id", "EMPLOYEEID"),
    fields=(Field("name"), Field("supervisor", ref="employees")),
)
SEQUENCES = Kind(
    key="document_sequences",
    title="document sequence",
    api="rest",
    object="company-config/document-sequence",
    identity=Field("id", "id"),
    fields=(Field("print_title"), Field("next_number", type="integer")),
    extra={"floor_fields": ("next_number",)},
)
SENDERS = Kind(
    key="sender_ids",
    title="Web Services authorization",
    api="manual",
    object=None,
    identity=Field("sender_id"),
    fields=(Field("description"),),
    ui_steps=(
        "Company > Setup > Configuration > Company > Security tab",
        "Web Services authorizations > Add: sender ID {key}, status Active",
    ),
    verify="attestation",
    delete="none",
    hooks=Hooks(lockout=sender_ids.lockout),
)
IPS = Kind(
    key="ip_allowlist",
    title="IP address filter",
    api="manual",
    object=None,
    identity=Field("cidr", type="cidr"),
    shape="list",
    ui_steps=("Company > Setup > Configuration > Company > Security tab > IP address filters",),
    verify="attestation",
    delete="none",
    hooks=Hooks(lockout=ip_allowlist.lockout, plan_lockout=ip_allowlist.plan_lockout),
)
SUBSCRIPTIONS = Kind(
    key="module_subscriptions",
    title="module subscription",
    api="manual",
    object=None,
    identity=Field("module"),
    fields=(Field("enabled", type="boolean"),),
    ui_steps=("Company > Admin > Subscriptions: subscribe to {key}",),
    verify="api",
    delete="none",
    hooks=Hooks(lockout=module_subscriptions.lockout),
)
TE = Kind(
    key="te_settings",
    title="T&E settings",
    api="manual",
    object=None,
    identity=Field("name"),
    fields=(Field("expense_sequence", ref="document_sequences"),),
    shape="singleton",
    ui_steps=("Time & Expenses > Setup > Configuration",),
    verify="api",
    depends_on=("document_sequences",),
    delete="none",
)

KINDS: dict[str, Kind] = {
    k.key: k
    for k in (SENDERS, IPS, SUBSCRIPTIONS, TE, ROLES, USERS, SEQUENCES, GL, CARDS, EMPLOYEES)
}


def res(
    kind: str,
    key: str,
    line: int | None = None,
    *,
    ensure: Ensure = "present",
    meta: dict[str, Any] | None = None,
    **values: Any,
) -> Resource:
    """A resource; `line` gives it a manifest source in `<kind>.yaml`."""
    source = Span(f"intacct/{kind}.yaml", line, 3) if line is not None else None
    return Resource(kind, key, values, source=source, ensure=ensure, meta=meta or {})


def state(*resources: Resource) -> State:
    by_kind: dict[str, dict[str, Resource]] = {}
    for r in resources:
        by_kind.setdefault(r.kind, {})[r.key] = r
    return State(by_kind)


def empty(*kinds: str) -> State:
    """A desired state that uses `kinds` but declares nothing in them."""
    return State({k: {} for k in kinds})
