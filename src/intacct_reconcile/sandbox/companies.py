"""The companies one sandbox database hosts, as Intacct hosts many behind one endpoint.

    registry = Companies(store)               # store: the database's default company (DEMO)
    registry.create("ACME", seed="starter")   # -> ACME's Store; tables c1_records, ...
    registry.get("acme")                      # -> the same company (ids ignore case), or None
    registry.ids()                            # ["DEMO", "ACME"]

The default company keeps the plain tables (so single-company files open unchanged); each
further company has its own table set under a prefix recorded in table `companies`. A company
is chosen by the company ID of a login (XML `<login><companyid>`, REST `username=USER@COMPANY`);
everything else — records, users, UI-only settings, sessions' use, result sets, replay ids,
request limits — is per company.
"""

from __future__ import annotations

import re
import threading
from typing import Literal

from intacct_reconcile.sandbox import company
from intacct_reconcile.sandbox.objects.errors import SandboxError
from intacct_reconcile.sandbox.store import Store

Seed = Literal["starter", "empty"]
SEEDS: tuple[Seed, ...] = ("starter", "empty")
# assumption: a company ID is 1 to 60 letters, digits, '-' or '_' ('|' separates the console
# slide-in parts of a login's companyid)
COMPANY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")


def _problem(description: str, correction: str) -> SandboxError:
    return SandboxError([("", description, "", correction)])


class Companies:
    """The companies of one database; thread-safe; company Stores are opened once and kept."""

    def __init__(self, default: Store) -> None:
        self.default = default
        self._lock = threading.Lock()
        self._open: dict[str, Store] = {company.company_id(default).upper(): default}

    def ids(self) -> list[str]:
        """Every company's ID: the default company first, then in order of creation."""
        rows = self.default.execute("SELECT companyid FROM companies ORDER BY rowid")
        return [company.company_id(self.default), *(str(r[0]) for r in rows)]

    def get(self, companyid: str) -> Store | None:
        """The company's top-level Store, or None when the database has no such company."""
        wanted = companyid.strip().upper()
        if not wanted:
            return None
        with self._lock:
            found = self._open.get(wanted)
            if found is not None:
                return found
            # not opened yet: another process (`sandbox company create`) may have added it
            rows = self.default.execute(
                "SELECT prefix FROM companies WHERE companyid = ?", (wanted,)
            )
            if not rows:
                return None
            found = self.default.company_view(str(rows[0][0]))
            self._open[wanted] = found
            return found

    def create(self, companyid: str, seed: Seed = "starter") -> Store:
        """Add a company (starter data, or only what signing in needs); returns its Store."""
        if not COMPANY_ID.match(companyid):
            raise _problem(
                f"{companyid!r} is not a company ID",
                "Use 1 to 60 letters, digits, '-' or '_', starting with a letter or digit.",
            )
        if seed not in SEEDS:
            raise _problem(f"unknown seed {seed!r}", f"Use one of: {', '.join(SEEDS)}.")
        with self._lock:
            taken = {c.upper() for c in self.ids()}
            if companyid.upper() in taken:
                raise _problem(
                    f"company {companyid} already exists in this sandbox database",
                    "Pick another company ID (`sandbox company list` shows the taken ones).",
                )
            rows = self.default.execute("SELECT COUNT(*) FROM companies")
            prefix = f"c{int(rows[0][0]) + 1}_"
            while self.default.execute("SELECT 1 FROM companies WHERE prefix = ?", (prefix,)):
                prefix = f"c{int(prefix[1:-1]) + 1}_"
            store = self.default.company_view(prefix)
            with self.default.transaction():
                self.default.execute(
                    "INSERT INTO companies (companyid, prefix) VALUES (?, ?)", (companyid, prefix)
                )
                if seed == "starter":
                    company.seed_starter_company(store, companyid)
                else:
                    company.seed_empty_company(store, companyid)
            self._open[companyid.upper()] = store
            return store
