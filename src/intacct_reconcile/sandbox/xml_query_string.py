"""readByQuery's SQL-like query strings -> filter trees (objects.filters).

Grammar (reference §2): comparisons `FIELD op 'value'` with op one of = != <> < > <= >=,
`like` / `not like` (wildcards % and _), `in (...)` / `not in (...)`, `IS NULL` /
`IS NOT NULL`, combined with AND, OR, NOT and parentheses. Strings are single-quoted with
backslash escapes ('Jane\\'s Deli'); numbers may be bare. Keywords are case-insensitive.
"""

from __future__ import annotations

import re

from intacct_reconcile.sandbox.objects import And, Cmp, Filter, Not, Or
from intacct_reconcile.sandbox.objects.errors import GENERIC, SandboxError

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*')
      | (?P<op><=|>=|<>|!=|=|<|>)
      | (?P<paren>[(),])
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<number>-?\d+(?:\.\d+)?)
    )""",
    re.VERBOSE,
)
_OPS = {
    "=": "equalto",
    "!=": "notequalto",
    "<>": "notequalto",
    "<": "lessthan",
    "<=": "lessthanorequalto",
    ">": "greaterthan",
    ">=": "greaterthanorequalto",
}


def bad_query(query: str, why: str) -> SandboxError:
    # assumption: number and wording of a query syntax error
    return SandboxError(
        [
            (
                GENERIC,
                "Invalid query",
                f"{why} in query: {query}",
                "Check the query syntax: FIELD = 'value' joined by AND / OR.",
            )
        ]
    )


def tokenize(query: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(query):
        if query[position:].strip() == "":
            break
        match = _TOKEN.match(query, position)
        if match is None:
            raise bad_query(query, f"Unexpected text at position {position}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.tokens = tokenize(query)
        self.index = 0

    def peek_word(self, offset: int = 0) -> str:
        at = self.index + offset
        if at < len(self.tokens) and self.tokens[at][0] == "word":
            return self.tokens[at][1].upper()
        return ""

    def take(self, kind: str | None = None, value: str | None = None) -> str:
        if self.index >= len(self.tokens):
            raise bad_query(self.query, "Unexpected end")
        token_kind, token_value = self.tokens[self.index]
        if (kind and token_kind != kind) or (value and token_value.upper() != value):
            raise bad_query(self.query, f"Unexpected '{token_value}'")
        self.index += 1
        return token_value

    def parse(self) -> Filter:
        expr = self.disjunction()
        if self.index != len(self.tokens):
            raise bad_query(self.query, f"Unexpected '{self.tokens[self.index][1]}'")
        return expr

    def disjunction(self) -> Filter:
        parts = [self.conjunction()]
        while self.peek_word() == "OR":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Filter:
        parts = [self.unary()]
        while self.peek_word() == "AND":
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Filter:
        if self.peek_word() == "NOT":
            self.take()
            return Not(self.unary())
        if self.index < len(self.tokens) and self.tokens[self.index] == ("paren", "("):
            self.take()
            inner = self.disjunction()
            self.take("paren", ")")
            return inner
        return self.comparison()

    def value(self) -> str:
        if self.index < len(self.tokens) and self.tokens[self.index][0] in ("string", "number"):
            return self.take()
        raise bad_query(self.query, "Expected a quoted value")

    def comparison(self) -> Filter:
        field = self.take("word")
        word = self.peek_word()
        if word == "IS":
            self.take()
            negate = self.peek_word() == "NOT"
            if negate:
                self.take()
            self.take("word", "NULL")
            return Cmp("isnotnull" if negate else "isnull", field)
        negate = word == "NOT"
        if negate:
            self.take()
            word = self.peek_word()
        if word == "LIKE":
            self.take()
            return Cmp("notlike" if negate else "like", field, (self.value(),))
        if word == "IN":
            self.take()
            self.take("paren", "(")
            values = [self.value()]
            while self.tokens[self.index] == ("paren", ","):
                self.take()
                values.append(self.value())
            self.take("paren", ")")
            return Cmp("notin" if negate else "in", field, tuple(values))
        if negate:
            raise bad_query(self.query, "Expected LIKE or IN after NOT")
        op = self.take("op")
        return Cmp(_OPS[op], field, (self.value(),))


def split_rownum(expr: Filter | None) -> tuple[Filter | None, int | None]:
    """Take `rownum < N` / `rownum <= N` out of a top-level AND: (rest, row limit)."""
    parts = expr.parts if isinstance(expr, And) else (expr,) if expr is not None else ()
    limit, rest = None, []
    for part in parts:
        if isinstance(part, Cmp) and part.field.upper() == "ROWNUM" and part.values:
            bound = int(float(part.values[0]))
            limit = bound - 1 if part.op == "lessthan" else bound
        else:
            rest.append(part)
    if not rest:
        return None, limit
    return (rest[0] if len(rest) == 1 else And(tuple(rest))), limit


def parse_query(query: str) -> Filter | None:
    """The filter for a readByQuery query string; None for an empty query (all records)."""
    if not query.strip():
        return None
    return _Parser(query).parse()
