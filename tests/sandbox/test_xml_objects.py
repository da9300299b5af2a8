"""Object rules through generic create/update/delete, the legacy journal functions, installApp."""

from __future__ import annotations

import hashlib

import pytest
from lxml import etree
from lxml.builder import E

from intacct_reconcile.sandbox import company, objects

from .conftest import Gateway, errors_of, login


def created(result: etree._Element) -> list[tuple[str, str, str]]:
    """(tag, RECORDNO, id value) of each record a create/update result lists."""
    data = result.find("data")
    assert data.get("listtype") == "objects"
    return [(c.tag, c.findtext("RECORDNO"), c[1].text) for c in data]


def stored(gw: Gateway, obj: str, key: str) -> dict:
    record = objects.get_by_key(gw.app.store, obj, key)
    assert record is not None
    return record


# -- GLACCOUNT ------------------------------------------------------------------------------


def test_gl_account_defaults_and_result_shape(gw: Gateway) -> None:
    result = gw.ok(E.create(E.GLACCOUNT(E.ACCOUNTNO("2110"), E.TITLE("Spend Center"))))
    ((tag, recordno, number),) = created(result)
    assert (tag, number) == ("glaccount", "2110")
    assert result.find("data").get("count") == "1"
    record = stored(gw, "GLACCOUNT", "2110")
    assert record["RECORDNO"] == recordno
    assert (
        record["ACCOUNTTYPE"],
        record["NORMALBALANCE"],
        record["CLOSINGTYPE"],
        record["STATUS"],
        record["REQUIREDEPT"],
        record["ALTERNATIVEACCOUNT"],
    ) == ("balancesheet", "debit", "non-closing account", "active", "false", "None")


def test_gl_account_enums_are_checked_and_canonicalised(gw: Gateway) -> None:
    gw.ok(
        E.create(
            E.GLACCOUNT(
                E.ACCOUNTNO("2110"),
                E.TITLE("x"),
                E.NORMALBALANCE("Credit"),
                E.ACCOUNTTYPE("IncomeStatement"),
                E.REQUIREDEPT("TRUE"),
            )
        )
    )
    record = stored(gw, "GLACCOUNT", "2110")
    assert (record["NORMALBALANCE"], record["ACCOUNTTYPE"], record["REQUIREDEPT"]) == (
        "credit",
        "incomestatement",
        "true",
    )
    errors = gw.fail(
        E.create(E.GLACCOUNT(E.ACCOUNTNO("2111"), E.TITLE("x"), E.NORMALBALANCE("sideways")))
    )
    assert errors == ["BL03000018", "BL01001973"]
    assert gw.fail(E.create(E.GLACCOUNT(E.ACCOUNTNO("2112"), E.TITLE("x"), E.REQUIRELOC("maybe"))))


def test_gl_account_required_fields(gw: Gateway) -> None:
    (result,) = gw.results(E.create(E.GLACCOUNT(E.ACCOUNTNO("2110"))))
    assert errors_of(result)[0][1] == "Required field TITLE is missing"
    assert errors_of(result)[-1][1] == "Could not create GL Account record!"


def test_closing_account_needs_an_existing_closing_account_number(gw: Gateway) -> None:
    closing = E.CLOSINGTYPE("closing account")
    assert gw.fail(E.create(E.GLACCOUNT(E.ACCOUNTNO("4200"), E.TITLE("x"), closing)))
    assert gw.fail(
        E.create(
            E.GLACCOUNT(
                E.ACCOUNTNO("4200"),
                E.TITLE("x"),
                E.CLOSINGTYPE("closing account"),
                E.CLOSINGACCOUNTNO("9999"),
            )
        )
    )
    gw.ok(
        E.create(
            E.GLACCOUNT(
                E.ACCOUNTNO("4200"),
                E.TITLE("x"),
                E.CLOSINGTYPE("closing account"),
                E.CLOSINGACCOUNTNO("3100"),
            )
        )
    )


def test_duplicate_gl_account_error_chain(gw: Gateway) -> None:
    (result,) = gw.results(E.create(E.GLACCOUNT(E.ACCOUNTNO("1000"), E.TITLE("Again"))))
    assert errors_of(result) == [
        ("BL01001973", "Duplicate account number", "The account number '1000' already exists"),
        ("BL01001973", "Could not create GL Account record.", ""),
    ]


