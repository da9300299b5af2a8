"""Serve a sandbox WSGI app over real HTTP: threaded, quiet, and able to hang up on purpose.

``serve`` is what ``intacct-reconcile sandbox serve`` runs (prints the listening line first,
flushed at once, so a parent process can read the port); ``served`` runs the same server in a
background thread for tests and benchmarks and yields the base URL.
"""

from __future__ import annotations

import io
import socketserver
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from intacct_reconcile.sandbox.realism import DroppedConnection, WSGIApp

_DRAIN_LIMIT = 1024 * 1024  # unread request bytes we still read off to keep the connection


class _Body(io.RawIOBase):
    """The request body, limited to Content-Length, so an app that does not read it all
    cannot leave bytes that would be mistaken for the next request on a kept-alive
    connection."""

    def __init__(self, stream: Any, length: int) -> None:
        super().__init__()
        self._stream = stream
        self.remaining = max(length, 0)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._take(self._stream.read, size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._take(self._stream.readline, size)

    def _take(self, reader: Callable[[int], bytes], size: int | None) -> bytes:
        """At most `size` bytes through `reader`, never past the end of the body."""
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        data = reader(size) if size else b""
        self.remaining -= len(data)
        return data

    def drain(self) -> None:
        while self.remaining and self.read(65536):
            pass


class _Handler(ServerHandler):
    """wsgiref's handler, except that an injected DroppedConnection sends nothing at all."""

    http_version = "1.1"  # with Content-Length on every answer, connections can be reused

    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DroppedConnection):
            self.request_handler.close_connection = True
            self.dropped = True
            return
        super().handle_error()

    def log_exception(self, exc_info: Any) -> None:
        # One line instead of a traceback per failed request; the request log has details.
        self.get_stderr().write(f"sandbox: internal error: {exc_info[1]!r}\n")

    def close(self) -> None:
        # Note whether the answer had a length (needed to keep the connection) before
        # wsgiref forgets the headers, and skip ServerHandler.close's access log line.
        self.sized = self.headers is not None and "Content-Length" in self.headers
        super(ServerHandler, self).close()


class _RequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients of the real API expect
    timeout = 60  # an idle kept-alive connection is closed after a minute
    # wsgiref writes status, headers and body separately; with Nagle on, a kept-alive client
    # waits for a delayed ACK (~40 ms) on every answer
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # silence per-request stderr logging

    def handle(self) -> None:
        self.close_connection = True
        self._one_request()
        while not self.close_connection:
            self._one_request()

    def _one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            self.close_connection = True
            return
        if not self.parse_request():  # answers the error itself; sets close_connection
            return
        environ = self.get_environ()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            self.send_error(400, "Bad Content-Length")
            self.close_connection = True
            return
        body = _Body(self.rfile, length)
        handler = _Handler(body, self.wfile, self.get_stderr(), environ, multithread=True)
        handler.request_handler = self
        handler.dropped = False
        handler.sized = False
        handler.run(self.server.get_app())
        # a large unread body (e.g. refused 413 unread) is not worth draining: hang up instead
        if handler.dropped or not handler.sized or body.remaining > _DRAIN_LIMIT:
            self.close_connection = True
            return
        try:
            body.drain()
            self.wfile.flush()
        except (TimeoutError, ConnectionError):
            self.close_connection = True


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a stuck client must not keep the process alive
    allow_reuse_address = True
    request_queue_size = 64


def make_server(app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> ThreadingWSGIServer:
    """Bind (port 0 = any free port) and attach the app; the caller runs serve_forever."""
    server = ThreadingWSGIServer((host, port), _RequestHandler)
    server.set_app(app)
    return server


def base_url(server: ThreadingWSGIServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def serve(app: WSGIApp, host: str = "127.0.0.1", port: int = 0, out: TextIO | None = None) -> None:
    """Serve until interrupted; the first stdout line is ``listening on http://HOST:PORT``."""
    out = out or sys.stdout
    server = make_server(app, host, port)
    try:
        out.write(f"listening on {base_url(server)}\n")
        out.flush()
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@contextmanager
def served(app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run the app on a real socket in a background thread; yields the base URL."""
    server = make_server(app, host, port)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield base_url(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
