"""What the clients report while they read and write (records done per object), for any API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class ProgressEvent:
    """How far one object's read or write has got: records done so far out of `total`."""

    action: Literal["read", "write"]
    object: str
    done: int  # records read or written so far for this object
    total: int


Progress = Callable[[ProgressEvent], None]
