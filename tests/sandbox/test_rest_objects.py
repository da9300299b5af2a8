"""REST objects: what they accept and refuse, and that the XML gateway reads what REST wrote."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lxml import etree

from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.app import SandboxApp, make_app
from sandbox.conftest import REST_CREDENTIALS

API = "/ia/api/v1/"
ROLES = "objects/company-config/role"
CARDS = "objects/cash-management/credit-card-account"
CHECKING = "objects/cash-management/checking-account"
SEQUENCES = "objects/company-config/document-sequence"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@pytest.fixture
def app() -> SandboxApp:
    return make_app()


@pytest.fixture
def http(app: SandboxApp) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox") as c:
        yield c


@pytest.fixture
def api(http: httpx.Client) -> httpx.Client:
    token = http.post(
        API + "oauth2/token",
        data=REST_CREDENTIALS,
    ).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    http.base_url = httpx.URL("http://sandbox" + API)
    return http


def xml_read(http: httpx.Client, obj: str, query: str) -> list[dict[str, str]]:
    """readByQuery through the XML gateway, as a client of the other API would."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><request><control>'
        f"<senderid>{company.SENDER_ID}</senderid><password>{company.SENDER_PASSWORD}</password>"
        "<controlid>t</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion>"
        "</control><operation><authentication><login><userid>admin</userid>"
        f"<companyid>DEMO</companyid><password>{company.ADMIN_PASSWORD}</password></login>"
        f"</authentication><content><function controlid='f'><readByQuery><object>{obj}</object>"
        f"<fields>*</fields><query>{query}</query><pagesize>1000</pagesize></readByQuery>"
        "</function></content></operation></request>"
    )
    r = http.post("http://sandbox/ia/xml/xmlgw.phtml", content=body.encode())
    root = etree.fromstring(r.content, PARSER)
    assert root.findtext("operation/result/status") == "success", r.text
    data = root.find("operation/result/data")
    return [{f.tag: (f.text or "") for f in rec} for rec in data]


def error_of(r: httpx.Response) -> dict:
    return r.json()["ia::result"]["ia::error"]


def assignment(module: str, name: str, *rights: str, key: str | None = None) -> dict:
    item: dict = {"permission": {"module": module, "name": name}, "accessRights": list(rights)}
    if key:
        item["key"] = key
    return item


# -- roles --------------------------------------------------------------------------------


def make_role(api: httpx.Client, **extra: object) -> str:
    payload = {
        "id": "Expensify",
        "description": "Expensify integration",
        "rolePermissionAssignments": [
            assignment("accountsPayable", "vendors", "list", "readonly"),
            assignment("generalLedger", "accounts", "list", "readonly", "add", "modify"),
        ],
        **extra,
    }
    r = api.post(ROLES, json=payload)
    assert r.status_code == 201, r.text
    result = r.json()["ia::result"]
    assert result["id"] == "Expensify"
    assert result["href"] == f"/objects/company-config/role/{result['key']}"
    return result["key"]


def test_role_create_reads_back_in_rest_terms(api: httpx.Client) -> None:
    key = make_role(api)
    role = api.get(f"{ROLES}/{key}").json()["ia::result"]
    assert role["description"] == "Expensify integration"
    assert role["roleType"] == "enterprise"
    assert role["applyTo"] == "loginAndSlideIn"
    got = {
        (a["permission"]["module"], a["permission"]["name"]): a["accessRights"]
        for a in role["rolePermissionAssignments"]
    }
    assert got == {
        ("accountsPayable", "vendors"): ["list", "readonly"],
        ("generalLedger", "accounts"): ["list", "readonly", "add", "modify"],
    }
    assert role["roleUsers"] == []


def test_role_permissions_land_in_xml_with_ui_rights(api: httpx.Client, http: httpx.Client) -> None:
    make_role(api)
    rows = xml_read(http, "ROLEPOLICYASSIGNMENT", "ROLENAME = 'Expensify'")
    got = {(r["APPLICATIONNAME"], r["POLICYNAME"]): r["RIGHTS"] for r in rows}
    assert got == {
        ("Accounts Payable", "Vendors"): "List|View",
        ("General Ledger", "Accounts"): "List|View|Add|Edit",
    }
    roles = xml_read(http, "ROLES", "NAME = 'Expensify'")
    assert roles[0]["DESCRIPTION"] == "Expensify integration"


