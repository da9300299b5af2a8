"""fylein's ``sageintacctrestsdk`` (PyPI; the REST API) against the served sandbox.

The SDK's only endpoint setting is the module constant ``BASE_URL``, imported by name into the
modules that build URLs (reference §5: "BASE_URL is a hard-coded module constant"); these tests
set that constant in those modules and nothing else. Token handling, headers, paging,
idempotency keys and error classes are the SDK's own.
"""

from __future__ import annotations

from collections.abc import Iterator

import intacctsdk.apis.api_base
import intacctsdk.apis.reporting_periods
import intacctsdk.intacctsdk
import pytest
from intacctsdk import IntacctRESTSDK
from intacctsdk.exceptions import BadRequestError

from intacct_reconcile.sandbox import company, objects
from intacct_reconcile.sandbox.app import SandboxApp

from .conftest import xml_sdk

URL_MODULES = (intacctsdk.intacctsdk, intacctsdk.apis.api_base, intacctsdk.apis.reporting_periods)


@pytest.fixture(scope="module")
def rest_url(base_url: str) -> Iterator[str]:
    url = base_url + "/ia/api/v1"
    with pytest.MonkeyPatch.context() as patch:
        for module in URL_MODULES:
            patch.setattr(module, "BASE_URL", url)
        yield url


def connect(**kwargs: object) -> IntacctRESTSDK:
    return IntacctRESTSDK(
        client_id=company.REST_CLIENT_ID, client_secret=company.REST_CLIENT_SECRET, **kwargs
    )


@pytest.fixture(scope="module")
def sdk(rest_url: str) -> IntacctRESTSDK:
    return connect(username=f"{company.ADMIN_USER}@{company.COMPANY_ID}")


def test_client_credentials_start_gives_both_tokens(sdk: IntacctRESTSDK) -> None:
    assert sdk.access_token and sdk.refresh_token and sdk.access_token_expires_in > 0


def test_the_refresh_token_starts_a_new_client(sdk: IntacctRESTSDK) -> None:
    renewed = connect(refresh_token=sdk.refresh_token, use_client_credentials_auth=False)
    assert renewed.accounts.count() > 0


def test_accounts_count_and_filtered_read(sdk: IntacctRESTSDK, app: SandboxApp) -> None:
    assert sdk.accounts.count() == objects.query(app.store, "GLACCOUNT")[0]
    # filters without an expression: the SDK itself sends filterExpression "and"
    pages = sdk.accounts.get_all_generator(
        fields=["id", "name"], filters=[{"$eq": {"id": "1000"}}, {"$eq": {"status": "active"}}]
    )
    (page,) = list(pages)
    assert [r["id"] for r in page] == ["1000"]


def test_entities_are_read(sdk: IntacctRESTSDK) -> None:
    (page,) = list(sdk.location_entities.get_all_generator(fields=["id", "name"]))
    assert {r["id"] for r in page} == {entity_id for entity_id, _, _ in company.ENTITIES}


def test_account_create_read_update_delete(sdk: IntacctRESTSDK, app: SandboxApp) -> None:
    created = sdk.accounts.post({"id": "6982", "name": "REST SDK"}, idempotent_key="conf-6982")
    key = created["ia::result"]["key"]
    assert sdk.accounts.get_by_key(key)["ia::result"]["name"] == "REST SDK"
    sdk.accounts.update(key, {"name": "Renamed", "disallowDirectPosting": True})
    stored = objects.get_by_key(app.store, "GLACCOUNT", "6982")
    assert stored is not None
    assert (stored["TITLE"], stored["SUBLEDGERCONTROLON"]) == ("Renamed", "true")
    assert sdk.accounts.delete(key) is None
    assert objects.get_by_key(app.store, "GLACCOUNT", "6982") is None


def test_a_reused_idempotency_key_is_refused(sdk: IntacctRESTSDK, app: SandboxApp) -> None:
    sdk.accounts.post({"id": "6983", "name": "Once"}, idempotent_key="conf-6983")
    with pytest.raises(BadRequestError) as caught:
        sdk.accounts.post({"id": "6984", "name": "Twice"}, idempotent_key="conf-6983")
    assert "status code: 409" in caught.value.message
    assert objects.get_by_key(app.store, "GLACCOUNT", "6984") is None


def test_model_of_accounts(sdk: IntacctRESTSDK) -> None:
    model = sdk.accounts.get_model()["ia::result"]
    assert {"id", "name", "accountType", "status"} <= set(model["fields"])


def test_rest_session_drives_the_xml_sdk(sdk: IntacctRESTSDK, base_url: str) -> None:
    session = sdk.sessions.get_session_id()
    xml = xml_sdk(session["endpoint"], session["sessionId"])
    assert session["endpoint"].startswith(base_url)
    assert xml.accounts.count(None) == sdk.accounts.count()
