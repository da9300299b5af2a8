import pytest
from lxml import etree

from intacct_reconcile.client import envelope, xml
from intacct_reconcile.client.envelope import Function, Login, Session
from intacct_reconcile.client.errors import (
    AuthenticationError,
    AuthorizationError,
    DuplicateError,
    ProtocolError,
    RateLimitedError,
)
from intacct_reconcile.credentials import Secret

from .fakes import error, response, result


def build(**kw):
    defaults = dict(
        sender_id="S",
        sender_password=Secret("sender-secret"),
        auth=Login("u", "C", Secret("user-secret")),
        functions=[Function("f-1", envelope.get_api_session(None))],
    )
    return etree.fromstring(envelope.build_request(**{**defaults, **kw}))


def test_control_block_order_and_defaults():
    root = build(control_id="req-1")
    assert [c.tag for c in root.find("control")] == [
        "senderid",
        "password",
        "controlid",
        "uniqueid",
        "dtdversion",
        "includewhitespace",
    ]
    assert root.findtext("control/controlid") == "req-1"
    assert root.findtext("control/uniqueid") == "false"
    assert root.findtext("control/dtdversion") == "3.0"
    assert root.find("operation").get("transaction") == "false"


def test_login_and_session_authentication():
    login = build(auth=Login("u", "C", Secret("user-secret"), location_id="E1"))
    assert [c.tag for c in login.find("operation/authentication/login")] == [
        "userid",
        "companyid",
        "password",
        "locationid",
    ]
    session = build(auth=Session(Secret("sess-123456"), "", None), unique=True, transaction=True)
    assert session.findtext("operation/authentication/sessionid") == "sess-123456"
    assert session.find("operation/authentication/login") is None
    assert session.findtext("control/uniqueid") == "true"
    assert session.find("operation").get("transaction") == "true"


def test_functions_carry_their_control_ids():
    fns = [
        Function("a", envelope.query("GLACCOUNT", ["RECORDNO"])),
        Function("b", envelope.delete("GLACCOUNT", ["1", "2"])),
    ]
    root = build(functions=fns)
    content = root.findall("operation/content/function")
    assert [f.get("controlid") for f in content] == ["a", "b"]
    assert content[1].findtext("delete/keys") == "1,2"


def test_query_body_has_select_filter_order_and_paging():
    body = envelope.query(
        "USERINFO",
        ["LOGINID", "STATUS"],
        envelope.and_(envelope.eq("STATUS", "active"), envelope.in_("LOGINID", ["a", "b"])),
        offset=4000,
    )
    assert [f.text for f in body.iterfind("select/field")] == ["LOGINID", "STATUS"]
    assert body.findtext("filter/and/equalto/field") == "STATUS"
    assert [v.text for v in body.iterfind("filter/and/in/value")] == ["a", "b"]
    assert body.findtext("orderby/order/field") == "RECORDNO"
    assert body.findtext("pagesize") == "2000"
    assert body.findtext("offset") == "4000"


def test_filter_as_read_by_query_string_escapes_quotes():
    f = envelope.and_(envelope.eq("NAME", "Jane's Deli"), envelope.in_("ID", ["1", "2"]))
    assert f.to_sql() == "(NAME = 'Jane\\'s Deli' AND ID IN ('1', '2'))"


def parse(body: bytes):
    return envelope.parse_response(xml.parse(body))


def test_query_result_data_attributes_and_records():
    body = response(
        result(
            "query",
            "q1",
            data=(
                '<data listtype="GLACCOUNT" totalcount="4001" offset="0" count="2" '
                'numremaining="3999">'
                "<GLACCOUNT><RECORDNO>1</RECORDNO><ACCOUNTNO>1000</ACCOUNTNO></GLACCOUNT>"
                "<GLACCOUNT><RECORDNO>2</RECORDNO><ACCOUNTNO>1010</ACCOUNTNO></GLACCOUNT></data>"
            ),
        )
    )
    (res,) = parse(body).results
    assert res.ok and res.control_id == "q1" and res.function == "query"
    assert res.total_count == 4001 and res.num_remaining == 3999
    assert res.records == [
        {"RECORDNO": "1", "ACCOUNTNO": "1000"},
        {"RECORDNO": "2", "ACCOUNTNO": "1010"},
    ]


def test_legacy_key_result():
    (res,) = parse(response(result("create_journal", "j", data="<key>4711</key>"))).results
    assert res.key == "4711"


def test_control_failure_raises_typed_error():
    body = response(
        "",
        control_status="failure",
        errors=error("XL03000006", "Incorrect Intacct XML Partner ID or password."),
    )
    with pytest.raises(AuthenticationError, match="XL03000006"):
        parse(body)


def test_rate_limit_at_control_level():
    body = response("", control_status="failure", errors=error("GW-0010", "rate limit"))
    with pytest.raises(RateLimitedError):
        parse(body)


def test_unauthorized_sender_at_authentication_level():
    body = response(
        "",
        auth_status="failure",
        errors=error(
            "XL03000006",
            "Invalid Web Services Authorization",
            "The sender ID 'S' is not authorized to make Web Services requests to company ID 'C'.",
            "Contact the company administrator to grant Web Services authorization to this "
            "sender ID.",
        ),
    )
    with pytest.raises(AuthorizationError) as info:
        parse(body)
    assert "Web Services authorizations > Add sender ID" in str(info.value)


def test_function_failure_and_aborted_results_do_not_raise_until_asked():
    body = response(
        result(
            "create",
            "c1",
            status="failure",
            errors=error(
                "BL01001973", "Duplicate account number", "The account number '5000' already exists"
            ),
        )
        + result(
            "create",
            "c2",
            status="aborted",
            errors=error(
                "XL03000009",
                "The entire transaction in this operation has been rolled back due to an error.",
            ),
        )
    )
    first, second = parse(body).results
    assert not first.ok and second.status == "aborted"
    with pytest.raises(DuplicateError, match="c1"):
        first.raise_for_status()


@pytest.mark.parametrize(
    "body",
    [
        b"<notresponse/>",
        b"<response><operation/></response>",
        b"<response><control><status>success</status></control></response>",
        response(
            "<result><status>maybe</status><function>x</function><controlid>c</controlid></result>"
        ),
    ],
)
def test_unexpected_shapes_are_protocol_errors(body):
    with pytest.raises(ProtocolError):
        parse(body)


def test_non_numeric_data_attribute_is_a_protocol_error():
    (res,) = parse(response(result("query", "q", data='<data totalcount="lots"/>'))).results
    with pytest.raises(ProtocolError, match="totalcount"):
        _ = res.total_count