def test_update_by_recordno_or_key_is_partial(gw: Gateway) -> None:
    recordno = stored(gw, "GLACCOUNT", "6200")["RECORDNO"]
    result = gw.ok(E.update(E.GLACCOUNT(E.RECORDNO(recordno), E.TITLE("Travel & Lodging"))))
    assert created(result) == [("glaccount", recordno, "6200")]
    gw.ok(E.update(E.GLACCOUNT(E.ACCOUNTNO("6200"), E.STATUS("inactive"))))
    record = stored(gw, "GLACCOUNT", "6200")
    assert (record["TITLE"], record["STATUS"], record["NORMALBALANCE"]) == (
        "Travel & Lodging",
        "inactive",
        "debit",
    )


def test_update_of_missing_record_and_id_change_fail(gw: Gateway) -> None:
    assert gw.fail(E.update(E.GLACCOUNT(E.ACCOUNTNO("9999"), E.TITLE("x"))))
    recordno = stored(gw, "GLACCOUNT", "6200")["RECORDNO"]
    assert gw.fail(E.update(E.GLACCOUNT(E.RECORDNO(recordno), E.ACCOUNTNO("6201"))))


def test_unknown_field_is_rejected(gw: Gateway) -> None:
    body = E.create(E.GLACCOUNT(E.ACCOUNTNO("2110"), E.TITLE("x"), E.COLOUR("red")))
    (result,) = gw.results(body)
    assert "COLOUR" in errors_of(result)[0][1]


def test_delete_by_recordnos_and_missing_key(gw: Gateway) -> None:
    gw.ok(
        E.create(
            E.GLACCOUNT(E.ACCOUNTNO("8001"), E.TITLE("a")),
            E.GLACCOUNT(E.ACCOUNTNO("8002"), E.TITLE("b")),
        )
    )
    keys = ",".join(stored(gw, "GLACCOUNT", n)["RECORDNO"] for n in ("8001", "8002"))
    result = gw.ok(E.delete(E.object("GLACCOUNT"), E.keys(keys)))
    assert result.find("data") is None
    assert objects.get_by_key(gw.app.store, "GLACCOUNT", "8001") is None
    (failure,) = gw.results(E.delete(E.object("GLACCOUNT"), E.keys("99999")))
    assert errors_of(failure) == [
        ("BL01001973", "Cannot find gl account with key '99999' to delete.", "")
    ]


def test_account_in_use_cannot_be_deleted(gw: Gateway) -> None:
    recordno = stored(gw, "GLACCOUNT", "3100")["RECORDNO"]  # closing account of 4000...
    assert gw.fail(E.delete(E.object("GLACCOUNT"), E.keys(recordno)))
    assert objects.get_by_key(gw.app.store, "GLACCOUNT", "3100") is not None


# -- EEACCOUNTLABEL, EMPLOYEE, dimensions ------------------------------------------------------


def test_expense_type_needs_an_existing_gl_account(gw: Gateway) -> None:
    (result,) = gw.results(
        E.create(
            E.EEACCOUNTLABEL(E.ACCOUNTLABEL("Meals"), E.DESCRIPTION("Meals"), E.GLACCOUNTNO("9999"))
        )
    )
    assert result.findtext("status") == "failure"
    assert "9999" in errors_of(result)[0][2]
    gw.ok(
        E.create(
            E.EEACCOUNTLABEL(E.ACCOUNTLABEL("Meals"), E.DESCRIPTION("Meals"), E.GLACCOUNTNO("6210"))
        )
    )
    assert stored(gw, "EEACCOUNTLABEL", "Meals")["GLACCOUNTTITLE"] == "Meals and Entertainment"