def test_role_patch_modifies_adds_and_deletes_owned_assignments(api: httpx.Client) -> None:
    key = make_role(api)
    items = api.get(f"{ROLES}/{key}").json()["ia::result"]["rolePermissionAssignments"]
    vendors = next(a for a in items if a["permission"]["name"] == "vendors")
    accounts = next(a for a in items if a["permission"]["name"] == "accounts")
    r = api.patch(
        f"{ROLES}/{key}",
        json={
            "description": "changed",
            "rolePermissionAssignments": [
                {"key": vendors["key"], "accessRights": ["list", "readonly", "add"]},
                {"key": accounts["key"], "ia::operation": "delete"},
                assignment("cashManagement", "checkingAccounts", "list"),
            ],
        },
    )
    assert r.status_code == 200, r.text
    role = api.get(f"{ROLES}/{key}").json()["ia::result"]
    got = {a["permission"]["name"]: a["accessRights"] for a in role["rolePermissionAssignments"]}
    assert got == {"vendors": ["list", "readonly", "add"], "checkingAccounts": ["list"]}
    assert role["description"] == "changed"


def test_role_patch_leaves_unmentioned_assignments(api: httpx.Client) -> None:
    key = make_role(api)
    r = api.patch(
        f"{ROLES}/{key}",
        json={
            "rolePermissionAssignments": [assignment("cashManagement", "checkingAccounts", "list")]
        },
    )
    assert r.status_code == 200
    names = {
        a["permission"]["name"]
        for a in api.get(f"{ROLES}/{key}").json()["ia::result"]["rolePermissionAssignments"]
    }
    assert names == {"vendors", "accounts", "checkingAccounts"}


def test_role_item_without_key_for_held_permission_is_a_conflict(api: httpx.Client) -> None:
    key = make_role(api)
    r = api.patch(
        f"{ROLES}/{key}",
        json={
            "description": "not applied either",
            "rolePermissionAssignments": [assignment("accountsPayable", "vendors", "list")],
        },
    )
    assert r.status_code == 409
    assert error_of(r)["details"][0]["target"] == "/rolePermissionAssignments/0"
    role = api.get(f"{ROLES}/{key}").json()["ia::result"]
    vendors = [a for a in role["rolePermissionAssignments"] if a["permission"]["name"] == "vendors"]
    assert vendors[0]["accessRights"] == ["list", "readonly"]  # unchanged: atomic request
    assert role["description"] == "Expensify integration"


@pytest.mark.parametrize(
    ("item", "target", "text"),
    [
        (assignment("nosuchModule", "vendors", "list"), "/permission/module", "not a permission"),
        (assignment("accountsPayable", "nosuch", "list"), "/permission", "does not exist"),
        (assignment("accountsPayable", "vendors", "reverse"), "/accessRights/0", "not allowed"),
        (assignment("accountsPayable", "vendors", "fly"), "/accessRights/0", "not allowed"),
        (assignment("accountsPayable", "vendors"), "/accessRights", "non-empty"),
    ],
)
def test_role_permission_assignments_are_checked_against_the_catalogue(
    api: httpx.Client, item: dict, target: str, text: str
) -> None:
    r = api.post(ROLES, json={"id": "Bad", "rolePermissionAssignments": [item]})
    assert r.status_code == 422
    detail = error_of(r)["details"][0]
    assert detail["target"] == "/rolePermissionAssignments/0" + target
    assert text in detail["message"]
    # atomic: the role itself was not created either
    ids = [x["id"] for x in api.get(ROLES).json()["ia::result"]]
    assert "Bad" not in ids


def test_role_same_permission_twice_is_refused(api: httpx.Client) -> None:
    r = api.post(
        ROLES,
        json={
            "id": "Twice",
            "rolePermissionAssignments": [
                assignment("accountsPayable", "vendors", "list"),
                assignment("accountsPayable", "vendors", "readonly"),
            ],
        },
    )
    assert r.status_code == 422
    assert "twice" in error_of(r)["details"][0]["message"]


def test_duplicate_role_is_409(api: httpx.Client) -> None:
    make_role(api)
    r = api.post(ROLES, json={"id": "Expensify"})
    assert r.status_code == 409
    assert error_of(r)["code"] == "conflict"


def test_role_users_and_delete(api: httpx.Client, http: httpx.Client) -> None:
    key = make_role(api, roleUsers=[{"id": "admin"}])
    role = api.get(f"{ROLES}/{key}").json()["ia::result"]
    assert [u["id"] for u in role["roleUsers"]] == ["admin"]
    assert xml_read(http, "USERROLES", "ROLENAME = 'Expensify'")[0]["USERID"] == "admin"
    assert api.delete(f"{ROLES}/{key}").status_code == 204
    assert api.get(f"{ROLES}/{key}").status_code == 404
    assert xml_read(http, "ROLEPOLICYASSIGNMENT", "ROLENAME = 'Expensify'") == []
    assert xml_read(http, "USERROLES", "ROLENAME = 'Expensify'") == []


