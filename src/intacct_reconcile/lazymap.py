"""A mapping whose values live in modules of a package, each module imported when its key
is first asked for: a run loads the kinds (or the renderer) it uses, not all of them."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any


class ModuleMap(Mapping[str, Any]):
    """key -> the attribute `attribute` of the module `package.key`.

    Keys, membership and length need no import; a value, the values or the items do."""

    def __init__(self, package: str, keys: tuple[str, ...], attribute: str) -> None:
        self._package, self._keys, self._attribute = package, keys, attribute
        self._known = frozenset(keys)
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        value = self._values.get(key)
        if value is None:
            if key not in self._known:
                raise KeyError(key)
            # the import system holds each module's own lock: threads asking at once get the
            # one module, hence the one value
            module = importlib.import_module(f"{self._package}.{key}")
            value = self._values[key] = getattr(module, self._attribute)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"ModuleMap({self._package}: {', '.join(self._keys)})"
