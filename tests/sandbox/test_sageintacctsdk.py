"""Fidelity check: a third-party Intacct client (PyPI ``sageintacctsdk``) against the served
sandbox. Nobody here wrote that client, so what it accepts is what Intacct looks like to it.

The SDK hard-codes ``https://api.intacct.com/ia/xml/xmlgw.phtml`` and posts with module-level
``requests.post`` (reference §6). The only redirect is that call's URL, rewritten to the
sandbox; everything else — login, getAPISession, paging, parsing, errors — is the SDK's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
import requests
from sageintacctsdk import SageIntacctSDK
from sageintacctsdk.exceptions import InvalidTokenError, WrongParamsError

from intacct_reconcile.sandbox import company, objects
from intacct_reconcile.sandbox.app import SandboxApp, make_app
from intacct_reconcile.sandbox.serve import served


@pytest.fixture(scope="module")
def app() -> SandboxApp:
    return make_app()


@pytest.fixture(scope="module")
def base_url(app: SandboxApp) -> Iterator[str]:
    real_post = requests.post
    seen: list[str] = []

    def to_sandbox(url: str, *args: Any, **kwargs: Any) -> requests.Response:
        seen.append(url)
        return real_post(served_url + urlsplit(url).path, *args, timeout=30, **kwargs)

    with (
        served(app) as served_url,
        mock.patch("sageintacctsdk.apis.api_base.requests.post", side_effect=to_sandbox),
    ):
        yield served_url
    # the SDK was really pointed at Intacct and only redirected here
    assert any(urlsplit(u).hostname == "api.intacct.com" for u in seen)


@pytest.fixture(scope="module")
def sdk(base_url: str) -> SageIntacctSDK:
    return SageIntacctSDK(
        sender_id=company.SENDER_ID,
        sender_password=company.SENDER_PASSWORD,
        user_id=company.ADMIN_USER,
        company_id=company.COMPANY_ID,
        user_password=company.ADMIN_PASSWORD,
    )


def active_accounts(app: SandboxApp) -> list[dict[str, Any]]:
    return objects.find(app.store, "GLACCOUNT", {"STATUS": "active"})


def test_login_gives_a_session_whose_endpoint_is_the_sandbox(sdk: SageIntacctSDK) -> None:
    session = sdk.api_base._ApiBase__session_id  # the SDK keeps it private
    endpoint = sdk.api_base._ApiBase__api_url
    assert session and isinstance(session, str)
    assert endpoint.endswith("/ia/xml/xmlgw.phtml")


def test_count_gl_accounts(sdk: SageIntacctSDK, app: SandboxApp) -> None:
    assert sdk.accounts.count() == len(active_accounts(app))


def test_get_all_gl_accounts(sdk: SageIntacctSDK, app: SandboxApp) -> None:
    records = sdk.accounts.get_all()
    numbers = sorted(r["ACCOUNTNO"] for r in records)
    assert numbers == sorted(r["ACCOUNTNO"] for r in objects.query(app.store, "GLACCOUNT")[1])
    cash = next(r for r in records if r["ACCOUNTNO"] == "1000")
    assert cash["TITLE"] == app.store.get_by_key("GLACCOUNT", "1000")["TITLE"]
    assert cash["ACCOUNTTYPE"] == "balancesheet"


def test_get_one_gl_account(sdk: SageIntacctSDK) -> None:
    data = sdk.accounts.get(field="ACCOUNTNO", value="2200")
    assert data["@count"] == "1"
    record = data["glaccount"] if isinstance(data["glaccount"], dict) else data["glaccount"][0]
    assert record["TITLE"] == "Credit Card Payable"


def test_post_gl_account_lands_in_the_sandbox(sdk: SageIntacctSDK, app: SandboxApp) -> None:
    result = sdk.accounts.post(
        {
            "ACCOUNTNO": "2110",
            "TITLE": "Spend Center GL Account",
            "ACCOUNTTYPE": "balancesheet",
            "NORMALBALANCE": "credit",
            "CLOSINGTYPE": "non-closing account",
        }
    )
    assert result["status"] == "success"
    stored = app.store.get_by_key("GLACCOUNT", "2110")
    assert stored["TITLE"] == "Spend Center GL Account"
    assert stored["NORMALBALANCE"] == "credit"
    assert "2110" in {r["ACCOUNTNO"] for r in sdk.accounts.get_all()}


def test_duplicate_gl_account_is_the_sdks_own_error(sdk: SageIntacctSDK) -> None:
    with pytest.raises(WrongParamsError) as caught:
        sdk.accounts.post({"ACCOUNTNO": "1000", "TITLE": "Again"})
    assert "already exists" in str(caught.value.response)


def test_expense_types_post_and_read(sdk: SageIntacctSDK, app: SandboxApp) -> None:
    result = sdk.expense_types.post(
        {"ACCOUNTLABEL": "Meals", "DESCRIPTION": "Meals and entertainment", "GLACCOUNTNO": "6210"}
    )
    assert result["status"] == "success"
    stored = app.store.get_by_key("EEACCOUNTLABEL", "Meals")
    assert stored["GLACCOUNTNO"] == "6210"
    records = sdk.expense_types.get_all()
    meals = next(r for r in records if r["ACCOUNTLABEL"] == "Meals")
    assert meals["GLACCOUNTTITLE"] == "Meals and Entertainment"
    assert sdk.expense_types.count() == len(objects.find(app.store, "EEACCOUNTLABEL", {}))


def test_wrong_user_password_is_invalid_token(base_url: str) -> None:
    with pytest.raises(InvalidTokenError):
        SageIntacctSDK(
            sender_id=company.SENDER_ID,
            sender_password=company.SENDER_PASSWORD,
            user_id=company.ADMIN_USER,
            company_id=company.COMPANY_ID,
            user_password="wrong",
        )


def test_wrong_sender_password_is_a_control_failure(base_url: str) -> None:
    # every sandbox error carries a non-empty <description2>, so the SDK raises its own
    # error class rather than tripping over an empty one (reference §6 "Quirk")
    with pytest.raises(WrongParamsError):
        SageIntacctSDK(
            sender_id=company.SENDER_ID,
            sender_password="wrong",
            user_id=company.ADMIN_USER,
            company_id=company.COMPANY_ID,
            user_password=company.ADMIN_PASSWORD,
        )


def test_sdk_reads_what_rest_wrote(sdk: SageIntacctSDK, app: SandboxApp) -> None:
    """A card and a checking account created over REST, read by the XML client."""
    from intacct_reconcile.sandbox.rest_objects import CHECKING_ACCOUNT, CREDIT_CARD_ACCOUNT

    CREDIT_CARD_ACCOUNT.create(
        app.store,
        {
            "id": "SDK-CC",
            "vendor": {"id": "V300"},
            "accountDetails": {
                "cardType": "americanExpress",
                "expirationMonth": "03",
                "expirationYear": "2031",
            },
            "accounting": {"offsetGLAccount": {"id": "2200"}, "defaultLocation": {"id": "SF"}},
        },
    )
    CHECKING_ACCOUNT.create(
        app.store,
        {
            "id": "SDK-CHK",
            "bankAccountDetails": {"bankName": "Sandbox Bank"},
            "accounting": {"glAccount": {"id": "1010"}},
        },
    )
    cards = {r["CARDID"]: r for r in sdk.charge_card_accounts.get_all()}
    assert cards["SDK-CC"]["CARDTYPE"] == "American Express"
    assert (cards["SDK-CC"]["EXP_MONTH"], cards["SDK-CC"]["EXP_YEAR"]) == ("3", "2031")
    assert (cards["SDK-CC"]["VENDORID"], cards["SDK-CC"]["LOCATION"]) == ("V300", "SF")
    banks = {r["BANKACCOUNTID"]: r for r in sdk.checking_accounts.get_all()}
    assert banks["SDK-CHK"]["GLACCOUNTNO"] == "1010"
    assert banks["SDK-CHK"]["BANKNAME"] == "Sandbox Bank"
