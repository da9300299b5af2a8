"""query, readByQuery + readMore, read, readByName."""

from __future__ import annotations

import pytest
from lxml import etree
from lxml.builder import E

from intacct_reconcile.sandbox import objects

from .conftest import Gateway


def q(
    *parts: etree._Element, fields: tuple[str, ...] = ("ACCOUNTNO",), obj: str = "GLACCOUNT"
) -> etree._Element:
    return E.query(E.object(obj), E.select(*(E.field(f) for f in fields)), *parts)


def numbers(result: etree._Element, tag: str = "GLACCOUNT") -> list[str]:
    return [a.findtext("ACCOUNTNO") for a in result.findall(f"data/{tag}")]


def cmp(op: str, field: str, *values: str) -> etree._Element:
    return E(op, E.field(field), *(E.value(v) for v in values))


def test_query_returns_uppercase_children_and_counts(gw: Gateway) -> None:
    result = gw.ok(q(E.pagesize("5"), E.offset("2"), fields=("ACCOUNTNO", "TITLE")))
    data = result.find("data")
    assert data.get("listtype") == "GLACCOUNT"
    assert data.get("totalcount") == "24"
    assert (data.get("offset"), data.get("count"), data.get("numremaining")) == ("2", "5", "17")
    first = data.find("GLACCOUNT")
    assert [c.tag for c in first] == ["ACCOUNTNO", "TITLE"]
    assert numbers(result) == ["1100", "1200", "1300", "1500", "1510"]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (cmp("equalto", "ACCOUNTNO", "2000"), ["2000"]),
        (cmp("lessthan", "ACCOUNTNO", "1100"), ["1000", "1010"]),
        (cmp("lessthanorequalto", "ACCOUNTNO", "1010"), ["1000", "1010"]),
        (cmp("greaterthan", "ACCOUNTNO", "6500"), ["7000"]),
        (cmp("greaterthanorequalto", "ACCOUNTNO", "6500"), ["6500", "7000"]),
        (cmp("between", "ACCOUNTNO", "6200", "6300"), ["6200", "6210", "6300"]),
        (cmp("in", "ACCOUNTNO", "1000", "7000", "9999"), ["1000", "7000"]),
        (cmp("like", "TITLE", "Cash%"), ["1000", "1010"]),
        (cmp("like", "TITLE", "cash%"), []),  # case-sensitive by default
        (cmp("notlike", "TITLE", "%e%"), ["1010", "3000", "5000"]),
        (
            cmp("isnotnull", "CLOSINGACCOUNTNO"),
            [
                "4000",
                "4100",
                "5000",
                "6000",
                "6100",
                "6200",
                "6210",
                "6300",
                "6400",
                "6500",
                "7000",
            ],
        ),
        (
            E(
                "and",
                cmp("greaterthanorequalto", "ACCOUNTNO", "2000"),
                cmp("equalto", "NORMALBALANCE", "debit"),
            ),
            ["5000", "6000", "6100", "6200", "6210", "6300", "6400", "6500", "7000"],
        ),
        (
            E(
                "or",
                cmp("equalto", "ACCOUNTNO", "1000"),
                E(
                    "and",
                    cmp("like", "TITLE", "R%"),
                    cmp("equalto", "ACCOUNTTYPE", "incomestatement"),
                ),
            ),
            ["1000", "6100"],
        ),
    ],
)
def test_query_filter_operators(gw: Gateway, expr: etree._Element, expected: list[str]) -> None:
    result = gw.ok(q(E.filter(expr), E.pagesize("2000")))
    assert numbers(result) == expected


def test_notequalto_and_notin_and_isnull(gw: Gateway) -> None:
    everything = set(numbers(gw.ok(q(E.pagesize("100")))))
    other = numbers(gw.ok(q(E.filter(cmp("notequalto", "ACCOUNTNO", "1000")), E.pagesize("100"))))
    assert set(other) == everything - {"1000"}
    notin = numbers(
        gw.ok(q(E.filter(cmp("notin", "ACCOUNTNO", "1000", "1010")), E.pagesize("100")))
    )
    assert set(notin) == everything - {"1000", "1010"}
    nulls = numbers(gw.ok(q(E.filter(cmp("isnull", "CLOSINGACCOUNTNO")), E.pagesize("100"))))
    assert "1000" in nulls and "4000" not in nulls


