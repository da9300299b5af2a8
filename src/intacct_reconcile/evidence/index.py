"""The bundle's index of SHA-256 digests, its `sha256sum -c` twin, and the deterministic zip.

index.json is canonical JSON (sorted keys, no spaces, UTF-8) ending in one newline, and carries
`index_sha256`, the digest of its own canonical JSON without that key: a changed byte anywhere
in it either breaks the JSON, makes the text non-canonical, or changes what the self-digest
covers. Every other file of the bundle is listed with its digest and size, sorted by path.

The zip holds the same files, uncompressed, in path order, with fixed dates and attributes, so
the same folder always packs to the same bytes: `verify` packs the files it read again and
compares, which catches a change to the zip's own headers too (a date, a flag, a comment).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intacct_reconcile.digests import canonical_json
from intacct_reconcile.evidence import (
    FORMAT,
    FORMAT_VERSION,
    INDEX_FILE,
    SIGNATURE_FILE,
    SUMS_FILE,
)

SELF_DIGEST = "index_sha256"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: no clock in the bytes
ZIP_FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--
ZIP_UNIX = 3  # "made by" Unix, whatever system packs it
_SAFE_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_path(path: str) -> bool:
    """A bundle path: relative, POSIX, plain names (no `..`, no hidden files, no spaces)."""
    return bool(_SAFE_PATH.match(path)) and ".." not in path.split("/")


def _canonical(value: Any) -> bytes:
    return (canonical_json(value) + "\n").encode("utf-8")


def build(files: Mapping[str, bytes], facts: Mapping[str, Any]) -> bytes:
    """index.json for `files` (every file but the index itself); `facts` name the apply."""
    body: dict[str, Any] = {
        **facts,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "files": [
            {"path": path, "sha256": sha256(files[path]), "bytes": len(files[path])}
            for path in sorted(files)
        ],
    }
    body[SELF_DIGEST] = sha256(canonical_json(body).encode("utf-8"))
    return _canonical(body)


def sums(files: Mapping[str, bytes]) -> bytes:
    """SHA256SUMS: `sha256sum -c SHA256SUMS` checks the files without this tool."""
    lines = [f"{sha256(files[p])}  {p}\n" for p in sorted(files) if p != SUMS_FILE]
    return "".join(lines).encode("utf-8")


@dataclass(frozen=True)
class Index:
    """A parsed, self-consistent index.json: the facts it states, each listed file's digest and
    size, and the digest of the index itself."""

    facts: Mapping[str, Any]
    files: Mapping[str, tuple[str, int]]  # path -> (sha256 hex, size)
    digest: str  # sha256 of index.json's bytes: record it elsewhere


def parse(data: bytes) -> tuple[Index | None, str]:
    """The index, or None and what is wrong with it."""
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"not valid JSON ({exc}): the index was changed"
    if not isinstance(body, dict):
        return None, "not a JSON object: the index was changed"
    if _canonical(body) != data:
        return None, "not in canonical form (sorted keys, no spaces, one final newline): changed"
    rest = {k: v for k, v in body.items() if k != SELF_DIGEST}
    if body.get(SELF_DIGEST) != sha256(canonical_json(rest).encode("utf-8")):
        return None, f"its content does not match its {SELF_DIGEST}: the index was changed"
    if body.get("format") != FORMAT:
        return None, f"not an evidence index (format {body.get('format')!r})"
    if body.get("format_version") != FORMAT_VERSION:
        return None, (
            f"format_version {body.get('format_version')!r} is not supported (this tool reads "
            f"{FORMAT_VERSION}) — verify it with the tool version that wrote it "
            f"({body.get('tool_version')!r})"
        )
    listed: dict[str, tuple[str, int]] = {}
    entries = body.get("files")
    if not isinstance(entries, list):
        return None, "`files` is not a list"
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            return None, f"a `files` entry is malformed: {entry!r}"
        path = entry["path"]
        if not safe_path(path) or path in (INDEX_FILE, SIGNATURE_FILE) or path in listed:
            return None, f"a `files` entry names an impossible or repeated path: {path!r}"
        digest, size = entry.get("sha256"), entry.get("bytes")
        if not isinstance(digest, str) or not isinstance(size, int) or isinstance(size, bool):
            return None, f"the `files` entry of {path!r} lacks a sha256 text or a byte count"
        listed[path] = (digest, size)
    facts = {k: v for k, v in rest.items() if k != "files"}
    return Index(facts, listed, sha256(data)), ""


def pack_zip(files: Mapping[str, bytes], folder: str) -> bytes:
    """The zip of a bundle: `folder/PATH` for each file, stored, in path order, fixed dates."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{path}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = ZIP_UNIX
            info.external_attr = ZIP_FILE_MODE
            zf.writestr(info, files[path])
    return out.getvalue()
