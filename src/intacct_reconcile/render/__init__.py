"""Renderers: pure functions `Plan | ApplyReport -> str`, chosen by `--format`.

Each takes the object and an optional `color` flag (used by text only):
`RENDERERS[fmt](plan, color=sys.stdout.isatty())`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from intacct_reconcile.types import ApplyReport, Plan

Renderer = Callable[..., str]


class _Renderers(Mapping[str, Renderer]):
    """`--format` -> its renderer, whose module is imported when first asked for: the
    markdown one brings the auditor's SoD and access-review wording, which a JSON report
    never needs."""

    FORMATS = ("text", "markdown", "json")  # each a module of this package

    def __getitem__(self, fmt: str) -> Renderer:
        if fmt not in self.FORMATS:
            raise KeyError(fmt)
        renderer: Renderer = importlib.import_module(f"{__name__}.{fmt}").render
        return renderer

    def __contains__(self, fmt: object) -> bool:
        return fmt in self.FORMATS

    def __iter__(self) -> Iterator[str]:
        return iter(self.FORMATS)

    def __len__(self) -> int:
        return len(self.FORMATS)


RENDERERS: Mapping[str, Renderer] = _Renderers()


def render(obj: Plan | ApplyReport, fmt: str = "text", *, color: bool = False) -> str:
    """Render a plan or apply report in `fmt` (text | markdown | json)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(RENDERERS)}") from None
    return renderer(obj, color=color)


__all__ = ["RENDERERS", "render"]
