"""At a terminal, exporting into a folder with files asks first (a real pseudo-terminal)."""

from __future__ import annotations

from pathlib import Path

from e2e.conftest import copy_blueprint
from helpers.terminal import cli_on_terminal


def run_at_terminal(args: list[str], answer: str, cwd: Path) -> tuple[int, str]:
    """Run the CLI on a pty; answer its question once it is asked; return (exit code, output)."""
    with cli_on_terminal(args, cwd=cwd) as (process, terminal):
        terminal.read_until(b"overwrite")
        terminal.type(answer.encode() + b"\n")
        output = terminal.drain()
        return process.wait(timeout=60), output.decode("utf-8", "replace")


def test_export_asks_before_writing_into_a_folder_with_files(tmp_path: Path):
    folder = copy_blueprint("leanix", tmp_path)
    out = tmp_path / "o"
    out.mkdir()
    (out / "roles.yaml").write_text("version: 1\n")
    args = [
        "export",
        "--kind",
        "roles",
        "--out",
        str(out),
        "--config",
        str(folder / "intacct-reconcile.yaml"),
        "-q",
    ]

    code, output = run_at_terminal(args, "n", tmp_path)
    assert code == 1, output
    assert "roles.yaml" in output and "cancelled" in output
    assert (out / "roles.yaml").read_text() == "version: 1\n"

    code, output = run_at_terminal(args, "y", tmp_path)
    assert code == 0, output
    assert "Administrator" in (out / "roles.yaml").read_text()
