"""What a gateway function handler gets (Context) and gives back (Outcome)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lxml import etree

if TYPE_CHECKING:
    from intacct_reconcile.sandbox.app import SandboxApp
    from intacct_reconcile.sandbox.store import Store


@dataclass
class Context:
    """What a gateway function handler gets: the app, the signed-in user, company, entity and
    session, and the company as that entity sees it."""

    app: SandboxApp
    companyid: str
    userid: str
    locationid: str
    user: dict[str, Any]
    sessionid: str = ""
    endpoint: str = ""
    # the signed-in company as the session's entity sees it (None: the default company)
    scope: Store | None = None

    @property
    def store(self) -> Store:
        return self.scope if self.scope is not None else self.app.store


@dataclass
class Outcome:
    """A successful function's payload: a <data> element, a legacy <key>, or neither."""

    data: etree._Element | None = None
    key: str | None = None
    extra: list[etree._Element] = field(default_factory=list)


Handler = Callable[[Context, etree._Element], Outcome]
