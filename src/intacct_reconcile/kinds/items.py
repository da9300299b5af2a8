"""Items (XML ITEM), a standard dimension (GL accounts can require it, reference §3.5)."""

from intacct_reconcile.kinds.base import Field, Kind, status_field

KIND = Kind(
    key="items",
    title="item",
    api="xml",
    object="ITEM",
    identity=Field("item_id", "ITEMID", description="Item ID, e.g. SKU-100."),
    fields=(
        Field("name", "NAME", required=True),
        Field(
            "item_type",
            "ITEMTYPE",
            type="enum",
            # Intacct's spellings of the item types as its UI shows them (the reference names
            # the object, not this field)
            enum={
                "inventory": "Inventory",
                "non_inventory": "Non-Inventory",
                "non_inventory_purchase": "Non-Inventory (Purchase only)",
                "non_inventory_sales": "Non-Inventory (Sales only)",
                "kit": "Kit",
                "stockable_kit": "Stockable Kit",
            },
            description="Non-stock items (what Sage DMO sends) are non_inventory.",
        ),
        status_field(),
    ),
    delete="delete",
    extra={"drift_field": "NAME"},
)
