"""Custom package files: found next to the manifest, well-formed XML, digested."""

from __future__ import annotations

import hashlib

from lxml import etree

from intacct_reconcile.errors import Problem
from intacct_reconcile.manifest.objects import Declared

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def digest_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def resolve_package(obj: Declared) -> list[Problem]:
    """Set `file` to the absolute path and `digest` from the file's bytes, or say what's wrong."""
    raw = obj.values.get("file")
    if not isinstance(raw, str) or obj.ensure == "absent":
        return []
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
