import pytest

from intacct_reconcile.client.errors import (
    SENDER_AUTHORIZATION_FIX,
    AuthenticationError,
    AuthorizationError,
    DuplicateError,
    ErrorDetail,
    IntacctError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    SessionExpiredError,
    TransientError,
    ValidationError,
    classify,
    error_for,
    redact,
    register_secret,
)
from intacct_reconcile.errors import ReconcileError


def test_tree_is_rooted_in_reconcile_error():
    for cls in (
        AuthenticationError,
        AuthorizationError,
        NotFoundError,
        DuplicateError,
        ValidationError,
        RateLimitedError,
        TransientError,
        ProtocolError,
        SessionExpiredError,
    ):
        assert issubclass(cls, IntacctError)
    assert issubclass(IntacctError, ReconcileError)
    assert issubclass(RateLimitedError, TransientError)
    assert issubclass(SessionExpiredError, AuthenticationError)


@pytest.mark.parametrize(
    ("level", "detail", "expected"),
    [
        (
            "control",
            ErrorDetail("XL03000006", "Incorrect Intacct XML Partner ID or password."),
            AuthenticationError,
        ),
        (
            "authentication",
            ErrorDetail(
                "XL03000006",
                "Invalid Web Services Authorization",
                "The sender ID 'x' is not authorized to make Web "
                "Services requests to company ID 'y'.",
            ),
            AuthorizationError,
        ),
        (
            "authentication",
            ErrorDetail("XL03000006", "Sign-in information is incorrect"),
            AuthenticationError,
        ),
        (
            "control",
            ErrorDetail("XMLGW_JPP0002", "Sign-in information is incorrect."),
            AuthenticationError,
        ),
        ("control", ErrorDetail("GW-0010", "API rate limit exceeded"), RateLimitedError),
        ("control", ErrorDetail("XL03000003", "XML Parse schema error"), ProtocolError),
        (
            "authentication",
            ErrorDetail("XL03000006", "Invalid session", "The session has expired."),
            SessionExpiredError,
        ),
        (
            "function",
            ErrorDetail("BL34000061", "Another Class with the given value(s) UT01 already exists"),
            DuplicateError,
        ),
        ("function", ErrorDetail("BL01001973", "Duplicate account number"), DuplicateError),
        (
            "function",
            ErrorDetail("BL01001973", "Cannot find class with key 'UT01' to delete."),
            NotFoundError,
        ),
        ("function", ErrorDetail("BL03000025", "Login ID unittest does not exist."), NotFoundError),
        ("function", ErrorDetail("BL03000018", "Illegal format for STARTDATE"), ValidationError),
        (
            "function",
            ErrorDetail(
                "XL03000009",
                "The entire transaction in this operation has been rolled back due to an error.",
            ),
            ValidationError,
        ),
        (
            "function",
            ErrorDetail("", "x", "You do not have permission for API operation"),
            AuthorizationError,
        ),
        ("function", ErrorDetail("", "The Service is Temporarily Off-line"), TransientError),
        (
            "function",
            ErrorDetail(
                "",
                "A successful transaction has already been recorded with the control id create-1",
            ),
            DuplicateError,
        ),
    ],
)
def test_classification(level, detail, expected):
    assert classify([detail], level=level) is expected


def test_sender_not_authorized_message_names_the_ui_fix():
    exc = error_for(
        [ErrorDetail("XL03000006", "Invalid Web Services Authorization")], level="authentication"
    )
    assert isinstance(exc, AuthorizationError)
    assert (
        "Company > Setup > Configuration > Company > Security > Web Services authorizations"
        in str(exc)
    )
    assert SENDER_AUTHORIZATION_FIX in str(exc)


def test_replay_of_a_control_id_is_recognised():
    exc = error_for(
        [
            ErrorDetail(
                "", "A successful transaction has already been recorded with the control id f-1"
            )
        ],
        level="function",
    )
    assert exc.is_duplicate_control_id


@pytest.mark.parametrize(
    "text",
    [
        "<password>hunter2-long</password>",
        "<sessionid>abcdefgh12345</sessionid>",
        "Authorization: Bearer eyJhbGciOi.abc.def",
        '{"access_token": "tok-123456789"}',
        "client_secret=topsecret99&x=1",
    ],
)
def test_redact_removes_secret_looking_values(text):
    out = redact(text)
    assert "***" in out
    for secret in ("hunter2-long", "abcdefgh12345", "eyJhbGciOi", "tok-123456789", "topsecret99"):
        assert secret not in out


def test_registered_secrets_never_reach_messages_or_repr():
    register_secret("s3cr3t-value-xyz")
    exc = ValidationError("saw s3cr3t-value-xyz here", [ErrorDetail("E1", "echo s3cr3t-value-xyz")])
    assert "s3cr3t-value-xyz" not in str(exc)
    assert "s3cr3t-value-xyz" not in repr(exc)
    assert "s3cr3t-value-xyz" not in exc.errors[0].description


def test_short_values_are_not_registered_as_secrets():
    register_secret("abc")
    assert redact("abc def") == "abc def"
