"""IP address filters ("Enforce IP address filters"): UI-only, closed by an attestation."""

from intacct_reconcile.kinds.base import Field, Kind

KIND = Kind(
    key="ip_allowlist",
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
    ui_steps=(
        "Company > Setup > Configuration > Company > Security tab > Edit",
        "Go to 'Enforce IP address filters' and click Edit",
        "Add {key} and click Save, then Save on the company page",
    ),
    description="No API reads or writes IP address filters (reference §3.3).",
    extra={"manifest_only_fields": ("allow_any",)},
)
