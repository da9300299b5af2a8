"""Values of user-defined dimensions (UDDs): one platform object per dimension.

Reference §3.10: a UDD is a Platform Services object named by its integration name
(LINE_OF_BUSINESS) with the fields `id` and `name` (lowercase); its values are written with the
generic create/update/delete on that object, and `getDimensions` lists the UDDs a company has
(`userDefinedDimension=true`). Defining a new dimension is an application install
(`custom_packages`), so this kind manages the values of dimensions that exist.

In a manifest every value is keyed `DIMENSION/ID`, so one section holds the values of every
dimension the company has and each value reads like the path Intacct shows:

    user_defined_dimensions:
      LINE_OF_BUSINESS/RETAIL: {name: Retail}
      LINE_OF_BUSINESS/WHOLESALE: {name: Wholesale}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from intacct_reconcile.client import xml as xmlb
from intacct_reconcile.client.envelope import Function
from intacct_reconcile.client.gateway import ReadSpec
from intacct_reconcile.errors import Problem
from intacct_reconcile.kinds.base import Field, Hooks, Kind
from intacct_reconcile.kinds.io import KindReader, Records, WriteContext, resource
from intacct_reconcile.kinds.xml_io import XmlWriter
from intacct_reconcile.types import Change, ChangeResult, Resource

if TYPE_CHECKING:
    from intacct_reconcile.manifest.objects import Declared

SEPARATOR = "/"


def split_key(key: str) -> tuple[str, str]:
    """`DIMENSION/ID` -> (DIMENSION, ID); the id may itself contain a slash."""
    dimension, _, value = key.partition(SEPARATOR)
    return dimension, value


def user_defined_dimensions(gateway: Any) -> list[str]:
    """Object names of the company's UDDs, as `getDimensions` lists them."""
    (result,) = gateway.call([Function("get-dimensions", xmlb.element("getDimensions"))])
    data = result.raise_for_status().data
    names = []
    for node in data.iter("dimension") if data is not None else ():
        if xmlb.text(node, "userDefinedDimension").lower() == "true":
            names.append(xmlb.text(node, "objectName"))
    return [n for n in names if n]


@dataclass(frozen=True)
class DimensionValuesReader(KindReader):
    """Lists the UDDs, then reads every one's values in one batched request."""

    def read(self, kind: Kind, clients: Any, records: Records) -> dict[str, Resource]:
        dimensions = user_defined_dimensions(clients.xml)
        if not dimensions:
            return {}
        specs = [ReadSpec(d, ["RECORDNO", "id", "name"], name=d) for d in dimensions]
        rows = clients.xml.read_many(specs)
        out: dict[str, Resource] = {}
        for dimension in dimensions:
            for record in rows.get(dimension, ()):
                keyed = {**record, "id": f"{dimension}{SEPARATOR}{record.get('id', '')}"}
                meta = {"RECORDNO": record.get("RECORDNO"), "dimension": dimension}
                found = resource(kind, keyed, meta)
                if found is not None:
                    out[found.key] = found
        return out


@dataclass(frozen=True)
class DimensionValuesWriter(XmlWriter):
    """The general batched XML writes, sent to each value's own dimension object."""

    def write(
        self, kind: Kind, clients: Any, changes: Sequence[Change], context: WriteContext
    ) -> list[ChangeResult]:
        groups: dict[str, list[Change]] = {}
        for change in changes:
            groups.setdefault(split_key(change.ref.key)[0], []).append(change)
        results: dict[int, ChangeResult] = {}
        for dimension, group in groups.items():
            on_object = dataclasses.replace(kind, object=dimension)
            for change, result in zip(
                group, super().write(on_object, clients, group, context), strict=True
            ):
                results[id(change)] = result
        return [results[id(c)] for c in changes]

    def record(self, kind: Kind, change: Change, *, create: bool) -> dict[str, Any]:
        payload = super().record(kind, change, create=create)
        payload["id"] = split_key(change.ref.key)[1]  # the object's own id, without the prefix
        return payload


def _check_key(obj: Declared) -> list[Problem]:
    dimension, value = split_key(obj.key)
    if dimension and value:
        return []
    return [
        Problem(
            obj.span,
            f"user_defined_dimensions: '{obj.key}' does not name its dimension",
            "key each value DIMENSION/ID, e.g. LINE_OF_BUSINESS/RETAIL (the dimension's "
            "integration name, then the value's id)",
        )
    ]


KIND = Kind(
    key="user_defined_dimensions",
    title="user-defined dimension value",
    api="xml",
    object=None,  # one object per dimension, named by the key
    identity=Field(
        "value",
        "id",
        description="DIMENSION/ID: the dimension's integration name, then the value's id.",
    ),
    fields=(Field("name", "name", required=True),),
    depends_on=("custom_packages",),
    delete="delete",
    hooks=Hooks(resolve=_check_key),
    reader=DimensionValuesReader(),
    writer=DimensionValuesWriter(),
    description=(
        "Values of the company's user-defined dimensions, keyed DIMENSION/ID. The dimension "
        "itself comes from a platform application (custom_packages)."
    ),
)
