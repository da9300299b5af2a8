"""Serve a sandbox WSGI app over real HTTP: threaded, quiet, and able to hang up on purpose.

``serve`` is what ``intacct-reconcile sandbox serve`` runs (prints the listening line first,
flushed at once, so a parent process can read the port); ``served`` runs the same server in a
background thread for tests and benchmarks and yields the base URL.
"""

from __future__ import annotations

import socketserver
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from intacct_reconcile.sandbox.realism import DroppedConnection, WSGIApp


class _Handler(ServerHandler):
    """wsgiref's handler, except that an injected DroppedConnection sends nothing at all."""

    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DroppedConnection):
            self.request_handler.close_connection = True
            return
        super().handle_error()

    def log_exception(self, exc_info: Any) -> None:
        # One line instead of a traceback per failed request; the request log has details.
        self.get_stderr().write(f"sandbox: internal error: {exc_info[1]!r}\n")

    def close(self) -> None:
        # Skip ServerHandler.close's per-request access log line.
        super(ServerHandler, self).close()


class _RequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # silence per-request stderr logging

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Handler(
            self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.request_handler = self
        handler.run(self.server.get_app())


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