def test_role_rejects_unknown_fields_and_bad_enums(api: httpx.Client) -> None:
    r = api.post(ROLES, json={"id": "R", "colour": "red", "roleType": "galactic"})
    assert r.status_code == 400
    targets = {d["target"] for d in error_of(r)["details"]}
    assert targets == {"/colour", "/roleType"}


def test_role_id_cannot_change(api: httpx.Client) -> None:
    key = make_role(api)
    r = api.patch(f"{ROLES}/{key}", json={"id": "Renamed"})
    assert r.status_code == 422
    assert error_of(r)["details"][0]["target"] == "/id"


# -- permission catalogue -------------------------------------------------------------------


def test_permission_catalogue(api: httpx.Client) -> None:
    body = api.post(
        "services/core/query",
        json={
            "object": "company-config/permission",
            "fields": ["key", "name", "module", "permissionGroup", "allowedAccessRights"],
            "filters": [{"$eq": {"module": "accountsPayable"}}, {"$eq": {"name": "vendors"}}],
        },
    ).json()
    assert body["ia::meta"]["totalCount"] == 1
    vendors = body["ia::result"][0]
    assert vendors["permissionGroup"] == "activitiesAndLists"
    assert {"list", "readonly", "add", "modify", "delete"} <= set(vendors["allowedAccessRights"])
    one = api.get(f"objects/company-config/permission/{vendors['key']}").json()["ia::result"]
    assert one["name"] == "vendors" and one["module"] == "accountsPayable"


# -- document sequences ----------------------------------------------------------------------


def test_document_sequence_crud(api: httpx.Client, http: httpx.Client) -> None:
    r = api.post(
        SEQUENCES,
        json={
            "id": "EXP",
            "printTitle": "EXPENSE REPORT",
            "startingNumber": 1,
            "nextNumber": 5,
            "fixedLength": 4,
            "fixedPrefix": "EXP",
            "type": "numeric",
        },
    )
    assert r.status_code == 201, r.text
    key = r.json()["ia::result"]["key"]
    seq = api.get(f"{SEQUENCES}/{key}").json()["ia::result"]
    assert (seq["printTitle"], seq["nextNumber"], seq["fixedLength"]) == ("EXPENSE REPORT", 5, 4)
    # lowering nextNumber is allowed by the API (it can re-issue numbers)
    assert api.patch(f"{SEQUENCES}/{key}", json={"nextNumber": 2}).status_code == 200
    assert api.get(f"{SEQUENCES}/{key}").json()["ia::result"]["nextNumber"] == 2
    assert xml_read(http, "SEQUENCE", "SEQUENCEID = 'EXP'")[0]["NEXTNUMBER"] == "2"
    assert api.delete(f"{SEQUENCES}/{key}").status_code == 204


def test_document_sequence_fixed_length_at_most_16(api: httpx.Client) -> None:
    assert api.post(SEQUENCES, json={"id": "A", "fixedLength": 16}).status_code == 201
    r = api.post(SEQUENCES, json={"id": "B", "fixedLength": 17})
    assert r.status_code == 400
    assert error_of(r)["details"][0]["target"] == "/fixedLength"


def test_document_sequence_requires_id(api: httpx.Client) -> None:
    r = api.post(SEQUENCES, json={"printTitle": "X"})
    assert r.status_code == 400
    assert error_of(r)["details"][0]["target"] == "/id"


# -- credit card accounts -------------------------------------------------------------------


CARD = {
    "id": "SPEND-CC",
    "vendor": {"id": "V300"},
    "accountDetails": {
        "description": "Spend Center CC",
        "cardType": "visa",
        "expirationMonth": "12",
        "expirationYear": "2035",
    },
    "accounting": {"offsetGLAccount": {"id": "2200"}, "defaultLocation": {"id": "HQ"}},
}


