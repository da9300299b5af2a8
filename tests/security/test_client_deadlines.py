"""A server that stalls or trickles cannot hold a request, or the run, past its deadline.

The hostile servers are real sockets on 127.0.0.1 (httpx's socket timeouts are what is under
test); the deadlines are small so that the tests are quick.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from tests.client.fakes import CREDS
from typer.testing import CliRunner

from intacct_reconcile.cli import app
from intacct_reconcile.client import deadline
from intacct_reconcile.client.errors import DeadlineError, TransientError
from intacct_reconcile.client.gateway import Gateway
from intacct_reconcile.client.retry import RetryPolicy
from intacct_reconcile.client.session import Limiter, send

Behaviour = Callable[[socket.socket, threading.Event], None]


def _stall(conn: socket.socket, stop: threading.Event) -> None:
    conn.recv(65536)
    stop.wait(30)  # never answers


def _trickle(prefix: bytes) -> Behaviour:
    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.recv(65536)
        conn.sendall(prefix)
        while not stop.is_set():
            try:
                conn.sendall(b"x")  # one byte at a time, well inside any per-read timeout
            except OSError:
                return  # the client hung up: what the deadline should make it do
            stop.wait(0.02)

    return behave


def _answer_once_then_trickle(conn: socket.socket, stop: threading.Event) -> None:
    """Keep-alive: a first request answered in full, the next one on the same connection
    trickled (httpcore reuses the connection, so no new connect happens)."""
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    _trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ")(conn, stop)


TRICKLED_HEADERS = _trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ")
TRICKLED_BODY = _trickle(
    b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 1000000\r\n\r\n"
)


@contextmanager
def hostile_server(behave: Behaviour) -> Iterator[tuple[str, list[str]]]:
    """http://127.0.0.1:PORT served by `behave` on every connection; yields (url, events)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    events: list[str] = []
    workers: list[threading.Thread] = []

    def serve_one(conn: socket.socket) -> None:
        with conn:
            behave(conn, stop)
            events.append("closed")

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            events.append("connected")
            worker = threading.Thread(target=serve_one, args=(conn,), daemon=True)
            worker.start()
            workers.append(worker)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", events
    finally:
        stop.set()
        acceptor.join()
        for worker in workers:
            worker.join()
        listener.close()


@pytest.mark.parametrize(
    "behave", [_stall, TRICKLED_HEADERS, TRICKLED_BODY], ids=["stall", "headers", "body"]
)
def test_each_request_ends_at_its_deadline_naming_the_endpoint(behave: Behaviour) -> None:
    with hostile_server(behave) as (url, events):
        http = httpx.Client(base_url=url, timeout=httpx.Timeout(300.0, connect=30.0))
        with deadline.limits(request=0.5), pytest.raises(DeadlineError) as caught:
            send(http, Limiter(1), "POST", "/ia/xml/xmlgw.phtml", content=b"<request/>")
        http.close()
    message = str(caught.value)
    assert f"POST {url}/ia/xml/xmlgw.phtml" in message
    assert "no complete answer within 0.5 s (--request-timeout)" in message
    assert events.count("connected") == 1


def test_the_run_deadline_ends_a_run_of_requests_that_each_stay_within_theirs() -> None:
    """Each request stays under its own limit (0.3 s), but retries pile up past the run's."""
    calls: list[int] = []
    with hostile_server(_stall) as (url, events):
        http = httpx.Client(base_url=url)
        policy = RetryPolicy(attempts=1000, base_delay=0.001, max_delay=0.01, total_time=1e6)

        def attempt(n: int) -> None:
            calls.append(n)
            try:
                send(http, Limiter(1), "POST", "/x", content=b"")
            except DeadlineError as exc:
                if "--request-timeout" in str(exc):
                    # retried here as if it were transient, to pile requests up
                    raise TransientError(str(exc)) from None
                raise

        with deadline.limits(request=0.3, run=1.0), pytest.raises(DeadlineError) as caught:
            policy.run(attempt)
        http.close()
    assert "the run's time limit of 1 s (--timeout) ran out" in str(caught.value)
    assert 2 <= len(calls) < 1000
    # every try but perhaps the last (begun as the time ran out) reached the server
    assert len(calls) - 1 <= events.count("connected") <= len(calls)


def test_a_stalled_gateway_fails_the_read_with_a_clear_error() -> None:
    with hostile_server(_stall) as (url, events):
        gateway = Gateway(httpx.Client(base_url=url), CREDS)
        with deadline.limits(request=0.4), pytest.raises(DeadlineError) as caught:
            gateway.read_all("GLACCOUNT", ["RECORDNO"])
        gateway.close()
    assert f"POST {url}/ia/xml/xmlgw.phtml: no complete answer" in str(caught.value)
    assert events.count("connected") == 1  # not retried: a stalled server is not about to answer


def test_limits_are_restored_and_checked() -> None:
    before = deadline.start_request().seconds
    with deadline.limits(request=5, run=60):
        assert deadline.start_request().seconds == 5
        left = deadline.run_remaining()
        assert left is not None and 0 < left <= 60
    assert deadline.start_request().seconds == before == deadline.DEFAULT_REQUEST_SECONDS
    assert deadline.run_remaining() is None
    with pytest.raises(ValueError), deadline.limits(run=0):
        pass


def test_a_fast_server_is_unaffected() -> None:
    http = httpx.Client(
        base_url="https://api.test",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"ok")),
    )
    with deadline.limits(request=0.5, run=5):
        reply = send(http, Limiter(1), "GET", "/x")
    assert reply.body == b"ok"


def test_a_reused_connection_that_trickles_is_hung_up_on_too() -> None:
    with hostile_server(_answer_once_then_trickle) as (url, events):
        http = httpx.Client(base_url=url)
        with deadline.limits(request=0.5):
            assert send(http, Limiter(1), "GET", "/first").body == b"ok"
            with pytest.raises(DeadlineError, match=r"no complete answer within 0\.5 s"):
                send(http, Limiter(1), "GET", "/second")
        http.close()
    assert events.count("connected") == 1


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--request-timeout", "0.5"], "no complete answer within 0.5 s (--request-timeout)"),
        (["--timeout", "0.5"], "the run's time limit of 0.5 s (--timeout) ran out"),
    ],
)
def test_plan_against_a_stalled_endpoint_fails_cleanly_at_the_deadline(
    tmp_path: Path, flags: list[str], said: str
) -> None:
    with hostile_server(_stall) as (url, events):
        (tmp_path / "main.yaml").write_text(
            'version: 1\ngl_accounts:\n  "2110": {title: Clearing}\n', encoding="utf-8"
        )
        (tmp_path / "intacct-reconcile.yaml").write_text(
            f"targets:\n  stalled: {{endpoint: '{url}', company_id: DEMO}}\n", encoding="utf-8"
        )
        result = CliRunner().invoke(app, ["plan", str(tmp_path), *flags], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr
    assert f"POST {url}/ia/xml/xmlgw.phtml: {said}" in result.stderr
    assert events.count("connected") == 1


def _drop(conn: socket.socket, stop: threading.Event) -> None:
    conn.recv(65536)  # then hang up without a word


def test_a_dropped_connection_within_the_deadline_stays_a_retryable_failure() -> None:
    with hostile_server(_drop) as (url, _events):
        # no configured socket timeouts: every wait is the deadline's, yet this is no timeout
        http = httpx.Client(base_url=url, timeout=None)
        with deadline.limits(request=30), pytest.raises(TransientError, match="connection failed"):
            send(http, Limiter(1), "POST", "/x", content=b"")
        http.close()