def test_caseinsensitive_option(gw: Gateway) -> None:
    result = gw.ok(q(E.filter(cmp("like", "TITLE", "cash%")), E.options(E.caseinsensitive("true"))))
    assert numbers(result) == ["1000", "1010"]


def test_orderby_descending_and_multiple_keys(gw: Gateway) -> None:
    result = gw.ok(q(E.orderby(E.order(E.field("ACCOUNTNO"), E.descending())), E.pagesize("3")))
    assert numbers(result) == ["7000", "6500", "6400"]
    # "credit" sorts before "debit"; among credit accounts the last title alphabetically
    result = gw.ok(
        q(
            E.orderby(
                E.order(E.field("NORMALBALANCE"), E.ascending()),
                E.order(E.field("TITLE"), E.descending()),
            ),
            E.pagesize("2"),
        )
    )
    assert numbers(result) == ["4100", "3100"]  # Service Revenue, Retained Earnings


def test_query_paging_visits_every_record_once(gw: Gateway) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        data = gw.ok(q(E.pagesize("7"), E.offset(str(offset)))).find("data")
        seen += [a.findtext("ACCOUNTNO") for a in data]
        offset += int(data.get("count"))
        if data.get("numremaining") == "0":
            break
    assert len(seen) == len(set(seen)) == 24


@pytest.mark.parametrize(
    "bad",
    [
        q(E.pagesize("2001")),
        q(E.pagesize("0")),
        q(E.offset("-1")),
        q(fields=("NOPE",)),
        q(fields=("*",)),
        E.query(E.object("GLACCOUNT")),
        q(E.filter(cmp("equalto", "NOPE", "1"))),
        q(E.filter(cmp("between", "ACCOUNTNO", "1"))),
        q(E.filter(E("and", cmp("equalto", "ACCOUNTNO", "1")))),
        q(E.filter(cmp("equalto", "ACCOUNTNO", "1"), cmp("equalto", "ACCOUNTNO", "2"))),
        q(obj="NOSUCHOBJECT"),
    ],
)
def test_bad_queries_fail(gw: Gateway, bad: etree._Element) -> None:
    assert gw.fail(bad)


def test_query_nested_fields_and_usertype_codes(gw: Gateway) -> None:
    result = gw.ok(
        E.query(
            E.object("USERINFO"),
            E.select(
                E.field("LOGINID"), E.field("CONTACTINFO.EMAIL1"), E.field("CONTACTINFO.LASTNAME")
            ),
            E.filter(cmp("equalto", "USERTYPE", "B")),
        )
    )
    user = result.find("data/USERINFO")
    assert user.findtext("LOGINID") == "admin"
    assert user.findtext("CONTACTINFO/EMAIL1") == "admin@demo.example"
    assert user.findtext("CONTACTINFO/LASTNAME") == "Admin"


def test_role_policy_query_by_roles_name(gw: Gateway) -> None:
    result = gw.ok(
        E.query(
            E.object("ROLEPOLICYASSIGNMENT"),
            E.select(E.field("POLICYNAME"), E.field("RIGHTS"), E.field("ROLES.NAME")),
            E.filter(
                E(
                    "and",
                    cmp("equalto", "ROLES.NAME", "Administrator"),
                    cmp("equalto", "POLICYNAME", "Application Subscriptions"),
                )
            ),
        )
    )
    row = result.find("data/ROLEPOLICYASSIGNMENT")
    assert row.findtext("RIGHTS") == "List|View|Subscribe|Configure|Remove|Assign Users"
    assert row.findtext("ROLES/NAME") == "Administrator"


# -- readByQuery / readMore -------------------------------------------------------------


def rbq(query: str, fields: str = "*", pagesize: str = "100", obj: str = "GLACCOUNT"):  # type: ignore[no-untyped-def]
    return E.readByQuery(E.object(obj), E.fields(fields), E.query(query), E.pagesize(pagesize))


