"""fylein's ``sageintacctsdk`` (PyPI; the XML API) against the served sandbox.

The SDK's only endpoint setting is the name-mangled ``ApiBase.__api_url`` each API object
holds (hard-coded to api.intacct.com, reference §6): these tests set that attribute — the
reference's option 2 — and nothing else. Login, getAPISession, paging, parsing and error
classes are the SDK's own.
"""

from __future__ import annotations

from typing import Any

import pytest
from sageintacctsdk import SageIntacctSDK
from sageintacctsdk.apis.api_base import ApiBase
from sageintacctsdk.exceptions import WrongParamsError

from intacct_reconcile.sandbox import company, objects
from intacct_reconcile.sandbox.app import SandboxApp

from .conftest import point_at, xml_sdk

GATEWAY = "/ia/xml/xmlgw.phtml"


def open_session(base_url: str, sender_password: str = company.SENDER_PASSWORD) -> str:
    """A session from the SDK's own getAPISession, sent to the sandbox's gateway."""
    login = ApiBase()
    login.set_sender_id(company.SENDER_ID)
    login.set_sender_password(sender_password)
    point_at(login, base_url + GATEWAY)
    return login.get_session_id(company.ADMIN_USER, company.COMPANY_ID, company.ADMIN_PASSWORD)


@pytest.fixture(scope="module")
def sdk(base_url: str) -> SageIntacctSDK:
    return xml_sdk(base_url + GATEWAY, open_session(base_url))


def test_getapisession_answers_the_sandbox_as_endpoint(base_url: str) -> None:
    login = ApiBase()
    login.set_sender_id(company.SENDER_ID)
    login.set_sender_password(company.SENDER_PASSWORD)
    point_at(login, base_url + GATEWAY)
    assert login.get_session_id(company.ADMIN_USER, company.COMPANY_ID, company.ADMIN_PASSWORD)
    assert login._ApiBase__api_url == base_url + GATEWAY  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("attribute", "obj"),
    [
        ("employees", "EMPLOYEE"),
        ("locations", "LOCATION"),
        ("departments", "DEPARTMENT"),
        ("vendors", "VENDOR"),
        ("contacts", "CONTACT"),
        ("location_entities", "LOCATIONENTITY"),
        ("accounts", "GLACCOUNT"),
        ("classes", "CLASS"),
        ("projects", "PROJECT"),
        ("customers", "CUSTOMER"),
        ("items", "ITEM"),
    ],
)
def test_get_all_with_the_sdks_default_fields(
    sdk: SageIntacctSDK, app: SandboxApp, attribute: str, obj: str
) -> None:
    records: list[dict[str, Any]] = getattr(sdk, attribute).get_all()
    assert len(records) == objects.query(app.store, obj)[0]


def test_tax_objects_answer_the_sdks_default_fields_once_taxes_is_subscribed(
    sdk: SageIntacctSDK, app: SandboxApp
) -> None:
    # without the Taxes subscription the company has no tax objects
    with pytest.raises(WrongParamsError):
        sdk.tax_details.get_all()
    company.subscribe(app.store, "TX")
    try:
        created = sdk.tax_details.post(
            {"DETAILID": "UK Zero", "TAXTYPE": "Sale", "VALUE": "0", "TAXSOLUTIONID": "UK VAT"}
        )
        assert created["status"] == "success"
        (detail,) = sdk.tax_details.get_all()
        assert (detail["DETAILID"], detail["TAXTYPE"], detail["MINTAXABLE"]) == (
            "UK Zero",
            "Sale",
            None,
        )
        (solution,) = sdk.tax_solutions.get_all()
        assert solution["SOLUTIONID"] == "UK VAT"
        assert sdk.tax_details.delete(str(detail["RECORDNO"]))["status"] == "success"
    finally:
        company.unsubscribe(app.store, "TX")  # the module's other tests see the starter company


def test_user_defined_dimension_values_with_the_sdks_fields(sdk: SageIntacctSDK) -> None:
    dimensions = sdk.dimensions.get_all()
    udd = [d["objectName"] for d in dimensions if d["userDefinedDimension"] == "true"]
    assert udd == ["LINE_OF_BUSINESS"]
    values = sdk.dimension_values.get_all("LINE_OF_BUSINESS")
    assert sorted((v["id"], v["name"]) for v in values) == [
        ("LOB-SVC", "Services"),
        ("LOB-SW", "Software"),
    ]


def test_employee_contact_comes_back(sdk: SageIntacctSDK) -> None:
    (employee,) = sdk.employees.get_all()
    assert employee["EMPLOYEEID"] == "EMP001"
    assert employee["CONTACT"]["CONTACTNAME"] == "Admin, Sam"


def test_delete_of_a_missing_account_is_the_sdks_own_error(sdk: SageIntacctSDK) -> None:
    with pytest.raises(WrongParamsError) as caught:
        sdk.accounts.delete("424242")
    (error,) = caught.value.response["error"]
    assert error["errorno"] == "BL01001973"
    assert error["description2"]


def test_wrong_sender_password_is_the_sdks_own_error(base_url: str) -> None:
    with pytest.raises(WrongParamsError) as caught:
        open_session(base_url, sender_password="wrong")
    (error,) = caught.value.response["error"]
    assert error["errorno"] == "XL03000006"


def test_create_then_delete_an_account(sdk: SageIntacctSDK, app: SandboxApp) -> None:
    created = sdk.accounts.post({"ACCOUNTNO": "6981", "TITLE": "Python SDK"})
    assert created["status"] == "success"
    recordno = app.store.get_by_key("GLACCOUNT", "6981")["RECORDNO"]
    assert sdk.accounts.delete(str(recordno))["status"] == "success"
    assert app.store.get_by_key("GLACCOUNT", "6981") is None
