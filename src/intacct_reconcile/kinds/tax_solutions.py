"""Tax solutions (XML TAXSOLUTION): asserted, never written.

A tax solution is the tax regime Intacct supplies with the Taxes subscription (UK VAT, Irish
VAT); Pleo syncs "tax solutions" and their details from it. The reference documents no API
write for it (assumption: read-only, like entities), so declaring one asserts it exists and a
missing one is a manual step. Tax details name their solution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intacct_reconcile.client.gateway import ReadSpec
from intacct_reconcile.kinds import module_subscriptions, subscription_needs
from intacct_reconcile.kinds.base import Field, Hooks, Kind, status_field
from intacct_reconcile.kinds.io import Records
from intacct_reconcile.kinds.xml_io import XmlReader
from intacct_reconcile.types import Resource

TAXES = "taxes"


@dataclass(frozen=True)
class SubscribedReader(XmlReader):
    """Reads the object only when the company subscribes to its application.

    Without the subscription the company has no such object and a query of it fails, which
    would fail the whole batched read: so the object is read on its own, after
    `get_applications` (one call) says the application is there; otherwise it has no objects.
    """

    module: str = TAXES

    def specs(self, kind: Kind) -> list[ReadSpec]:
        return []  # read in `read`, outside the batch

    def read(self, kind: Kind, clients: Any, records: Records) -> dict[str, Resource]:
        code = module_subscriptions.APPLICATION_CODES[self.module]
        if code not in clients.xml.get_applications():
            return {}
        own = clients.xml.read_many(super().specs(kind))
        return super().read(kind, clients, own)


KIND = Kind(
    key="tax_solutions",
    title="tax solution",
    api="xml",
    object="TAXSOLUTION",
    identity=Field("solution_id", "SOLUTIONID", description="Tax solution ID, e.g. UK VAT."),
    fields=(Field("description", "DESCRIPTION"), status_field(default=None)),
    depends_on=("module_subscriptions",),
    delete="none",
    read_only=True,
    reader=SubscribedReader(),
    note_reads=(subscription_needs.SUBSCRIPTIONS,),
    hooks=Hooks(
        plan_notes=subscription_needs.module_notes(TAXES),
        check_manifests=subscription_needs.module_check(TAXES),
    ),
    description="Needs the Taxes subscription; no documented API write (assumption: "
    "read-only, the solutions come with the subscription).",
)
