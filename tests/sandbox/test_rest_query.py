"""The REST query service: filters, filterExpression, orderBy, paging, field checks."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.rest_errors import RestError
from intacct_reconcile.sandbox.rest_query import MAX_SIZE, field_paths, run_query
from sandbox.conftest import REST_CREDENTIALS

RECORDS = [
    {"key": "1", "id": "A", "n": 5, "status": "active", "acct": {"gl": {"id": "1000"}}},
    {"key": "2", "id": "B", "n": 1, "status": "inactive", "acct": {"gl": {"id": "2000"}}},
    {"key": "3", "id": "C", "n": 3, "status": "active", "acct": {"gl": {"id": None}}},
    {"key": "4", "id": "d", "n": 10, "status": "active", "acct": {"gl": {"id": "2200"}}},
]
VALID = frozenset(field_paths(RECORDS[0]) | {"href"})


def ids(body: dict) -> list[str]:
    return [r["id"] for r in body["ia::result"]]


def q(**query: object) -> dict:
    return run_query({"fields": ["id"], **query}, RECORDS, VALID)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"$eq": {"status": "active"}}, ["A", "C", "d"]),
        ({"$ne": {"status": "active"}}, ["B"]),
        ({"$gt": {"n": 3}}, ["A", "d"]),
        ({"$lte": {"n": 3}}, ["B", "C"]),
        ({"$in": {"id": ["A", "C"]}}, ["A", "C"]),
        ({"$notIn": {"id": ["A", "C"]}}, ["B", "d"]),
        ({"$between": {"n": [2, 5]}}, ["A", "C"]),
        ({"$startsWith": {"acct.gl.id": "2"}}, ["B", "d"]),
        ({"$contains": {"acct.gl.id": "00"}}, ["A", "B", "d"]),
        ({"$endsWith": {"acct.gl.id": "200"}}, ["d"]),
        ({"$eq": {"acct.gl.id": None}}, ["C"]),
    ],
)
def test_filter_operators(condition: dict, expected: list[str]) -> None:
    assert ids(q(filters=[condition])) == expected


def test_filters_default_to_and() -> None:
    body = q(filters=[{"$eq": {"status": "active"}}, {"$gt": {"n": 4}}])
    assert ids(body) == ["A", "d"]


def test_filter_expression_or_and_parentheses() -> None:
    filters = [{"$eq": {"id": "B"}}, {"$eq": {"status": "active"}}, {"$lt": {"n": 4}}]
    assert ids(q(filters=filters, filterExpression="1 or 2 and 3")) == ["B", "C"]
    assert ids(q(filters=filters, filterExpression="(1 or 2) and 3")) == ["B", "C"]
    assert ids(q(filters=filters, filterExpression="(1 or 2)")) == ["A", "B", "C", "d"]


def test_order_by_is_numeric_and_case_insensitive() -> None:
    assert ids(q(orderBy=[{"n": "desc"}])) == ["d", "A", "C", "B"]
    assert ids(q(orderBy=[{"id": "desc"}])) == ["d", "C", "B", "A"]
    assert ids(q(orderBy=[{"status": "asc"}, {"n": "desc"}])) == ["d", "A", "C", "B"]


def test_paging_meta() -> None:
    first = q(size=3)
    assert ids(first) == ["A", "B", "C"]
    assert first["ia::meta"] == {
        "totalCount": 4,
        "start": 1,
        "pageSize": 3,
        "next": 4,
        "previous": None,
    }
    second = q(size=3, start=4)
    assert ids(second) == ["d"]
    assert second["ia::meta"]["next"] is None and second["ia::meta"]["previous"] == 1


def test_dotted_fields_come_back_flat() -> None:
    body = run_query({"fields": ["id", "acct.gl.id"], "size": 1}, RECORDS, VALID)
    assert body["ia::result"] == [{"id": "A", "acct.gl.id": "1000"}]


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ({"fields": ["nope"]}, "/fields/0"),
        ({"filters": [{"$eq": {"nope": 1}}]}, "/filters/0"),
        ({"orderBy": [{"nope": "asc"}]}, "/orderBy/0"),
        ({"size": MAX_SIZE + 1}, "/size"),
        ({"start": 0}, "/start"),
        ({"colour": "red"}, "/colour"),
        ({"filters": [{"$almost": {"id": "A"}}]}, "/filters/0"),
    ],
)
def test_bad_queries_are_400_with_a_target(query: dict, target: str) -> None:
    with pytest.raises(RestError) as caught:
        run_query(query, RECORDS, VALID)
    assert caught.value.status == 400
    assert caught.value.details[0].target == target


@pytest.mark.parametrize("expression", ["1 and", "(1 or 2", "3", "1 xor 2"])
def test_bad_filter_expressions(expression: str) -> None:
    with pytest.raises(RestError):
        q(filters=[{"$eq": {"id": "A"}}, {"$eq": {"id": "B"}}], filterExpression=expression)


# -- through the API --------------------------------------------------------------------------


@pytest.fixture
def api() -> Iterator[httpx.Client]:
    app = make_app()
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://s/ia/api/v1/"
    ) as client:
        token = client.post(
            "oauth2/token",
            data=REST_CREDENTIALS,
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def test_query_service_over_a_rest_object(api: httpx.Client) -> None:
    for card in ("CC-1", "CC-2", "CC-3"):
        r = api.post(
            "objects/cash-management/credit-card-account",
            json={
                "id": card,
                "vendor": {"id": "V300"},
                "accounting": {"offsetGLAccount": {"id": "2200" if card != "CC-2" else "2100"}},
            },
        )
        assert r.status_code == 201
    body = api.post(
        "services/core/query",
        json={
            "object": "cash-management/credit-card-account",
            "fields": ["id", "accounting.offsetGLAccount.id", "vendor.id"],
            "filters": [{"$eq": {"accounting.offsetGLAccount.id": "2200"}}],
            "orderBy": [{"id": "desc"}],
            "size": 2000,
        },
    ).json()
    assert body["ia::result"] == [
        {"id": "CC-3", "accounting.offsetGLAccount.id": "2200", "vendor.id": "V300"},
        {"id": "CC-1", "accounting.offsetGLAccount.id": "2200", "vendor.id": "V300"},
    ]
    assert body["ia::meta"]["totalCount"] == 2


def test_query_unknown_object_and_field(api: httpx.Client) -> None:
    r = api.post("services/core/query", json={"object": "general-ledger/nothing"})
    assert r.status_code == 400
    assert r.json()["ia::result"]["ia::error"]["details"][0]["target"] == "/object"
    r = api.post("services/core/query", json={"object": "company-config/role", "fields": ["x"]})
    assert r.status_code == 400
    assert r.json()["ia::result"]["ia::error"]["details"][0]["errorId"] == "REST-1043"


def test_reference_only_queries_match_full_records(api: httpx.Client) -> None:
    api.post("objects/company-config/role", json={"id": "Zeta", "description": "z"})
    api.post("objects/company-config/role", json={"id": "Alpha", "description": "a"})

    def query(fields: list[str]) -> list[dict]:
        body = api.post(
            "services/core/query",
            json={
                "object": "company-config/role",
                "fields": fields,
                "orderBy": [{"id": "asc"}],
                "filters": [{"$ne": {"id": "Nobody"}}],
            },
        ).json()
        return body["ia::result"]

    refs = query(["key", "id", "href"])
    full = query(["key", "id", "href", "description"])
    assert [r["id"] for r in refs] == ["Administrator", "Alpha", "Zeta"]
    assert refs == [{k: r[k] for k in ("key", "id", "href")} for r in full]


def test_string_comparisons_are_case_sensitive_unless_asked() -> None:
    assert ids(q(filters=[{"$eq": {"id": "D"}}])) == []
    assert ids(q(filters=[{"$startsWith": {"status": "ACT"}}])) == []
    relaxed = {"caseSensitiveComparison": False}
    assert ids(q(filters=[{"$eq": {"id": "D"}}], filterParameters=relaxed)) == ["d"]
    assert ids(q(filters=[{"$startsWith": {"status": "ACT"}}], filterParameters=relaxed)) == [
        "A",
        "C",
        "d",
    ]
