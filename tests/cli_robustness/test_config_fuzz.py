"""The targets file, attestations and the credentials ini are read like manifests: each
mistake is a located error (file:line:col: what — how to fix), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli_robustness import config_fuzz
from tests.cli_robustness.conftest import Invoke, assert_user_error

from intacct_reconcile.attestations import load as load_attestations
from intacct_reconcile.credentials import load_credentials
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.settings import Target, load_config


def test_a_few_hundred_mutated_configs_give_exit_0_or_a_clean_error(tmp_path: Path) -> None:
    outcome = config_fuzz.run(
        tmp_path / "project", seed=20261204, count=300, commands=(("validate",), ("plan",))
    )
    assert outcome.crashes == [], "\n\n".join(outcome.crashes[:3])
    assert outcome.runs == 600
    # the mutations are not all fatal: the fuzz reaches plan with configs that load
    assert outcome.accepted >= 20 and outcome.refused >= 300


@pytest.mark.parametrize(
    ("text", "where", "said"),
    [
        ("targets:\n  1: {sandbox: true}\n  local: {sandbox: true}\n", None, None),
        (
            "targets:\n  ? [a, b]\n  : {sandbox: true}\n",
            ":2:5",
            "a mapping key must be a plain value",
        ),
        ("targets:\n  ? {a: 1}\n  : x\n", ":2:5", "a mapping key must be a plain value"),
        ("targets:\n  local: {sandbox: true}\n  x\x01: {}\n", ":3:4", "control character U+0001"),
        ("targets:\n  local: {sandbox: !!python/object x}\n", ":2:20", "unknown YAML tag"),
        ("targets: {local: {sandbox: true}}\n---\ntargets: {}\n", ":3:1", "several YAML documents"),
        ("targets: {local: {sandbox: true, db: *nowhere}}\n", ":1:38", "YAML syntax error"),
        ("- targets\n", ":1:1", "the config file must be a mapping"),
        ("targets:\n\tlocal: {}\n", ":2:1", "tab character"),
        ("targets:\n  local: &t {sandbox: true, vars: {x: *t}}\n", ":2:10", "recursive alias"),
    ],
    ids=[
        "number-key",
        "list-key",
        "map-key",
        "control",
        "tag",
        "documents",
        "alias",
        "list",
        "tab",
        "recursive",
    ],
)
def test_config_mistakes_are_located(
    tmp_path: Path, text: str, where: str | None, said: str | None
) -> None:
    path = tmp_path / "intacct-reconcile.yaml"
    path.write_text(text, encoding="utf-8")
    if said is None:
        assert set(load_config(path).targets) == {"1", "local"}  # keys are text, as written
        return
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert f"{path}{where}: " in message and said in message
    assert " — " in message  # and how to fix it


def test_a_config_that_is_not_utf8_is_located(cli: Invoke, project: Path) -> None:
    (project / "intacct-reconcile.yaml").write_bytes(b"targets:\n  local: {sandbox: \xff}\n")
    assert_user_error(cli("validate", project), "intacct-reconcile.yaml:2:1:", "not UTF-8")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("sender_ids/acme: {by: a}\nsender_ids/acme: {by: b}\n", ":2:1: duplicate key"),
        ("? [a]\n: {by: a}\n", ":1:3: a mapping key must be a plain value"),
        ("sender_ids/acme: {by: \x1b}\n", ":1:23: control character U+001B"),
        ("just-a-name: {by: a}\n", ":1:1: entry 'just-a-name' must be KIND/KEY"),
    ],
    ids=["duplicate", "list-key", "control", "not-a-ref"],
)
def test_attestation_file_mistakes_are_located(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / ".intacct-reconcile" / "attestations" / "prod.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_attestations(tmp_path, "prod")
    assert f"{path}{said}" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("user_password = Hunter2-Secret\n", ":1:1: a setting before any [profile] header"),
        ("[default]\nsender_id = a\n[default]\n", ":3:1: profile [default] appears twice"),
        ("[default]\nsender_id = a\nsender_id = b\n", ":3:1: 'sender_id' is set twice"),
        ("[default]\nsender_id = a\nHunter2-Secret\n", ":3:1: not a `name = value` line"),
    ],
    ids=["no-header", "duplicate-profile", "duplicate-key", "stray-line"],
)
def test_credentials_ini_mistakes_are_located_and_never_quote_the_line(
    tmp_path: Path, text: str, said: str
) -> None:
    ini = tmp_path / "credentials"
    ini.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_credentials(Target("prod", company_id="ACME"), {}, ini, None)
    assert f"{ini}{said}" in str(caught.value)
    assert "Hunter2" not in str(caught.value)


def test_credentials_ini_that_is_not_utf8_is_a_clean_error(tmp_path: Path) -> None:
    ini = tmp_path / "credentials"
    ini.write_bytes(b"[default]\nuser_password = \xff\xfe\n")
    with pytest.raises(ConfigError, match=r":2:1: the credentials file is not UTF-8"):
        load_credentials(Target("prod", company_id="ACME"), {}, ini, None)
