"""The dimension and payment-term kinds on their own: API spellings, UDD keys and payloads."""

from __future__ import annotations

from intacct_reconcile.kinds import REGISTRY, apply_order
from intacct_reconcile.kinds.user_defined_dimensions import DimensionValuesWriter, split_key
from intacct_reconcile.types import Change, Ref


def test_terms_name_the_document_their_days_count_from() -> None:
    ap, ar = REGISTRY["ap_terms"], REGISTRY["ar_terms"]
    values = {"due_days": 30, "due_from": "after_end_of_month", "discount_unit": "percent"}
    assert ap.payload("Net 30", ap.normalize(values), create=True) == {
        "NAME": "Net 30",
        "STATUS": "active",
        "DUE": {"DAYS": "30", "FROM": "after end of month of bill date"},
        "DISCOUNT": {"UNIT": "Percentage"},
    }
    assert ar.to_api(ar.normalize(values), create=True)["DUE"]["FROM"] == (
        "after end of month of invoice date"
    )
    live = ar.from_api({"NAME": "Net 30", "DUE": {"DAYS": "30", "FROM": "From Invoice Date"}})
    assert live == {"due_days": 30, "due_from": "document_date"}  # read without regard to case


def test_a_customer_is_written_after_the_ar_term_it_names() -> None:
    order = apply_order(["customers", "ar_terms"])
    assert order.index("ar_terms") < order.index("customers")
    assert REGISTRY["customers"].field("terms").ref == "ar_terms"


def test_udd_keys_split_at_the_first_slash() -> None:
    assert split_key("LINE_OF_BUSINESS/RETAIL") == ("LINE_OF_BUSINESS", "RETAIL")
    assert split_key("REGION/EU/WEST") == ("REGION", "EU/WEST")
    assert split_key("RETAIL") == ("RETAIL", "")


def test_udd_writes_send_the_value_id_without_its_dimension() -> None:
    kind = REGISTRY["user_defined_dimensions"]
    key = "LINE_OF_BUSINESS/LOB-HW"
    create = Change("create", Ref(kind.key, key), "xml", desired={"name": "Hardware"})
    assert DimensionValuesWriter().record(kind, create, create=True) == {
        "id": "LOB-HW",
        "name": "Hardware",
    }
    update = Change(
        "update", Ref(kind.key, key), "xml", desired={"name": "HW"}, live_meta={"RECORDNO": "7"}
    )
    assert DimensionValuesWriter().record(kind, update, create=False) == {
        "RECORDNO": "7",
        "id": "LOB-HW",
        "name": "HW",
    }
