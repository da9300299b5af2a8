import pytest
from lxml import etree

from intacct_reconcile.client import xml
from intacct_reconcile.client.errors import ProtocolError

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<response>&lol3;</response>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><response>&xxe;</response>"""
REMOTE_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE response SYSTEM "http://evil.example/x.dtd"><response/>"""


@pytest.mark.parametrize("body", [BOMB, XXE, REMOTE_DTD], ids=["bomb", "xxe", "remote-dtd"])
def test_hostile_documents_are_refused_without_expanding(body):
    with pytest.raises(ProtocolError, match=r"DOCTYPE|entity|not well-formed"):
        xml.parse(body)


@pytest.mark.parametrize(
    "body",
    [
        b"<r><a>Cash &amp; Equivalents &#38; &lt;&gt;</a></r>",  # `&`: the tree is walked
        "<r><a>Cash &amp; Equivalents &#38; &lt;&gt;</a></r>".encode("utf-16"),  # no `<` first
    ],
)
def test_predefined_entities_and_character_references_are_text(body):
    assert xml.parse(body).findtext("a") == "Cash & Equivalents & <>"


def test_xxe_never_reads_the_file():
    with pytest.raises(ProtocolError) as info:
        xml.parse(XXE)
    assert "root:" not in str(info.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<response><control><status>succ", "not well-formed"),
        (b"<html><body>Bad Gateway</body", "not well-formed"),
        (b"", "empty"),
        (b"   ", "empty"),
        (b'{"ia::result": 1}', "not well-formed"),
    ],
)
def test_broken_bodies_raise_protocol_error(body, message):
    with pytest.raises(ProtocolError, match=message):
        xml.parse(body)


def test_oversized_body_is_refused_before_parsing():
    with pytest.raises(ProtocolError, match="larger than 100 bytes"):
        xml.parse(b"<response>" + b"x" * 200 + b"</response>", max_bytes=100)


@pytest.mark.parametrize("ctype", ["text/html", "text/html; charset=utf-8", "application/json", ""])
def test_wrong_content_type_is_refused(ctype):
    with pytest.raises(ProtocolError, match="content type"):
        xml.check_content_type(ctype)


@pytest.mark.parametrize(
    "ctype", ["text/xml", 'text/xml; encoding="UTF-8"', "application/xml", None]
)
def test_xml_content_types_are_accepted(ctype):
    xml.check_content_type(ctype)


def test_values_are_escaped_by_construction():
    node = xml.record("VENDOR", {"NAME": "A & B <script>", "NOTE": "]]>'\""})
    text = etree.tostring(node)
    assert b"<script>" not in text
    back = xml.to_python(xml.parse(text))
    assert back == {"NAME": "A & B <script>", "NOTE": "]]>'\""}


def test_fill_nests_mappings_repeats_lists_and_skips_none():
    node = xml.record(
        "USERINFO",
        {
            "LOGINID": "jdoe",
            "CONTACTINFO": {"FIRSTNAME": "Jane", "LASTNAME": "Doe"},
            "USERLOCATIONS": {"LOCATIONID": ["HQ", "EU"]},
            "LINES": [{"A": "1"}, {"A": "2"}],
            "LOGINDISABLED": True,
            "DESCRIPTION": None,
            "CLEARED": "",
        },
    )
    assert etree.tostring(node).decode() == (
        "<USERINFO><LOGINID>jdoe</LOGINID><CONTACTINFO><FIRSTNAME>Jane</FIRSTNAME>"
        "<LASTNAME>Doe</LASTNAME></CONTACTINFO><USERLOCATIONS><LOCATIONID>HQ</LOCATIONID>"
        "<LOCATIONID>EU</LOCATIONID></USERLOCATIONS><LINES><A>1</A></LINES><LINES><A>2</A>"
        "</LINES><LOGINDISABLED>true</LOGINDISABLED><CLEARED></CLEARED></USERINFO>"
    )


def test_to_python_turns_repeated_tags_into_lists():
    node = xml.parse(b"<R><A>1</A><B><C>x</C></B><A>2</A><E/></R>")
    assert xml.to_python(node) == {"A": ["1", "2"], "B": {"C": "x"}, "E": ""}


def _reference_records(data: etree._Element) -> list[dict]:
    """What records() means: every element child of <data> through to_python."""
    out = []
    for child in data:
        if isinstance(child.tag, str):
            value = xml.to_python(child)
            out.append(value if isinstance(value, dict) else {})
    return out


@pytest.mark.parametrize(
    "body",
    [
        b"<data><R><A>1</A><B></B><C/></R><R><A>2</A><B>x</B><C>y</C></R></data>",
        b"<data><R><A>1</A><A>2</A></R><R><A>3</A></R></data>",  # a repeated field
        b"<data><R><A>1</A><G><X>x</X><Y>y</Y></G></R><R><A>2</A></R></data>",  # a group
        b"<data><R><A>1</A><!-- note --></R><!-- between --><R><A>2</A></R></data>",
        b"<data><R><A>1</A><?pi x?></R></data>",
        b"<data><R/><R><A/></R></data>",
        b"<data>stray<R><A>1</A></R></data>",  # text between the records
        b"<data><R>text</R><R><A>1</A></R></data>",  # a record of text alone
        b"<data><R><A>1</A></R><?pi x?></data>",
        b"<data></data>",
    ],
)
def test_records_match_to_python_for_flat_and_irregular_pages(body):
    data = etree.fromstring(body)  # comments and PIs kept: records() must skip them
    assert xml.records(data) == _reference_records(data)


def test_records_of_a_flat_page_keep_field_order_and_empty_values():
    data = etree.fromstring(b"<data><R><B>2</B><A></A></R><R><A>x</A></R></data>")
    rows = xml.records(data)
    assert rows == [{"B": "2", "A": ""}, {"A": "x"}]
    assert list(rows[0]) == ["B", "A"]
