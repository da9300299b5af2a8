"""The HTTP layer under both clients: one bounded request at a time per slot.

A request takes a concurrency slot, reads a size-limited body and turns HTTP statuses into
typed errors (429 -> RateLimitedError, 5xx except 524 -> TransientError). Shared by the XML
gateway and the REST client so that both respect the same per-company concurrency limit and
the same rules for which HTTP failures are worth retrying.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from intacct_reconcile.client import deadline
from intacct_reconcile.client.errors import (
    DeadlineError,
    IntacctError,
    ProtocolError,
    RateLimitedError,
    TransientError,
)
from intacct_reconcile.client.xml import MAX_BODY_BYTES

log = logging.getLogger("intacct_reconcile.client")


@dataclass(frozen=True)
class Reply:
    """One HTTP response with its body read (within the size limit): status, content type, body
    and headers."""

    status: int
    content_type: str | None
    body: bytes
    headers: httpx.Headers


class Limiter:
    """At most `limit` requests in flight; counts requests and the peak concurrency seen."""

    def __init__(self, limit: int):
        if limit < 1:
            raise ValueError("concurrency must be at least 1")
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.requests = 0

    def __enter__(self) -> Limiter:
        self._slots.acquire()
        with self._lock:
            self.in_flight += 1
            self.requests += 1
            self.peak = max(self.peak, self.in_flight)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.in_flight -= 1
        self._slots.release()


def send(
    http: httpx.Client,
    limiter: Limiter,
    method: str,
    url: str,
    *,
    max_bytes: int | None = None,
    **kwargs: Any,
) -> Reply:
    """Send one request inside a concurrency slot; raise TransientError for retryable failures."""
    max_bytes = MAX_BODY_BYTES if max_bytes is None else max_bytes
    kwargs["headers"] = {**(kwargs.get("headers") or {}), "Accept-Encoding": ACCEPT_ENCODING}
    started = time.perf_counter()
    with limiter:
        # every socket operation gets only the time left before the request's deadline, and a
        # watchdog hangs up at the deadline on a server trickling its headers
        timeouts = deadline.RequestTimeouts(http.timeout.as_dict(), deadline.start_request())
        watchdog = threading.Timer(timeouts.left(), _hang_up, (http, timeouts))
        watchdog.daemon = True
        try:
            timeouts.check()  # the run's time may be up while this request waited for a slot
            watchdog.start()
            # never follow a redirect, whatever the client was built with: the next hop would
            # receive the same body (passwords, session id) or Authorization header
            with http.stream(
                method, url, follow_redirects=False, extensions={"timeout": timeouts}, **kwargs
            ) as response:
                body = _read_limited(response, max_bytes, timeouts.check)
        except deadline.DeadlineReached as reached:
            raise _deadline_error(http, method, url, reached.limit) from None
        except httpx.HTTPError as exc:
            cut = isinstance(exc, httpx.TimeoutException) and timeouts.cut_short
            if cut or timeouts.left() <= 0:
                # a socket wait cut to the deadline, or a connection the watchdog hung up on
                raise _deadline_error(http, method, url, timeouts.limit) from None
            raise _transport_error(http, method, url, exc) from None
        finally:
            watchdog.cancel()
    log.debug(
        "%s %s -> %d in %.3fs",
        method,
        _path(url),
        response.status_code,
        time.perf_counter() - started,
    )
    reply = Reply(
        response.status_code, response.headers.get("content-type"), body, response.headers
    )
    _raise_for_transport_status(reply, method, url)
    return reply


# the encodings we ask for: named explicitly so that installing brotli or zstandard (which
# httpx would then advertise) cannot bring in a decoder whose output we do not cap
ACCEPT_ENCODING = "gzip, deflate"
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


def _read_limited(
    response: httpx.Response, max_bytes: int, check_deadline: Callable[[], None] = lambda: None
) -> bytes:
    """The decoded body, refused as soon as it passes `max_bytes`: compressed bodies are
    inflated here with a bound on each step, so a small gzip bomb never expands in memory."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ProtocolError(f"response of {declared} bytes exceeds the {max_bytes}-byte limit")
    try:
        # a response built from bytes (test transports) is read and decoded already
        loaded = response.content
    except httpx.ResponseNotRead:
        pass
    else:
        if len(loaded) > max_bytes:
            raise ProtocolError(f"response exceeds the {max_bytes}-byte limit; refusing it")
        return loaded
    inflate = _decompressor(response.headers.get("content-encoding", ""))
    chunks: list[bytes] = []
    size = 0
    for raw in response.iter_raw():
        check_deadline()  # a body trickled fast enough never waits on a socket timeout
        # at most one byte past the limit: enough to know the body is too large
        chunk = inflate.decompress(raw, max_bytes - size + 1) if inflate else raw
        size += len(chunk)
        if size > max_bytes:
            raise ProtocolError(f"response exceeds the {max_bytes}-byte limit; refusing it")
        chunks.append(chunk)
    if inflate is not None:
        # every input byte was consumed (no step hit its bound): what is left is small
        chunks.append(inflate.flush())
        if size + len(chunks[-1]) > max_bytes:
            raise ProtocolError(f"response exceeds the {max_bytes}-byte limit; refusing it")
    return b"".join(chunks)


