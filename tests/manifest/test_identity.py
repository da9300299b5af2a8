"""Identities and string fields are the text the user wrote, whatever YAML 1.1 thinks."""

from __future__ import annotations

from pathlib import Path

import pytest

from intacct_reconcile.errors import ManifestError
from intacct_reconcile.manifest.api import load_desired


def _load(tmp_path: Path, text: str, name: str = "m.yaml"):
    (tmp_path / name).write_text("version: 1\n" + text, encoding="utf-8")
    return load_desired(tmp_path, vars={}, env={})


def test_octal_looking_and_underscored_numbers_keep_their_text(tmp_path: Path) -> None:
    m = _load(
        tmp_path, "gl_accounts:\n  0110: {title: A, close_into: 1_000}\n  1_000: {title: B}\n"
    )
    assert set(m.desired.of("gl_accounts")) == {"0110", "1_000"}
    assert m.desired.get("gl_accounts", "0110").values["close_into"] == "1_000"


def test_quoted_and_unquoted_numbers_are_the_same_account(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\ngl_accounts:\n  2110: {title: A}\n")
    with pytest.raises(ManifestError) as caught:
        _load(tmp_path, "gl_accounts:\n  '2110': {title: B}\n", name="b.yaml")
    assert [p.message for p in caught.value.problems] == [
        f"gl_accounts/2110 is declared twice (first at {tmp_path}/a.yaml:3:3)"
    ]


def test_yaml_1_1_booleans_stay_words_in_text_fields(tmp_path: Path) -> None:
    m = _load(
        tmp_path,
        "web_services_users:\n  u: {first_name: No, last_name: Yes, email: a@b.c, admin: off}\n",
    )
    user = m.desired.get("web_services_users", "u").values
    assert (user["first_name"], user["last_name"], user["admin"]) == ("No", "Yes", "off")


def test_dates_and_months_are_text_not_yaml_timestamps(tmp_path: Path) -> None:
    m = _load(
        tmp_path,
        "employees:\n  E1: {contact: C, start_date: 2024-02-29}\n"
        "credit_card_accounts:\n  CC: {vendor: V, expiration: 2035-12}\n",
    )
    assert m.desired.get("employees", "E1").values["start_date"] == "2024-02-29"
    assert m.desired.get("credit_card_accounts", "CC").values["expiration"] == "2035-12"


def test_allow_any_admits_the_whole_internet_and_is_not_state(tmp_path: Path) -> None:
    m = _load(
        tmp_path,
        "ip_allowlist:\n  - {cidr: 0.0.0.0/0, allow_any: true}\n  - ::/0\n".replace(
            "  - ::/0\n", "  - {cidr: '::/0', allow_any: true}\n"
        ),
    )
    assert set(m.desired.of("ip_allowlist")) == {"0.0.0.0/0", "::/0"}
    assert dict(m.desired.get("ip_allowlist", "0.0.0.0/0").values) == {}
