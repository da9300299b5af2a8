"""What Intacct can say no with, as one tree of typed exceptions.

    ReconcileError                          (intacct_reconcile.errors)
    └── IntacctError                        the API refused or failed; carries ErrorDetails
        ├── AuthenticationError             bad sender, user or company credentials
        │   └── SessionExpiredError         session id no longer valid (refreshed and retried once)
        ├── AuthorizationError              sender not authorized, or no permission for the call
        ├── NotFoundError                   the key does not exist
        ├── DuplicateError                  the object (or the control id) already exists
        ├── ValidationError                 the request was understood and rejected (business rule)
        ├── TransientError                  5xx, dropped connection, off-line: worth retrying
        │   └── RateLimitedError            HTTP 429 / GW-0010: too many concurrent requests
        ├── ProtocolError                   the answer is not a well-formed, expected response
        └── DeadlineError                   no complete answer before its deadline (or the run's)

Every message passes through `redact` before it reaches an exception, so passwords, session
ids, tokens and client secrets never show up in messages, reprs or logs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from intacct_reconcile.errors import ReconcileError

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
# Shorter values would blank out ordinary words in messages; real secrets are longer.
_MIN_SECRET_LEN = 6
_SECRET_PATTERNS = (
    re.compile(r"(<(password|sessionid|client_secret)>)[^<]*(</\2>)", re.I),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|client_secret|password|sessionid)[\"']?"
        r"\s*[:=]\s*[\"']?)[^\"'&\s,}]+"
    ),
)
SENDER_AUTHORIZATION_FIX = (
    "authorize the sender ID for this company in the Intacct UI: Company > Setup > "
    "Configuration > Company > Security > Web Services authorizations > Add sender ID"
)


_LEVEL_MESSAGES = {
    "control": "Intacct refused the request (control block: sender or request)",
    "authentication": "Intacct refused the sign-in (user, company or session)",
    "function": "the function failed",
}


def register_secret(value: str) -> None:
    """Remember a secret value so that `redact` removes it from any text."""
    if value and len(value) >= _MIN_SECRET_LEN:
        with _SECRETS_LOCK:
            _SECRETS.add(value)


def redact(text: str) -> str:
    """Text with every known secret and every secret-looking field replaced by ***."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(_mask, text)
    with _SECRETS_LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _mask(match: re.Match[str]) -> str:
    closing = match.group(3) if match.re.groups >= 3 else ""
    return f"{match.group(1)}***{closing}"


@dataclass(frozen=True)
class ErrorDetail:
    """One <error> (XML) or error item (REST) as Intacct reported it."""

    errorno: str = ""
    description: str = ""
    description2: str = ""
    correction: str = ""

    def __str__(self) -> str:
        parts = [p for p in (self.description, self.description2) if p]
        text = f"{self.errorno}: " if self.errorno else ""
        text += " — ".join(parts) or "no description"
        if self.correction:
            text += f" (fix: {self.correction})"
        return text

    @property
    def text(self) -> str:
        return " ".join((self.description, self.description2, self.correction)).lower()


class IntacctError(ReconcileError):
    """The API refused or failed. `errors` holds what Intacct said, already redacted."""

    def __init__(
        self,
        message: str,
        errors: Sequence[ErrorDetail] = (),
        *,
        function: str | None = None,
        control_id: str | None = None,
        http_status: int | None = None,
        hint: str = "",
    ):
        self.errors = tuple(_redact_detail(e) for e in errors)
        self.function = function
        self.control_id = control_id
        self.http_status = http_status
        self.hint = hint
        where = " ".join(p for p in (function, f"[{control_id}]" if control_id else None) if p)
        text = f"{where}: {message}" if where else message
        if self.errors:
            text += "\n" + "\n".join(f"  {e}" for e in self.errors)
        if hint:
            text += f"\n  how to fix: {hint}"
        super().__init__(redact(text))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    @property
    def is_duplicate_control_id(self) -> bool:
        return any(_is_replay(e) for e in self.errors)


class AuthenticationError(IntacctError):
    """Sender, user or company credentials were refused."""


