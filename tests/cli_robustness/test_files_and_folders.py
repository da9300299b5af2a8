"""Attestation files broken by hand, export into folders that hold something, YAML bombs and
encodings in manifests, plan files that are not what they claim."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.cli_robustness.conftest import Invoke, assert_user_error

from intacct_reconcile.planfile import FORMAT_VERSION, checksum

ATTESTATIONS = Path(".intacct-reconcile") / "attestations" / "sandbox.yaml"


def test_attest_into_a_broken_attestation_file_is_a_located_error(
    cli: Invoke, project: Path
) -> None:
    path = project / ATTESTATIONS
    path.parent.mkdir(parents=True)
    path.write_text("sender_ids/acme: {by: a\n<<<<<<< HEAD\n")  # a merge conflict
    result = cli("attest", "sender_ids/acme", "--by", "me", "--path", project)
    assert_user_error(result, "sandbox.yaml:3:1:", "YAML syntax error")


def test_attest_into_an_attestation_file_holding_a_list(cli: Invoke, project: Path) -> None:
    path = project / ATTESTATIONS
    path.parent.mkdir(parents=True)
    path.write_text("- sender_ids/acme\n")
    result = cli("attest", "sender_ids/acme", "--by", "me", "--path", project)
    assert_user_error(result, "must be a mapping")
    assert path.read_text() == "- sender_ids/acme\n"  # left for the user to fix


def test_attest_mistakes_are_named(cli: Invoke, project: Path) -> None:
    base = ("--by", "me", "--path", project)
    assert_user_error(cli("attest", "gl_accounts/2110", *base), "not a manual kind")
    assert_user_error(cli("attest", "sender_ids/other", *base), "not declared", "acme")
    assert_user_error(cli("attest", "sender_ids", *base), "is not KIND/KEY")


def test_export_refuses_a_non_empty_folder_before_reading(cli: Invoke, project: Path) -> None:
    out = project.parent / "out"
    out.mkdir()
    (out / "roles.yaml").write_text("version: 1\n")
    config = project / "intacct-reconcile.yaml"
    result = cli("export", "--kind", "gl_accounts", "--out", out, "--config", config, "-q")
    assert_user_error(result, "not empty", "roles.yaml")
    assert (out / "roles.yaml").read_text() == "version: 1\n"
    assert not (project / ".intacct-reconcile").exists()  # refused before opening Intacct


def test_export_to_a_file_or_unwritable_place(cli: Invoke, project: Path) -> None:
    config = project / "intacct-reconcile.yaml"
    a_file = project / "main.yaml"
    result = cli("export", "--kind", "gl_accounts", "--out", a_file, "--config", config)
    assert_user_error(result, "is a file")
    below_file = a_file / "sub"
    result = cli("export", "--kind", "gl_accounts", "--out", below_file, "--config", config, "-q")
    assert_user_error(result, "cannot create the --out directory")


def test_billion_laughs_manifest_is_refused_quickly(cli: Invoke, project: Path) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]")
    (project / "bomb.yaml").write_text(
        "version: 1\nx-anchors:\n"
        + "".join(f"  {line}\n" for line in levels)
        + "roles:\n  R: {description: x, permissions: *i}\n"
    )
    started = time.monotonic()
    result = cli("validate", project)
    assert time.monotonic() - started < 10  # used to run for minutes and take gigabytes
    assert_user_error(result, "bomb.yaml:", "too many nodes")


def test_non_utf8_manifest_points_at_the_byte(cli: Invoke, project: Path) -> None:
    (project / "latin.yaml").write_bytes(b"version: 1\nsender_ids:\n  caf\xe9: {}\n")
    assert_user_error(cli("validate", project), "latin.yaml:3:6: not UTF-8", "0xe9")


def _saved_plan(project: Path, body_plan: object) -> Path:
    body = {
        "format_version": FORMAT_VERSION,
        "tool_version": "0.1.0",
        "created_at": "2026-11-22T00:00:00+00:00",
        "target": {"name": "sandbox", "company_id": "DEMO", "entity": "", "endpoint": "sandbox"},
        "manifest_digest": "",
        "plan": body_plan,
    }
    body["checksum"] = checksum(body)
    path = project / "plan.json"
    path.write_text(json.dumps(body))
    return path


def test_hand_built_plan_with_a_valid_checksum_but_wrong_shapes(cli: Invoke, project: Path) -> None:
    plan = {
        "target": "sandbox",
        "changes": [],
        "unmanaged": [],
        "access_changes": [],
        "live_counts": ["not", "a", "mapping"],
        "fingerprints": {},
        "manifest_digest": "",
        "notes": [],
    }
    path = _saved_plan(project, plan)
    assert_user_error(cli("apply", path, "--auto-approve"), "malformed plan file")


def test_truncated_and_foreign_plan_files(cli: Invoke, project: Path) -> None:
    path = project / "plan.json"
    path.write_text('{"format_version": "1", "plan": {"changes": [')
    assert_user_error(cli("apply", path, "--auto-approve"), "plan.json:1:", "not valid JSON")
    path.write_bytes(b"\xff\xfe{garbage")
    assert_user_error(cli("apply", path, "--auto-approve"), "cannot read the plan file")
    path.write_text(json.dumps({"format_version": "2"}))
    assert_user_error(cli("apply", path, "--auto-approve"), "format '2' is not supported")


def test_deeply_nested_manifest_is_refused_not_a_crash(cli: Invoke, project: Path) -> None:
    # libyaml's composer recursed in C: 50,000 levels of `[` killed the process (SIGSEGV)
    (project / "deep.yaml").write_text("version: 1\nroles: " + "[" * 50_000 + "]" * 50_000)
    assert_user_error(cli("validate", project), "deep.yaml:2:", "nested more than")


def test_nesting_hidden_behind_quoted_closers_is_still_measured(cli: Invoke, project: Path) -> None:
    text = "version: 1\nroles: " + '["]", ' * 5_000 + "x" + "]" * 5_000
    (project / "deep.yaml").write_text(text)
    assert_user_error(cli("validate", project), "deep.yaml:2:", "nested more than")


def test_deeply_nested_compact_sequences(cli: Invoke, project: Path) -> None:
    (project / "deep.yaml").write_text("version: 1\nroles:\n" + "- " * 50_000 + "x\n")
    assert_user_error(cli("validate", project), "deep.yaml:", "nested more than")


def test_deeply_nested_config_is_a_located_error(cli: Invoke, project: Path) -> None:
    (project / "intacct-reconcile.yaml").write_text(
        "targets: {s: {sandbox: true, vars: " + "[" * 50_000 + "]" * 50_000 + "}}\n"
    )
    assert_user_error(
        cli("validate", project), "intacct-reconcile.yaml:1:", "nested more than 200 levels deep"
    )


def test_plan_saved_for_another_endpoint_of_the_same_target(cli: Invoke, project: Path) -> None:
    plan = {
        "target": "sandbox",
        "changes": [],
        "unmanaged": [],
        "access_changes": [],
        "live_counts": {},
        "fingerprints": {},
        "manifest_digest": "",
        "notes": [],
    }
    path = _saved_plan(project, plan)
    (project / "intacct-reconcile.yaml").write_text(
        "targets:\n  sandbox: {endpoint: 'http://127.0.0.1:9', company_id: DEMO}\n"
    )
    result = cli("apply", path, "--auto-approve", "--config", project / "intacct-reconcile.yaml")
    assert_user_error(result, "made against 'sandbox'", "http://127.0.0.1:9")


def test_plan_out_to_a_directory_fails_before_reading(cli: Invoke, project: Path) -> None:
    for out in (project, project / "missing" / "plan.json"):
        assert_user_error(cli("plan", project, "--out", out, "-q"), "cannot write the plan file")
    assert not (project / ".intacct-reconcile").exists()  # Intacct was never opened