def test_read_by_query_pages_with_read_more(gw: Gateway) -> None:
    data = gw.ok(rbq("", fields="ACCOUNTNO,TITLE", pagesize="10")).find("data")
    assert data.get("listtype") == "glaccount"
    assert (data.get("count"), data.get("totalcount"), data.get("numremaining")) == (
        "10",
        "24",
        "14",
    )
    assert [c.tag for c in data[0]] == ["ACCOUNTNO", "TITLE"]
    seen = [a.findtext("ACCOUNTNO") for a in data.findall("glaccount")]
    result_id = data.get("resultId")
    assert result_id
    while data.get("numremaining") != "0":
        data = gw.ok(E.readMore(E.resultId(result_id))).find("data")
        seen += [a.findtext("ACCOUNTNO") for a in data.findall("glaccount")]
    assert len(seen) == len(set(seen)) == 24
    assert gw.fail(E.readMore(E.resultId(result_id)))  # exhausted


def test_read_by_query_empty_result_shape(gw: Gateway) -> None:
    data = gw.ok(rbq("ACCOUNTNO = 'none'")).find("data")
    assert dict(data.attrib) == {
        "listtype": "glaccount",
        "count": "0",
        "totalcount": "0",
        "numremaining": "0",
        "resultId": "",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ACCOUNTNO = '1000'", ["1000"]),
        ("ACCOUNTNO = 1000", ["1000"]),
        ("ACCOUNTNO >= '6500'", ["6500", "7000"]),
        ("ACCOUNTNO < '1100' AND TITLE like '%Payroll'", ["1010"]),
        ("ACCOUNTNO = '1000' OR ACCOUNTNO = '7000'", ["1000", "7000"]),
        ("ACCOUNTNO in ('1000', '2000')", ["1000", "2000"]),
        ("ACCOUNTNO not in ('1000') AND ACCOUNTNO < '1100'", ["1010"]),
        ("TITLE not like '%a%' AND ACCOUNTNO < '2000'", ["1200", "1500"]),  # case-sensitive
        ("CLOSINGACCOUNTNO IS NOT NULL AND ACCOUNTNO <= '4100'", ["4000", "4100"]),
        ("ACCOUNTNO < '1100' AND NOT (ACCOUNTNO = '1000')", ["1010"]),
        ("(ACCOUNTNO = '1000' OR ACCOUNTNO = '1010') AND STATUS = 'T'", ["1000", "1010"]),
        ("ACCOUNTNO <> '1000' AND ACCOUNTNO < '1100'", ["1010"]),
        ("ACCOUNTNO >= '6000' AND rownum < 3", ["6000", "6100"]),
        ("rownum <= 1", ["1000"]),
    ],
)
def test_read_by_query_query_strings(gw: Gateway, query: str, expected: list[str]) -> None:
    data = gw.ok(rbq(query, fields="ACCOUNTNO")).find("data")
    assert [a.findtext("ACCOUNTNO") for a in data] == expected


def test_read_by_query_escaped_quotes(gw: Gateway) -> None:
    objects.create(gw.app.store, "VENDOR", {"VENDORID": "V900", "NAME": "Jane's Deli"})
    data = gw.ok(rbq("NAME = 'Jane\\'s Deli'", obj="VENDOR", fields="VENDORID")).find("data")
    assert [v.findtext("VENDORID") for v in data] == ["V900"]


@pytest.mark.parametrize(
    "bad",
    [
        "ACCOUNTNO = ",
        "ACCOUNTNO == '1'",
        "(ACCOUNTNO = '1'",
        "ACCOUNTNO = '1' AND",
        "NOPE = '1'",
        "ACCOUNTNO ~ '1'",
    ],
)
def test_read_by_query_syntax_errors(gw: Gateway, bad: str) -> None:
    assert gw.fail(rbq(bad))


def test_read_by_query_pagesize_limit(gw: Gateway) -> None:
    assert gw.fail(rbq("", pagesize="1001"))
    assert gw.ok(rbq("", pagesize="1000")).find("data").get("count") == "24"


# -- read / readByName ------------------------------------------------------------------


