"""REST API plumbing: OAuth2 tokens, Bearer auth, envelopes, error shapes, routing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.app import SandboxApp, make_app
from intacct_reconcile.sandbox.serve import served
from sandbox.conftest import REST_CREDENTIALS as CREDENTIALS

API = "/ia/api/v1/"


@pytest.fixture
def app() -> SandboxApp:
    return make_app()


@pytest.fixture
def raw(app: SandboxApp) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://sandbox" + API
    ) as client:
        yield client


@pytest.fixture
def api(raw: httpx.Client) -> httpx.Client:
    token = raw.post("oauth2/token", data=CREDENTIALS).json()["access_token"]
    raw.headers["Authorization"] = f"Bearer {token}"
    return raw


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 0, "totalError": 1}
    error = body["ia::result"]["ia::error"]
    assert {"code", "message", "errorId", "additionalInfo", "supportId"} <= set(error)
    assert set(error["additionalInfo"]) == {"messageId", "placeholders", "propertySet"}
    return error


# -- tokens -------------------------------------------------------------------------------


def test_token_form_encoded(raw: httpx.Client) -> None:
    r = raw.post("oauth2/token", data=CREDENTIALS)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    assert len(body["access_token"]) >= 32
    assert r.headers["cache-control"] == "no-store"


def test_token_for_an_entity(raw: httpx.Client) -> None:
    r = raw.post("oauth2/token", data={**CREDENTIALS, "username": "admin@DEMO|E100"})
    assert r.status_code == 200


def test_token_json_body(raw: httpx.Client) -> None:
    r = raw.post("oauth2/token", json=CREDENTIALS)
    assert r.status_code == 200
    assert r.json()["access_token"]


def test_each_token_is_new(raw: httpx.Client) -> None:
    first = raw.post("oauth2/token", data=CREDENTIALS).json()["access_token"]
    second = raw.post("oauth2/token", data=CREDENTIALS).json()["access_token"]
    assert first != second


def test_wrong_client_secret_is_401_and_not_echoed(raw: httpx.Client) -> None:
    r = raw.post("oauth2/token", data={**CREDENTIALS, "client_secret": "WRONG-SECRET-xyz"})
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"
    assert "WRONG-SECRET-xyz" not in r.text


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"username": "admin"}, 400, "invalid_request"),
        ({"username": "nobody@DEMO"}, 400, "invalid_grant"),
        ({"username": "admin@OTHERCO"}, 400, "invalid_grant"),
        ({"username": "admin@DEMO|NOENTITY"}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_token_request_problems(raw: httpx.Client, change: dict, status: int, error: str) -> None:
    r = raw.post("oauth2/token", data={**CREDENTIALS, **change})
    assert r.status_code == status
    assert r.json()["error"] == error


def test_token_endpoint_only_accepts_post(raw: httpx.Client) -> None:
    r = raw.get("oauth2/token")
    assert r.status_code == 405
    assert error_of(r)["code"] == "methodNotAllowed"


# -- bearer auth -----------------------------------------------------------------------------


def test_missing_bearer_is_401(raw: httpx.Client) -> None:
    r = raw.get("objects/company-config/role")
    assert r.status_code == 401
    assert "missing" in error_of(r)["message"]


def test_unknown_token_is_401(raw: httpx.Client) -> None:
    r = raw.get("objects/company-config/role", headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401
    assert error_of(r)["code"] == "invalidToken"
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_non_bearer_scheme_is_401(raw: httpx.Client) -> None:
    r = raw.get("objects/company-config/role", headers={"Authorization": "Basic YWRtaW46eA=="})
    assert r.status_code == 401


def test_expired_token_is_401(app: SandboxApp, api: httpx.Client) -> None:
    assert api.get("objects/company-config/role").status_code == 200
    app.clock = lambda: time.time() + 7 * 3600  # past the token lifetime
    r = api.get("objects/company-config/role")
    assert r.status_code == 401
    assert "expired" in error_of(r)["message"]


def test_ip_filter_for_another_network_refuses_rest(app: SandboxApp, api: httpx.Client) -> None:
    company.add_ip_filter(app.store, "203.0.113.0/24")
    r = api.get("objects/company-config/role")
    assert r.status_code == 403
    company.add_ip_filter(app.store, "127.0.0.1/32")
    assert api.get("objects/company-config/role").status_code == 200


# -- envelopes and routing ---------------------------------------------------------------------


def test_list_is_references_with_meta(api: httpx.Client) -> None:
    r = api.get("objects/company-config/role")
    assert r.status_code == 200
    body = r.json()
    assert body["ia::result"] == [
        {"key": "1", "id": company.ADMIN_ROLE, "href": "/objects/company-config/role/1"}
    ]
    assert body["ia::meta"] == {
        "totalCount": 1,
        "start": 1,
        "pageSize": 100,
        "next": None,
        "previous": None,
    }


def test_list_pages_with_start_and_size(api: httpx.Client) -> None:
    body = api.get("objects/company-config/permission", params={"size": 10, "start": 11}).json()
    assert len(body["ia::result"]) == 10
    assert body["ia::result"][0]["key"] == "11"
    assert body["ia::meta"]["next"] == 21
    assert body["ia::meta"]["previous"] == 1


def test_get_one_has_single_meta(api: httpx.Client) -> None:
    body = api.get("objects/company-config/role/1").json()
    assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    assert body["ia::result"]["id"] == company.ADMIN_ROLE


def test_unknown_object_is_404(api: httpx.Client) -> None:
    r = api.get("objects/company-config/no-such-thing")
    assert r.status_code == 404
    assert error_of(r)["code"] == "notFound"


def test_missing_key_is_404(api: httpx.Client) -> None:
    r = api.get("objects/company-config/role/999")
    assert r.status_code == 404
    assert error_of(r)["additionalInfo"]["placeholders"] == {"KEY": "999"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "objects/company-config/role"),
        ("DELETE", "objects/company-config/permission/1"),
        ("POST", "objects/company-config/user"),
        ("GET", "services/core/query"),
    ],
)
def test_unsupported_methods_are_405(api: httpx.Client, method: str, path: str) -> None:
    r = api.request(method, path, json={"id": "x"})
    assert r.status_code == 405
    assert error_of(r)["code"] == "methodNotAllowed"


def test_post_without_payload_is_rest_1028(api: httpx.Client) -> None:
    r = api.post("objects/company-config/role")
    assert r.status_code == 400
    error = error_of(r)
    assert error["errorId"] == "REST-1028"
    assert error["additionalInfo"]["placeholders"] == {"OPERATION": "POST"}


def test_invalid_json_is_400(api: httpx.Client) -> None:
    r = api.post(
        "objects/company-config/role",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert "not valid JSON" in error_of(r)["message"]


def test_over_real_http(app: SandboxApp) -> None:
    with served(app) as url, httpx.Client(base_url=url + API) as client:
        token = client.post("oauth2/token", data=CREDENTIALS).json()["access_token"]
        r = client.get(
            "objects/company-config/role/1", headers={"Authorization": f"Bearer {token}"}
        )
    assert r.status_code == 200
    assert r.json()["ia::result"]["id"] == company.ADMIN_ROLE


def test_batch_get_of_several_keys(api: httpx.Client) -> None:
    body = api.get("objects/company-config/permission/3,1,2").json()
    assert [r["key"] for r in body["ia::result"]] == ["3", "1", "2"]
    assert body["ia::meta"] == {"totalCount": 3, "totalSuccess": 3, "totalError": 0}
    assert api.get("objects/company-config/permission/1,99999").status_code == 404
    too_many = ",".join(str(n) for n in range(1, 502))
    assert api.get(f"objects/company-config/permission/{too_many}").status_code == 400
