"""The bundle's signature: an HMAC-SHA256 of index.json's bytes, in `index.sig`.

The index's self-digest catches a changed byte, not a bundle rewritten wholesale with every
digest recomputed. A key held by the pipeline that writes bundles (INTACCT_RECONCILE_EVIDENCE_KEY)
closes that gap for whoever also holds the key: without it, nobody can make a signature that
verifies. The key is separate from the plan key (INTACCT_RECONCILE_PLAN_KEY) on purpose: an
auditor who checks bundles needs this key, and must not thereby be able to sign plans that
`apply` accepts.

`index.sig` is the one file the index does not list (it signs the index, so it cannot be in
it); it holds `hmac-sha256:<64 hex>` and one newline.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from enum import Enum

from intacct_reconcile.client.errors import register_secret

KEY_ENV = "INTACCT_RECONCILE_EVIDENCE_KEY"
PREFIX = "hmac-sha256:"
_WELL_FORMED = re.compile(rb"^hmac-sha256:[0-9a-f]{64}\n$")


class Status(Enum):
    """What `verify` could say about the signature (a mismatch is a problem, not a status)."""

    VALID = "valid"  # signed, and the key here verifies it
    UNCHECKED = "not checked"  # signed, but no key here to check it with
    ABSENT = "not signed"


def key_from(env: Mapping[str, str]) -> bytes | None:
    """The evidence key (None when unset or empty); registered as a secret, so no output,
    log or bundle ever shows it."""
    value = env.get(KEY_ENV, "")
    if not value:
        return None
    register_secret(value)
    return value.encode("utf-8")


def sign(index_bytes: bytes, key: bytes) -> bytes:
    return f"{PREFIX}{hmac.new(key, index_bytes, hashlib.sha256).hexdigest()}\n".encode()


def check(signature: bytes, index_bytes: bytes, key: bytes | None) -> tuple[Status, str]:
    """The signature's status, or a problem (second item, non-empty) when it is malformed or
    does not match `key`. The problem never quotes the key or the expected signature."""
    if not _WELL_FORMED.match(signature):
        return Status.UNCHECKED, (
            f"not a signature (expected `{PREFIX}` and 64 hex digits on one line): changed"
        )
    if key is None:
        return Status.UNCHECKED, ""
    if not hmac.compare_digest(signature, sign(index_bytes, key)):
        return Status.UNCHECKED, (
            f"does not match index.json with the key in {KEY_ENV}: the bundle was changed "
            "after it was signed, or it was signed with another key"
        )
    return Status.VALID, ""
