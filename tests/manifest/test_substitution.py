"""${var.X} / ${env:X} substitution, literal secrets, typed substitution results."""

from __future__ import annotations

from pathlib import Path

import pytest

from intacct_reconcile.errors import ManifestError
from intacct_reconcile.manifest.api import load_desired


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text("version: 1\n" + text, encoding="utf-8")
    return path


def test_vars_and_env_are_substituted_and_typed(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "document_sequences:\n  EXP:\n    next_number: ${var.next}\n"
        "    fixed_prefix: ${env:PREFIX}-${var.year}\n",
    )
    m = load_desired(path, vars={"next": "7", "year": "2025"}, env={"PREFIX": "EX"})
    assert dict(m.desired.get("document_sequences", "EXP").values) == {
        "next_number": 7,
        "fixed_prefix": "EX-2025",
        "type": "numeric",
    }


def test_all_undefined_names_are_reported_together(tmp_path: Path) -> None:
    path = _write(tmp_path, "vendors:\n  V1: {name: '${var.a}'}\n  V2: {name: '${env:B}'}\n")
    with pytest.raises(ManifestError) as caught:
        load_desired(path, vars={}, env={})
    messages = [p.message for p in caught.value.problems]
    assert messages == ["undefined variable var.a", "environment variable B is not set"]


def test_a_secret_may_only_come_from_the_environment(tmp_path: Path) -> None:
    literal = _write(tmp_path, "vendors:\n  V1: {name: A, client_secret: s3cr3t-value}\n")
    with pytest.raises(ManifestError) as caught:
        load_desired(literal, vars={}, env={})
    text = str(caught.value)
    assert "literal secret" in text and "s3cr3t-value" not in text


def test_substituted_env_value_never_appears_in_messages(tmp_path: Path) -> None:
    path = _write(tmp_path, "document_sequences:\n  EXP: {fixed_length: '${env:LEN}'}\n")
    with pytest.raises(ManifestError) as caught:
        load_desired(path, vars={}, env={"LEN": "supersecretvalue"})
    assert "supersecretvalue" not in str(caught.value)


def test_double_dollar_escapes_a_literal_token(tmp_path: Path) -> None:
    path = _write(tmp_path, "vendors:\n  V1: {name: 'Pay $${var.x} and ${var.y}'}\n")
    m = load_desired(path, vars={"y": "you"}, env={})
    assert m.desired.get("vendors", "V1").values["name"] == "Pay ${var.x} and you"


def test_double_dollar_escapes_a_lone_open_token_and_a_lone_open_is_refused(
    tmp_path: Path,
) -> None:
    # a live name cut short ("Save ${var.fo") is exported as "Save $${var.fo" and reads back
    path = _write(tmp_path, "vendors:\n  V1: {name: 'Save $${var.fo'}\n")
    m = load_desired(path, vars={}, env={})
    assert m.desired.get("vendors", "V1").values["name"] == "Save ${var.fo"
    path = _write(tmp_path, "vendors:\n  V1: {name: '${var.y} then ${oops'}\n")
    with pytest.raises(ManifestError) as caught:
        load_desired(path, vars={"y": "you"}, env={})
    assert "unterminated" in str(caught.value)