def test_read_by_recordno_and_by_name(gw: Gateway) -> None:
    one = objects.get_by_key(gw.app.store, "GLACCOUNT", "1000")["RECORDNO"]
    two = objects.get_by_key(gw.app.store, "GLACCOUNT", "2000")["RECORDNO"]
    data = gw.ok(
        E.read(E.object("GLACCOUNT"), E.keys(f"{one},{two},99999"), E.fields("ACCOUNTNO,TITLE"))
    ).find("data")
    assert (data.get("listtype"), data.get("count")) == ("GLACCOUNT", "2")
    assert [a.findtext("ACCOUNTNO") for a in data.findall("GLACCOUNT")] == ["1000", "2000"]
    data = gw.ok(E.readByName(E.object("USERINFO"), E.keys("admin"), E.fields("*"))).find("data")
    user = data.find("USERINFO")
    assert user.findtext("LOGINID") == "admin"
    assert user.findtext("ADMIN") == "Full"
    assert user.findtext("RECORDNO")


def test_query_aggregates_group_by_plain_fields(gw: Gateway) -> None:
    total = gw.ok(E.query(E.object("GLACCOUNT"), E.select(E.count("RECORDNO"))))
    assert total.findtext("data/GLACCOUNT/COUNT.RECORDNO") == "24"
    grouped = gw.ok(
        E.query(
            E.object("GLACCOUNT"),
            E.select(E.field("NORMALBALANCE"), E.count("RECORDNO"), E.max("ACCOUNTNO")),
            E.filter(cmp("equalto", "ACCOUNTTYPE", "incomestatement")),
        )
    )
    rows = {
        r.findtext("NORMALBALANCE"): (r.findtext("COUNT.RECORDNO"), r.findtext("MAX.ACCOUNTNO"))
        for r in grouped.find("data")
    }
    assert rows == {"credit": ("2", "4100"), "debit": ("9", "7000")}
    assert grouped.find("data").get("totalcount") == "2"
    assert gw.fail(E.query(E.object("GLACCOUNT"), E.select(E.median("RECORDNO"))))


@pytest.mark.parametrize(
    "field", ["CONTACTINFO.EMAIL1.X", "LOGINID') OR 1=1 --", 'CONTACTINFO."EMAIL1', "LOGINID.X"]
)
def test_field_names_are_validated_before_reaching_sql(gw: Gateway, field: str) -> None:
    body = E.query(
        E.object("USERINFO"), E.select(E.field("LOGINID")), E.filter(cmp("equalto", field, "x"))
    )
    assert gw.fail(body)
    assert gw.fail(rbq(f"{field} = 'x'", obj="USERINFO"))


def test_read_more_by_object_continues_the_latest_result(gw: Gateway) -> None:
    first = gw.ok(rbq("", fields="ACCOUNTNO", pagesize="20")).find("data")
    more = gw.ok(E.readMore(E.object("GLACCOUNT"))).find("data")
    assert (more.get("count"), more.get("numremaining")) == ("4", "0")
    seen = [a.findtext("ACCOUNTNO") for a in [*first, *more]]
    assert len(set(seen)) == 24
    assert gw.fail(E.readMore(E.object("GLACCOUNT")))  # exhausted


def test_dates_compare_in_time_order(gw: Gateway) -> None:
    for location, start in (("L1", "12/31/2023"), ("L2", "01/15/2024"), ("L3", "02/01/2025")):
        objects.create(
            gw.app.store, "LOCATION", {"LOCATIONID": location, "NAME": location, "STARTDATE": start}
        )
    after = gw.ok(
        E.query(
            E.object("LOCATION"),
            E.select(E.field("LOCATIONID")),
            E.filter(cmp("greaterthanorequalto", "STARTDATE", "01/01/2024")),
            E.orderby(E.order(E.field("STARTDATE"), E.descending())),
        )
    )
    assert [x.findtext("LOCATIONID") for x in after.find("data")] == ["L3", "L2"]
    modified = gw.ok(
        E.query(
            E.object("LOCATION"),
            E.select(E.field("LOCATIONID")),
            E.filter(cmp("greaterthan", "WHENMODIFIED", "01/01/2000 00:00:00")),
        )
    )
    assert modified.find("data").get("totalcount") == str(
        len(objects.find(gw.app.store, "LOCATION", {}))
    )
