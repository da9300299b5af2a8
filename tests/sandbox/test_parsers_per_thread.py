"""The served sandbox answers requests on threads of its own, and each thread parses request
bodies with parsers of its own. With one parser shared by the threads, about one apply in
twenty that sent two create requests at once had one of them refused as malformed (XL03000003
"Opening and ending tag mismatch" naming tags of another thread's document)."""

from __future__ import annotations

import threading

from intacct_reconcile.sandbox import realism, xml_codec


def _in_thread(make):
    out = []
    thread = threading.Thread(target=lambda: out.append(make()))
    thread.start()
    thread.join()
    return out[0]


def test_each_thread_parses_with_parsers_of_its_own():
    for make in (xml_codec._parser, xml_codec._row_parser, realism._safe_parser):
        here = make()
        assert make() is here  # kept for the thread's next request
        assert _in_thread(make) is not here


def test_a_request_body_still_parses_on_another_thread():
    body = b"<request><operation><content><function><create><GLACCOUNT>" + (
        b"<ACCOUNTNO>1</ACCOUNTNO><TITLE>One</TITLE></GLACCOUNT></create></function>"
        b"</content></operation></request>"
    )
    root = _in_thread(lambda: xml_codec.parse(body))
    assert root.findtext(".//TITLE") == "One"
    assert realism.describe_xml(body).functions == ("create",)