def test_employee_references_contact_location_and_department(gw: Gateway) -> None:
    def employee(location: str, department: str) -> etree._Element:
        return E.create(
            E.EMPLOYEE(
                E.EMPLOYEEID("EMP100"),
                E.PERSONALINFO(E.CONTACTNAME("Lee, Pat")),
                E.LOCATIONID(location),
                E.DEPARTMENTID(department),
            )
        )

    (no_contact,) = gw.results(employee("HQ", "FIN"))
    assert "PERSONALINFO/CONTACTNAME" in errors_of(no_contact)[0][1]
    assert gw.fail(E.create(E.CONTACT(E.CONTACTNAME("Lee, Pat"))))  # PRINTAS required
    gw.ok(E.create(E.CONTACT(E.CONTACTNAME("Lee, Pat"), E.PRINTAS("Pat Lee"))))
    assert gw.fail(employee("NOWHERE", "FIN"))
    assert gw.fail(employee("HQ", "NODEPT"))
    gw.ok(employee("HQ", "FIN"))
    assert stored(gw, "EMPLOYEE", "EMP100")["PERSONALINFO"] == {"CONTACTNAME": "Lee, Pat"}
    assert gw.fail(E.create(E.EMPLOYEE(E.EMPLOYEEID("EMP101"))))  # PERSONALINFO required
    contact = stored(gw, "CONTACT", "Lee, Pat")["RECORDNO"]
    (in_use,) = gw.results(E.delete(E.object("CONTACT"), E.keys(contact)))
    assert "EMP100" in errors_of(in_use)[0][2]


def test_records_remember_the_entity_they_were_created_in(gw: Gateway) -> None:
    session = gw.session(locationid="E100")
    gw.ok(
        E.create(E.DEPARTMENT(E.DEPARTMENTID("E1D"), E.TITLE("Entity dept"))),
        auth=E.sessionid(session),
    )
    gw.ok(E.create(E.DEPARTMENT(E.DEPARTMENTID("TOPD"), E.TITLE("Top dept"))))
    rows = gw.ok(
        E.query(
            E.object("DEPARTMENT"),
            E.select(E.field("DEPARTMENTID"), E.field("MEGAENTITYID")),
            E.filter(E("in", E.field("DEPARTMENTID"), E.value("E1D"), E.value("TOPD"))),
        )
    ).find("data")
    assert {(r.findtext("DEPARTMENTID"), r.findtext("MEGAENTITYID")) for r in rows} == {
        ("E1D", "E100"),
        ("TOPD", ""),
    }


def test_location_department_vendor_lifecycle(gw: Gateway) -> None:
    gw.ok(
        E.create(
            E.LOCATION(E.LOCATIONID("NYC"), E.NAME("New York"), E.PARENTID("HQ")),
            E.DEPARTMENT(E.DEPARTMENTID("MKT"), E.TITLE("Marketing")),
            E.VENDOR(E.VENDORID("V400"), E.NAME("Globex")),
        )
    )
    gw.ok(E.update(E.VENDOR(E.VENDORID("V400"), E.NAME("Globex Corp"))))
    assert stored(gw, "VENDOR", "V400")["NAME"] == "Globex Corp"
    assert gw.fail(E.create(E.LOCATION(E.LOCATIONID("X"), E.NAME("X"), E.PARENTID("NOPE"))))
    recordno = stored(gw, "DEPARTMENT", "MKT")["RECORDNO"]
    gw.ok(E.delete(E.object("DEPARTMENT"), E.keys(recordno)))
    assert gw.fail(E.delete(E.object("LOCATION"), E.keys(stored(gw, "LOCATION", "HQ")["RECORDNO"])))


# -- USERINFO and roles ------------------------------------------------------------------------


def new_user(login_id: str = "xmlgateway_expensify", **extra: str) -> etree._Element:
    user = E.USERINFO(
        E.LOGINID(login_id),
        E.CONTACTINFO(
            E.FIRSTNAME("Expensify"), E.LASTNAME("Expensify"), E.EMAIL1("ap@acme.example")
        ),
        E.LOGINDISABLED("true"),
    )
    for name, value in extra.items():
        user.append(E(name, value))
    return E.create(user)


def test_web_services_user_create_and_defaults(gw: Gateway) -> None:
    gw.ok(new_user(ADMIN="Full"))
    record = stored(gw, "USERINFO", "xmlgateway_expensify")
    assert (record["LOGINDISABLED"], record["USERTYPE"], record["ADMIN"], record["STATUS"]) == (
        "true",
        "business user",
        "Full",
        "active",
    )
    assert gw.fail(new_user())  # duplicate login id: BL34000061 chain
    (dup,) = gw.results(new_user())
    assert errors_of(dup)[0][0] == "BL34000061"