def _decompressor(encoding: str) -> Any:
    """A zlib decompressor for the body's Content-Encoding (None: not encoded)."""
    names = [e.strip().lower() for e in encoding.split(",") if e.strip()]
    names = [e for e in names if e != "identity"]
    if not names:
        return None
    if len(names) > 1 or names[0] not in _WBITS:
        raise ProtocolError(f"response has an unsupported Content-Encoding {encoding!r}")
    return _Inflate(_WBITS[names[0]], raw_fallback=names[0] == "deflate")


class _Inflate:
    """zlib with a bounded output per call; "deflate" may also be raw deflate (as httpx and
    browsers accept), decided on the first bytes."""

    def __init__(self, wbits: int, *, raw_fallback: bool) -> None:
        self._wbits = wbits
        self._raw_fallback = raw_fallback
        self._z = zlib.decompressobj(wbits)
        self._started = False

    def decompress(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._z.decompress(data, limit)
        except zlib.error as exc:
            if self._raw_fallback and not self._started:
                self._raw_fallback = False
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.decompress(data, limit)
            raise ProtocolError(f"response body cannot be decompressed ({exc})") from None
        self._started = True
        return out

    def flush(self) -> bytes:
        try:
            return self._z.flush()
        except zlib.error:
            return b""  # a truncated stream: the parser reports the body as not well-formed


def _retry_after(reply: Reply) -> float | None:
    value = reply.headers.get("retry-after", "")
    try:
        return float(value) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _raise_for_transport_status(reply: Reply, method: str, url: str) -> None:
    where = f"{method} {_path(url)}"
    if 300 <= reply.status < 400:
        raise ProtocolError(
            f"{where}: HTTP {reply.status} redirect to {_where_to(reply)} not followed "
            "(credentials stay with the configured endpoint); check the endpoint URL",
            http_status=reply.status,
        )
    if reply.status == 429:
        raise RateLimitedError(
            f"{where}: rate limited (HTTP 429, GW-0010)",
            http_status=429,
            retry_after=_retry_after(reply),
        )
    if reply.status == 524:
        # the CDN gave up but Intacct may still be processing: retrying could act twice
        raise IntacctError(
            f"{where}: HTTP 524, the request timed out at the edge while Intacct may "
            "still be processing it; run plan again to see what was applied",
            http_status=524,
        )
    if reply.status >= 500:
        raise TransientError(
            f"{where}: server error HTTP {reply.status}",
            http_status=reply.status,
            retry_after=_retry_after(reply),
        )


def _where_to(reply: Reply) -> str:
    location = reply.headers.get("location", "")
    if not location:
        return "(no Location)"
    try:
        target = httpx.URL(location)
    except httpx.InvalidURL:
        return "(an invalid Location)"
    # scheme, host and path only: a query string could carry a token
    return f"{target.scheme}://{target.host}{target.path}" if target.host else target.path


def _transport_error(http: httpx.Client, method: str, url: str, exc: Exception) -> IntacctError:
    if isinstance(exc, httpx.TimeoutException):
        return TransientError(
            f"{method} {_where(http, url)}: timed out ({type(exc).__name__}) — "
            "check the target's endpoint and the network"
        )
    if isinstance(exc, httpx.TransportError):
        return TransientError(
            f"{method} {_where(http, url)}: connection failed ({type(exc).__name__}) — "
            "check the target's endpoint and the network"
        )
    # a body that cannot be decoded (bad gzip, unknown encoding...): the answer is broken,
    # not the connection, so retrying would not help
    return ProtocolError(f"{method} {_path(url)}: unreadable response ({type(exc).__name__})")


def _hang_up(http: httpx.Client, timeouts: deadline.RequestTimeouts) -> None:
    """Shut the socket of the request that `timeouts` belongs to (its deadline has come).

    httpcore reads the response headers with one timeout for every read, so a server
    trickling its headers is only stopped by closing the connection under it. httpcore
    does not say which pooled connection serves a request: its pool's request list does.
    """
    pool = getattr(getattr(http, "_transport", None), "_pool", None)
    for pool_request in list(getattr(pool, "_requests", ())):
        request = getattr(pool_request, "request", None)
        if request is None or request.extensions.get("timeout") is not timeouts:
            continue
        connection = getattr(getattr(pool_request, "connection", None), "_connection", None)
        stream = getattr(connection, "_network_stream", None)
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once


def _deadline_error(
    http: httpx.Client, method: str, url: str, limit: deadline.Limit
) -> IntacctError:
    return DeadlineError(
        f"{method} {_where(http, url)}: {limit.describe()} — the server is stalled or too "
        "slow; check the target's endpoint, or allow more time"
    )


def _where(http: httpx.Client, url: str) -> str:
    """scheme://host[:port]/path of a request: which server could not be reached."""
    full = httpx.URL(url) if "://" in url else http.base_url.join(url)
    port = f":{full.port}" if full.port else ""
    return f"{full.scheme}://{full.host}{port}{full.path}"


def _path(url: str) -> str:
    # log and report the path only: hosts are not secret, but query strings might be
    return httpx.URL(url).path if "://" in url else url.split("?", 1)[0]
