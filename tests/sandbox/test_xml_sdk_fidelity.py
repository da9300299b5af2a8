"""A third-party client (fylein sageintacctsdk) against the served sandbox over real HTTP.

The SDK hard-codes api.intacct.com; it is pointed at the sandbox through its own attributes
(reference §6, option 2), without patching the network.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sageintacctsdk import SageIntacctSDK
from sageintacctsdk.apis.api_base import ApiBase

from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.app import SandboxApp
from intacct_reconcile.sandbox.serve import served

GATEWAY = "/ia/xml/xmlgw.phtml"


def _point_at(sdk: SageIntacctSDK, url: str) -> None:
    for api in vars(sdk).values():
        if isinstance(api, ApiBase):
            api._ApiBase__api_url = url  # type: ignore[attr-defined]


@pytest.fixture
def sdk(app: SandboxApp) -> Iterator[SageIntacctSDK]:
    with served(app) as base_url:
        url = base_url.rstrip("/") + GATEWAY
        client = SageIntacctSDK(
            company.SENDER_ID,
            company.SENDER_PASSWORD,
            company.ADMIN_USER,
            company.COMPANY_ID,
            company.ADMIN_PASSWORD,
            session_id="placeholder",
        )
        _point_at(client, url)
        session = client.api_base.get_session_id(
            company.ADMIN_USER, company.COMPANY_ID, company.ADMIN_PASSWORD
        )
        for api in vars(client).values():
            if isinstance(api, ApiBase):
                api.set_session_id(session)
        _point_at(client, url)
        yield client


def test_sdk_session_count_and_get_all(sdk: SageIntacctSDK) -> None:
    assert sdk.accounts.count(None) == len(company.ACCOUNTS)
    accounts = sdk.accounts.get_all(fields=["ACCOUNTNO", "TITLE"])
    assert len(accounts) == len(company.ACCOUNTS)
    assert {"ACCOUNTNO": "1000", "TITLE": "Cash - Operating"} in accounts


def test_sdk_create_get_and_delete(sdk: SageIntacctSDK) -> None:
    created = sdk.accounts.post({"ACCOUNTNO": "2110", "TITLE": "Spend Center"})
    assert created["status"] == "success"
    recordno = created["data"]["glaccount"]["RECORDNO"]
    found = sdk.accounts.get(field="ACCOUNTNO", value="2110")
    # readByQuery children are lowercase, so the SDK's force_list (uppercase) does not apply
    assert found["glaccount"]["TITLE"] == "Spend Center"
    assert sdk.accounts.delete(recordno)["status"] == "success"
    assert sdk.accounts.get(field="ACCOUNTNO", value="2110")["@count"] == "0"


def test_sdk_sees_failures_as_its_own_errors(sdk: SageIntacctSDK) -> None:
    from sageintacctsdk.exceptions import WrongParamsError

    with pytest.raises(WrongParamsError):
        sdk.accounts.post({"ACCOUNTNO": "1000", "TITLE": "Duplicate"})
