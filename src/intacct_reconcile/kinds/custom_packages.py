"""Custom (platform) packages installed with XML installApp.

The manifest names a package file relative to the manifest that declares it; the desired
value is the file's sha256 digest, so a new package file re-opens the install. An exported
manifest records the installed digest instead (`digest:`): in sync without the original file,
which is needed only to install or change the package. A declared file wins over a digest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from intacct_reconcile.errors import ReconcileError
from intacct_reconcile.kinds.base import Field, Hooks, Kind
from intacct_reconcile.kinds.io import KindWriter, WriteContext, gateway_for, guarded
from intacct_reconcile.kinds.xml_io import XmlReader
from intacct_reconcile.types import Change, ChangeResult

if TYPE_CHECKING:
    from intacct_reconcile.errors import Problem
    from intacct_reconcile.manifest.objects import Declared

# installed packages are read from this object (`installApp` is the write function)
READ_OBJECT = "PTAPPLICATION"
# an installed package's digest as the manifest declares it (checked by manifest/packages.py)
DIGEST_PATTERN = r"^sha256:[0-9a-f]{64}$"


def _to_api(
    kind: Kind, values: Mapping[str, Any], payload: dict[str, Any], create: bool
) -> dict[str, Any]:
    # installApp takes the package XML itself; `file` holds the resolved absolute path
    payload.pop("FILE", None)
    if values.get("file"):
        # bytes decoded as-is (no newline translation): the digest is over exactly these bytes
        payload["appxml"] = Path(values["file"]).read_bytes().decode("utf-8")
    return payload


@dataclass(frozen=True)
class PackageWriter(KindWriter):
    """installApp, one package per call (there is no update or uninstall function)."""

    batches: ClassVar[bool] = False

    def write(
        self, kind: Kind, clients: Any, changes: Sequence[Change], context: WriteContext
    ) -> list[ChangeResult]:
        return [guarded(c, lambda c=c: _install(kind, clients, c, context)) for c in changes]


def _install(kind: Kind, clients: Any, change: Change, context: WriteContext) -> None:
    payload = kind.to_api(change.desired or {}, create=True)
    appxml = payload.get("appxml")
    if not appxml:
        raise ReconcileError(
            f"{change.ref}: declared by digest only — add `file:` with the package XML to "
            "install it"
        )
    context.step(f"install {change.ref}")
    result = gateway_for(clients, change).install_app(
        appxml, idempotency_key=context.key("install", str(change.ref))
    )
    if not result.ok:
        raise result.error()


def _resolve(obj: Declared) -> list[Problem]:
    """The package file, relative to the manifest: read, checked, its digest recorded."""
    from intacct_reconcile.manifest.packages import resolve_package

    return resolve_package(obj)


def _digest_parts(obj: Declared) -> list[tuple[str, bytes]]:
    # the package's bytes are part of the desired state, so part of the manifest digest
    if isinstance(obj.values.get("file"), str) and "digest" in obj.values:
        return [(f"package:{obj.key}", obj.values["digest"].encode())]
    return []


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
            write_only=True,
            description="Package XML file, relative to this manifest (needed to install).",
        ),
        # set by the manifest loader from the file, else declared (as export writes it); live:
        # the digest the install recorded.
        # assumption: the live reader reports the installed package's digest as DIGEST
        Field(
            "digest",
            "DIGEST",
            description="sha256 of the installed package (sha256:<hex>); `file` wins if both.",
        ),
    ),
    depends_on=("module_subscriptions",),
    delete="none",  # no uninstall function in the XML API (reference §3.12)
    hooks=Hooks(to_api=_to_api, resolve=_resolve, digest_parts=_digest_parts),
    reader=XmlReader(object=READ_OBJECT),
    writer=PackageWriter(),
    ui_steps=(
        "If the package defines user-defined dimensions: Platform Services > Applications > "
        "Requests for authorization > approve {key}",
    ),
)
