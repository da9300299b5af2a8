"""Custom (platform) packages installed with XML installApp.

The manifest names a package file relative to the manifest that declares it; the desired
value is the file's sha256 digest, so a new package file re-opens the install.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from intacct_reconcile.kinds.base import Field, Hooks, Kind


def _to_api(
    kind: Kind, values: Mapping[str, Any], payload: dict[str, Any], create: bool
) -> dict[str, Any]:
    # installApp takes the package XML itself; `file` holds the resolved absolute path
    payload.pop("FILE", None)
    if values.get("file"):
        # bytes decoded as-is (no newline translation): the digest is over exactly these bytes
        payload["appxml"] = Path(values["file"]).read_bytes().decode("utf-8")
    return payload


KIND = Kind(
    key="custom_packages",
    title="custom package",
    api="xml",
    object="installApp",
    identity=Field("package", "NAME", description="Package (application) name."),
    fields=(
        Field(
            "file",
            "FILE",
            required=True,
            write_only=True,
            description="Package XML file, relative to this manifest.",
        ),
        # set by the manifest loader from the file; live: the digest the install recorded.
        # assumption: the live reader reports the installed package's digest as DIGEST
        Field("digest", "DIGEST", description="sha256 of the package file (computed)."),
    ),
    depends_on=("module_subscriptions",),
    delete="none",  # no uninstall function in the XML API (reference §3.12)
    hooks=Hooks(to_api=_to_api),
    ui_steps=(
        "If the package defines user-defined dimensions: Platform Services > Applications > "
        "Requests for authorization > approve {key}",
    ),
    extra={"computed_fields": ("digest",)},
)
