"""Conformance: real third-party Intacct clients, installed from their registries and left
unmodified, against the sandbox served over real HTTP on 127.0.0.1.

Each client is pointed at the sandbox only through its endpoint setting; where a client has no
public one, its test module says which URL attribute it sets (see the module docstrings).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sageintacctsdk import SageIntacctSDK
from sageintacctsdk.apis.api_base import ApiBase

from intacct_reconcile.sandbox import company
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


def point_at(api: ApiBase, url: str) -> None:
    """Send an XML SDK API's requests to `url`."""
    api._ApiBase__api_url = url  # type: ignore[attr-defined]  # the SDK's endpoint setting


def xml_sdk(endpoint: str, session_id: str) -> SageIntacctSDK:
    """The XML SDK as the starter company's admin, on an open session, sent to `endpoint`."""
    sdk = SageIntacctSDK(
        sender_id=company.SENDER_ID,
        sender_password=company.SENDER_PASSWORD,
        user_id=company.ADMIN_USER,
        company_id=company.COMPANY_ID,
        user_password=company.ADMIN_PASSWORD,
        session_id=session_id,  # given, so the constructor does not call api.intacct.com
    )
    for api in vars(sdk).values():
        if isinstance(api, ApiBase):
            point_at(api, endpoint)
    return sdk
