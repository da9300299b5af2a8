"""Custom package files: found next to the manifest, well-formed XML, digested."""

from __future__ import annotations

import hashlib
import re

from lxml import etree

from intacct_reconcile.errors import Problem
from intacct_reconcile.kinds.custom_packages import DIGEST_PATTERN
from intacct_reconcile.manifest.objects import Declared

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def digest_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def resolve_package(obj: Declared) -> list[Problem]:
    """Set `file` to the absolute path and `digest` from the file's bytes (a declared file wins
    over a declared digest), check a digest declared alone, or say what's wrong."""
    raw = obj.values.get("file")
    if obj.ensure == "absent":
        return []
    if not isinstance(raw, str):
        return _declared_digest(obj)
    span = obj.field_spans.get("file", obj.span)
    path = (obj.manifest.parent / raw).resolve()
    if not path.is_file():
        return [
            Problem(
                span,
                f"package file '{raw}' not found",
                "the path is relative to the folder of the manifest that names it",
            )
        ]
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return [
            Problem(
                span,
                f"package file '{raw}' is not UTF-8 text",
                "use the package file exactly as the vendor exported it",
            )
        ]
    try:
        etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        return [
            Problem(
                span,
                f"package file '{raw}' is not well-formed XML: {exc.msg}",
                "use the package file exactly as the vendor exported it",
            )
        ]
    obj.values["file"] = str(path)
    obj.values["digest"] = digest_bytes(data)
    return []


def _declared_digest(obj: Declared) -> list[Problem]:
    """Without a file, the installed digest (as `export` writes it) is the desired state."""
    digest = obj.values.get("digest")
    if digest is None:
        return [
            Problem(
                obj.span,
                f"{obj.ref}: declares neither `file` nor `digest`",
                "add `file: <package XML, relative to this manifest>` (or the installed "
                "`digest:` as `export` writes it)",
            )
        ]
    if not re.fullmatch(DIGEST_PATTERN, str(digest)):
        return [
            Problem(
                obj.field_spans.get("digest", obj.span),
                f"{obj.ref}: digest {digest!r} is not sha256:<64 hex digits>",
                "copy it from an export, or declare `file:` instead",
            )
        ]
    return []
