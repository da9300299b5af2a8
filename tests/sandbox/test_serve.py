"""The threaded server: parallel requests, quiet stderr, clean shutdown, one-line errors."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import httpx
import pytest

from intacct_reconcile.sandbox.serve import base_url, make_server, serve, served


def slow_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    if environ["PATH_INFO"] == "/boom":
        raise RuntimeError("app bug")
    time.sleep(0.3)
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def test_served_yields_a_base_url_and_echoes() -> None:
    with served(slow_app) as url:
        assert url.startswith("http://127.0.0.1:")
        r = httpx.post(url + "/x", content=b"hello")
    assert r.status_code == 200 and r.content == b"hello"


def test_requests_are_handled_in_parallel() -> None:
    in_flight = {"now": 0, "max": 0}
    lock = threading.Lock()

    def counting_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with lock:
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
        time.sleep(0.3)
        with lock:
            in_flight["now"] -= 1
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    with served(counting_app) as url, httpx.Client(base_url=url, timeout=10) as client:
        threads = [threading.Thread(target=lambda: client.get("/x")) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert in_flight["max"] >= 2  # a single-threaded server would never exceed 1


def test_no_per_request_logging(capfd: pytest.CaptureFixture[str]) -> None:
    with served(slow_app) as url:
        httpx.post(url + "/x", content=b"x")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_app_errors_are_500_with_one_stderr_line(capfd: pytest.CaptureFixture[str]) -> None:
    with served(slow_app) as url:
        r = httpx.get(url + "/boom")
    assert r.status_code == 500
    _, err = capfd.readouterr()
    assert "Traceback" not in err
    assert err.strip().splitlines() == ["sandbox: internal error: RuntimeError('app bug')"]


def test_port_is_released_after_served() -> None:
    with served(slow_app) as url:
        port = int(url.rsplit(":", 1)[1])
    server = make_server(slow_app, "127.0.0.1", port)  # rebinding works at once
    assert base_url(server).endswith(f":{port}")
    server.server_close()


def test_serve_prints_the_listening_line_first_and_stops_on_interrupt() -> None:
    server_thread_error: list[BaseException] = []

    class Stop(io.StringIO):
        def flush(self) -> None:  # the line is flushed: stop the server right after
            super().flush()
            raise KeyboardInterrupt

    out = Stop()
    try:
        serve(slow_app, "127.0.0.1", 0, out=out)
    except BaseException as exc:  # pragma: no cover - would mean serve leaked the interrupt
        server_thread_error.append(exc)
    assert not server_thread_error
    first = out.getvalue().splitlines()[0]
    assert first.startswith("listening on http://127.0.0.1:")


def counting_server(app: Any) -> tuple[Any, list[int]]:
    server = make_server(app)
    connections: list[int] = []
    accept = server.process_request

    def process_request(request: Any, client_address: Any) -> None:
        connections.append(1)
        accept(request, client_address)

    server.process_request = process_request  # type: ignore[method-assign]
    return server, connections


def lazy_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    # never reads the request body: the server must still find the next request
    body = environ["PATH_INFO"].encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


def test_connections_are_kept_alive_and_bodies_left_unread_are_skipped() -> None:
    server, connections = counting_server(lazy_app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        with httpx.Client(base_url=base_url(server)) as client:
            answers = [client.post(f"/r{i}", content=b"x" * 5000).text for i in range(5)]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert answers == [f"/r{i}" for i in range(5)]
    assert len(connections) == 1


def test_connection_close_is_honoured() -> None:
    server, connections = counting_server(lazy_app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        with httpx.Client(base_url=base_url(server), headers={"Connection": "close"}) as c:
            assert [c.get("/a").text, c.get("/b").text] == ["/a", "/b"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert len(connections) == 2
