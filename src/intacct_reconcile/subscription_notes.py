"""Plan notes about role permissions in applications the company does not subscribe to.

Intacct shows a role only the permissions of subscribed applications (the permission catalogue
"depends on subscriptions": sandbox/data/permissions.yaml), so granting, say, Purchasing
permissions in a company without Purchasing does not give the role anything usable there.
"""

from __future__ import annotations

from intacct_reconcile.kinds.module_subscriptions import APPLICATION_CODES
from intacct_reconcile.types import State

SUBSCRIPTIONS = "module_subscriptions"


def unsubscribed_permission_notes(desired: State, live: State) -> list[str]:
    """One note per role that grants permissions in an unsubscribed application. Silent when
    the plan did not read the company's subscriptions (no module_subscriptions declared)."""
    live_subscriptions = live.of(SUBSCRIPTIONS)
    if not live_subscriptions:
        return []
    declared = desired.of(SUBSCRIPTIONS)
    subscribed = {k for k in live_subscriptions if k not in declared}
    subscribed |= {k for k, r in declared.items() if r.ensure == "present"}
    notes = []
    for role in desired.of("roles").values():
        if role.ensure != "present":
            continue
        granted = role.values.get("permissions") or {}
        missing = sorted(m for m in granted if m in APPLICATION_CODES and m not in subscribed)
        if missing:
            notes.append(
                f"roles/{role.key}: grants permissions in {', '.join(missing)}, which the "
                "company does not subscribe to; Intacct offers roles only the permissions of "
                "subscribed applications (subscribe in module_subscriptions or drop them)"
            )
    return notes
