"""Document (auto-numbering) sequences (REST company-config/document-sequence)."""

from intacct_reconcile.kinds.base import Field, Kind, rest_status_field

KIND = Kind(
    key="document_sequences",
    title="document sequence",
    api="rest",
    object="company-config/document-sequence",
    identity=Field("id", "id", description="Sequence ID, e.g. EXP."),
    fields=(
        Field("print_title", "printTitle"),
        Field(
            "type",
            "type",
            type="enum",
            enum={"numeric": "numeric", "alpha": "alpha"},
            default="numeric",
        ),
        Field("starting_number", "startingNumber", type="integer", minimum=0),
        Field("ending_number", "endingNumber", type="integer", minimum=0),
        Field(
            "next_number",
            "nextNumber",
            type="integer",
            minimum=0,
            description=(
                "A floor: Intacct advances it as documents are numbered, so a live value at or "
                "above it is in sync; a plan only raises it, never lowers it."
            ),
        ),
        Field("fixed_length", "fixedLength", type="integer", minimum=0, maximum=16),
        Field("fixed_prefix", "fixedPrefix"),
        Field("prefix_separator", "prefixSeparator"),
        Field("fixed_suffix", "fixedSuffix"),
        Field("suffix_separator", "suffixSeparator"),
        rest_status_field(default=None),
    ),
    description=(
        "No documented XML object; REST has full CRUD (reference §3.4). next_number is a floor: "
        "a plan raises it when live is lower and leaves a higher live value alone (numbers "
        "already issued are never reused)."
    ),
    # Intacct advances the next number after go-live: a declared value is a minimum, not a pin
    extra={"floor_fields": ("next_number",)},
)
