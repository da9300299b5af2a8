"""An unreachable server is named in the error, so the user knows which endpoint to check."""

import httpx
import pytest

from intacct_reconcile.client.errors import TransientError
from intacct_reconcile.client.session import Limiter, send


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


@pytest.mark.parametrize(
    ("base", "url", "named"),
    [
        ("https://api.intacct.com", "/ia/xml/xmlgw.phtml", "https://api.intacct.com/ia/xml/"),
        ("", "http://127.0.0.1:8765/ia/api/v1/x?token=s3cr3t", "http://127.0.0.1:8765/ia/api/"),
    ],
)
def test_connection_failure_names_scheme_host_and_path_not_the_query(base, url, named):
    http = httpx.Client(base_url=base, transport=httpx.MockTransport(_refuse))
    with pytest.raises(TransientError) as caught:
        send(http, Limiter(1), "POST", url)
    message = str(caught.value)
    assert named in message
    assert "s3cr3t" not in message
    assert "check the target's endpoint" in message