def test_credit_card_account_round_trip_and_xml_view(api: httpx.Client, http: httpx.Client) -> None:
    r = api.post(CARDS, json=CARD)
    assert r.status_code == 201, r.text
    card = api.get(f"{CARDS}/{r.json()['ia::result']['key']}").json()["ia::result"]
    assert card["vendor"]["id"] == "V300"
    assert card["accountDetails"]["cardType"] == "visa"
    assert card["accountDetails"]["expirationMonth"] == "12"
    assert card["accounting"]["offsetGLAccount"]["id"] == "2200"
    assert card["accounting"]["defaultLocation"]["id"] == "HQ"
    assert card["status"] == "active"
    row = xml_read(http, "CREDITCARD", "CARDID = 'SPEND-CC'")[0]
    assert (row["VENDORID"], row["CARDTYPE"], row["EXP_MONTH"]) == ("V300", "Visa", "12")
    assert (row["OFFSETGLACCOUNTNO"], row["LOCATION"]) == ("2200", "HQ")


@pytest.mark.parametrize(
    ("change", "target"),
    [
        ({"vendor": {"id": "NOPE"}}, "/vendor"),
        ({"accounting": {"offsetGLAccount": {"id": "9999"}}}, "/accounting/offsetGLAccount"),
        ({"accounting": {"defaultLocation": {"id": "MARS"}}}, "/accounting/defaultLocation"),
    ],
)
def test_credit_card_references_must_exist(api: httpx.Client, change: dict, target: str) -> None:
    r = api.post(CARDS, json={**CARD, **change})
    assert r.status_code == 422
    assert error_of(r)["details"][0]["target"] == target


def test_credit_card_reference_by_key(api: httpx.Client) -> None:
    r = api.post(CARDS, json={**CARD, "vendor": {"key": "1"}})
    assert r.status_code == 201
    card = api.get(f"{CARDS}/{r.json()['ia::result']['key']}").json()["ia::result"]
    assert card["vendor"] == {
        "key": "1",
        "id": "V100",
        "href": "/objects/accounts-payable/vendor/1",
    }


def test_credit_card_bad_month_is_400(api: httpx.Client) -> None:
    r = api.post(CARDS, json={**CARD, "accountDetails": {"expirationMonth": "13"}})
    assert r.status_code == 400
    assert error_of(r)["details"][0]["target"] == "/accountDetails/expirationMonth"


def test_xml_gateway_still_refuses_credit_card_writes(http: httpx.Client) -> None:
    body = (
        "<request><control><senderid>intacct_reconcile</senderid><password>sandbox</password>"
        "<controlid>t</controlid></control><operation><authentication><login>"
        "<userid>admin</userid><companyid>DEMO</companyid><password>sandbox</password></login>"
        "</authentication><content><function controlid='f'><create><CREDITCARD>"
        "<CARDID>X</CARDID><VENDORID>V100</VENDORID></CREDITCARD></create></function>"
        "</content></operation></request>"
    )
    root = etree.fromstring(http.post("/ia/xml/xmlgw.phtml", content=body).content, PARSER)
    assert root.findtext("operation/result/status") == "failure"


# -- checking accounts and users -------------------------------------------------------------


def test_checking_account_needs_existing_gl_account(api: httpx.Client, http: httpx.Client) -> None:
    ok = {
        "id": "CHK-2",
        "bankAccountDetails": {"bankName": "First Bank", "currency": "USD"},
        "accounting": {"glAccount": {"id": "1010"}, "apJournal": {"id": "GJ"}},
    }
    r = api.post(CHECKING, json=ok)
    assert r.status_code == 201, r.text
    account = api.get(f"{CHECKING}/{r.json()['ia::result']['key']}").json()["ia::result"]
    assert account["accounting"]["glAccount"]["id"] == "1010"
    assert account["bankAccountDetails"]["bankName"] == "First Bank"
    row = xml_read(http, "CHECKINGACCOUNT", "BANKACCOUNTID = 'CHK-2'")[0]
    assert (row["GLACCOUNTNO"], row["BANKNAME"], row["APJOURNAL"]) == ("1010", "First Bank", "GJ")
    bad = {**ok, "id": "CHK-3", "accounting": {"glAccount": {"id": "0000"}}}
    r = api.post(CHECKING, json=bad)
    assert r.status_code == 422
    assert error_of(r)["details"][0]["target"] == "/accounting/glAccount"


def test_users_are_readable(api: httpx.Client) -> None:
    body = api.post(
        "services/core/query",
        json={
            "object": "company-config/user",
            "fields": ["id", "adminPrivileges", "userType", "status", "webServicesOnly"],
        },
    ).json()
    assert {
        "id": "admin",
        "adminPrivileges": "full",
        "userType": "business",
        "status": "active",
        "webServicesOnly": False,
    } in body["ia::result"]
