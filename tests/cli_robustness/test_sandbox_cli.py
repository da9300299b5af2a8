"""`sandbox ...` with a bad --db, port or log: one line on stderr, exit 1, no traceback."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.cli_robustness.conftest import Invoke, assert_user_error


def test_db_that_is_a_directory(cli: Invoke, tmp_path: Path) -> None:
    for command in (("ui", "show"), ("reset",), ("serve",)):
        assert_user_error(cli("sandbox", *command, "--db", tmp_path), "is a directory")


def test_db_that_is_not_a_database(cli: Invoke, tmp_path: Path) -> None:
    db = tmp_path / "junk.db"
    db.write_text("plain text, not sqlite\n" * 50)
    assert_user_error(cli("sandbox", "ui", "show", "--db", db), "cannot open the sandbox database")


def test_db_below_a_file(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    db = tmp_path / "afile" / "s.db"
    assert_user_error(cli("sandbox", "ui", "show", "--db", db), "cannot create", "--db")


def test_serve_port_out_of_range(cli: Invoke, tmp_path: Path) -> None:
    assert_user_error(cli("sandbox", "serve", "--port", "99999", "--db", tmp_path / "s.db"))


def test_serve_on_a_port_in_use(cli: Invoke, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("sandbox", "serve", "--port", port, "--db", tmp_path / "s.db")
    assert_user_error(result, f"cannot listen on 127.0.0.1:{port}", "--port")


def test_serve_with_an_unwritable_log(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    log = tmp_path / "afile" / "requests.log"
    result = cli("sandbox", "serve", "--log", log, "--db", tmp_path / "s.db")
    assert_user_error(result, "cannot write the request log", "--log")


def test_edit_record_with_unknown_object_field_or_key(cli: Invoke, tmp_path: Path) -> None:
    db = ("--db", tmp_path / "s.db")
    ui = ("sandbox", "ui", "edit-record")
    assert_user_error(cli(*ui, "NOPE", "1", "A=B", *db), "NOPE")
    assert_user_error(cli(*ui, "GLACCOUNT", "1000", "NOPE=B", *db), "NOPE")
    assert_user_error(cli(*ui, "GLACCOUNT", "99999", "TITLE=x", *db), "no GL Account")
    assert_user_error(cli(*ui, "GLACCOUNT", "1000", "TITLE", *db), "not FIELD=VALUE")
