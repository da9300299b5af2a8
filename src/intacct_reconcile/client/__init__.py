"""Intacct clients: the XML gateway (`gateway.Gateway`) and REST (`rest.RestClient`) on httpx.

Modules: xml (safe parse/build), envelope (request/response values), session (bounded HTTP
requests), retry (backoff policy), errors (typed exceptions, secrets redacted), gateway, rest.
Names are loaded lazily so that settings can import client.errors without a cycle.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Gateway": "gateway",
    "ReadSpec": "gateway",
    "WriteResult": "gateway",
    "ProgressEvent": "gateway",
    "RestClient": "rest",
    "RetryPolicy": "retry",
    "Filter": "envelope",
    "Function": "envelope",
    "Result": "envelope",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = sorted(_EXPORTS)
