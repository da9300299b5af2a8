"""Paging math and request packing, against a fake that serves N records per object."""

import math
import threading
import time

from intacct_reconcile.client import envelope
from intacct_reconcile.client.gateway import PAGES_PER_REQUEST, Gateway, ReadSpec

from .fakes import CREDS, FakeGateway, error, response, result, xml_response

SIZES = {"GLACCOUNT": 4500, "USERINFO": 2000, "ROLES": 7, "EMPTY": 0}


class Pager:
    def __init__(self, delay: float = 0.0, hold_until: int = 0):
        self.delay = delay
        # hold each request until this many are in flight (or 2 s pass), so overlap does
        # not depend on how busy the machine is
        self.hold_until = hold_until
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.result_sets: dict[str, tuple[str, int]] = {}

    def __call__(self, seen):
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        time.sleep(self.delay)
        deadline = time.monotonic() + 2.0
        while self.hold_until and time.monotonic() < deadline:
            with self.lock:
                if self.peak >= self.hold_until:
                    break
            time.sleep(0.005)
        try:
            return xml_response(response("".join(self.answer(f) for f in seen.functions)))
        finally:
            with self.lock:
                self.in_flight -= 1

    def answer(self, fn):
        cid = fn.get("controlid")
        verb = next(iter(fn))
        if verb.tag == "query":
            obj = verb.findtext("object")
            if obj == "LEGACYONLY":
                return result(
                    "query",
                    cid,
                    status="failure",
                    errors=error("XL03000003", "query is not supported for object LEGACYONLY"),
                )
            total = SIZES[obj]
            offset, size = int(verb.findtext("offset")), int(verb.findtext("pagesize"))
            rows = range(offset, min(total, offset + size))
            recs = "".join(f"<{obj}><RECORDNO>{i}</RECORDNO></{obj}>" for i in rows)
            return result(
                "query",
                cid,
                data=(
                    f'<data listtype="{obj}" totalcount="{total}" offset="{offset}" '
                    f'count="{len(rows)}" numremaining="{max(0, total - offset - len(rows))}">'
                    f"{recs}</data>"
                ),
            )
        if verb.tag == "readByQuery":
            return self.page(cid, "readByQuery", 0, int(verb.findtext("pagesize")))
        if verb.tag == "readMore":
            start, size = self.result_sets[verb.findtext("resultId")]
            return self.page(cid, "readMore", start, size)
        raise AssertionError(verb.tag)

    def page(self, cid, function, start, size, total=2500):
        rows = range(start, min(total, start + size))
        remaining = total - rows.stop
        self.result_sets["rs1"] = (rows.stop, size)
        recs = "".join(f"<legacyonly><RECORDNO>{i}</RECORDNO></legacyonly>" for i in rows)
        return result(
            function,
            cid,
            data=(
                f'<data listtype="legacyonly" count="{len(rows)}" totalcount="{total}" '
                f'numremaining="{remaining}" resultId="rs1">{recs}</data>'
            ),
        )


def test_first_pages_of_all_objects_travel_in_one_request_then_the_rest_is_packed():
    pager = Pager()
    fake = FakeGateway(handler=pager)
    events = []
    gw = Gateway(fake.client(), CREDS, concurrency=2, progress=events.append)
    out = gw.read_many([ReadSpec(o, ["RECORDNO"]) for o in SIZES])
    assert {k: len(v) for k, v in out.items()} == SIZES
    assert [int(r["RECORDNO"]) for r in out["GLACCOUNT"]] == list(range(4500))
    reads = fake.seen[1:]
    assert reads[0].names == ["query"] * 4  # every first page in one request
    later = sorted(int(q.findtext("offset")) for s in reads[1:] for q in s.root.iter("query"))
    assert later == [2000, 4000]  # only the GLACCOUNT pages remain
    assert len(reads) == 1 + 2  # spread over the 2 allowed concurrent requests
    final = [e for e in events if e.object == "GLACCOUNT"][-1]
    assert (final.done, final.total) == (4500, 4500)


