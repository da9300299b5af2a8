"""Which config every verb uses, and no silent fallback to the embedded sandbox.

Search order (README "Targets and credentials"): --config, then beside PATH (the manifest
folder, or a manifest file's folder), then the current directory. Without any config and
without INTACCT_* credentials nothing runs and nothing is written; the embedded sandbox is
used only when asked for (`--sandbox`, `--target sandbox`) or named by a config target.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.cli_robustness.conftest import MANIFEST, Invoke, assert_user_error

from intacct_reconcile.credentials import ENV
from intacct_reconcile.settings import load_config, resolve_target

STATE = ".intacct-reconcile"
VAR_MANIFEST = """\
version: 1
gl_accounts:
  "2110": {title: "${var.title}", type: balance_sheet, normal_balance: credit,
           closing_type: non_closing}
"""


def sandbox_config(name: str) -> str:
    """A config whose single sandbox target is called NAME (and says so in a var)."""
    return (
        f"default_target: {name}\ntargets:\n  {name}: {{sandbox: true, vars: {{title: {name}}}}}\n"
    )


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (*ENV.values(), "INTACCT_PROFILE"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Manifests without any intacct-reconcile.yaml; the working directory has none either."""
    folder = tmp_path / "intacct"
    folder.mkdir()
    (folder / "main.yaml").write_text(MANIFEST, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return folder


def state_dirs(root: Path) -> list[Path]:
    return sorted(root.rglob(STATE))


@pytest.mark.parametrize("verb", ["plan", "apply"])
def test_without_a_config_nothing_runs_and_nothing_is_written(
    cli: Invoke, bare: Path, verb: str
) -> None:
    args = ["--auto-approve"] if verb == "apply" else []
    result = cli(verb, bare, *args)
    assert_user_error(result, "no intacct-reconcile.yaml found", "INTACCT_*", "--sandbox")
    # the message shows a config to start from, and where to put it
    assert f"Create {bare / 'intacct-reconcile.yaml'}" in result.stderr
    assert "sandbox: {sandbox: true}" in result.stderr
    assert "company_id: YOUR_COMPANY_ID" in result.stderr
    assert "No changes" not in result.stdout
    assert state_dirs(bare.parent) == []


def test_export_and_attest_without_a_config_are_errors_too(cli: Invoke, bare: Path) -> None:
    exported = cli("export", "--kind", "gl_accounts", "--out", bare.parent / "out")
    assert_user_error(exported, "no intacct-reconcile.yaml found")
    attested = cli("attest", "sender_ids/acme", "--by", "me", "--path", bare)
    assert_user_error(attested, "no intacct-reconcile.yaml found")
    assert state_dirs(bare.parent) == []
    assert not (bare.parent / "out").exists()


@pytest.mark.parametrize("flag", [["--sandbox"], ["--target", "sandbox"]])
def test_the_embedded_sandbox_when_asked_for(cli: Invoke, bare: Path, flag: list[str]) -> None:
    result = cli("plan", bare, "--quiet", *flag)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Plan for target sandbox")
    assert (bare / STATE / "sandbox.db").is_file()


def test_sandbox_flag_uses_the_configs_sandbox_target_and_its_vars(cli: Invoke, bare: Path) -> None:
    (bare / "main.yaml").write_text(VAR_MANIFEST)
    (bare / "intacct-reconcile.yaml").write_text(
        "default_target: prod\ntargets:\n  prod: {company_id: acme}\n"
        "  lab: {sandbox: true, vars: {title: from-lab}}\n"
    )
    result = cli("plan", bare, "--quiet", "--sandbox", "--format", "json")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["target"] == "lab"
    assert plan["changes"][0]["fields"][0]["after"] == "from-lab"
    wrong = cli("plan", bare, "--sandbox", "--target", "prod")
    assert_user_error(wrong, "not a sandbox target")


def test_credentials_in_the_environment_name_the_company_without_a_config(tmp_path: Path) -> None:
    env = {"INTACCT_COMPANY_ID": "acme", "INTACCT_SENDER_ID": "s"}
    target = resolve_target(load_config(None, manifest_path=tmp_path), None, env=env)
    assert (target.name, target.company_id, target.sandbox) == ("acme", "acme", False)


# --- one search order for every verb ---------------------------------------------------------


@pytest.fixture
def two_configs(bare: Path) -> Path:
    """A config beside the manifests and another in the working directory."""
    (bare / "main.yaml").write_text(VAR_MANIFEST)
    (bare / "intacct-reconcile.yaml").write_text(sandbox_config("beside"))
    (bare.parent / "intacct-reconcile.yaml").write_text(sandbox_config("here"))
    (bare.parent / "other.yaml").write_text(sandbox_config("flag"))
    return bare


def test_validate_search_order(cli: Invoke, two_configs: Path) -> None:
    assert "(vars of target beside)" in cli("validate", two_configs).stdout
    given = cli("validate", two_configs, "--config", two_configs.parent / "other.yaml")
    assert "(vars of target flag)" in given.stdout
    (two_configs / "intacct-reconcile.yaml").unlink()
    assert "(vars of target here)" in cli("validate", two_configs).stdout


@pytest.mark.parametrize("verb", ["plan", "apply"])
def test_plan_and_apply_search_order(cli: Invoke, two_configs: Path, verb: str) -> None:
    extra = ["--auto-approve"] if verb == "apply" else []
    heading = "Plan for target" if verb == "plan" else "Apply to target"
    assert f"{heading} beside" in cli(verb, two_configs, "--quiet", *extra).stdout
    flag = cli(verb, two_configs, "--quiet", "--config", two_configs.parent / "other.yaml", *extra)
    assert f"{heading} flag" in flag.stdout
    (two_configs / "intacct-reconcile.yaml").unlink()
    assert f"{heading} here" in cli(verb, two_configs, "--quiet", *extra).stdout


def test_attest_search_order(cli: Invoke, two_configs: Path) -> None:
    (two_configs / "main.yaml").write_text(MANIFEST)
    attest = ("attest", "sender_ids/acme", "--by", "me", "--path", two_configs)
    assert "for target beside" in cli(*attest).stdout
    flag = cli(*attest, "--config", two_configs.parent / "other.yaml")
    assert "for target flag" in flag.stdout
    (two_configs / "intacct-reconcile.yaml").unlink()
    assert "for target here" in cli(*attest).stdout


def test_export_search_order(cli: Invoke, two_configs: Path) -> None:
    root = two_configs.parent
    out = cli("export", "--kind", "gl_accounts", "--out", root / "a", "--quiet")
    assert out.exit_code == 0, out.stderr
    assert (root / STATE / "sandbox.db").is_file()  # the working directory's config
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    shutil.move(root / "other.yaml", elsewhere / "other.yaml")
    flag = cli("export", "--kind", "gl_accounts", "--out", root / "b", "--quiet", "--config",
               elsewhere / "other.yaml")  # fmt: skip
    assert flag.exit_code == 0, flag.stderr
    assert (elsewhere / STATE / "sandbox.db").is_file()


# --- apply PLANFILE from another folder ------------------------------------------------------


@pytest.fixture
def reviewed(cli: Invoke, project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plan made at the repository root (`plan intacct --out plan.json`), then moved into
    another folder, as a CI apply job downloads it."""
    root = project.parent
    monkeypatch.chdir(root)
    made = cli("plan", "intacct", "--out", "plan.json", "--quiet")
    assert made.exit_code == 0, made.stderr
    (root / "reviewed").mkdir()
    return shutil.move(root / "plan.json", root / "reviewed" / "plan.json")


def test_saved_plan_from_another_folder_finds_its_target_and_applies_without_a_prompt(
    cli: Invoke, project: Path, reviewed: Path
) -> None:
    result = cli("apply", "reviewed/plan.json", "--quiet")  # no --auto-approve, no terminal
    assert result.exit_code == 0, result.stderr
    assert "Apply to target sandbox" in result.stdout
    assert "1 applied" in result.stdout
    # the target the plan records: the project's sandbox, not a new one beside the plan file
    assert (project / STATE / "sandbox.db").is_file()
    assert not (reviewed.parent / STATE).exists()
    assert not (project.parent / STATE).exists()
    assert "0 to create, 0 to update" in cli("plan", "intacct", "--quiet").stdout


def test_saved_plan_whose_config_cannot_be_found_says_what_to_pass(
    cli: Invoke, project: Path, reviewed: Path
) -> None:
    shutil.move(project / "intacct-reconcile.yaml", project.parent / "moved.yaml")
    result = cli("apply", "reviewed/plan.json", "--quiet")
    assert_user_error(result, "target 'sandbox'", "pass --config", "intacct/intacct-reconcile.yaml")
    assert not (project.parent / STATE).exists() and not (reviewed.parent / STATE).exists()
    again = cli("apply", "reviewed/plan.json", "--quiet", "--config", "moved.yaml")
    assert again.exit_code == 0, again.stderr
