"""Command-line values of plain types converted without loading pydantic.

typer (0.2x) converts every option and argument through a pydantic `TypeAdapter`, and
importing pydantic is the largest single cost of starting a command: about a tenth of a
second of CPU, more than any module of ours, paid by `validate` and `plan` alike. The values
our commands take are text, paths, numbers and lists of text, all with typer's default path
settings; for those the answer typer's conversion gives is known exactly: the text itself,
`Path(text)` (after the same `stat` and readability check), the number when it is plainly
written and within its bounds. `install()` makes each parameter give that answer when it is
certain and hand every other value (a badly written or out-of-range number, an unreadable
path, a type or setting not listed here) to typer's own conversion, so every message and
refusal still comes from typer. A typer without the hooks used here is left as it is.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

_NOT_SURE: Any = object()
# numbers as people type them: anything else (signs, blanks, `1_000`, `1e3`) is typer's
_INT = re.compile(r"(?:0|[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"(?:0|[1-9][0-9]{0,17})(?:\.[0-9]{1,17})?")
# typer's defaults for path parameters: the quick conversion assumes exactly these
_PATH_DEFAULTS = {
    "exists": False,
    "file_okay": True,
    "dir_okay": True,
    "writable": False,
    "readable": True,
    "resolve_path": False,
    "allow_dash": False,
    "path_type": None,
}


def quick_value(annotation: Any, info: Any, value: Any) -> Any:
    """What typer's conversion makes of `value` for a parameter of `annotation` with
    settings `info`, when that is certain without it; `_NOT_SURE` otherwise."""
    if getattr(info, "parser", None) is not None:
        return _NOT_SURE
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        if not isinstance(value, list | tuple):
            return _NOT_SURE
        items = [quick_value(item, info, v) for v in value]
        return _NOT_SURE if any(i is _NOT_SURE for i in items) else items
    if annotation is str:
        return value if type(value) is str else _NOT_SURE
    if annotation is Path:
        return _path(info, value)
    if annotation is int:
        number = _number(int, _INT, value)
    elif annotation is float:
        number = _number(float, _FLOAT, value)
    else:
        return _NOT_SURE
    if number is _NOT_SURE or getattr(info, "clamp", False):
        return _NOT_SURE
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if (low is not None and number < low) or (high is not None and number > high):
        return _NOT_SURE  # out of bounds: typer says so
    return number


def _number(kind: type, written: re.Pattern[str], value: Any) -> Any:
    if type(value) is kind:  # a default, already a number
        return value
    if type(value) is str and written.fullmatch(value):
        return kind(value)
    return _NOT_SURE


def _path(info: Any, value: Any) -> Any:
    if type(value) is not str or not value:
        return _NOT_SURE
    if any(getattr(info, name, None) != default for name, default in _PATH_DEFAULTS.items()):
        return _NOT_SURE
    try:
        os.stat(value)
    except OSError:
        return Path(value)  # need not exist
    except ValueError:  # an embedded NUL: typer's to refuse
        return _NOT_SURE
    if not os.access(value, os.R_OK):
        return _NOT_SURE  # typer refuses it: "is not readable"
    return Path(value)


def install() -> bool:
    """Give typer's parameters the quick conversion; False (typer untouched) when this typer
    lacks the hooks it needs."""
    try:
        from typer import core
        from typer._coercion import RuntimeParam, build_runtime_param
    except ImportError:  # pragma: no cover - another typer
        return False
    parameter = getattr(core, "_TyperParameter", None)
    if parameter is None or not hasattr(parameter, "get_runtime_param"):  # pragma: no cover
        return False

    @dataclass(frozen=True)
    class QuickParam(RuntimeParam):  # type: ignore[misc]
        """A parameter's conversion: the quick one when certain, else typer's own (built
        then, once)."""

        descriptor: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            quick = quick_value(self.annotation, self.parameter_info, value)
            if quick is not _NOT_SURE:
                return quick
            full = build_runtime_param(self.descriptor)
            param._runtime_param = full
            return full._coerce_value(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            descriptor = self.type_descriptor
            if descriptor.file_annotation is not None:  # typer opens files: its own way
                self._runtime_param = build_runtime_param(descriptor)
            else:
                self._runtime_param = QuickParam(
                    parameter_info=descriptor.parameter_info,
                    annotation=descriptor.annotation,
                    descriptor=descriptor,
                )
        return self._runtime_param

    parameter.get_runtime_param = get_runtime_param
    return True
