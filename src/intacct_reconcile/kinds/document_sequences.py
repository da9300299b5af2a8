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
            description="Lowering it is irreversible (numbers may be reused).",
        ),
        Field("fixed_length", "fixedLength", type="integer", minimum=0, maximum=16),
        Field("fixed_prefix", "fixedPrefix"),
        Field("prefix_separator", "prefixSeparator"),
        Field("fixed_suffix", "fixedSuffix"),
        Field("suffix_separator", "suffixSeparator"),
        rest_status_field(default=None),
    ),
    description="No documented XML object; REST has full CRUD (reference §3.4).",
)
