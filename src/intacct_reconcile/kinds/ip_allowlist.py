"""IP address filters ("Enforce IP address filters"): UI-only, closed by an attestation."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from intacct_reconcile.kinds.base import Field, Hooks, Kind, RunAs
from intacct_reconcile.types import Change, Ref


def _covers(cidr: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def lockout(kind: Kind, change: Change, run_as: RunAs, kinds: Mapping[str, Kind]) -> Iterable[str]:
    """Removing the entry that covers the tool's own address."""
    if run_as.ip and change.removes and _covers(change.ref.key, run_as.ip):
        yield f"would remove the IP allowlist entry covering this tool's address {run_as.ip}"


def plan_lockout(kind: Kind, changes: Sequence[Change], run_as: RunAs) -> Iterable[tuple[Ref, str]]:
    """IP filters are UI-only, so every declared entry is in the plan (pending or attested):
    adding entries when none of them covers the tool's address locks it out once enforced."""
    if not run_as.ip:
        return
    entries = [c for c in changes if not c.removes]
    added = [c for c in entries if c.pending]
    if added and not any(_covers(c.ref.key, run_as.ip) for c in entries):
        yield (
            added[0].ref,
            f"{kind.key}: no declared entry covers this tool's address {run_as.ip}; once the IP "
            f"filters are enforced every API call is refused (add {run_as.ip}/32 to {kind.key})",
        )


def sandbox_ui(kind: Kind, key: str, values: Mapping[str, Any]) -> list[list[str]]:
    return [["allow-ip", key]]


KIND = Kind(
    key="ip_allowlist",
    top_level="IP address filters are a company setting",
    title="IP address filter",
    api="manual",
    object=None,
    identity=Field("cidr", type="cidr", description="Address or network, e.g. 34.163.234.156/32."),
    fields=(
        Field("description"),
        # manifest-only safety switch: 0.0.0.0/0 and ::/0 are refused unless set (validation)
        Field("allow_any", type="boolean", description="Allow a network that matches any address."),
    ),
    shape="list",  # a list of CIDR strings, or {cidr: ..., description: ...} mappings
    delete="none",
    verify="attestation",
    hooks=Hooks(lockout=lockout, plan_lockout=plan_lockout, sandbox_ui=sandbox_ui),
    ui_steps=(
        "Company > Setup > Configuration > Company > Security tab > Edit",
        "Go to 'Enforce IP address filters' and click Edit",
        "Add {key} and click Save, then Save on the company page",
    ),
    description="No API reads or writes IP address filters (reference §3.3).",
    extra={"manifest_only_fields": ("allow_any",)},
)