def test_admin_accepts_the_documented_boolean_form(gw: Gateway) -> None:
    gw.ok(new_user("u1", ADMIN="false"))
    gw.ok(new_user("u2", ADMIN="true"))
    assert stored(gw, "USERINFO", "u1")["ADMIN"] == "Off"
    assert stored(gw, "USERINFO", "u2")["ADMIN"] == "Full"
    assert gw.fail(new_user("u3", ADMIN="Partial"))


def test_user_type_values_and_crm_rule(gw: Gateway) -> None:
    assert gw.fail(new_user("u1", USERTYPE="superhero"))
    gw.ok(new_user("u2", USERTYPE="Employee User"))
    assert stored(gw, "USERINFO", "u2")["USERTYPE"] == "employee user"
    user = E.USERINFO(
        E.LOGINID("u3"),
        E.CONTACTINFO(E.FIRSTNAME("a"), E.LASTNAME("b"), E.EMAIL1("c@d.e")),
        E.USERTYPE("CRM user"),
    )
    assert gw.fail(E.create(user))  # CRM users need LOGINDISABLED=true


def test_user_needs_contact_info_which_cannot_change(gw: Gateway) -> None:
    assert gw.fail(E.create(E.USERINFO(E.LOGINID("u1"))))
    gw.ok(new_user("u1"))
    assert gw.fail(
        E.update(
            E.USERINFO(
                E.LOGINID("u1"),
                E.CONTACTINFO(E.FIRSTNAME("New"), E.LASTNAME("Name"), E.EMAIL1("new@x.example")),
            )
        )
    )
    gw.ok(E.update(E.USERINFO(E.LOGINID("u1"), E.STATUS("inactive"))))
    assert stored(gw, "USERINFO", "u1")["STATUS"] == "inactive"


def test_user_restriction_lists_are_replaced(gw: Gateway) -> None:
    gw.ok(new_user("u1"))
    gw.ok(
        E.update(
            E.USERINFO(E.LOGINID("u1"), E.USERLOCATIONS(E.LOCATIONID("HQ"), E.LOCATIONID("SF")))
        )
    )
    assert stored(gw, "USERINFO", "u1")["USERLOCATIONS"] == ["HQ", "SF"]
    rows = gw.ok(
        E.query(
            E.object("USERINFO"),
            E.select(E.field("LOGINID"), E.field("USERLOCATIONS.LOCATIONID")),
            E.filter(E.equalto(E.field("LOGINID"), E.value("u1"))),
        )
    ).find("data")
    assert [x.text for x in rows.findall("USERINFO/USERLOCATIONS/LOCATIONID")] == ["HQ", "SF"]
    gw.ok(E.update(E.USERINFO(E.LOGINID("u1"), E.DESCRIPTION("x"))))
    assert stored(gw, "USERINFO", "u1")["USERLOCATIONS"] == []


def test_admin_user_cannot_be_deleted_but_others_can(gw: Gateway) -> None:
    admin = stored(gw, "USERINFO", "admin")["RECORDNO"]
    (result,) = gw.results(E.delete(E.object("USERINFO"), E.keys(admin)))
    assert "admin privileges" in errors_of(result)[0][1]
    gw.ok(new_user("u1"))
    gw.ok(E.create(E.USERROLES(E.USERID("u1"), E.ROLENAME("Administrator"))))
    gw.ok(E.delete(E.object("USERINFO"), E.keys(stored(gw, "USERINFO", "u1")["RECORDNO"])))
    assert objects.find(gw.app.store, "USERROLES", {"USERID": "u1"}) == []
    assert objects.find(gw.app.store, "ROLEUSERS", {"USERLOGINID": "u1"}) == []


def test_only_admins_write_users(gw: Gateway) -> None:
    gw.ok(new_user("clerk"))
    company.set_user_password(gw.app.store, "clerk", "pw")
    (result,) = gw.results(new_user("u9"), auth=login("clerk", "pw"))
    assert "You do not have permission for API" in errors_of(result)[0][2]
    # non-user objects are fine for a non-admin
    assert (
        gw.results(E.create(E.VENDOR(E.VENDORID("V9"), E.NAME("n"))), auth=login("clerk", "pw"))[
            0
        ].findtext("status")
        == "success"
    )


