"""--help says what the code does: the exit codes of the errors, the options per command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from intacct_reconcile import errors
from intacct_reconcile.cli import app


def help_of(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return re.sub(r"[\s│]+", " ", result.output)  # unwrap rich's boxes and line breaks


def test_top_level_help_lists_every_error_exit_code():
    text = help_of()
    codes = {
        cls.exit_code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ReconcileError)
    }
    assert codes == {1, 3, 5}
    # 2 and 6: --detailed-exitcode, 4: partial apply, 130: Ctrl-C
    for code in (*codes, 2, 4, 6, 130):
        assert f" {code} " in text, code


def test_config_defaults_are_described_per_command():
    for verb in ("validate", "plan", "apply"):
        assert "default: beside PATH" in help_of(verb), verb
        assert "current directory" in help_of(verb), verb
    assert "default: beside --path" in help_of("attest")
    assert "current directory" in help_of("export") and "PATH" not in help_of("export")
    assert "next to the --unmanaged manifests" in help_of("export")


def test_allow_irreversible_does_not_claim_to_need_force():
    text = help_of("apply")
    assert "--allow-irreversible" in text and "(with --force)" not in text


README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_usage() -> dict[str, str]:
    """The README's CLI reference block, one entry per command (continuation lines joined)."""
    block = README.read_text(encoding="utf-8").split("## CLI reference", 1)[1].split("```")[1]
    usage: dict[str, str] = {}
    command = ""
    for line in block.splitlines():
        if line.startswith("intacct-reconcile "):
            words = line.split()
            command = " ".join(words[1:3] if words[1] == "sandbox" else words[1:2])
            usage[command] = line
        elif command:
            usage[command] += " " + line
    return usage


@pytest.mark.parametrize(
    "command", ["plan", "apply", "show", "export", "attest", "validate", "sandbox serve"]
)
def test_readme_usage_lists_every_option_of_the_command(command: str) -> None:
    click_command = typer.main.get_command(app)
    for word in command.split():
        click_command = click_command.commands[word]  # type: ignore[attr-defined]
    options = {
        o for p in click_command.params for o in getattr(p, "opts", ()) if o.startswith("--")
    }
    written = _readme_usage()[command]
    missing = sorted(o for o in options if o not in written)
    assert missing == [], f"README's `{command}` usage lacks {missing}"


def test_readme_exit_codes_match_the_cli_epilog() -> None:
    table = README.read_text(encoding="utf-8").split("### Exit codes", 1)[1].split("###")[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    epilog = help_of()
    assert documented == {0, 1, 2, 3, 4, 5, 6, 130, 143}
    for code in documented - {0}:
        assert f" {code} " in epilog, code


def _names() -> list[str]:
    from intacct_reconcile.cli import command_name

    return [str(command_name(i)) for i in (*app.registered_commands, *app.registered_groups)]


@pytest.mark.parametrize("argv_head", [[name] for name in _names()] + [["--no-color", "plan"]])
def test_the_app_built_for_one_command_answers_as_the_whole_app(argv_head: list[str]):
    """The process builds only the command it runs (cli.app_for); its help, its usage errors
    and its name are the whole app's."""
    from intacct_reconcile.cli import app_for

    narrowed = app_for([*argv_head, "--help"])
    assert (
        narrowed is not app
        and len(narrowed.registered_commands) + len(narrowed.registered_groups) == 1
    )
    for tail in (["--help"], ["--no-such-option"]):
        args = [*argv_head, *tail]
        whole = CliRunner().invoke(app, args, env={"COLUMNS": "120"})
        one = CliRunner().invoke(narrowed, args, env={"COLUMNS": "120"})
        assert (one.exit_code, one.output) == (whole.exit_code, whole.output)


@pytest.mark.parametrize(
    "argv", [[], ["--help"], ["--no-color"], ["aply", "x"], ["--version"], ["--help", "apply"]]
)
def test_root_help_mistyped_commands_and_root_options_get_the_whole_app(argv: list[str]):
    from intacct_reconcile.cli import app_for

    assert app_for(argv) is app


def test_shell_completion_gets_the_whole_app(monkeypatch: pytest.MonkeyPatch):
    from intacct_reconcile.cli import app_for

    monkeypatch.setenv("_INTACCT_RECONCILE_COMPLETE", "complete_bash")
    assert app_for(["apply", "x"]) is app
