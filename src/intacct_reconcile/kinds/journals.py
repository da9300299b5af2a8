"""GL journals (XML GLJOURNAL; legacy create_journal / update_journal / delete_journal)."""

from intacct_reconcile.kinds.base import Field, Kind, entity_field, status_field

KIND = Kind(
    key="journals",
    title="GL journal",
    api="xml",
    # assumption: generic object GLJOURNAL with SYMBOL/TITLE/STATUS (reference §3.8 UNCONFIRMED);
    # extra["legacy"] names the documented legacy functions for an applier that needs them
    object="GLJOURNAL",
    # assumption: Intacct keeps journal symbols upper-case, so `pleo` and `PLEO` are one journal
    identity=Field("symbol", "SYMBOL", case="upper", description="Journal symbol, e.g. PLEO."),
    fields=(
        Field("title", "TITLE", required=True),
        status_field(),
        entity_field("MEGAENTITYID"),
    ),
    depends_on=("entities",),
    delete="delete",
    extra={
        "legacy": {
            "create": "create_journal",
            "update": "update_journal",
            "delete": "delete_journal",
        }
    },
)
