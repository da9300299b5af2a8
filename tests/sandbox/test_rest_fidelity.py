"""REST behaviour real clients rely on: refresh tokens, one-word filter expressions, GL accounts
and entities, Idempotency-Key, the session and model services."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from intacct_reconcile.sandbox import company, objects
from intacct_reconcile.sandbox.app import SandboxApp
from sandbox.conftest import REST_CREDENTIALS, build_request

ACCOUNTS = "objects/general-ledger/account"
ENTITIES = "objects/company-config/entity"


def query(rest_api: httpx.Client, **body: object) -> httpx.Response:
    return rest_api.post("services/core/query", json=body)


# -- tokens --------------------------------------------------------------------------------


def test_client_credentials_answer_carries_a_refresh_token(rest_http: httpx.Client) -> None:
    body = rest_http.post("oauth2/token", data=REST_CREDENTIALS).json()
    assert body["refresh_token"] and body["refresh_token"] != body["access_token"]


def test_refresh_token_grant_gives_a_working_token_once(rest_http: httpx.Client) -> None:
    first = rest_http.post("oauth2/token", data=REST_CREDENTIALS).json()
    renew = {
        "grant_type": "refresh_token",
        "client_id": REST_CREDENTIALS["client_id"],
        "client_secret": REST_CREDENTIALS["client_secret"],
        "refresh_token": first["refresh_token"],
    }
    second = rest_http.post("oauth2/token", data=renew)
    assert second.status_code == 200
    token = second.json()["access_token"]
    listed = rest_http.get(ACCOUNTS, headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    again = rest_http.post("oauth2/token", data=renew)  # a refresh token is used up
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_refresh_needs_the_client_secret(rest_http: httpx.Client) -> None:
    first = rest_http.post("oauth2/token", data=REST_CREDENTIALS).json()
    renew = {
        "grant_type": "refresh_token",
        "client_id": REST_CREDENTIALS["client_id"],
        "client_secret": "wrong",
        "refresh_token": first["refresh_token"],
    }
    assert rest_http.post("oauth2/token", data=renew).status_code == 401


# -- query ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "expected"), [("and", ["1000"]), ("or", None)])
def test_filter_expression_names_one_operator_for_all(
    rest_api: httpx.Client, expression: str, expected: list[str] | None
) -> None:
    filters = [{"$eq": {"id": "1000"}}, {"$eq": {"status": "active"}}]
    answer = query(
        rest_api,
        object="general-ledger/account",
        fields=["id"],
        filters=filters,
        filterExpression=expression,
        size=1000,
    )
    assert answer.status_code == 200, answer.text
    ids = [r["id"] for r in answer.json()["ia::result"]]
    if expected is None:  # "or": every active account, 1000 among them
        assert "1000" in ids and len(ids) > 1
    else:
        assert ids == expected


# -- general-ledger/account and company-config/entity ----------------------------------------


def test_gl_accounts_are_queryable(rest_api: httpx.Client, app: SandboxApp) -> None:
    answer = query(
        rest_api,
        object="general-ledger/account",
        fields=["id", "name", "accountType", "normalBalance"],
        filters=[{"$eq": {"id": "1000"}}],
    )
    assert answer.status_code == 200, answer.text
    (cash,) = answer.json()["ia::result"]
    stored = objects.get_by_key(app.store, "GLACCOUNT", "1000")
    assert stored is not None
    assert cash == {
        "id": "1000",
        "name": stored["TITLE"],
        "accountType": "balanceSheet",
        "normalBalance": stored["NORMALBALANCE"],
    }


def test_gl_account_create_lands_in_the_xml_records(
    rest_api: httpx.Client, app: SandboxApp
) -> None:
    created = rest_api.post(
        ACCOUNTS,
        json={
            "id": "6995",
            "name": "REST account",
            "accountType": "incomeStatement",
            "normalBalance": "debit",
            "disallowDirectPosting": True,
            "requireDimensions": {"department": True},
        },
    )
    assert created.status_code == 201, created.text
    stored = objects.get_by_key(app.store, "GLACCOUNT", "6995")
    assert stored is not None
    assert (stored["ACCOUNTTYPE"], stored["SUBLEDGERCONTROLON"], stored["REQUIREDEPT"]) == (
        "incomestatement",
        "true",
        "true",
    )
    read = rest_api.get(created.json()["ia::result"]["href"].lstrip("/")).json()["ia::result"]
    assert read["disallowDirectPosting"] is True
    assert read["requireDimensions"]["department"] is True


def test_entities_are_queryable(rest_api: httpx.Client) -> None:
    answer = query(rest_api, object="company-config/entity", fields=["id", "name"])
    assert answer.status_code == 200, answer.text
    assert {(r["id"], r["name"]) for r in answer.json()["ia::result"]} == {
        (entity_id, name) for entity_id, name, _ in company.ENTITIES
    }


def test_entity_created_by_rest_is_read_by_xml(rest_api: httpx.Client, app: SandboxApp) -> None:
    created = rest_api.post(
        ENTITIES, json={"id": "E300", "name": "DE Operations", "federalId": "1"}
    )
    assert created.status_code == 201, created.text
    assert objects.get_by_key(app.store, "LOCATIONENTITY", "E300") is not None


# -- Idempotency-Key -----------------------------------------------------------------------


def test_a_reused_idempotency_key_is_409(rest_api: httpx.Client, app: SandboxApp) -> None:
    key = {"Idempotency-Key": "create-6996"}
    first = rest_api.post(ACCOUNTS, json={"id": "6996", "name": "Once"}, headers=key)
    assert first.status_code == 201
    second = rest_api.post(ACCOUNTS, json={"id": "6997", "name": "Twice"}, headers=key)
    assert second.status_code == 409
    assert second.json()["ia::result"]["ia::error"]["code"] == "conflict"
    assert objects.get_by_key(app.store, "GLACCOUNT", "6997") is None


def test_a_failed_write_gives_its_idempotency_key_back(rest_api: httpx.Client) -> None:
    key = {"Idempotency-Key": "retry-me"}
    refused = rest_api.post(ACCOUNTS, json={"id": "6998", "accountType": "nope"}, headers=key)
    assert refused.status_code == 400
    retried = rest_api.post(ACCOUNTS, json={"id": "6998", "name": "Fixed"}, headers=key)
    assert retried.status_code == 201


def test_a_retry_of_the_same_request_gets_the_first_answer(
    rest_api: httpx.Client, app: SandboxApp
) -> None:
    key = {"Idempotency-Key": "create-6994"}
    first = rest_api.post(ACCOUNTS, json={"id": "6994", "name": "Once"}, headers=key)
    retry = rest_api.post(ACCOUNTS, json={"id": "6994", "name": "Once"}, headers=key)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert len(objects.find(app.store, "GLACCOUNT", {"ACCOUNTNO": "6994"})) == 1


def test_a_retried_delete_does_not_fail(rest_api: httpx.Client) -> None:
    key = rest_api.post(ACCOUNTS, json={"id": "6993", "name": "Gone"}).json()["ia::result"]["key"]
    headers = {"Idempotency-Key": "delete-6993"}
    assert rest_api.delete(f"{ACCOUNTS}/{key}", headers=headers).status_code == 204
    assert rest_api.delete(f"{ACCOUNTS}/{key}", headers=headers).status_code == 204
    assert rest_api.delete(f"{ACCOUNTS}/{key}").status_code == 404  # without the key: really gone


def test_writes_without_a_key_are_unaffected(rest_api: httpx.Client) -> None:
    assert rest_api.post(ACCOUNTS, json={"id": "6999", "name": "A"}).status_code == 201
    assert rest_api.post(ACCOUNTS, json={"id": "6989", "name": "B"}).status_code == 201


# -- services/core ---------------------------------------------------------------------------


def test_session_id_opens_an_xml_session(rest_api: httpx.Client, app: SandboxApp) -> None:
    answer = rest_api.get("services/core/session/id")
    assert answer.status_code == 200, answer.text
    session = answer.json()["ia::result"]
    assert session["endpoint"].endswith("/ia/xml/xmlgw.phtml")
    request = build_request(
        etree.Element("getAPISession"),
        auth=etree.fromstring(f"<sessionid>{session['sessionId']}</sessionid>"),
    )
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox") as xml:
        reply = xml.post("/ia/xml/xmlgw.phtml", content=request)
    root = etree.fromstring(reply.content)
    assert root.findtext("operation/authentication/status") == "success"
    assert root.findtext("operation/authentication/userid") == company.ADMIN_USER


def test_session_id_needs_a_token(rest_http: httpx.Client) -> None:
    assert rest_http.get("services/core/session/id").status_code == 401


def test_model_describes_an_object(rest_api: httpx.Client) -> None:
    answer = rest_api.get("services/core/model", params={"name": "general-ledger/account"})
    assert answer.status_code == 200, answer.text
    model = answer.json()["ia::result"]
    assert model["fields"]["accountType"]["enum"] == ["balanceSheet", "incomeStatement"]
    assert model["fields"]["disallowDirectPosting"]["type"] == "boolean"
    assert "closeToGLAccount" in model["refs"]


def test_model_of_an_unknown_object_is_404(rest_api: httpx.Client) -> None:
    assert rest_api.get("services/core/model", params={"name": "no/such"}).status_code == 404
