"""Plain command-line values are converted without pydantic, exactly as typer converts them.

For every parameter of every command, each value of a corpus (good and bad numbers, paths
that exist, do not, or are directories, text, lists) is converted both ways: where the quick
conversion answers, it is typer's answer (value and type); where it does not, the parameter
hands the value to typer, whose result or refusal (its message) comes out unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from intacct_reconcile.cli import app
from intacct_reconcile.cli_values import _NOT_SURE, quick_value


def _parameters() -> list[Any]:
    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        for param in command.params:
            found[f"{path} {param.name}"] = param
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "intacct-reconcile")
    return list(found.items())


PARAMETERS = _parameters()


def _corpus(tmp: Path) -> list[Any]:
    folder = tmp / "folder"
    folder.mkdir(exist_ok=True)
    file = tmp / "file.yaml"
    file.write_text("version: 1\n")
    texts = ["", " ", "text", "plan.json", "-", "0", "1", "2", "007", "+1", "-1", " 3", "1_000"]
    texts += ["1.5", "0.001", "0.0005", "1e3", "inf", "nan", "65535", "65536", "99999999999999999"]
    texts += [str(folder), str(file), str(tmp / "missing" / "x"), "a\udcffb"]
    return [*texts, 0, 1, 2, 1.5, 0.0, True, ("a", "b"), (str(file),), (), ["1", "x"], None]


def _typer(descriptor: Any, value: Any, param: Any) -> Any:
    try:
        return ("ok", build_runtime_param(descriptor)._coerce_value(value, param=param, ctx=None))
    except BadParameter as exc:
        return ("refused", exc.format_message())
    except Exception as exc:  # what typer raises for values no command line can carry
        return ("raised", type(exc).__name__)


@pytest.mark.parametrize(("name", "param"), PARAMETERS, ids=[n for n, _ in PARAMETERS])
def test_quick_answers_are_typers_answers(name: str, param: Any, tmp_path: Path) -> None:
    descriptor = param.type_descriptor
    for value in _corpus(tmp_path):
        if value is None:
            continue  # typer answers None itself, before any conversion
        quick = quick_value(descriptor.annotation, descriptor.parameter_info, value)
        if quick is _NOT_SURE:
            continue
        outcome = _typer(descriptor, value, param)
        assert outcome[0] == "ok", (name, value, outcome)
        assert quick == outcome[1] and type(quick) is type(outcome[1]), (name, value)
        if isinstance(quick, list):
            assert [type(q) for q in quick] == [type(v) for v in outcome[1]]


@pytest.mark.parametrize(("name", "param"), PARAMETERS, ids=[n for n, _ in PARAMETERS])
def test_every_value_converts_as_typer_converts_it(name: str, param: Any, tmp_path: Path) -> None:
    converter = param.get_runtime_param()  # the installed one
    for value in _corpus(tmp_path):
        if value is None:
            continue
        param._runtime_param = converter  # a refusal may have swapped in typer's own
        try:
            ours: Any = ("ok", converter._coerce_value(value, param=param, ctx=None))
        except BadParameter as exc:
            ours = ("refused", exc.format_message())
        except Exception as exc:
            ours = ("raised", type(exc).__name__)
        # (repr: nan is not equal to itself)
        assert repr(ours) == repr(_typer(param.type_descriptor, value, param)), (name, value)


def test_some_values_are_left_to_typer() -> None:
    # the quick conversion answers only where it is certain
    concurrency = next(p for n, p in PARAMETERS if n == "intacct-reconcile plan concurrency")
    info = concurrency.type_descriptor.parameter_info
    assert quick_value(int, info, "4") == 4
    for value in ("0", "-1", "+1", " 4", "four", "1_0"):
        assert quick_value(int, info, value) is _NOT_SURE, value


def test_an_unreadable_path_is_left_to_typer(tmp_path: Path) -> None:
    path = next(p for n, p in PARAMETERS if n == "intacct-reconcile validate path")
    info = path.type_descriptor.parameter_info
    locked = tmp_path / "locked"
    locked.write_text("")
    locked.chmod(0)
    try:
        expected = _NOT_SURE if not os.access(locked, os.R_OK) else Path(str(locked))
        assert quick_value(Path, info, str(locked)) == expected
    finally:
        locked.chmod(0o600)


def test_validate_and_plan_commands_start_without_pydantic(tmp_path: Path) -> None:
    manifests = tmp_path / "m"
    manifests.mkdir()
    (manifests / "ledger.yaml").write_text(
        "version: 1\ngl_accounts:\n  '1000':\n    title: Cash\n    type: balance_sheet\n"
        "    normal_balance: debit\n"
    )
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['intacct-reconcile', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('intacct_reconcile', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "print('pydantic' in sys.modules, code, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "validate", str(manifests)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "valid: 1 object" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "False 0"
    # a refused value: typer's conversion (and pydantic) does the refusing, as before
    refused = subprocess.run(
        [sys.executable, "-c", probe, "plan", str(manifests), "--concurrency", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "--concurrency" in refused.stderr and "True 1" in refused.stderr
