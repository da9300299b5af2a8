"""Web Services authorizations (sender IDs): UI-only, closed by an attestation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from intacct_reconcile.kinds.base import Field, Hooks, Kind, RunAs
from intacct_reconcile.types import Change

ACTIVE = "active"


def lockout(kind: Kind, change: Change, run_as: RunAs, kinds: Mapping[str, Kind]) -> Iterable[str]:
    """Removing or deactivating the sender ID the tool sends every request with."""
    if not run_as.sender_id:
        return
    # sender ids are case-sensitive (DESIGN §5)
    inactive = any(fc.name == "status" and fc.after != ACTIVE for fc in change.fields)
    if change.ref.key == run_as.sender_id and (change.removes or inactive):
        yield "would remove or deactivate the sender ID this tool uses for every API call"


def sandbox_ui(kind: Kind, key: str, values: Mapping[str, Any]) -> list[list[str]]:
    return [["authorize-sender", key, "--description", str(values.get("description") or "")]]


KIND = Kind(
    key="sender_ids",
    top_level="Web Services authorizations are a company setting",
    title="Web Services sender ID authorization",
    api="manual",
    object=None,
    # sender IDs are case-sensitive (reference §1.2: "senderid required, case-sensitive")
    identity=Field("sender_id", description="Sender ID exactly as the vendor spells it."),
    fields=(
        Field("description", description="Description shown in the authorizations list."),
        Field(
            "status",
            type="enum",
            enum={"active": "Active", "inactive": "Inactive"},
            default="active",
        ),
    ),
    delete="none",
    verify="attestation",
    hooks=Hooks(lockout=lockout, sandbox_ui=sandbox_ui),
    ui_steps=(
        "Company > Setup > Configuration > Company > Security tab > Edit",
        "Scroll to 'Web Services authorizations' and click Add",
        "Sender ID: {key} (exact case); Description: {description}; Status: {status}",
        "Click Save, then Save on the company page",
    ),
    description="No XML or REST object writes or reads Web Services authorizations "
    "(reference §3.3): the step is manual and closed by `intacct-reconcile attest`.",
)
