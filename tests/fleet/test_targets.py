"""Target groups in intacct-reconcile.yaml, choosing targets, shards, per-target credentials."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from intacct_reconcile import fleet, rollup, targets
from intacct_reconcile.credentials import load_credentials
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.fleet import TargetResult
from intacct_reconcile.settings import Target, load_config


def project(tmp_path: Path, config: str, files: dict[str, str] | None = None) -> Path:
    (tmp_path / "intacct-reconcile.yaml").write_text(config)
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    return tmp_path / "intacct-reconcile.yaml"


GROUP = """\
targets:
  impl: {company_id: IMPL}
groups:
  clients:
    targets_file: clients.targets.yaml
    defaults: {endpoint: "https://api.example", profile: "${target}", concurrency: 3}
    vars: {region: South, mailbox: "ap@${target}.example"}
"""
CLIENTS = """\
acme: {company_id: ACME}
globex: {company_id: GLOBEX, vars: {region: North}, concurrency: 1}
"""


def test_a_group_expands_into_targets_with_defaults_and_vars(tmp_path):
    cfg = load_config(project(tmp_path, GROUP, {"clients.targets.yaml": CLIENTS}))
    assert sorted(cfg.targets) == ["acme", "globex", "impl"]
    assert cfg.groups == {"clients": ("acme", "globex")}
    acme, globex = cfg.targets["acme"], cfg.targets["globex"]
    assert dict(acme.vars) == {"region": "South", "mailbox": "ap@acme.example"}
    assert dict(globex.vars) == {"region": "North", "mailbox": "ap@globex.example"}
    assert (acme.endpoint, acme.profile, acme.concurrency) == ("https://api.example", "acme", 3)
    assert globex.concurrency == 1  # the target's own value beats the group default
    assert globex.defined_at.endswith("clients.targets.yaml:2:1")


@pytest.mark.parametrize(
    ("clients", "message"),
    [
        ("acme: {company_id: ACME, endpiont: x}\n", "clients.targets.yaml:1:26: acme.endpiont: "
         "unknown key 'endpiont' — did you mean 'endpoint'?"),
        ("impl: {company_id: X}\n", "clients.targets.yaml:1:1: target 'impl' is defined twice"),
        ("acme-1: {}\nacme_1: {}\n", "would both read their credentials from INTACCT_ACME_1_*"),
        ("acme: {ownership: {rolez: full}}\n", "clients.targets.yaml:1:20: acme.ownership.rolez: "
         "unknown kind 'rolez'"),
    ],
)  # fmt: skip
def test_targets_file_mistakes_are_located(tmp_path, clients, message):
    path = project(tmp_path, GROUP, {"clients.targets.yaml": clients})
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)


def test_unknown_group_keys_and_reserved_names_are_located(tmp_path):
    bad = GROUP.replace("    vars:", "    varz:")
    with pytest.raises(ConfigError, match=r"intacct-reconcile.yaml:7:5: .*unknown key 'varz'"):
        load_config(project(tmp_path, bad, {"clients.targets.yaml": CLIENTS}))
    reserved = GROUP.replace("  clients:", "  all:")
    with pytest.raises(ConfigError, match=r":4:3: group name 'all' selects every target"):
        load_config(project(tmp_path, reserved, {"clients.targets.yaml": CLIENTS}))


def test_a_targets_file_among_the_manifests_must_say_so_in_its_name(tmp_path):
    config = GROUP.replace("clients.targets.yaml", "clients.yaml")
    with pytest.raises(ConfigError, match=r"name it clients.targets.yaml"):
        load_config(project(tmp_path, config, {"clients.yaml": CLIENTS}))


def test_select_by_name_glob_group_and_all(tmp_path):
    cfg = load_config(project(tmp_path, GROUP, {"clients.targets.yaml": CLIENTS}))

    def names(*selectors: str) -> list[str]:
        return [t.name for t in targets.select(cfg, selectors)]

    assert names("impl") == ["impl"]
    assert names("g*") == ["globex"]
    assert names("clients") == ["acme", "globex"]
    assert names("all") == ["acme", "globex", "impl"]
    assert names("impl", "clients", "acme") == ["acme", "globex", "impl"]  # each once
    with pytest.raises(ConfigError, match="did you mean 'clients'"):
        names("clinets")


@pytest.mark.parametrize("count", [0, 1, 5, 23])
@pytest.mark.parametrize("shards", [1, 2, 3, 7])
def test_shards_hold_every_target_exactly_once(count, shards):
    fleet_targets = [Target(name=f"client-{n:03d}") for n in range(count)]
    parts = [targets.shard(fleet_targets, k, shards) for k in range(1, shards + 1)]
    seen = [t.name for part in parts for t in part]
    assert sorted(seen) == sorted(t.name for t in fleet_targets)
    assert len(seen) == len(set(seen))
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    # deterministic: the order the targets come in does not matter
    assert parts == [targets.shard(fleet_targets[::-1], k, shards) for k in range(1, shards + 1)]


@pytest.mark.parametrize("text", ["0/3", "4/3", "1", "a/b", "1/0"])
def test_bad_shards_are_refused(text):
    with pytest.raises(ConfigError, match="K/N"):
        targets.parse_shard(text)


INI = """\
[default]
sender_id = shared-sender
sender_password = shared-sender-pw
user_id = shared-user
user_password = shared-user-pw
[acme]
user_id = acme-user
user_password = acme-profile-pw
"""


def test_credentials_precedence_own_env_then_own_profile_then_shared(tmp_path):
    ini = tmp_path / "credentials.ini"
    ini.write_text(INI)
    acme = Target(name="acme", company_id="ACME", profile="acme")
    env = {"INTACCT_USER_PASSWORD": "shared-env-pw", "INTACCT_SENDER_ID": "env-sender"}

    xml, _ = load_credentials(acme, env, ini)
    assert xml.user_id == "acme-user"  # the target's profile beats the shared variables
    assert xml.user_password.reveal() == "acme-profile-pw"
    assert xml.sender_id == "env-sender"  # not in the target's sources: the shared variable
    assert xml.sender_password.reveal() == "shared-sender-pw"  # then the [default] profile

    own = {**env, "INTACCT_ACME_USER_PASSWORD": "acme-env-pw"}
    xml, _ = load_credentials(acme, own, ini)
    assert xml.user_password.reveal() == "acme-env-pw"  # the target's own variable wins

    other = Target(name="globex", company_id="GLOBEX")
    xml, _ = load_credentials(other, own, ini)
    assert xml.user_password.reveal() == "shared-env-pw"  # acme's variable is acme's only


def test_a_missing_target_profile_is_an_error(tmp_path):
    ini = tmp_path / "credentials.ini"
    ini.write_text(INI)
    with pytest.raises(ConfigError, match=r"no profile \[globx\]"):
        load_credentials(Target(name="globex", company_id="G", profile="globx"), {}, ini)


def test_the_pool_never_runs_more_targets_than_asked():
    running, peak, lock = 0, 0, threading.Lock()

    def one(target: Target) -> TargetResult:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            if target.name == "t3":
                raise RuntimeError("boom")
            return TargetResult(target.name)
        finally:
            with lock:
                running -= 1

    chosen = [Target(name=f"t{n}") for n in range(12)]
    streamed: list[str] = []
    results = fleet._run(chosen, one, 2, lambda r: streamed.append(r.target))
    assert peak <= 2
    assert sorted(streamed) == sorted(r.target for r in results) == sorted(t.name for t in chosen)
    failed = [r for r in results if not r.ok]
    assert [(r.target, r.exit_code) for r in failed] == [("t3", 1)]
    assert "boom" in failed[0].error


def test_fleet_exit_status_is_the_worst_target_code():
    rows = [TargetResult("a", exit_code=2), TargetResult("b", exit_code=6)]
    assert rollup.exit_code(rows, detailed=True) == 2
    assert rollup.exit_code(rows, detailed=False) == 0
    rows.append(TargetResult("c", ok=False, exit_code=4))
    assert rollup.exit_code(rows, detailed=False) == 4
    rows.append(TargetResult("d", ok=False, exit_code=5))
    assert rollup.exit_code(rows, detailed=True) == 5
    rows.append(TargetResult("e", ok=False, exit_code=1))
    assert rollup.exit_code(rows, detailed=True) == 1
    rows.append(TargetResult("f", ok=False, exit_code=99))  # unknown codes count as errors
    assert rollup.exit_code(rows, detailed=True) == 1
    rows.append(TargetResult("g", ok=False, exit_code=130))  # stopped by Ctrl-C
    assert rollup.exit_code(rows, detailed=True) == 130
    rows.append(TargetResult("h", ok=False, exit_code=143))  # stopped by SIGTERM
    assert rollup.exit_code(rows, detailed=True) == 143


def test_markdown_rollup_fits_one_comment_and_keeps_failures_first():
    rows = [
        TargetResult(f"client-{n:04d}-with-a-long-company-name", creates=n % 3, updates=1)
        for n in range(3_000)
    ]
    rows += [TargetResult(f"quiet-{n:04d}") for n in range(3_000)]
    rows.append(TargetResult("zz-broken", ok=False, exit_code=1, error="login failed\nmore"))
    text = rollup.markdown("plan", rows)
    assert len(text) <= rollup.COMMENT_LIMIT
    table = text[text.index("| target |") :]
    assert table.splitlines()[2].startswith("| `zz-broken` |")
    assert "3000 target(s) without changes are not listed" in text
    assert "more target(s): see the JSON roll-up" in text
    small = rollup.markdown("plan", rows[:3] + rows[-1:])
    assert "| `client-0001-with-a-long-company-name` | 1 | 1 |" in small
    assert "- `zz-broken`: login failed" in small


def test_validate_reports_a_missing_var_per_target_with_its_location(tmp_path):
    from typer.testing import CliRunner

    from intacct_reconcile.cli import app

    (tmp_path / "departments.yaml").write_text(
        'version: 1\ndepartments:\n  D100: {title: "Operations ${var.region}"}\n'
    )
    config = GROUP.replace("    vars: {region: South, ", "    vars: {")
    project(tmp_path, config, {"clients.targets.yaml": CLIENTS})
    result = CliRunner().invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    errors = result.stderr
    # globex sets region itself; acme and impl lack it
    assert "departments.yaml:3:17: target 'acme' (" in errors
    assert "clients.targets.yaml:1:1): undefined variable var.region" in errors
    assert "target 'impl' (" in errors and "intacct-reconcile.yaml:2:3)" in errors
    assert "'globex'" not in errors
    assert "2 problems found" in errors

    fixed = config.replace(
        "  impl: {company_id: IMPL}", "  impl: {company_id: IMPL, vars: {region: X}}"
    )
    project(tmp_path, fixed.replace("vars: {mailbox", "vars: {region: S, mailbox"))
    ok = CliRunner().invoke(app, ["validate", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert "vars checked for all 3 targets" in ok.stdout


def test_ctrl_c_starts_no_new_target_and_reports_every_started_one():
    started: list[str] = []
    lock = threading.Lock()

    def one(target: Target) -> TargetResult:
        with lock:
            started.append(target.name)
        return TargetResult(target.name)

    streamed: list[str] = []

    def on_result(result: TargetResult) -> None:
        streamed.append(result.target)
        if len(streamed) == 1:
            raise KeyboardInterrupt  # Ctrl-C while the first row is printed

    chosen = [Target(name=f"t{n}") for n in range(40)]
    with pytest.raises(KeyboardInterrupt):
        fleet._run(chosen, one, 2, on_result)
    assert sorted(streamed) == sorted(started)  # no company touched without its row
