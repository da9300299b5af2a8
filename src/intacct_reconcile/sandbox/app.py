"""The sandbox as one WSGI application.

    app = make_app(":memory:")                    # or a SQLite file path; seeds the starter company
    httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox")

Routes: POST /ia/xml/xmlgw.phtml -> xml_gateway.handle(app, environ); anything under
/ia/api/v1/ -> sandbox.rest_api.handle(app, environ) (imported lazily). Both handlers return
(status line, headers, body bytes). Other paths answer 404.

Many companies: `app.store` is the database's default company (DEMO); `app.companies` finds
every company it hosts by the company ID a login names (sandbox/companies.py).

`app.clock` (seconds since the epoch) drives session expiry; tests may replace it.
`app.pipeline` is the WSGI callable actually served: middleware (latency, concurrency limit,
faults, request log) wraps it in make_app.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from intacct_reconcile.sandbox import realism
from intacct_reconcile.sandbox.companies import Companies
from intacct_reconcile.sandbox.company import seed_starter_company
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.store import Store

XML_PATH = "/ia/xml/xmlgw.phtml"
REST_PREFIX = "/ia/api/v1/"
Response = tuple[str, list[tuple[str, str]], bytes]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class SandboxApp:
    """The sandbox companies of one database behind the XML gateway and the REST API."""

    def __init__(self, store: Store, options: SandboxOptions | None = None):
        self.store = store  # the default company
        self.companies = Companies(store)
        self.options = options or SandboxOptions()
        self.clock: Callable[[], float] = time.time
        self.pipeline: WSGIApp = self.dispatch

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return self.pipeline(environ, start_response)

    def company(self, companyid: str) -> Store | None:
        """The top-level Store of the company a login names, or None if there is none."""
        return self.companies.get(companyid)

    def dispatch(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status, headers, body = self.route(environ)
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def route(self, environ: dict[str, Any]) -> Response:
        path = environ.get("PATH_INFO", "") or "/"
        if path == XML_PATH:
            from intacct_reconcile.sandbox import xml_gateway

            return xml_gateway.handle(self, environ)
        if path.startswith(REST_PREFIX):
            try:
                from intacct_reconcile.sandbox import rest_api
            except ImportError:
                return _json_404(path)
            return rest_api.handle(self, environ)
        return _json_404(path)


def warm_up() -> None:
    """Load what the first requests would otherwise load while their client waits: the
    gateway's and the REST API's modules and the permission catalogue. `sandbox serve` calls
    it before it listens, as a server starts up before it takes requests (an in-process app
    keeps loading them lazily: a test that never sends an XML request never loads them)."""
    from intacct_reconcile.sandbox import rest_api, xml_gateway  # noqa: F401
    from intacct_reconcile.sandbox.objects import permissions

    permissions.modules()


def _json_404(path: str) -> Response:
    body = json.dumps({"error": "not found", "path": path}).encode()
    return "404 Not Found", [("Content-Type", "application/json")], body


def _company_of(app: SandboxApp, info: realism.RequestInfo) -> str:
    """The company a request counts against: its login's, its session's or its token's ("" for
    none, or for a company the database lacks: made-up IDs share one set of slots)."""
    if info.company or not info.session_id:
        return info.company if info.company and app.company(info.company) is not None else ""
    if info.api == "xml":
        found = app.store.session(info.session_id)
        return found[1] if found else ""
    return realism.rest_token_company(app, info.session_id)


def make_app(db: str = ":memory:", options: SandboxOptions | None = None) -> SandboxApp:
    store = Store.open(db)
    seed_starter_company(store)
    app = SandboxApp(store, options)
    # realism middleware (latency, concurrency limit, faults, request log); an injected
    # session expiry ends the session in the store so the gateway refuses it as expired
    app.pipeline = realism.wrap(
        app.pipeline,
        app.options,
        expire_session=lambda sid: store.touch_session(sid, 0.0),
        expire_token=lambda token: realism.expire_rest_token(app, token),
        company_of=lambda info: _company_of(app, info),
    )
    return app
