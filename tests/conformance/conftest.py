"""Conformance: real third-party Intacct clients, installed from their registries and left
unmodified, against the sandbox served over real HTTP on 127.0.0.1.

Each client is pointed at the sandbox only through its endpoint setting; where a client has no
public one, its test module says which URL attribute it sets (see the module docstrings).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intacct_reconcile.sandbox.app import SandboxApp, make_app
from intacct_reconcile.sandbox.serve import served


@pytest.fixture(scope="module")
def app() -> SandboxApp:
    return make_app()


@pytest.fixture(scope="module")
def base_url(app: SandboxApp) -> Iterator[str]:
    """http://127.0.0.1:PORT of the sandbox, served as `intacct-reconcile sandbox serve` does."""
    with served(app) as url:
        yield url
