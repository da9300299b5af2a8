"""REST client behaviour that needs a scripted server: retries, 401 refresh, headers."""

from __future__ import annotations

import json
import random

import httpx
import pytest

from intacct_reconcile.client.errors import AuthorizationError, IntacctError, RateLimitedError
from intacct_reconcile.client.rest import RestClient
from intacct_reconcile.client.retry import RetryPolicy
from intacct_reconcile.credentials import RestCredentials, Secret

CREDS = RestCredentials("cid", Secret("client-secret-xyz"), "svc@ACME", entity_id="EU")
NO_WAIT = RetryPolicy(sleep=lambda s: None, rng=random.Random(0))


class Server:
    def __init__(self, *answers: httpx.Response):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.tokens = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/oauth2/token"):
            self.tokens += 1
            return httpx.Response(200, json={"access_token": f"token-{self.tokens}-abcdef"})
        if self.answers:
            return self.answers.pop(0)
        return httpx.Response(
            200, json={"ia::result": [{"id": "A"}], "ia::meta": {"totalCount": 1}}
        )

    def client(self) -> RestClient:
        http = httpx.Client(transport=httpx.MockTransport(self), base_url="https://api.intacct.com")
        return RestClient(http, CREDS, retry=NO_WAIT)


def error_body(code: str, message: str) -> dict:
    return {"ia::result": {"ia::error": {"code": code, "message": message, "errorId": "REST-1"}}}


def test_token_request_is_form_encoded_with_user_at_company_and_entity():
    server = Server()
    server.client().query("company-config/role", ["id"])
    token_request = server.requests[0]
    form = dict(x.split("=", 1) for x in token_request.content.decode().split("&"))
    assert form["grant_type"] == "client_credentials"
    assert form["username"] == "svc%40ACME%7CEU"
    call = server.requests[1]
    assert call.headers["authorization"] == "Bearer token-1-abcdef"
    assert call.headers["x-ia-api-param-entity"] == "EU"
    assert json.loads(call.content) == {
        "object": "company-config/role",
        "fields": ["id"],
        "start": 1,
        "size": 2000,
    }


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_transient_statuses_are_retried(status):
    server = Server(httpx.Response(status, json=error_body("busy", "try later")))
    assert server.client().query("company-config/role", ["id"]) == [{"id": "A"}]
    assert len(server.requests) == 3


def test_rate_limit_gives_up_after_the_attempt_limit():
    server = Server(*[httpx.Response(429, json=error_body("tooManyRequests", "slow"))] * 10)
    with pytest.raises(RateLimitedError):
        server.client().query("company-config/role", ["id"])
    assert len(server.requests) == 1 + 6


def test_524_is_not_retried():
    server = Server(httpx.Response(524, text="timeout"))
    with pytest.raises(IntacctError, match="524"):
        server.client().create("company-config/role", {"id": "R"}, idempotency_key="k")
    assert len(server.requests) == 2


def test_401_refreshes_the_token_once():
    unauthorized = httpx.Response(401, json=error_body("unauthorized", "expired"))
    server = Server(unauthorized)
    server.client().query("company-config/role", ["id"])
    assert server.tokens == 2
    assert server.requests[-1].headers["authorization"] == "Bearer token-2-abcdef"


def test_403_is_an_authorization_error_with_the_server_message():
    server = Server(httpx.Response(403, json=error_body("forbidden", "no permission on roles")))
    with pytest.raises(AuthorizationError, match="no permission on roles"):
        server.client().get("company-config/role", "1")


def test_writes_carry_an_idempotency_key_derived_from_the_body():
    server = Server(
        httpx.Response(201, json={"ia::result": {"key": "9"}}),
        httpx.Response(201, json={"ia::result": {"key": "10"}}),
    )
    client = server.client()
    client.create("company-config/role", {"id": "R1"}, idempotency_key="plan-1")
    client.create("company-config/role", {"id": "R2"}, idempotency_key="plan-1")
    keys = [
        r.headers["idempotency-key"]
        for r in server.requests
        if r.method == "POST" and "objects" in r.url.path
    ]
    assert keys[0].startswith("plan-1-") and keys[0] != keys[1]