def test_user_roles_create_delete_and_role_users(gw: Gateway) -> None:
    gw.ok(new_user("u1"))
    assert gw.fail(E.create(E.USERROLES(E.USERID("u1"), E.ROLENAME("NoSuchRole"))))
    assert gw.fail(E.create(E.USERROLES(E.USERID("ghost"), E.ROLENAME("Administrator"))))
    result = gw.ok(E.create(E.USERROLES(E.USERID("u1"), E.ROLENAME("Administrator"))))
    recordno = result.findtext("data/userroles/RECORDNO")
    assert result.findtext("data/userroles/USERID") == "u1"
    rows = gw.ok(
        E.query(E.object("ROLEUSERS"), E.select(E.field("USERLOGINID"), E.field("ROLENAME")))
    )
    pairs = {(r.findtext("USERLOGINID"), r.findtext("ROLENAME")) for r in rows.find("data")}
    assert ("u1", "Administrator") in pairs
    assert gw.fail(E.create(E.USERROLES(E.USERID("u1"), E.ROLENAME("Administrator"))))
    gw.ok(E.delete(E.object("USERROLES"), E.keys(recordno)))
    assert objects.find(gw.app.store, "ROLEUSERS", {"USERLOGINID": "u1"}) == []


@pytest.mark.parametrize(
    "body",
    [
        E.create(E.ROLES(E.NAME("Hackers"))),
        E.create(
            E.ROLEPOLICYASSIGNMENT(
                E.ROLENAME("Administrator"),
                E.POLICYNAME("Users"),
                E.RIGHTS("List"),
                E.APPLICATIONNAME("Administration"),
            )
        ),
        E.create(E.CREDITCARD(E.CARDID("CC1"), E.VENDORID("V100"))),
        E.create(E.CHECKINGACCOUNT(E.BANKACCOUNTID("B2"), E.GLACCOUNTNO("1000"))),
        E.create(E.LOCATIONENTITY(E.LOCATIONID("E300"), E.NAME("x"))),
        E.create(E.GLJOURNAL(E.SYMBOL("APJ"), E.TITLE("x"))),
        E.update(E.ROLES(E.NAME("Administrator"), E.DESCRIPTION("x"))),
        E.delete(E.object("ROLES"), E.keys("1")),
        E.delete(E.object("CHECKINGACCOUNT"), E.keys("1")),
    ],
)
def test_read_only_objects_refuse_xml_writes(gw: Gateway, body: etree._Element) -> None:
    (result,) = gw.results(body)
    assert result.findtext("status") == "failure"
    assert "read-only" in errors_of(result)[0][2]
    assert objects.get_by_key(gw.app.store, "ROLES", "Hackers") is None


def test_read_only_objects_are_readable_and_writable_through_rest_rules(gw: Gateway) -> None:
    store = gw.app.store
    objects.create(
        store,
        "CREDITCARD",
        {
            "CARDID": "SPEND-CC",
            "VENDORID": "V100",
            "CARDTYPE": "visa",
            "EXP_MONTH": "12",
            "EXP_YEAR": "2035",
            "OFFSETGLACCOUNTNO": "2200",
            "LOCATION": "HQ",
        },
        via="rest",
    )
    with pytest.raises(objects.SandboxError):
        objects.create(store, "CREDITCARD", {"CARDID": "BAD", "VENDORID": "V999"}, via="rest")
    with pytest.raises(objects.SandboxError):
        objects.create(
            store,
            "CREDITCARD",
            {"CARDID": "BAD", "VENDORID": "V100", "EXP_MONTH": "13"},
            via="rest",
        )
    data = gw.ok(E.readByName(E.object("CREDITCARD"), E.keys("SPEND-CC"))).find("data")
    card = data.find("CREDITCARD")
    assert (card.findtext("CARDTYPE"), card.findtext("OFFSETGLACCOUNTNO")) == ("Visa", "2200")


