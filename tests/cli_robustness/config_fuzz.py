"""Seeded mutations of intacct-reconcile.yaml, run through the CLI: every outcome must be
exit 0 or a clean error (exit 1, "error: " on stderr), never a traceback or a crash.

Used by tests/cli_robustness/test_config_fuzz.py (a few hundred mutations) and by
benchmarks/fuzz_config.py (thousands, `make bench`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import typer
from typer.testing import CliRunner

from intacct_reconcile.cli import app

BASE_CONFIG = """\
default_target: local
ownership:
  roles: full
safety:
  max_delete_percent: 10
targets:
  local:
    sandbox: true
    db: .intacct-reconcile/sandbox.db
    vars: {email: ops@example.com, limit: 5}
    concurrency: 2
  prod: &prod
    company_id: ACME
    endpoint: https://api.intacct.com
    entity: E100
    vars: {email: ap@example.com, limit: 9}  # validate checks every target's vars
    ownership: {gl_accounts: additive}
    safety: {max_update_percent: 50}
  staging:
    <<: *prod
    company_id: ACME-sandbox
"""
MANIFEST = """\
version: 1
gl_accounts:
  "2110": {title: "Clearing ${var.limit}", type: balance_sheet, normal_balance: credit}
"""

# what a hand edit, a bad merge or a hostile file can put in a YAML file
TOKENS = [
    *"\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\u2028\ufeff\ud7ff\ue000\ufffe",
    *":-[]{}&*!|>'\"#%@`\t\n ?,.~\\",
    "? [a, b]\n: x\n",
    "? {a: 1}\n: y\n",
    "1: x",
    "null: y",
    "true: z",
    "[a]: b",
    "{a: 1}: c",
    "!!python/object/apply:os.system [id]",
    "!!binary aGk=",
    "!!set {a}",
    "!!timestamp 2026-01-01",
    "!!float x",
    "!custom v",
    "&a",
    "*a",
    "<<: *a",
    "*undefined",
    "<<: [1, 2]",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "0o17",
    "0x1F",
    "1e400",
    "-1",
    "99999999999999999999999999",
    ".nan",
    "-.inf",
    "~",
    "2026-13-45",
    "yes",
    "on",
    "''",
    '""',
    "[]",
    "{}",
    "- - - x",
    "http://[::1",
    "http://127.0.0.1:0",
    "https://",
    "/dev/null",
    "/",
    ".intacct-reconcile",
    "sandbox: true",
    "sandbox: false",
    "concurrency: 0",
    "concurrency: 1000",
    "db: ''",
    "endpoint: ftp://x",
    "targets: {}",
    "targets: []",
    "default_target: nowhere",
    "a" * 5000,
    "é" * 50,
    "\U0001f600",
    "<<<<<<< HEAD\n",
    "=======\n",
]


def mutate(text: str, rng: random.Random) -> str:
    """One to three random edits of `text`."""
    for _ in range(rng.randint(1, 3)):
        text = rng.choice(_OPERATORS)(text, rng)
    return text


def _replace_char(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text)) if text else 0
    return text[:at] + rng.choice(TOKENS) + text[at + 1 :]


def _insert_token(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(TOKENS) + text[at:]


def _replace_value(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    n = rng.randrange(len(lines))
    key, sep, _ = lines[n].partition(": ")
    if sep:
        lines[n] = f"{key}: {rng.choice(TOKENS)}"
    return "\n".join(lines)


def _replace_key(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    n = rng.randrange(len(lines))
    line = lines[n]
    indent = line[: len(line) - len(line.lstrip())]
    _, sep, value = line.lstrip().partition(":")
    if sep:
        lines[n] = f"{indent}{rng.choice(TOKENS)}:{value}"
    return "\n".join(lines)


def _duplicate_line(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    n = rng.randrange(len(lines))
    lines.insert(n, lines[n])
    return "\n".join(lines)


def _delete_line(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def _reindent(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    n = rng.randrange(len(lines))
    lines[n] = " " * rng.choice([0, 1, 3, 5, 8]) + lines[n].lstrip()
    return "\n".join(lines)


def _nest(text: str, rng: random.Random) -> str:
    depth = rng.choice([50, 300, 5000])
    return text + f"\nextra: {'[' * depth}{']' * depth}\n"


def _alias_bomb(text: str, rng: random.Random) -> str:
    rows = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    rows += [
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)
    ]
    return "\n".join(rows) + "\n" + text.replace("vars: {", "vars: {bomb: *i, ", 1)


_OPERATORS: list[Callable[[str, random.Random], str]] = [
    _replace_char,
    _insert_token,
    _insert_token,
    _replace_value,
    _replace_value,
    _replace_key,
    _duplicate_line,
    _delete_line,
    _reindent,
    _nest,
    _alias_bomb,
]


@dataclass
class Outcome:
    runs: int = 0
    accepted: int = 0
    refused: int = 0
    crashes: list[str] = field(default_factory=list)


def run(
    folder: Path,
    *,
    seed: int,
    count: int,
    commands: tuple[tuple[str, ...], ...] = (("validate",),),
) -> Outcome:
    """Mutate the base config `count` times; run each command on each mutant in `folder`."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.yaml").write_text(MANIFEST, encoding="utf-8")
    runner = CliRunner()
    # typer rebuilds the command line from the signatures on every invoke (70 ms): once here
    built = typer.main.get_command(app)
    with mock.patch("typer.testing._get_command", lambda _: built):
        return _run(folder, rng, runner, count, commands)


def _run(
    folder: Path,
    rng: random.Random,
    runner: CliRunner,
    count: int,
    commands: tuple[tuple[str, ...], ...],
) -> Outcome:
    config = folder / "intacct-reconcile.yaml"
    outcome = Outcome()
    for n in range(count):
        text = mutate(BASE_CONFIG, rng)
        config.write_text(text, encoding="utf-8", errors="surrogatepass")
        for command in commands:
            outcome.runs += 1
            result = runner.invoke(app, [*command, str(folder)], catch_exceptions=True)
            clean = result.exit_code == 1 and "\nerror: " in "\n" + result.stderr
            crashed = (
                result.exception is not None and not isinstance(result.exception, SystemExit)
            ) or "Traceback" in result.stderr + result.stdout
            if result.exit_code == 0 and not crashed:
                outcome.accepted += 1
            elif clean and not crashed:
                outcome.refused += 1
            else:
                outcome.crashes.append(
                    f"mutant {n} ({' '.join(command)}): exit {result.exit_code}, "
                    f"{result.exception!r}\n--- config ---\n{text[:2000]}"
                )
    return outcome
