"""Dimension objects, payment terms and a user-defined dimension through the XML gateway."""

from __future__ import annotations

from lxml import etree
from lxml.builder import E

from intacct_reconcile.sandbox import objects

from .conftest import Gateway, errors_of


def query(obj: str, *fields: str) -> etree._Element:
    return E.query(E.object(obj), E.select(*(E.field(f) for f in fields)), E.pagesize("100"))


def test_a_udd_answers_with_its_lowercase_fields(gw: Gateway) -> None:
    data = gw.ok(query("LINE_OF_BUSINESS", "RECORDNO", "id", "name")).find("data")
    rows = data.findall("LINE_OF_BUSINESS")
    assert [(r.findtext("id"), r.findtext("name")) for r in rows] == [
        ("LOB-SW", "Software"),
        ("LOB-SVC", "Services"),
    ]
    assert rows[0].find("ID") is None  # spelled as Intacct defines the field, not upper-cased
    # the query names are matched without regard to case, as the standard objects' are
    upper = gw.ok(query("LINE_OF_BUSINESS", "ID")).find("data")
    assert [r[0].tag for r in upper] == ["id", "id"]


def test_udd_values_are_created_updated_and_deleted_generically(gw: Gateway) -> None:
    result = gw.ok(E.create(E.LINE_OF_BUSINESS(E.id("LOB-HW"), E.name("Hardware"))))
    (row,) = result.find("data")
    assert (row.tag, row.findtext("id")) == ("line_of_business", "LOB-HW")
    recordno = row.findtext("RECORDNO")
    gw.ok(E.update(E.LINE_OF_BUSINESS(E.RECORDNO(recordno), E.name("Hardware & devices"))))
    assert objects.get_by_key(gw.app.store, "LINE_OF_BUSINESS", "LOB-HW")["name"] == (
        "Hardware & devices"
    )
    duplicate = gw.results(E.create(E.LINE_OF_BUSINESS(E.id("LOB-HW"), E.name("Again"))))[0]
    assert errors_of(duplicate)[0][0] == "BL34000061"
    gw.ok(E.delete(E.object("LINE_OF_BUSINESS"), E.keys(recordno)))
    assert objects.get_by_key(gw.app.store, "LINE_OF_BUSINESS", "LOB-HW") is None


def test_a_project_needs_its_category(gw: Gateway) -> None:
    assert gw.fail(E.create(E.PROJECT(E.PROJECTID("P-9"), E.NAME("No category"))))
    gw.ok(
        E.create(
            E.PROJECT(
                E.PROJECTID("P-9"),
                E.NAME("Rollout"),
                E.PROJECTCATEGORY("Contract"),
                E.PARENTID("P-1000"),
            )
        )
    )
    assert gw.fail(
        E.create(
            E.PROJECT(E.PROJECTID("P-10"), E.NAME("x"), E.PROJECTCATEGORY("C"), E.PARENTID("NOPE"))
        )
    )


def test_terms_read_back_nested_and_customers_name_an_existing_ar_term(gw: Gateway) -> None:
    data = gw.ok(query("ARTERM", "NAME", "DUE.DAYS", "DUE.FROM")).find("data")
    net30 = {r.findtext("NAME"): r for r in data}["Net 30"]
    assert (net30.findtext("DUE/DAYS"), net30.findtext("DUE/FROM")) == ("30", "from invoice date")
    # the AP wording names the bill, the AR wording the invoice
    assert gw.fail(
        E.create(E.ARTERM(E.NAME("Net 5"), E.DUE(E.DAYS("5"), E.FROM("from bill date"))))
    )
    assert gw.fail(E.create(E.CUSTOMER(E.CUSTOMERID("C9"), E.NAME("x"), E.TERMNAME("Net 99"))))
    gw.ok(E.create(E.CUSTOMER(E.CUSTOMERID("C9"), E.NAME("x"), E.TERMNAME("Net 30"))))
    # a term a customer uses cannot be deleted
    term = objects.get_by_key(gw.app.store, "ARTERM", "Net 30")
    assert gw.fail(E.delete(E.object("ARTERM"), E.keys(term["RECORDNO"])))
