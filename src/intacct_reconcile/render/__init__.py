"""Renderers: pure functions `Plan | ApplyReport -> str`, chosen by `--format`.

Each takes the object and an optional `color` flag (used by text only):
`RENDERERS[fmt](plan, color=sys.stdout.isatty())`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from intacct_reconcile.lazymap import ModuleMap
from intacct_reconcile.types import ApplyReport, Plan

Renderer = Callable[..., str]


# `--format` -> its renderer, whose module is imported when first asked for: the markdown
# one brings the auditor's SoD and access-review wording, which a JSON report never needs
RENDERERS: Mapping[str, Renderer] = ModuleMap(__name__, ("text", "markdown", "json"), "render")


def render(obj: Plan | ApplyReport, fmt: str = "text", *, color: bool = False) -> str:
    """Render a plan or apply report in `fmt` (text | markdown | json)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(RENDERERS)}") from None
    return renderer(obj, color=color)


__all__ = ["RENDERERS", "render"]
