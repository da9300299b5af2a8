"""Attestation expiry (`valid_for`) and who attests when `--by` is omitted."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intacct_reconcile import attestations, planner
from intacct_reconcile.attestations import AttestationError, Validity, parse_duration
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.kinds import REGISTRY
from intacct_reconcile.settings import load_config
from intacct_reconcile.types import PlanOptions, Ref, Resource, State


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("12w", 84), ("1y", 365), (" 7 d", 7)])
def test_durations(text: str, days: int):
    assert parse_duration(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["0d", "90", "3 months", "-1d"])
def test_a_bad_duration_says_how_to_write_one(text: str):
    with pytest.raises(ConfigError, match=r"e\.g\. `90d`"):
        parse_duration(text)


def test_an_object_overrides_its_kind_which_overrides_the_default():
    validity = Validity.from_config(
        {"valid_for": "90d", "kinds": {"sender_ids": "30d"}, "objects": {"sender_ids/x": "7d"}}
    )
    assert validity.valid_for(Ref("sender_ids", "x")) == timedelta(days=7)
    assert validity.valid_for(Ref("sender_ids", "y")) == timedelta(days=30)
    assert validity.valid_for(Ref("ip_allowlist", "10.0.0.0/8")) == timedelta(days=90)
    assert Validity().valid_for(Ref("sender_ids", "x")) is None


def attested(tmp_path: Path, desired: State, at: datetime) -> None:
    attestations.attest(
        tmp_path,
        ref=Ref("sender_ids", "acme"),
        target="prod",
        by="alice",
        note="",
        desired=desired,
        manual_kinds={"sender_ids"},
        when=at,
    )


def test_the_planner_reopens_an_expired_attestation_and_keeps_a_current_one(tmp_path: Path):
    desired = State({"sender_ids": {"acme": Resource("sender_ids", "acme", {"description": "A"})}})
    at = datetime(2026, 9, 1, tzinfo=UTC)
    attested(tmp_path, desired, at)
    records = attestations.load(tmp_path, "prod", Validity.from_config({"valid_for": "90d"}))
    assert records[Ref("sender_ids", "acme")].expires == "2026-11-30T00:00:00+00:00"

    def step(now: str):  # type: ignore[no-untyped-def]
        options = PlanOptions(target="prod", kinds=REGISTRY, attestations=records, now=now)
        (change,) = planner.plan(desired, State({}), options).changes
        return change

    assert not step("2026-11-29T23:59:59+00:00").pending
    late = step("2026-11-30T00:00:00+00:00")
    assert late.pending
    assert "attestation expired on 2026-11-30 (alice attested it at 2026-09-01" in late.note
    assert not step("").pending  # no clock given: no expiry check (pure planning)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_identity_falls_back_to_the_git_user_of_the_repository(tmp_path: Path):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "dana@acme.example")
    assert attestations.identity({}, tmp_path) == ("dana@acme.example", "git config user.email")
    # the CI's triggering user wins over the git configuration
    assert attestations.identity({"GITHUB_ACTOR": "octo"}, tmp_path) == ("octo", "GITHUB_ACTOR")


def test_no_identity_at_all_asks_for_by(tmp_path: Path):
    with pytest.raises(AttestationError, match="pass --by NAME"):
        attestations.identity({}, tmp_path, git_email=lambda _cwd: "")


def test_the_config_rejects_a_bad_valid_for_at_its_line(tmp_path: Path):
    config = tmp_path / "intacct-reconcile.yaml"
    config.write_text(
        "targets: {sandbox: {sandbox: true}}\nattestations:\n  valid_for: 3 months\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"intacct-reconcile.yaml:3:14: attestations.valid_for"):
        load_config(config)
    config.write_text(
        "targets: {sandbox: {sandbox: true}}\nsod: {block_new: true}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="did you mean 'block_new_violations'"):
        load_config(config)