class SessionExpiredError(AuthenticationError):
    """The session id is no longer valid; a new session fixes it."""


class AuthorizationError(IntacctError):
    """Credentials are fine but this sender or user may not do this."""


class NotFoundError(IntacctError):
    """The object or key does not exist."""


class DuplicateError(IntacctError):
    """An object with this identity already exists."""


class ValidationError(IntacctError):
    """Intacct understood the request and rejected it on a business rule."""


class TransientError(IntacctError):
    """A failure that may go away on its own: worth retrying with backoff."""

    def __init__(
        self,
        message: str,
        errors: Sequence[ErrorDetail] = (),
        *,
        retry_after: float | None = None,
        **kwargs: object,
    ):
        super().__init__(message, errors, **kwargs)  # type: ignore[arg-type]
        # seconds the server asked us to wait (Retry-After), if it said
        self.retry_after = retry_after


class RateLimitedError(TransientError):
    """HTTP 429 / GW-0010: too many concurrent requests for the company."""


class ProtocolError(IntacctError):
    """The response is not a well-formed, expected answer (or is hostile)."""


class DeadlineError(IntacctError):
    """A request ran past its own deadline or the run's: the server is stalled or trickling.
    Not retried: a server that gave nothing complete for that long is not about to."""


def _redact_detail(detail: ErrorDetail) -> ErrorDetail:
    return ErrorDetail(
        *(
            redact(v)
            for v in (detail.errorno, detail.description, detail.description2, detail.correction)
        )
    )


def _is_replay(detail: ErrorDetail) -> bool:
    return "already been recorded with the control id" in detail.text


def _is_session_problem(detail: ErrorDetail) -> bool:
    text = detail.text
    # assumption: the reference leaves the invalid-session error number open; match its wording
    return "session" in text and any(
        w in text for w in ("expired", "invalid", "timed out", "timeout")
    )


def classify(details: Iterable[ErrorDetail], *, level: str) -> type[IntacctError]:
    """The exception class for errors reported at `level` (control, authentication, function)."""
    details = tuple(details)
    numbers = {d.errorno.upper() for d in details}
    text = " ".join(d.text for d in details)
    if "GW-0010" in numbers or "rate limit" in text:
        return RateLimitedError
    if "temporarily off-line" in text or "temporarily unavailable" in text:
        return TransientError
    if any(_is_session_problem(d) for d in details):
        return SessionExpiredError
    if "web services authorization" in text or "not authorized to make web services" in text:
        return AuthorizationError
    if level in ("control", "authentication") and (
        numbers & {"XL03000006", "XMLGW_JPP0002"} or "sign-in information" in text
    ):
        return AuthenticationError
    if level != "function":
        return ProtocolError if numbers & {"XL03000003", "GW-0011"} else AuthenticationError
    if any(_is_replay(d) for d in details) or "already exists" in text or "duplicate" in text:
        return DuplicateError
    if "permission" in text or "not authorized" in text:
        return AuthorizationError
    if "cannot find" in text or "does not exist" in text or "not found" in text:
        return NotFoundError
    return ValidationError


def error_for(
    details: Sequence[ErrorDetail],
    *,
    level: str,
    function: str | None = None,
    control_id: str | None = None,
    http_status: int | None = None,
) -> IntacctError:
    """Build the typed exception for what Intacct reported, with a fix where we know one."""
    cls = classify(details, level=level)
    hint = SENDER_AUTHORIZATION_FIX if cls is AuthorizationError and level != "function" else ""
    if cls is AuthenticationError and not hint:
        hint = (
            "check INTACCT_SENDER_ID/INTACCT_SENDER_PASSWORD and the user, company and "
            "password (INTACCT_USER_ID, INTACCT_COMPANY_ID, INTACCT_USER_PASSWORD)"
        )
    message = _LEVEL_MESSAGES.get(level, "Intacct reported a failure")
    return cls(
        message,
        details,
        function=function,
        control_id=control_id,
        http_status=http_status,
        hint=hint,
    )
