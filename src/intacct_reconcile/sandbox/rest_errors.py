"""REST error bodies in Intacct's shape, and the exception the REST handlers raise.

Shape (Intacct REST OpenAPI ``error-response``; developer.sage.com guides/error-handling):

    {"ia::result": {"ia::error": {"code": "invalidRequest", "message": "...",
                                  "errorId": "REST-1028",
                                  "additionalInfo": {"messageId": "IA....", "placeholders": {},
                                                     "propertySet": {}},
                                  "supportId": "...", "details": [{code, message, errorId,
                                                                   target, additionalInfo}]}},
     "ia::meta": {"totalCount": 1, "totalSuccess": 0, "totalError": 1}}
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

# Documented status codes (guides/error-handling): 400 schema error, 401 OAuth2, 403 permission,
# 404 missing resource, 405 method, 409 idempotency/unique key, 422 business validation, 429.
REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


@dataclass(frozen=True)
class Detail:
    """One problem inside an error: which field (``target``) and what is wrong with it."""

    message: str
    target: str = ""
    code: str = "invalidRequest"
    error_id: str = "REST-1064"
    message_id: str = ""

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        out["errorId"] = self.error_id
        if self.target:
            out["target"] = self.target
        out["additionalInfo"] = {
            "messageId": self.message_id or "IA.INVALID_VALUE",
            "placeholders": {},
            "propertySet": {},
        }
        return out


@dataclass
class RestError(Exception):
    """An error answer. ``error_id``/``message_id`` values are the documented ones where we know
    them (REST-1028 payload missing, REST-1043 not a valid field, REST-1064 payload contains
    errors); others are marked where raised."""

    status: int
    code: str
    message: str
    error_id: str = "REST-1064"
    message_id: str = ""
    placeholders: dict[str, str] = field(default_factory=dict)
    details: list[Detail] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "errorId": self.error_id,
            "additionalInfo": {
                "messageId": self.message_id or f"IA.{self.code.upper()}",
                "placeholders": dict(self.placeholders),
                "propertySet": {},
            },
            # assumption: real support ids are opaque URL-encoded strings; any token will do
            "supportId": secrets.token_urlsafe(18),
        }
        if self.details:
            error["details"] = [d.data() for d in self.details]
        return {
            "ia::result": {"ia::error": error},
            "ia::meta": {"totalCount": 1, "totalSuccess": 0, "totalError": 1},
        }


def bad_request(message: str, details: list[Detail] | None = None) -> RestError:
    return RestError(
        400,
        "invalidRequest",
        message,
        "REST-1064",
        "IA.PAYLOAD_CONTAINS_ERRORS",
        details=list(details or []),
    )


def unprocessable(message: str, details: list[Detail] | None = None) -> RestError:
    # assumption: business-rule failures use code "invalidRequest" with REST-1064 and the
    # specific problem in details; the exact ids for each rule are not documented
    return RestError(
        422,
        "invalidRequest",
        message,
        "REST-1064",
        "IA.BUSINESS_VALIDATION",
        details=list(details or []),
    )


def not_found(what: str, key: str) -> RestError:
    # assumption: errorId for a missing record is not documented
    return RestError(
        404,
        "notFound",
        f"{what} with key '{key}' was not found",
        "REST-1040",
        "IA.RECORD_NOT_FOUND",
        {"KEY": key},
    )


def conflict(message: str) -> RestError:
    # assumption: duplicate ids are reported as 409 (unique key), errorId undocumented
    return RestError(409, "conflict", message, "REST-1409", "IA.DUPLICATE_VALUE")


def method_not_allowed(method: str, path: str) -> RestError:
    return RestError(
        405,
        "methodNotAllowed",
        f"{method} is not supported for {path}",
        "REST-1405",
        "IA.METHOD_NOT_ALLOWED",
        {"OPERATION": method},
    )


def unauthorized(message: str) -> RestError:
    # assumption: code/errorId for token problems; 401 itself is documented
    return RestError(401, "invalidToken", message, "REST-1401", "IA.INVALID_TOKEN")


def forbidden(message: str, details: list[Detail] | None = None) -> RestError:
    return RestError(
        403, "forbidden", message, "REST-1403", "IA.NOT_AUTHORIZED", details=list(details or [])
    )
