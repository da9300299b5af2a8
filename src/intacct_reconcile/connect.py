"""The API clients opened for a target (XML gateway, REST client), or an embedded sandbox.

with open_clients(resolve_target(load_config(None), "prod")) as clients:
    clients.xml.read_all("GLACCOUNT", ["RECORDNO", "ACCOUNTNO"])
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from intacct_reconcile.credentials import load_credentials
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.settings import STATE_DIR, Target

if TYPE_CHECKING:
    from intacct_reconcile.client.gateway import Gateway
    from intacct_reconcile.client.rest import RestClient


@dataclass
class Clients:
    """The clients opened for one target: the XML gateway, and the REST client when the target
    has REST credentials."""

    xml: Gateway
    rest: RestClient | None  # None without REST credentials
    target: Target


TIMEOUT = httpx.Timeout(300.0, connect=30.0)  # the official SDKs wait 300 s for an answer

_tls_lock = threading.Lock()
_tls_contexts: dict[tuple[str, str], ssl.SSLContext] = {}


def verified_tls() -> ssl.SSLContext:
    """The verifying TLS context httpx builds for `verify=True`, built once per process.

    Building one loads the whole CA bundle (~40 ms of CPU); a fleet run opens a client per
    target, and 200 targets would pay it 200 times. A context is safe to share between
    threads and clients. Keyed by SSL_CERT_FILE / SSL_CERT_DIR, which httpx reads too."""
    key = (os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))
    with _tls_lock:
        context = _tls_contexts.get(key)
        if context is None:
            context = _tls_contexts[key] = httpx.create_ssl_context(verify=True)
        return context


def warm_tls(target: Target) -> None:
    """Build the verifying TLS context on a thread of its own, for a target that will need
    it, and load httpx's transport meanwhile on another (httpx loads httpcore with its first
    client). Loading the CA bundle runs outside the interpreter lock, so it takes no time
    from the manifests being read meanwhile; `open_clients` then finds both done."""
    if target.sandbox or not _over_tls(target):
        return
    threading.Thread(target=verified_tls, name="intacct-tls", daemon=True).start()
    threading.Thread(target=_load_transport, name="intacct-transport", daemon=True).start()


def _over_tls(target: Target) -> bool:
    return httpx.URL(target.endpoint).scheme == "https"


def _load_transport() -> None:
    import httpcore  # noqa: F401


def sandbox_http(db: Path | str, company_id: str | None = None) -> httpx.Client:
    """An httpx client talking in-process to an embedded sandbox stored in `db`.

    A company the database does not host yet (a `sandbox: true` target's `company_id`) is
    created there as a starter company, as the default one is on first use."""
    import sqlite3

    from intacct_reconcile.sandbox.app import make_app
    from intacct_reconcile.sandbox.objects.errors import SandboxError

    try:
        if isinstance(db, Path):
            if db.is_dir():
                raise ConfigError(
                    f"{db}: the sandbox database is a directory — point the target's `db:` "
                    "at a file (e.g. .intacct-reconcile/sandbox.db)"
                )
            db.parent.mkdir(parents=True, exist_ok=True)
        app = make_app(db=str(db))
        if company_id and app.company(company_id) is None:
            app.companies.create(company_id)
    except SandboxError as exc:
        _errorno, description, _detail, correction = exc.errors[0]
        raise ConfigError(
            f"{db}: cannot add sandbox company {company_id!r}: {description} — {correction}"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{db}: cannot create the sandbox database ({exc.strerror}) — point the target's "
            "`db:` at a writable path"
        ) from None
    except sqlite3.Error as exc:
        raise ConfigError(
            f"{db}: cannot open the sandbox database ({exc}) — point the target's `db:` at "
            "another file, or remove this one to start from a fresh starter company"
        ) from None
    return httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://sandbox.invalid", timeout=TIMEOUT
    )


@contextmanager
def open_clients(
    target: Target,
    *,
    progress: Callable[..., None] | None = None,
    env: Mapping[str, str] = os.environ,
    ini_path: Path | None = None,
    profile: str | None = None,
) -> Iterator[Clients]:
    """XML and REST clients for the target, sharing one HTTP client and concurrency limit."""
    from intacct_reconcile.client.gateway import Gateway
    from intacct_reconcile.client.rest import RestClient

    if not target.sandbox and not target.is_local and httpx.URL(target.endpoint).scheme != "https":
        # passwords and session ids travel in every request body: never over plain HTTP
        raise ConfigError(
            f"target {target.name!r}: endpoint {target.endpoint} is not https; only a local "
            "sandbox may use http:// — change the endpoint to https://"
        )
    xml_creds, rest_creds = load_credentials(target, env, ini_path, profile)
    if target.sandbox:
        http = sandbox_http(target.db or Path(STATE_DIR) / "sandbox.db", target.company_id)
    elif _over_tls(target):
        # always verifying: TLS verification is never switched off for a real endpoint
        http = httpx.Client(base_url=target.endpoint, timeout=TIMEOUT, verify=verified_tls())
    else:
        # plain HTTP to a local sandbox (refused above for anything else): there is no TLS to
        # verify, so no CA bundle to load (~30 ms before the first request could leave)
        http = httpx.Client(base_url=target.endpoint, timeout=TIMEOUT, verify=False)
    gateway = Gateway(http, xml_creds, concurrency=target.concurrency, progress=progress)
    rest = (
        RestClient(http, rest_creds, progress=progress, limiter=gateway.limiter)
        if rest_creds
        else None
    )
    try:
        yield Clients(gateway, rest, target)
    finally:
        gateway.close()
        http.close()