def test_role_policy_rights_are_canonicalised(gw: Gateway) -> None:
    store = gw.app.store
    objects.create(store, "ROLES", {"NAME": "Expensify"}, via="rest")
    objects.create(
        store,
        "ROLEPOLICYASSIGNMENT",
        {
            "ROLENAME": "Expensify",
            "APPLICATIONNAME": "accounts_payable",
            "POLICYNAME": "Vendors",
            "RIGHTS": "view|list|Add",
        },
        via="rest",
    )
    (row,) = objects.find(store, "ROLEPOLICYASSIGNMENT", {"ROLENAME": "Expensify"})
    assert (row["APPLICATIONNAME"], row["MODULE"], row["RIGHTS"]) == (
        "Accounts Payable",
        "accounts_payable",
        "List|View|Add",
    )
    with pytest.raises(objects.SandboxError):
        objects.create(
            store,
            "ROLEPOLICYASSIGNMENT",
            {
                "ROLENAME": "Expensify",
                "APPLICATIONNAME": "Accounts Payable",
                "POLICYNAME": "Bills",
                "RIGHTS": "Juggle",
            },
            via="rest",
        )
    objects.delete(
        store, "ROLES", objects.get_by_key(store, "ROLES", "Expensify")["RECORDNO"], via="rest"
    )
    assert objects.find(store, "ROLEPOLICYASSIGNMENT", {"ROLENAME": "Expensify"}) == []


# -- legacy journals, installApp --------------------------------------------------------------


def test_legacy_journal_functions(gw: Gateway) -> None:
    result = gw.ok(E.create_journal(E.symbol("EXP"), E.title("Expense Journal")))
    assert result.findtext("key") == "EXP"
    assert result.find("data") is None
    gw.ok(E.update_journal(E.title("Expenses"), E.status("inactive"), symbol="EXP"))
    data = gw.ok(
        E.query(
            E.object("GLJOURNAL"),
            E.select(E.field("SYMBOL"), E.field("TITLE"), E.field("STATUS")),
            E.filter(E.equalto(E.field("SYMBOL"), E.value("EXP"))),
        )
    ).find("data")
    journal = data.find("GLJOURNAL")
    assert (journal.findtext("TITLE"), journal.findtext("STATUS")) == ("Expenses", "inactive")
    assert gw.fail(E.create_journal(E.symbol("EXP"), E.title("again")))
    gw.ok(E.delete_journal(symbol="EXP"))
    assert gw.fail(E.delete_journal(symbol="EXP"))


def test_install_app_stores_a_readable_package(gw: Gateway) -> None:
    appxml = '<application name="Expensify UDD"><description>d</description></application>'
    result = gw.ok(E.installApp(E.appxml(etree.CDATA(appxml))))
    assert result.findtext("data/application/NAME") == "Expensify UDD"
    data = gw.ok(E.readByName(E.object("PTAPPLICATION"), E.keys("Expensify UDD"))).find("data")
    package = data.find("PTAPPLICATION")
    assert package.findtext("DESCRIPTION") == "d"
    first_digest = package.findtext("DIGEST")
    assert first_digest == "sha256:" + hashlib.sha256(appxml.encode()).hexdigest()
    gw.ok(E.installApp(E.appxml(etree.CDATA(appxml.replace(">d<", ">e<")))))
    again = objects.get_by_key(gw.app.store, "PTAPPLICATION", "Expensify UDD")
    assert again["DESCRIPTION"] == "e" and again["DIGEST"] != first_digest
    assert objects.query(gw.app.store, "PTAPPLICATION")[0] == 1
    assert gw.fail(E.installApp(E.appxml("<application><broken")))
    assert gw.fail(E.installApp(E.appxml(etree.CDATA("<application/>"))))


def test_dates_are_mm_dd_yyyy(gw: Gateway) -> None:
    (bad,) = gw.results(
        E.create(E.LOCATION(E.LOCATIONID("NYC"), E.NAME("New York"), E.STARTDATE("2024-01-31")))
    )
    assert errors_of(bad)[0][:2] == ("BL03000018", "Illegal format for STARTDATE")
    gw.ok(E.create(E.LOCATION(E.LOCATIONID("NYC"), E.NAME("New York"), E.STARTDATE("1/31/2024"))))
    assert stored(gw, "LOCATION", "NYC")["STARTDATE"] == "01/31/2024"
