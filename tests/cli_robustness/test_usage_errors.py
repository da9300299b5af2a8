"""Usage errors exit 1 (bad input), never 2: with --detailed-exitcode, 2 means "changes"."""

from __future__ import annotations

from pathlib import Path

from tests.cli_robustness.conftest import Invoke, assert_user_error


def test_mistyped_option_is_bad_input_not_changes_present(cli: Invoke, project: Path) -> None:
    result = cli("plan", project, "--detailed-exitcode", "--formt", "json")
    assert_user_error(result, "--formt")


def test_mistyped_command_suggests_the_right_one(cli: Invoke) -> None:
    assert_user_error(cli("plna", "."), "plan")


def test_missing_argument_exits_1(cli: Invoke) -> None:
    assert_user_error(cli("apply"), "Missing argument")


def test_bad_option_value_in_a_sub_group_exits_1(cli: Invoke, tmp_path: Path) -> None:
    result = cli("sandbox", "serve", "--fault-rate", "2", "--db", tmp_path / "s.db")
    assert_user_error(result, "--fault-rate")


def test_bad_format_and_kind_values_are_named(cli: Invoke, project: Path) -> None:
    assert_user_error(cli("plan", project, "--format", "yaml"), "'yaml'", "text, markdown, json")
    assert_user_error(cli("plan", project, "--kind", "role"), "unknown --kind role")


def test_schema_out_to_a_directory_or_missing_folder(cli: Invoke, tmp_path: Path) -> None:
    assert_user_error(cli("schema", "--out", tmp_path), "cannot write the schema")
    missing = tmp_path / "no" / "such" / "schema.json"
    assert_user_error(cli("schema", "--out", missing), "cannot write the schema")
