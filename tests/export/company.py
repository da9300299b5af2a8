"""A randomised company for export round trips: manifests across every writable kind, applied
to a fresh sandbox, then edited by hand through the sandbox's own UI commands.

Names and descriptions mix unicode, punctuation, YAML-significant characters and `${`;
identifiers carry leading zeros or look like numbers and booleans; optional fields are left
out, empty, or at a long length; objects sit at the top level and in entities. The same seed
gives the same company (tests use a fixed seed; `make bench` a larger one).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from intacct_reconcile.kinds.gl_accounts import DIMENSIONS
from intacct_reconcile.kinds.module_subscriptions import MODULE_NAMES

ENTITIES = ("E100", "E200")  # the sandbox starter company's entities
LOCATIONS = ("HQ", "SF", "LDN")
LONG = 250  # "maximum length": Intacct documents none for these fields; long enough to wrap
PIECES = (
    "Café",
    "Ünïcödé",
    "日本語",
    "Ελληνικά",
    "naïve",
    "O'Brien",
    'say "hi"',
    "a: b",
    "# not a comment",
    "50% off",
    "R&D",
    "<tag>",
    "{brace}",
    "[list]",
    "x, y",
    "*star",
    "!bang",
    "|pipe",
    "> fold",
    "@at",
    "`tick`",
    "~",
    "yes",
    "null",
    "0012",
    "1e3",
    "${var.nope}",
    "$${literal}",
    "tab\there",
    "–dash—",
    "emoji 🚀",
    "two\nlines",
    "non\u00a0breaking",
    "double  space",
    "back\\slash",
)
LOOKS_LIKE_SCALARS = ("0010", "007", "1.50", "true", "no", "2024-01-01", "1e5", "0x1F", "~")
TE_PREFS = {  # preference -> values an admin can pick in the UI
    "ENABLE_EXPENSE_TYPES": ("T", "F"),
    "DUPLICATE_NUMBERS": ("Do not allow creation", "Allow creation"),
    "ENABLE_EXPENSE_APPROVAL": ("T", "F"),
}


@dataclass
class Company:
    """What the generator decided: the manifests to apply and the UI edits to make after."""

    manifests: dict[str, Any] = field(default_factory=dict)
    ui_commands: list[tuple[str, ...]] = field(default_factory=list)
    package_xml: str = ""

    @property
    def object_count(self) -> int:
        return sum(len(v) for k, v in self.manifests.items() if k != "version")


def text(rng: random.Random, *, long: bool = False, key: bool = False) -> str:
    """A name or description a person might type, stripped like Intacct stores it (keys
    hold no `$`: identities are never substituted, so they need no escape)."""
    pieces = [p for p in PIECES if "$" not in p] if key else PIECES
    if long:
        out = ""
        while len(out) < LONG:
            out += rng.choice(pieces) + " "
        return out[:LONG].strip()  # may cut a `${...}` short: a lone `${` must round-trip too
    return " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))).strip()


def optional(rng: random.Random, value: Callable[[], Any]) -> Any:
    """Left out (None), long, or an ordinary value."""
    roll = rng.random()
    if roll < 0.3:
        return None
    return value()


def _ids(rng: random.Random, prefix: str, n: int, width: int) -> list[str]:
    """Unique ids with leading zeros ("0042"), some bare digits, some that look like scalars."""
    ids: list[str] = []
    while len(ids) < n:
        roll = rng.random()
        if roll < 0.1:
            candidate = rng.choice(LOOKS_LIKE_SCALARS) + str(rng.randint(0, 9))
        elif roll < 0.5:
            candidate = str(rng.randint(0, 10**width - 1)).zfill(width)
        else:
            candidate = f"{prefix}{rng.randint(0, 10**width - 1):0{width}d}"
        if candidate not in ids and candidate.upper() not in {i.upper() for i in ids}:
            ids.append(candidate)
    return ids


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def generate(seed: int, size: int = 12) -> Company:
    """`size` objects of each kind, more or less (hundreds in all from size 12 up)."""
    rng = random.Random(seed)
    m: dict[str, Any] = {"version": 1}

    def entity() -> str | None:
        return rng.choice((None, None, *ENTITIES))

    def seen_from(where: str | None, ids: list[str], kind: str) -> list[str]:
        """The ids an object in entity `where` may refer to: its own entity's and top-level
        ones (the sandbox keeps sibling entities apart, as Intacct does)."""
        return [i for i in ids if m[kind][i].get("entity") in (None, where)]

    accounts = _ids(rng, "9", size * 2, 5)
    m["gl_accounts"] = {
        a: _clean(
            {
                "title": text(rng, long=rng.random() < 0.2),
                "type": rng.choice(("balance_sheet", "income_statement")),
                "normal_balance": rng.choice(("debit", "credit")),
                "disallow_direct_posting": optional(rng, lambda: rng.random() < 0.5),
                "taxable": optional(rng, lambda: rng.random() < 0.5),
                "category": optional(rng, lambda: text(rng)),
                "required_dimensions": optional(
                    rng, lambda: rng.sample(sorted(DIMENSIONS), k=rng.randint(0, 3))
                ),
                "status": optional(rng, lambda: rng.choice(("active", "inactive"))),
                "entity": entity(),
            }
        )
        for a in accounts
    }
    closing = rng.sample(accounts, k=max(1, len(accounts) // 6))
    open_accounts = [b for b in accounts if b not in closing]  # closed into: never a cycle
    for a in closing:
        into = seen_from(m["gl_accounts"][a].get("entity"), open_accounts, "gl_accounts")
        if into:
            m["gl_accounts"][a].update(closing_type="closing", close_into=rng.choice(into))
    # journal symbols are upper case in Intacct
    m["journals"] = {
        j.upper(): _clean({"title": text(rng), "entity": entity()}) for j in _ids(rng, "J", size, 3)
    }
    departments = _ids(rng, "D", size, 3)
    m["departments"] = {
        d: _clean(
            {
                "title": text(rng, long=rng.random() < 0.2),
                "parent": rng.choice((None, *departments[:i])) if i else None,
            }
        )
        for i, d in enumerate(departments)
    }
    contacts = [f"{text(rng, key=True)} #{n:03d}" for n in range(size)]
    m["contacts"] = {
        c: _clean(
            {
                "print_as": text(rng),
                "first_name": optional(rng, lambda: text(rng)),
                "last_name": optional(rng, lambda: text(rng)),
                "email": optional(rng, lambda n=n: f"p{n}@example.com"),
                "company_name": optional(rng, lambda: text(rng, long=True)),
            }
        )
        for n, c in enumerate(contacts)
    }
    locations = _ids(rng, "L", size // 2 + 1, 3)
    m["locations"] = {
        loc: _clean(
            {
                "name": text(rng),
                "parent": rng.choice((None, *LOCATIONS)),
                "contact": optional(rng, lambda: rng.choice(contacts)),
            }
        )
        for loc in locations
    }
    vendors = _ids(rng, "V", size, 4)
    m["vendors"] = {
        v: _clean(
            {
                "name": text(rng, long=rng.random() < 0.2),
                "tax_id": optional(rng, lambda: str(rng.randint(0, 10**9)).zfill(9)),
                "email": optional(rng, lambda: "ap@example.com"),
            }
        )
        for v in vendors
    }
    employees = _ids(rng, "EMP", size, 4)
    m["employees"] = {}
    for i, e in enumerate(employees):
        where = entity()
        bosses = seen_from(where, employees[:i], "employees")
        m["employees"][e] = _clean(
            {
                "contact": contacts[i % len(contacts)],
                "title": optional(rng, lambda: text(rng)),
                "start_date": optional(
                    rng,
                    lambda: f"20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                ),
                "department": optional(rng, lambda: rng.choice(departments)),
                "location": optional(rng, lambda: rng.choice((*LOCATIONS, *locations))),
                "supervisor": rng.choice(bosses) if bosses and rng.random() < 0.5 else None,
                "entity": where,
            }
        )
    m["expense_types"] = {
        f"{text(rng, key=True)} {n:02d}": _clean(
            {
                "description": text(rng, long=rng.random() < 0.2),
                "gl_account": rng.choice(accounts),
                "offset_gl_account": optional(rng, lambda: rng.choice(accounts)),
            }
        )
        for n in range(size)
    }
    m["document_sequences"] = {
        s.upper(): _clean(
            {
                "print_title": optional(rng, lambda: text(rng)),
                "starting_number": 1,
                "next_number": rng.randint(1, 9999),
                "fixed_length": optional(rng, lambda: rng.randint(4, 12)),
                "fixed_prefix": optional(rng, lambda s=s: s.upper()[:3]),
                "prefix_separator": optional(rng, lambda: rng.choice(("-", "/", "."))),
            }
        )
        for s in _ids(rng, "SQ", size // 2 + 1, 3)
    }
    roles = [f"{text(rng, key=True)} role {n:02d}" for n in range(size // 2 + 1)]
    m["roles"] = {
        r: _clean(
            {
                "description": optional(rng, lambda: text(rng, long=rng.random() < 0.3)),
                "apply_to": optional(rng, lambda: rng.choice(("login_only", "login_and_slide_in"))),
                "permissions": rng.choice(
                    (
                        {"company": "read_only"},
                        {"general_ledger": "all", "company": "read_only"},
                        {"accounts_payable": {"vendors": ["list", "view", "add"]}},
                        {"cash_management": "read_only", "time_and_expenses": "read_only"},
                    )
                ),
            }
        )
        for r in roles
    }
    m["web_services_users"] = {
        f"ws_{u}": _clean(
            {
                "first_name": text(rng),
                "last_name": text(rng),
                "email": f"ws{n}@example.com",
                "user_name": optional(rng, lambda: text(rng)),
                "admin": optional(rng, lambda: rng.choice(("off", "full"))),
                "roles": rng.sample(roles, k=rng.randint(0, min(3, len(roles)))),
                "entities": optional(rng, lambda: rng.sample(ENTITIES, k=1)),
            }
        )
        for n, u in enumerate(_ids(rng, "u", size // 2 + 1, 3))
    }
    m["checking_accounts"] = {
        b: _clean(
            {
                "gl_account": rng.choice(seen_from(where, accounts, "gl_accounts")),
                "description": optional(rng, lambda: text(rng)),
                "bank_name": optional(rng, lambda: text(rng)),
                "account_number": optional(rng, lambda: str(rng.randint(0, 10**10)).zfill(12)),
                "routing_number": optional(rng, lambda: str(rng.randint(0, 10**8)).zfill(9)),
                "entity": where,
            }
        )
        for b in _ids(rng, "BANK", size // 3 + 1, 3)
        for where in [entity()]
    }
    m["credit_card_accounts"] = {
        c: _clean(
            {
                "vendor": rng.choice(vendors),
                "description": optional(rng, lambda: text(rng)),
                "card_type": optional(
                    rng, lambda: rng.choice(("visa", "mastercard", "american_express"))
                ),
                "expiration": optional(
                    rng, lambda: f"20{rng.randint(30, 40)}-0{rng.randint(1, 9)}"
                ),
                "offset_gl_account": optional(
                    rng, lambda where=where: rng.choice(seen_from(where, accounts, "gl_accounts"))
                ),
                "default_location": optional(rng, lambda: rng.choice(LOCATIONS)),
                "entity": where,
            }
        )
        for c in _ids(rng, "CC", size // 3 + 1, 3)
        for where in [entity()]
    }
    package = f"Ünïcödé package №{seed}"  # installApp names the package after the XML
    m["custom_packages"] = {package: {"file": "package.xml"}}
    company = Company(manifests=m, package_xml=f"<application name='{package}'/>\n")
    company.ui_commands = _ui_edits(rng, company)
    return company


def _ui_edits(rng: random.Random, company: Company) -> list[tuple[str, ...]]:
    """What an admin changes by hand after the first apply, through the sandbox's UI."""
    m = company.manifests
    commands: list[tuple[str, ...]] = []
    for module in rng.sample(sorted(MODULE_NAMES), k=4):
        commands.append(("subscribe", MODULE_NAMES[module]))
    for pref, choices in TE_PREFS.items():
        commands.append(("set-te-pref", pref, rng.choice(choices)))
    commands.append(
        ("authorize-sender", f"sender-{rng.randint(0, 999):03d}", "--description", text(rng))
    )
    commands.append(("allow-ip", "127.0.0.1/32"))
    for account in rng.sample(sorted(m["gl_accounts"]), k=3):
        commands.append(("edit-record", "GLACCOUNT", account, f"TITLE={text(rng)}"))
    for vendor in rng.sample(sorted(m["vendors"]), k=2):
        # typed in the UI with stray spaces around it
        commands.append(("edit-record", "VENDOR", vendor, f"NAME=  {text(rng, long=True)} "))
    for account in rng.sample(sorted(m["gl_accounts"]), k=2):
        commands.append(("edit-record", "GLACCOUNT", account, "TAXABLE=true", "STATUS=inactive"))
    for vendor in rng.sample(sorted(m["vendors"]), k=2):  # an optional field emptied by hand
        commands.append(("edit-record", "VENDOR", vendor, "TAXID="))
    for user in rng.sample(sorted(m["web_services_users"]), k=2):
        commands.append(("edit-record", "USERINFO", user, "ADMIN=Full", "DESCRIPTION=Edited ✎"))
    return commands


def write(company: Company, folder: Path) -> None:
    """The manifests (one file) and the package file, as a team would keep them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.xml").write_text(company.package_xml, encoding="utf-8")
    (folder / "company.yaml").write_text(
        yaml.safe_dump(_escaped(company.manifests), sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )


def _escaped(value: Any) -> Any:
    """`${` is written `$${` in a manifest (a literal, not a variable)."""
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value.replace("${", "$${") if isinstance(value, str) else value
