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

import base64
import html
import json
import logging
import re
import threading
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from intacct_reconcile.errors import ReconcileError

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_GENERATION = [0]  # secrets registered so far (see secrets_generation)
# Shorter values would blank out ordinary words in messages; real secrets are longer.
_MIN_SECRET_LEN = 6
# A run of this many characters of a secret (or of one of its encodings) is redacted: a
# truncated value ("abcdefghijkl…") gives away most of it.
_MIN_FRAGMENT = 8
# every _MIN_FRAGMENT-character window of every form of every secret -> (form, offset):
# text forms by their lower-case windows (case variants), base64 forms as they are
_WINDOWS_ANY_CASE: dict[str, list[tuple[str, int]]] = {}
_WINDOWS_EXACT: dict[str, list[tuple[str, int]]] = {}
_SHORT: list[re.Pattern[str]] = []  # secrets shorter than a window: whole, any case
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
    """Remember a secret value so that `redact` removes it, and its usual encodings, from
    any text."""
    if not value or len(value) < _MIN_SECRET_LEN:
        return
    with _SECRETS_LOCK:
        if value in _SECRETS:
            return
        _SECRETS.add(value)
        _GENERATION[0] += 1
        if len(value) < _MIN_FRAGMENT:
            _SHORT.append(re.compile(re.escape(value), re.IGNORECASE))
        textual, encoded = _forms(value)
        for forms, windows, fold in (
            (textual, _WINDOWS_ANY_CASE, True),
            (encoded, _WINDOWS_EXACT, False),
        ):
            for form in forms:
                form = form.lower() if fold else form
                for start in range(len(form) - _MIN_FRAGMENT + 1):
                    windows.setdefault(form[start : start + _MIN_FRAGMENT], []).append(
                        (form, start)
                    )


def secrets_generation() -> int:
    """Changes whenever a secret is registered: what `redact` makes of a text stays the same
    while it does not (callers may remember verdicts on repeated texts until then)."""
    return _GENERATION[0]


def known_secrets() -> frozenset[str]:
    """The secret values registered so far (for a final check that a file holds none)."""
    with _SECRETS_LOCK:
        return frozenset(_SECRETS)


def redact(text: str) -> str:
    """Text with every known secret and every secret-looking field replaced by ***.

    A secret is also found upper-, lower- or mixed-case, URL-encoded, hex-encoded, as
    base64 or base64url (alone or inside a longer encoded text such as `user:secret` in a
    Basic Authorization header), HTML- or JSON-escaped, and as any run of 8 or more of its
    characters (a prefix or suffix left by truncation)."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(_mask, text)
    with _SECRETS_LOCK:
        short = list(_SHORT)
        spans = _secret_spans(text) if _SECRETS else []
    for start, end in reversed(spans):
        text = text[:start] + "***" + text[end:]
    for pattern in short:
        text = pattern.sub("***", text)
    return text


def _secret_spans(text: str) -> list[tuple[int, int]]:
    """Where runs of _MIN_FRAGMENT or more characters of a secret's forms are, left to right
    (a run is found at its first window, so only its right end needs extending)."""
    lower = text.lower()
    if len(lower) != len(text):  # a few characters lower-case to two ("İ"): keep those
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    spans: list[tuple[int, int]] = []
    i, last = 0, len(text) - _MIN_FRAGMENT
    while i <= last:
        end = i
        for source, windows in ((lower, _WINDOWS_ANY_CASE), (text, _WINDOWS_EXACT)):
            for form, offset in windows.get(source[i : i + _MIN_FRAGMENT], ()):
                stop, at = i + _MIN_FRAGMENT, offset + _MIN_FRAGMENT
                while stop < len(text) and at < len(form) and source[stop] == form[at]:
                    stop, at = stop + 1, at + 1
                end = max(end, stop)
        if end > i:
            spans.append((i, end))
            i = end
        else:
            i += 1
    return spans


def _forms(secret: str) -> tuple[set[str], set[str]]:
    """(text forms, base64 forms) in which `secret` may show up."""
    raw = secret.encode("utf-8", errors="surrogatepass")
    textual = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
        html.escape(secret),
        json.dumps(secret)[1:-1],
        raw.hex(),
    }
    # base64 of any text holding the secret contains, whatever the secret's offset modulo 3,
    # the encoding of its bytes from that alignment on (whole 3-byte groups)
    encoded: set[str] = set()
    for skip in range(3):
        body = raw[skip:]
        body = body[: len(body) - len(body) % 3]
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded.add(encode(body).decode("ascii"))
            encoded.add(encode(raw).decode("ascii"))
    return textual, {e for e in encoded if len(e) >= _MIN_FRAGMENT}


class RedactingFilter(logging.Filter):
    """Log records leave with their message already formatted and redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: let logging report it as usual
            return True
        record.msg, record.args = redact(message), ()
        return True


# the loggers that see requests: ours, and httpx/httpcore at DEBUG (a filter on a logger
# applies to the records it creates, not to its children's: each is named)
REDACTED_LOGGERS = (
    "intacct_reconcile",
    "intacct_reconcile.client",
    "intacct_reconcile.live",
    "intacct_reconcile.applier",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
)
_FILTER = RedactingFilter()
for _name in REDACTED_LOGGERS:
    logging.getLogger(_name).addFilter(_FILTER)


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
