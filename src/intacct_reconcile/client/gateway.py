"""XML gateway client: sessions, retries, paged reads and batched idempotent writes.

Reads use `query` (pagesize 2000): the first pages of all requested objects travel together,
spread over up to `concurrency` requests in flight at once (one request when a single object
is read); the remaining offsets are packed several functions per request and fetched in
parallel, never more than `concurrency` requests in flight. A read may name a `row` function:
each page's records are passed through it by the thread that fetched the page, so converting
one page overlaps the server's work on the next. Writes send up to 100 records per
function and up to 10 functions per request with `uniqueid=true` and control ids derived from
the caller's idempotency key and the function content, so a retried request never applies a
function twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from lxml import etree

from intacct_reconcile.client import envelope, xml
from intacct_reconcile.client.envelope import Filter, Function, Login, Result, Session
from intacct_reconcile.client.errors import IntacctError, ProtocolError
from intacct_reconcile.client.progress import Progress, ProgressEvent
from intacct_reconcile.client.retry import RetryPolicy
from intacct_reconcile.client.session import Limiter, send
from intacct_reconcile.credentials import Secret, XmlCredentials

XML_PATH = "/ia/xml/xmlgw.phtml"
HEADERS = {"Content-Type": "application/xml", "Accept": "application/xml, text/xml"}
RECORDS_PER_FUNCTION = 100
FUNCTIONS_PER_REQUEST = 10
PAGES_PER_REQUEST = 4  # at most this many offset pages packed into one read request
# a lone read expected to return this many records or more goes out as `concurrency` pages of
# equal size at once, instead of one page that tells the count first: each lane's server
# answers half of it (a smaller read is not worth a request more)
SPLIT_AT = 1000
# the most pages one read may take: every record a valid answer can count, in full pages
MAX_PAGES = envelope.MAX_RECORDS // envelope.READ_BY_QUERY_PAGE_SIZE
log = logging.getLogger("intacct_reconcile.client")


@dataclass(frozen=True)
class ReadSpec:
    """One object to read with `read_many`: its fields, filter and read method, and what each
    record becomes."""

    object: str
    fields: Sequence[str]
    filter: Filter | None = None
    name: str | None = None  # key in read_many's answer; defaults to the object
    method: Literal["query", "readByQuery"] = "query"
    # each record -> what read_many returns for it, run page by page as the pages arrive (on
    # the fetching thread: it must be thread-safe); None: the records as parsed
    row: Callable[[dict[str, Any]], Any] | None = None
    # about how many records the read returns (0: unknown); a lone read expected to hold
    # SPLIT_AT records or more is split over the lanes from its first request (`_split_read`)
    expected: int = 0

    @property
    def key(self) -> str:
        return self.name or self.object


@dataclass(frozen=True)
class WriteResult:
    """What a write made of one record: success with its RECORDNO and key, or the error."""

    ok: bool
    recordno: str | None = None
    key: str | None = None
    error: IntacctError | None = None
    replayed: bool = False  # applied by an earlier attempt of the same request


@dataclass
class _Shared:
    """What entity-level gateways share with their parent: one company, one limit."""

    http: httpx.Client
    limiter: Limiter
    pool: ThreadPoolExecutor


class _Tally:
    """Per-object progress counts, safe to update from the page-fetching threads."""

    def __init__(self, report: Callable[[Literal["read", "write"], str, int, int], None]):
        self._report = report
        self._lock = threading.Lock()
        self._done: dict[str, int] = {}
        self._total: dict[str, int] = {}

    def start(self, object: str, done: int, total: int, action: str = "read") -> None:
        with self._lock:
            self._done[object] = self._done.get(object, 0) + done
            self._total[object] = self._total.get(object, 0) + total
            done, total = self._done[object], self._total[object]
        self._report(action, object, done, total)  # type: ignore[arg-type]

    def add(self, object: str, done: int, action: str = "read") -> None:
        self.start(object, done, 0, action)


def control_id(prefix: str, idempotency_key: str, body: etree._Element) -> str:
    """Deterministic function control id: same key and same content -> same id."""
    digest = hashlib.sha256(idempotency_key.encode() + b"\0" + xml.canonical(body)).hexdigest()
    return f"{prefix}-{digest[:40]}"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Gateway:
    def __init__(
        self,
        http: httpx.Client,
        creds: XmlCredentials,
        *,
        concurrency: int = 2,
        retry: RetryPolicy | None = None,
        progress: Progress | None = None,
        _shared: _Shared | None = None,
    ):
        self._owns_pool = _shared is None  # entity gateways borrow their parent's
        self._shared = _shared or _Shared(
            http,
            Limiter(concurrency),
            ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="intacct-xml"),
        )
        self._creds = creds
        self._retry = retry or RetryPolicy()
        self._progress = progress
        self._session: Session | None = None
        self._session_lock = threading.Lock()

    @property
    def concurrency(self) -> int:
        return self._shared.limiter.limit

    @property
    def limiter(self) -> Limiter:
        return self._shared.limiter

    @property
    def requests_sent(self) -> int:
        return self._shared.limiter.requests

    @property
    def peak_in_flight(self) -> int:
        return self._shared.limiter.peak

    def close(self) -> None:
        if self._owns_pool:
            self._shared.pool.shutdown(wait=True)

    def entity(self, entity_id: str | None) -> Gateway:
        """A gateway with an entity-level session (None or "" = top level), same limits."""
        return self.signed_in_as(dataclasses.replace(self._creds, entity_id=entity_id or None))

    def signed_in_as(self, creds: XmlCredentials) -> Gateway:
        """A gateway with other credentials (its own session), same HTTP client and limits:
        an entity's session, or the smoke check's sign-in as a vendor's web services user."""
        return Gateway(
            self._shared.http,
            creds,
            retry=self._retry,
            progress=self._progress,
            _shared=self._shared,
        )

    # --- requests and sessions ---------------------------------------------------------

    def call(
        self, functions: Sequence[Function], *, transaction: bool = False, unique: bool = False
    ) -> list[Result]:
        """Send functions in one request (with retries); one Result per function, in order."""
        holder: list[Session] = []

        def attempt(_: int) -> list[Result]:
            session = self._current_session()
            holder[:] = [session]
            return self._send(session, functions, transaction=transaction, unique=unique)

        def expired() -> None:
            self._drop_session(holder[0] if holder else None)

        names = ",".join(sorted({f.name for f in functions}))
        return self._retry.run(attempt, on_session_expired=expired, what=names)

    def _send(
        self,
        auth: Login | Session,
        functions: Sequence[Function],
        *,
        transaction: bool = False,
        unique: bool = False,
    ) -> list[Result]:
        body = envelope.build_request(
            sender_id=self._creds.sender_id,
            sender_password=self._creds.sender_password,
            auth=auth,
            functions=functions,
            transaction=transaction,
            unique=unique,
        )
        url = auth.endpoint if isinstance(auth, Session) and auth.endpoint else XML_PATH
        reply = send(
            self._shared.http, self._shared.limiter, "POST", url, content=body, headers=HEADERS
        )
        xml.check_content_type(reply.content_type)
        response = envelope.parse_response(xml.parse(reply.body), http_status=reply.status)
        if len(response.results) != len(functions):
            raise ProtocolError(
                f"sent {len(functions)} functions, got {len(response.results)} results"
            )
        by_id = {r.control_id: r for r in response.results}
        if len(by_id) == len(functions) and all(f.control_id in by_id for f in functions):
            return [by_id[f.control_id] for f in functions]
        return list(response.results)  # results come back in function order

    def sign_in(self) -> None:
        """Open the API session now instead of with the first call (retried as calls are):
        an apply signs in while its manifests load."""
        self._retry.run(lambda _: self._current_session(), what="getAPISession")

    def _current_session(self) -> Session:
        with self._session_lock:
            if self._session is None:
                self._session = self._open_session()
            return self._session

    def _drop_session(self, failed: Session | None) -> None:
        with self._session_lock:
            if failed is None or self._session is failed:
                self._session = None

    def _open_session(self) -> Session:
        """getAPISession, alone in its request as Intacct requires."""
        creds = self._creds
        login = Login(creds.user_id, creds.company_id, creds.user_password)
        function = Function("getAPISession", envelope.get_api_session(creds.entity_id))
        (result,) = self._send(login, [function])
        session_id, endpoint, location = envelope.session_from(result.raise_for_status())
        log.debug("opened API session (entity %r)", location or None)
        return Session(Secret(session_id), self._accept_endpoint(endpoint), location or None)

    def _accept_endpoint(self, endpoint: str) -> str:
        """Use the endpoint getAPISession names, unless it would leave Intacct or drop TLS."""
        if not endpoint:
            return ""
        base = self._shared.http.base_url
        try:
            url = httpx.URL(endpoint)
        except httpx.InvalidURL:
            log.warning("ignoring a malformed session endpoint; staying on %s", base.host)
            return ""
        same_origin = (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)
        trusted = url.scheme == "https" and (url.host or "").endswith(".intacct.com")
        if same_origin or trusted or not base.host:
            return endpoint
        log.warning("ignoring session endpoint on another host; staying on %s", base.host)
        return ""

    # --- reads -------------------------------------------------------------------------

    def read_all(
        self, object: str, fields: Sequence[str], filter: Filter | None = None
    ) -> list[dict[str, Any]]:
        return self.read_many([ReadSpec(object, fields, filter)])[object]

    def read_many(self, reads: Sequence[ReadSpec]) -> dict[str, list[Any]]:
        """Every record of every read (through its `row` when it names one): the first pages
        together, the rest in parallel."""
        # `query` needs named fields (no "*", reference §2): such reads use readByQuery
        queries = [r for r in reads if r.method == "query" and "*" not in r.fields]
        fallback = [r for r in reads if r not in queries]
        out: dict[str, list[Any]] = {}
        if len(queries) == 1 and self.concurrency > 1 and queries[0].expected >= SPLIT_AT:
            split = self._split_read(queries[0])
            if split is None:
                fallback += queries
            else:
                out[queries[0].key] = split
        elif queries:
            out, failed = self._query_all(queries)
            fallback += failed
        for spec in fallback:
            out[spec.key] = _rows(spec, self._read_by_query(spec))
        return out

    def _query_all(
        self, queries: Sequence[ReadSpec]
    ) -> tuple[dict[str, list[Any]], list[ReadSpec]]:
        pages: dict[tuple[int, int], list[Any]] = {}
        tally = _Tally(self._report)
        answered: list[int] = []
        pending: list[tuple[int, int]] = []
        unsupported: set[int] = set()
        futures: list[Future[Any]] = []
        try:
            # the first pages, spread over the lanes (round robin: sizes are not known yet),
            # so no lane waits idle while the other carries every first page
            lanes = min(self.concurrency, len(queries))
            groups = [list(range(k, len(queries), lanes)) for k in range(lanes)]
            futures = [
                self._shared.pool.submit(self._first_pages, queries, group, pages, tally)
                for group in groups[1:]
            ]
            outcomes = [self._first_pages(queries, groups[0], pages, tally)]
            outcomes += [f.result() for f in futures]
            for group, outcome in zip(groups, outcomes, strict=True):
                for i, offsets in zip(group, outcome, strict=True):
                    if offsets is None:
                        unsupported.add(i)
                    else:
                        answered.append(i)
                        pending += [(i, off) for off in offsets]
            futures = self._start_pages(queries, pending, pages, tally)
            for future in futures:
                future.result()
        except BaseException:
            # nothing left running (or still sending) once a read has failed
            for future in futures:
                future.cancel()
            for future in futures:
                if not future.cancelled():
                    future.exception()
            raise
        out = {}
        for i in sorted(answered):
            offsets = sorted(off for (j, off) in pages if j == i)
            out[queries[i].key] = [rec for off in offsets for rec in pages[(i, off)]]
        return out, [q for i, q in enumerate(queries) if i in unsupported]

    def _first_pages(
        self,
        queries: Sequence[ReadSpec],
        group: Sequence[int],
        pages: dict[tuple[int, int], list[Any]],
        tally: _Tally,
    ) -> list[list[int] | None]:
        """One request with the first page of each read in `group`: the offsets of each read's
        remaining pages (None: `query` cannot read that object)."""
        functions = [Function(f"read-{i}-0", self._page_body(queries[i], 0)) for i in group]
        out: list[list[int] | None] = []
        for i, result in zip(group, self.call(functions), strict=True):
            spec = queries[i]
            if result.ok:
                out.append(self._offsets(spec, result))
                tally.start(spec.object, 0, result.total_count)
                pages[(i, 0)] = _page(spec, result)
                tally.add(spec.object, len(pages[(i, 0)]))
            elif _query_unsupported(result):
                log.info("query cannot read %s; using readByQuery", spec.object)
                out.append(None)
            else:
                raise result.error()
        # the parsed answer is let go on return (a 2,000-record page's element tree is ten
        # times its records' size): only the records are kept
        return out

    def _split_read(self, spec: ReadSpec) -> list[Any] | None:
        """A lone read expected to fill several lanes: its first `concurrency` pages, of an
        equal size that covers the expected records, go out together; pages past them (more
        records than expected) follow in parallel. None: `query` cannot read the object."""
        lanes = self.concurrency
        size = min(envelope.QUERY_PAGE_SIZE, -(-spec.expected // lanes))
        pages: dict[tuple[int, int], list[Any]] = {}
        tally = _Tally(self._report)

        def fetch(offset: int) -> Result:
            function = Function(f"read-0-{offset}", self._page_body(spec, offset, size))
            (result,) = self.call([function])
            if result.ok:
                page = _page(spec, result)
                if len(page) > size:
                    raise ProtocolError(
                        f"query on {spec.object}: a page of {len(page)} records, more than "
                        f"the {size} asked for"
                    )
                pages[(0, offset)] = page
            return result

        futures = [self._shared.pool.submit(fetch, k * size) for k in range(1, lanes)]
        try:
            first = fetch(0)
            if not first.ok:
                if _query_unsupported(first):
                    log.info("query cannot read %s; using readByQuery", spec.object)
                    return None
                raise first.error()
            tally.start(spec.object, 0, first.total_count)
            for future in futures:
                future.result().raise_for_status()
            offsets = self._offsets(spec, first, size)
            step = offsets[0] if offsets else size
            if step != size:  # the server pages by fewer than asked: its pages, from its count
                for key in [k for k in pages if k[1]]:
                    del pages[key]
                more, size = [(0, off) for off in offsets], step
            else:
                more = [(0, off) for off in offsets if off >= lanes * size]
            tally.add(spec.object, sum(len(page) for page in pages.values()))
            futures += self._start_pages([spec], more, pages, tally, size)
            for future in futures:
                future.result()
        except BaseException:
            for future in futures:  # nothing left running once the read has failed
                future.cancel()
            for future in futures:
                if not future.cancelled():
                    future.exception()
            raise
        return [rec for off in sorted(off for _, off in pages) for rec in pages[(0, off)]]

    def _page_body(
        self, spec: ReadSpec, offset: int, size: int = envelope.QUERY_PAGE_SIZE
    ) -> etree._Element:
        return envelope.query(spec.object, spec.fields, spec.filter, offset=offset, pagesize=size)

    @staticmethod
    def _offsets(spec: ReadSpec, first: Result, size: int = envelope.QUERY_PAGE_SIZE) -> list[int]:
        """Offsets of the remaining pages, from counts the answer gives (checked first)."""
        step = first.int_attr("count", -1)
        step = len(first.records) if step < 0 else step
        total = first.total_count
        if step > size:
            raise ProtocolError(
                f"query on {spec.object}: a page of {step} records, more than the "
                f"{size} asked for; refusing the answer"
            )
        if first.num_remaining <= 0 or total <= step:
            return []
        if step == 0:
            raise ProtocolError(f"query on {spec.object}: empty first page of {total} records")
        if math.ceil(total / step) > MAX_PAGES:
            raise ProtocolError(
                f"query on {spec.object}: {total} records in pages of {step} would take more "
                f"than {MAX_PAGES:,} requests; refusing the answer"
            )
        return list(range(step, total, step))

    def _start_pages(
        self,
        queries: Sequence[ReadSpec],
        pending: list[tuple[int, int]],
        pages: dict[tuple[int, int], list[Any]],
        tally: _Tally,
        size: int = envelope.QUERY_PAGE_SIZE,
    ) -> list[Future[None]]:
        """Submit the remaining pages (of `size` records), packed into a multiple of
        `concurrency` requests."""
        if not pending:
            return []
        # a multiple of `concurrency` requests, so that every lane carries the same load
        lanes = min(self.concurrency, len(pending))
        n_requests = lanes * math.ceil(len(pending) / (lanes * PAGES_PER_REQUEST))
        packs = [pending[k::n_requests] for k in range(n_requests)]

        def fetch(pack: list[tuple[int, int]]) -> None:
            functions = [
                Function(f"read-{i}-{off}", self._page_body(queries[i], off, size))
                for i, off in pack
            ]
            for (i, off), result in zip(pack, self.call(functions), strict=True):
                page = _page(queries[i], result.raise_for_status())
                if len(page) > size:
                    raise ProtocolError(
                        f"query on {queries[i].object}: a page of {len(page)} "
                        f"records, more than the {size} asked for"
                    )
                pages[(i, off)] = page
                tally.add(queries[i].object, len(page))

        return [self._shared.pool.submit(fetch, pack) for pack in packs]

    def _read_by_query(self, spec: ReadSpec) -> list[dict[str, Any]]:
        function = Function("read-0", envelope.read_by_query(spec.object, spec.fields, spec.filter))
        result = self.call([function])[0].raise_for_status()
        records = result.records
        pages = 1
        # driven by what arrives: every page must bring records, and the pages are bounded
        while result.num_remaining > 0 and result.result_id:
            if pages >= MAX_PAGES or len(records) >= envelope.MAX_RECORDS:
                raise ProtocolError(
                    f"readByQuery on {spec.object}: still {result.num_remaining} records "
                    f"remaining after {pages:,} pages; refusing to read on"
                )
            more = Function("read-more", envelope.read_more(result.result_id))
            result = self.call([more])[0].raise_for_status()
            page = result.records
            if not page and result.num_remaining > 0:
                raise ProtocolError(
                    f"readMore on {spec.object}: an empty page with {result.num_remaining} "
                    "records said to remain; refusing the answer"
                )
            records += page
            pages += 1
            self._report("read", spec.object, len(records), len(records) + result.num_remaining)
        return records

    def _report(self, action: Literal["read", "write"], object: str, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress(ProgressEvent(action, object, done, total))

    # --- writes ------------------------------------------------------------------------

    def create(
        self,
        object: str,
        records: Sequence[Mapping[str, Any]],
        *,
        idempotency_key: str,
        key_field: str | None = None,
        independent: bool = False,
    ) -> list[WriteResult]:
        """Create records; `key_field` (e.g. ACCOUNTNO) lets replayed creates find RECORDNO.
        `independent`: no record refers to another of the call, so their requests may be in
        flight together (see `_run_writes`)."""
        items = [(object, r) for r in records]
        results = self._write(
            "create", object, items, idempotency_key, envelope.create, independent=independent
        )
        if key_field:
            self._fill_replayed_recordnos(object, key_field, records, results)
        return results

    def update(
        self,
        object: str,
        records: Sequence[Mapping[str, Any]],
        *,
        idempotency_key: str,
        independent: bool = False,
    ) -> list[WriteResult]:
        items = [(object, r) for r in records]
        results = self._write(
            "update", object, items, idempotency_key, envelope.update, independent=independent
        )
        for i, (record, result) in enumerate(zip(records, results, strict=True)):
            if result.ok and result.recordno is None and record.get("RECORDNO"):
                results[i] = dataclasses.replace(result, recordno=str(record["RECORDNO"]))
        return results

    def delete(
        self,
        object: str,
        recordnos: Sequence[str],
        *,
        idempotency_key: str,
        independent: bool = False,
    ) -> list[WriteResult]:
        keys = [str(k) for k in recordnos]
        results = self._write(
            "delete",
            object,
            keys,
            idempotency_key,
            lambda ks: envelope.delete(object, ks),
            independent=independent,
        )
        return [
            dataclasses.replace(r, recordno=k) if r.ok else r
            for k, r in zip(keys, results, strict=True)
        ]

    def _write(
        self,
        verb: str,
        object: str,
        items: Sequence[Any],
        key: str,
        build: Callable[[Sequence[Any]], etree._Element],
        *,
        independent: bool = False,
    ) -> list[WriteResult]:
        """Batch items into functions and requests; give every item its own WriteResult."""
        batches = [
            list(range(s, min(s + RECORDS_PER_FUNCTION, len(items))))
            for s in range(0, len(items), RECORDS_PER_FUNCTION)
        ]
        functions = [self._write_function(verb, key, build([items[i] for i in b])) for b in batches]
        out: list[WriteResult | None] = [None] * len(items)
        tally = _Tally(self._report)
        tally.start(object, 0, len(items), "write")
        failed = self._run_writes(functions, batches, out, tally, object, independent)
        # A failed multi-record function applied nothing (assumption: each function is atomic,
        # as the sandbox store and Intacct's own rollback do): retry its records one by one
        # so each gets its own verdict.
        singles_idx = [i for b in failed for i in b]
        if singles_idx:
            single_fns = [self._write_function(verb, key, build([items[i]])) for i in singles_idx]
            self._run_writes(
                single_fns, [[i] for i in singles_idx], out, tally, object, independent
            )
        return [
            r if r is not None else WriteResult(False, error=IntacctError("no result")) for r in out
        ]

    def _write_function(self, verb: str, key: str, body: etree._Element) -> Function:
        return Function(control_id(verb, key, body), body)

    def _run_writes(
        self,
        functions: Sequence[Function],
        batches: Sequence[Sequence[int]],
        out: list[WriteResult | None],
        tally: _Tally,
        object: str,
        independent: bool = False,
    ) -> list[Sequence[int]]:
        """Send write functions, several per request, in order (`independent`: spread over
        the company's concurrent requests, in flight together); return failed batches."""
        pairs = list(zip(functions, batches, strict=True))
        failed: list[Sequence[int]] = []

        def send_group(group: Sequence[tuple[Function, Sequence[int]]]) -> None:
            results = self.call([f for f, _ in group], unique=True)
            for (_, batch), result in zip(group, results, strict=True):
                if result.ok or _is_replay(result):
                    self._record_success(result, batch, out)
                elif len(batch) > 1:
                    failed.append(batch)
                    continue
                else:
                    out[batch[0]] = WriteResult(False, error=result.error())
                tally.add(object, len(batch), "write")

        if independent and len(pairs) > 1:
            # no record refers to another: the functions go in `concurrency` requests (or
            # more, FUNCTIONS_PER_REQUEST at most each) sent together, so the server works on
            # them side by side instead of one long request after another
            lanes = max(min(self.concurrency, len(pairs)), -(-len(pairs) // FUNCTIONS_PER_REQUEST))
            size = -(-len(pairs) // lanes)
            self._in_parallel(list(_chunks(pairs, size)), send_group, out)
            return failed
        # Requests go one after another: records within a kind may refer to each other
        # (a parent location, a supervisor), so the caller's order must be the order applied.
        groups = list(_chunks(pairs, FUNCTIONS_PER_REQUEST))
        for n, group in enumerate(groups):
            try:
                send_group(group)
            except IntacctError as exc:
                # the request failed as a whole (retries exhausted, sign-in refused...): every
                # record not settled yet reports it; re-running is safe (control ids)
                for _, batch in [p for g in groups[n:] for p in g]:
                    for index in batch:
                        out[index] = out[index] or WriteResult(False, error=exc)
                break
        return failed

    def _in_parallel(
        self,
        groups: Sequence[Sequence[tuple[Function, Sequence[int]]]],
        send_group: Callable[[Sequence[tuple[Function, Sequence[int]]]], None],
        out: list[WriteResult | None],
    ) -> None:
        """Each group in a request of its own, `concurrency` in flight at once; a request that
        fails as a whole fails only its own records (re-running is safe: control ids)."""

        def settle(group: Sequence[tuple[Function, Sequence[int]]]) -> None:
            try:
                send_group(group)
            except IntacctError as exc:
                for _, batch in group:
                    for index in batch:
                        out[index] = out[index] or WriteResult(False, error=exc)

        others = [self._shared.pool.submit(settle, group) for group in groups[1:]]
        try:
            settle(groups[0])
        finally:
            for future in others:  # every request's answer is in before the results go back
                future.result()

    @staticmethod
    def _record_success(
        result: Result, batch: Sequence[int], out: list[WriteResult | None]
    ) -> None:
        replayed = not result.ok
        returned = result.records if result.ok else []
        for n, index in enumerate(batch):
            record = returned[n] if n < len(returned) else {}
            recordno = record.get("RECORDNO") or None
            recordno = recordno if isinstance(recordno, str) else None  # nested: not a key
            other = [str(v) for k, v in record.items() if k != "RECORDNO" and isinstance(v, str)]
            out[index] = WriteResult(
                True, recordno=recordno, key=other[0] if other else None, replayed=replayed
            )

    def _fill_replayed_recordnos(
        self,
        object: str,
        key_field: str,
        records: Sequence[Mapping[str, Any]],
        results: list[WriteResult],
    ) -> None:
        missing = {
            str(r[key_field]): i
            for i, (r, res) in enumerate(zip(records, results, strict=True))
            if res.ok and res.recordno is None and r.get(key_field) is not None
        }
        for chunk in _chunks(sorted(missing), 1000):  # `in` takes at most 1000 values
            found = self.read_all(object, ["RECORDNO", key_field], envelope.in_(key_field, chunk))
            for row in found:
                i = missing.get(str(row.get(key_field)))
                if i is not None:
                    results[i] = dataclasses.replace(
                        results[i], recordno=row.get("RECORDNO"), key=str(row.get(key_field))
                    )

    def legacy(self, function_xml: etree._Element, *, idempotency_key: str) -> Result:
        """A legacy or one-off write (create_journal, installApp...); replays count as applied."""
        function = self._write_function(str(function_xml.tag), idempotency_key, function_xml)
        (result,) = self.call([function], unique=True)
        if not result.ok and _is_replay(result):
            return dataclasses.replace(result, status="success", replayed=True)
        return result

    def install_app(self, app_xml: str, *, idempotency_key: str) -> Result:
        node = xml.element("installApp")
        xml.sub(node, "appxml").text = etree.CDATA(app_xml)
        return self.legacy(node, idempotency_key=idempotency_key)

    # --- company-level reads -----------------------------------------------------------

    def _one(self, body: etree._Element, name: str) -> Result:
        return self.call([Function(name, body)])[0].raise_for_status()

    def get_applications(self) -> list[str]:
        result = self._one(xml.element("get_applications"), "get-applications")
        data = result.data
        return [] if data is None else [(n.text or "").strip() for n in data.iter("application")]

    def get_companyprefs(self, application: str) -> dict[str, str]:
        body = xml.element("get_companyprefs", application=application)
        result = self._one(body, f"get-companyprefs-{application}")
        data = result.data
        if data is None:
            return {}
        return {
            xml.text(p, "preference"): xml.text(p, "prefvalue") for p in data.iter("companypref")
        }

    def get_user_permissions(self, login_id: str) -> dict[str, dict[str, list[str]]]:
        """application name -> policy name -> rights, as Intacct computes them for the user."""
        body = xml.element("getUserPermissions")
        xml.sub(body, "userId", login_id)
        data = self._one(body, "get-user-permissions").data
        out: dict[str, dict[str, list[str]]] = {}
        for app in data.iter("appSubscription") if data is not None else ():
            policies = out.setdefault(xml.text(app, "applicationName"), {})
            for policy in app.iter("policy"):
                rights = xml.text(policy, "rights")
                policies[xml.text(policy, "policyName")] = [r for r in rights.split("|") if r]
        return out


def _rows(spec: ReadSpec, records: list[dict[str, Any]]) -> list[Any]:
    return records if spec.row is None else [spec.row(r) for r in records]


def _page(spec: ReadSpec, result: Result) -> list[Any]:
    """One answered page as read_many returns it; records that go through `row` at once are
    let go page by page, so their texts need not be shared (xml.records)."""
    if spec.row is None:
        return result.records
    return [spec.row(r) for r in xml.records(result.data, share=False)]


def _is_replay(result: Result) -> bool:
    return not result.ok and result.error().is_duplicate_control_id


def _query_unsupported(result: Result) -> bool:
    # assumption: Intacct's wording for "query does not serve this object" is undocumented;
    # any failure naming the function as unsupported falls back to readByQuery
    text = " ".join(e.text for e in result.errors)
    return "not supported" in text or "unsupported" in text or "not available" in text
