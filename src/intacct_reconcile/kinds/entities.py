"""Entities (XML LOCATIONENTITY): referenced, never written.

Declaring an entity asserts it exists (the plan fails if it does not); objects name it in
their `entity` field to be created at entity level instead of the top level.
"""

from intacct_reconcile.kinds.base import Field, Kind

KIND = Kind(
    key="entities",
    title="entity",
    api="xml",
    object="LOCATIONENTITY",
    identity=Field("entity_id", "LOCATIONID"),
    fields=(Field("name", "NAME"),),
    delete="none",
    read_only=True,
    description="Entity creation is out of scope: XML cannot create entities (reference §3.9).",
)