def test_many_pages_are_packed_several_per_request(monkeypatch):
    monkeypatch.setitem(SIZES, "GLACCOUNT", 40_000)
    fake = FakeGateway(handler=Pager())
    gw = Gateway(fake.client(), CREDS, concurrency=2)
    out = gw.read_all("GLACCOUNT", ["RECORDNO"])
    assert len(out) == 40_000
    assert len({r["RECORDNO"] for r in out}) == 40_000
    # 20 pages: 1 first + 19 packed, PAGES_PER_REQUEST at most, in a multiple of 2 requests
    packs = [s for s in fake.seen[2:]]
    assert all(len(s.functions) <= PAGES_PER_REQUEST for s in packs)
    assert len(packs) % 2 == 0 and len(packs) == 2 * math.ceil(19 / (2 * PAGES_PER_REQUEST))
    assert sum(len(s.functions) for s in packs) == 19


def test_concurrency_limit_is_respected(monkeypatch):
    monkeypatch.setitem(SIZES, "GLACCOUNT", 30_000)
    pager = Pager(hold_until=3)
    fake = FakeGateway(handler=pager)
    gw = Gateway(fake.client(), CREDS, concurrency=3)
    gw.read_all("GLACCOUNT", ["RECORDNO"])
    assert pager.peak == 3
    assert gw.peak_in_flight == 3


def test_objects_query_cannot_serve_fall_back_to_read_by_query_and_read_more():
    fake = FakeGateway(handler=Pager())
    gw = Gateway(fake.client(), CREDS)
    out = gw.read_many([ReadSpec("LEGACYONLY", ["RECORDNO"]), ReadSpec("ROLES", ["RECORDNO"])])
    assert len(out["LEGACYONLY"]) == 2500 and len(out["ROLES"]) == 7
    names = [s.names for s in fake.seen[1:]]
    assert names == [["query", "query"], ["readByQuery"], ["readMore"], ["readMore"]]


def test_filter_reaches_the_query():
    fake = FakeGateway(handler=Pager())
    Gateway(fake.client(), CREDS).read_all("ROLES", ["RECORDNO"], envelope.eq("NAME", "Admin"))
    assert fake.seen[1].root.findtext(".//query/filter/equalto/value") == "Admin"


def test_each_page_is_converted_as_it_arrives_and_the_answer_keeps_page_order(monkeypatch):
    monkeypatch.setitem(SIZES, "GLACCOUNT", 9_000)
    pages = []
    lock = threading.Lock()

    def numbers(records):
        with lock:
            pages.append((threading.current_thread().name, len(records)))
        return [int(r["RECORDNO"]) for r in records]

    fake = FakeGateway(handler=Pager())
    gw = Gateway(fake.client(), CREDS, concurrency=2)
    out = gw.read_many(
        [ReadSpec("GLACCOUNT", ["RECORDNO"]), ReadSpec("ROLES", ["RECORDNO"])],
        convert={"GLACCOUNT": numbers},
    )
    assert out["GLACCOUNT"] == list(range(9_000))  # converted, in page order
    assert [r["RECORDNO"] for r in out["ROLES"]] == [str(i) for i in range(7)]  # as read
    assert sorted(size for _, size in pages) == [1000, 2000, 2000, 2000, 2000]  # per page
    # the later pages are converted by the threads that fetched them, not all at the end
    assert len({name for name, _ in pages}) > 1


def test_a_read_by_query_fallback_is_converted_too():
    fake = FakeGateway(handler=Pager())
    out = Gateway(fake.client(), CREDS).read_many(
        [ReadSpec("LEGACYONLY", ["RECORDNO"])], convert={"LEGACYONLY": lambda rs: [len(rs)]}
    )
    assert out["LEGACYONLY"] == [2500]
