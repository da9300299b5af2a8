"""Helpers to run the clients against the real sandbox (in-process or served)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import httpx

from intacct_reconcile.client.gateway import Gateway
from intacct_reconcile.client.retry import RetryPolicy
from intacct_reconcile.credentials import load_credentials
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.objects import bulk_insert
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.settings import Target

XML_CREDS, REST_CREDS = load_credentials(
    Target("sandbox", sandbox=True, company_id="DEMO"), env={}, ini_path=Path("/nonexistent")
)


def fast_retry(**kw: Any) -> RetryPolicy:
    return RetryPolicy(
        base_delay=0.001, max_delay=0.01, sleep=lambda s: None, rng=random.Random(7), **kw
    )


def sandbox(tmp_path: Path | None = None, **options: Any):
    if tmp_path is not None and "log_path" not in options:
        options["log_path"] = str(tmp_path / "requests.jsonl")
    return make_app(":memory:", SandboxOptions(**options))


def http_for(app: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox.test")


def gateway(app: Any, *, concurrency: int = 2, retry: RetryPolicy | None = None, **kw) -> Gateway:
    return Gateway(
        http_for(app), XML_CREDS, concurrency=concurrency, retry=retry or fast_retry(), **kw
    )


def request_log(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "requests.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def seed_accounts(app: Any, n: int, start: int = 100_000) -> None:
    bulk_insert(
        app.store,
        "GLACCOUNT",
        ({"ACCOUNTNO": str(start + i), "TITLE": f"Bulk account {i}"} for i in range(n)),
    )


def accounts(n: int, start: int = 50_000, prefix: str = "Acct") -> list[dict[str, str]]:
    return [{"ACCOUNTNO": str(start + i), "TITLE": f"{prefix} {i}"} for i in range(n)]
