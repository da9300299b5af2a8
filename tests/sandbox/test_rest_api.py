"""REST API plumbing: OAuth2 tokens, Bearer auth, envelopes, error shapes, routing."""

from __future__ import annotations

import time

import httpx
import pytest

from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.app import SandboxApp
from intacct_reconcile.sandbox.serve import served
from sandbox.conftest import REST_API
from sandbox.conftest import REST_CREDENTIALS as CREDENTIALS


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 0, "totalError": 1}
    error = body["ia::result"]["ia::error"]
    assert {"code", "message", "errorId", "additionalInfo", "supportId"} <= set(error)
    assert set(error["additionalInfo"]) == {"messageId", "placeholders", "propertySet"}
    return error


# -- tokens -------------------------------------------------------------------------------


def test_token_form_encoded(rest_http: httpx.Client) -> None:
    r = rest_http.post("oauth2/token", data=CREDENTIALS)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    assert len(body["access_token"]) >= 32
    assert r.headers["cache-control"] == "no-store"


def test_token_for_an_entity(rest_http: httpx.Client) -> None:
    r = rest_http.post("oauth2/token", data={**CREDENTIALS, "username": "admin@DEMO|E100"})
    assert r.status_code == 200


def test_token_json_body(rest_http: httpx.Client) -> None:
    r = rest_http.post("oauth2/token", json=CREDENTIALS)
    assert r.status_code == 200
    assert r.json()["access_token"]


def test_each_token_is_new(rest_http: httpx.Client) -> None:
    first = rest_http.post("oauth2/token", data=CREDENTIALS).json()["access_token"]
    second = rest_http.post("oauth2/token", data=CREDENTIALS).json()["access_token"]
    assert first != second


def test_wrong_client_secret_is_401_and_not_echoed(rest_http: httpx.Client) -> None:
    r = rest_http.post("oauth2/token", data={**CREDENTIALS, "client_secret": "WRONG-SECRET-xyz"})
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
def test_token_request_problems(
    rest_http: httpx.Client, change: dict, status: int, error: str
) -> None:
    r = rest_http.post("oauth2/token", data={**CREDENTIALS, **change})
    assert r.status_code == status
    assert r.json()["error"] == error


def test_token_endpoint_only_accepts_post(rest_http: httpx.Client) -> None:
    r = rest_http.get("oauth2/token")
    assert r.status_code == 405
    assert error_of(r)["code"] == "methodNotAllowed"


# -- bearer auth -----------------------------------------------------------------------------


def test_missing_bearer_is_401(rest_http: httpx.Client) -> None:
    r = rest_http.get("objects/company-config/role")
    assert r.status_code == 401
    assert "missing" in error_of(r)["message"]


def test_unknown_token_is_401(rest_http: httpx.Client) -> None:
    r = rest_http.get("objects/company-config/role", headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401
    assert error_of(r)["code"] == "invalidToken"
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_non_bearer_scheme_is_401(rest_http: httpx.Client) -> None:
    r = rest_http.get(
        "objects/company-config/role", headers={"Authorization": "Basic YWRtaW46eA=="}
    )
    assert r.status_code == 401


def test_expired_token_is_401(app: SandboxApp, rest_api: httpx.Client) -> None:
    assert rest_api.get("objects/company-config/role").status_code == 200
    app.clock = lambda: time.time() + 7 * 3600  # past the token lifetime
    r = rest_api.get("objects/company-config/role")
    assert r.status_code == 401
    assert "expired" in error_of(r)["message"]


def test_ip_filter_for_another_network_refuses_rest(
    app: SandboxApp, rest_api: httpx.Client
) -> None:
    company.add_ip_filter(app.store, "203.0.113.0/24")
    r = rest_api.get("objects/company-config/role")
    assert r.status_code == 403
    company.add_ip_filter(app.store, "127.0.0.1/32")
    assert rest_api.get("objects/company-config/role").status_code == 200


# -- envelopes and routing ---------------------------------------------------------------------


def test_list_is_references_with_meta(rest_api: httpx.Client) -> None:
    r = rest_api.get("objects/company-config/role")
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


def test_list_pages_with_start_and_size(rest_api: httpx.Client) -> None:
    body = rest_api.get(
        "objects/company-config/permission", params={"size": 10, "start": 11}
    ).json()
    assert len(body["ia::result"]) == 10
    assert body["ia::result"][0]["key"] == "11"
    assert body["ia::meta"]["next"] == 21
    assert body["ia::meta"]["previous"] == 1


def test_get_one_has_single_meta(rest_api: httpx.Client) -> None:
    body = rest_api.get("objects/company-config/role/1").json()
    assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    assert body["ia::result"]["id"] == company.ADMIN_ROLE


def test_unknown_object_is_404(rest_api: httpx.Client) -> None:
    r = rest_api.get("objects/company-config/no-such-thing")
    assert r.status_code == 404
    assert error_of(r)["code"] == "notFound"


def test_missing_key_is_404(rest_api: httpx.Client) -> None:
    r = rest_api.get("objects/company-config/role/999")
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
def test_unsupported_methods_are_405(rest_api: httpx.Client, method: str, path: str) -> None:
    r = rest_api.request(method, path, json={"id": "x"})
    assert r.status_code == 405
    assert error_of(r)["code"] == "methodNotAllowed"


def test_post_without_payload_is_rest_1028(rest_api: httpx.Client) -> None:
    r = rest_api.post("objects/company-config/role")
    assert r.status_code == 400
    error = error_of(r)
    assert error["errorId"] == "REST-1028"
    assert error["additionalInfo"]["placeholders"] == {"OPERATION": "POST"}


def test_invalid_json_is_400(rest_api: httpx.Client) -> None:
    r = rest_api.post(
        "objects/company-config/role",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert "not valid JSON" in error_of(r)["message"]


def test_over_real_http(app: SandboxApp) -> None:
    with served(app) as url, httpx.Client(base_url=url + REST_API) as client:
        token = client.post("oauth2/token", data=CREDENTIALS).json()["access_token"]
        r = client.get(
            "objects/company-config/role/1", headers={"Authorization": f"Bearer {token}"}
        )
    assert r.status_code == 200
    assert r.json()["ia::result"]["id"] == company.ADMIN_ROLE


def test_batch_get_of_several_keys(rest_api: httpx.Client) -> None:
    body = rest_api.get("objects/company-config/permission/3,1,2").json()
    assert [r["key"] for r in body["ia::result"]] == ["3", "1", "2"]
    assert body["ia::meta"] == {"totalCount": 3, "totalSuccess": 3, "totalError": 0}
    assert rest_api.get("objects/company-config/permission/1,99999").status_code == 404
    too_many = ",".join(str(n) for n in range(1, 502))
    assert rest_api.get(f"objects/company-config/permission/{too_many}").status_code == 400
