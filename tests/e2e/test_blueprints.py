"""The vendor blueprints in examples/configs: well-formed, valid, and converging on a sandbox.

Static checks read the files; the end-to-end tests drive the CLI (`validate` -> `plan` ->
`apply` -> the manual steps an admin performs in the UI -> `attest` -> `plan
--detailed-exitcode` == 0) against a fresh sandbox in tmp_path, then look at the sandbox
company itself to check it holds what each vendor's guide asks for.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
import yaml

from e2e.conftest import (
    ALL_BLUEPRINTS,
    CONFIGS,
    GUIDE_BLUEPRINTS,
    LEAST_PRIVILEGE,
    REPO,
    Invoke,
    copy_blueprint,
)
from intacct_reconcile.kinds import te_settings
from intacct_reconcile.kinds.module_subscriptions import APPLICATION_CODES, MODULE_NAMES
from intacct_reconcile.sandbox import company as sandbox_company
from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.objects import permissions
from intacct_reconcile.sandbox.store import Store

MODELINE = "# yaml-language-server: $schema=../../../schemas/manifest.schema.json"
CONFIG_FILE = "intacct-reconcile.yaml"
SEEDS = {  # seed guide number -> blueprint folder
    "000": "expensify",
    "001": "bill-spend-center",
    "002": "pleo",
    "003": "sage-dmo",
    "004": "leanix",
}
SECRET_WORDS = re.compile(r"pass(word)?|secret|token|session", re.IGNORECASE)


def manifest_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.name != CONFIG_FILE)


def load_manifests(folder: Path) -> dict[str, Any]:
    """All manifest documents of a folder merged by kind (keys are unique across files)."""
    merged: dict[str, Any] = {}
    for path in manifest_files(folder):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for kind, value in doc.items():
            if kind == "version":
                continue
            if isinstance(value, dict):
                merged.setdefault(kind, {}).update(value)
            else:
                merged.setdefault(kind, []).extend(value)
    return merged


def load_config(folder: Path) -> dict[str, Any]:
    return yaml.safe_load((folder / CONFIG_FILE).read_text(encoding="utf-8"))


ENV_REFERENCE = re.compile(r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$")


def secret_keys(value: Any) -> list[str]:
    """Secret-named keys, except those whose value names an environment variable (a smoke
    check's `password: ${env:NAME}`): the value itself is never in the file."""
    if isinstance(value, dict):
        return [
            str(k)
            for k, v in value.items()
            if SECRET_WORDS.search(str(k)) and not (isinstance(v, str) and ENV_REFERENCE.match(v))
        ] + [k for v in value.values() for k in secret_keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in secret_keys(v)]
    return []


# --- static checks ---------------------------------------------------------------------------


def test_every_seed_guide_has_a_blueprint_with_a_step_table():
    seeds = REPO.parent / "shared" / "seeds"
    if seeds.is_dir():  # the guides live outside the repo; check the mapping when present
        numbers = {p.name[:3] for p in seeds.glob("[0-9][0-9][0-9]_*.txt")}
        assert numbers == set(SEEDS)
    for folder in SEEDS.values():
        readme = (CONFIGS / folder / "README.md").read_text(encoding="utf-8")
        assert "Guide step" in readme or "guide step" in readme
        # every handled-by category used in the table is one of the documented ones
        assert re.search(r"\*\*(XML|REST|manual|vendor side)\*\*", readme)
    assert sorted(SEEDS.values()) == sorted(GUIDE_BLUEPRINTS)


@pytest.mark.parametrize("name", ALL_BLUEPRINTS)
def test_manifest_files_carry_the_schema_modeline_and_version(name: str):
    files = manifest_files(CONFIGS / name)
    assert len(files) >= 2, "split the blueprint across a few files"
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text.splitlines()[0] == MODELINE, path
        assert yaml.safe_load(text)["version"] == 1, path


@pytest.mark.parametrize("name", ALL_BLUEPRINTS)
def test_config_has_a_default_sandbox_target_and_a_prod_example(name: str):
    config = load_config(CONFIGS / name)
    assert config["default_target"] == "sandbox"
    assert config["targets"]["sandbox"]["sandbox"] is True
    prod = config["targets"]["prod"]
    assert prod["company_id"] and not prod.get("sandbox")
    used = set(
        re.findall(
            r"\$\{var\.(\w+)\}",
            "".join(p.read_text(encoding="utf-8") for p in manifest_files(CONFIGS / name)),
        )
    )
    for target_name, target in config["targets"].items():
        missing = used - set(target.get("vars", {}))
        assert not missing, f"target {target_name} lacks vars {sorted(missing)}"


@pytest.mark.parametrize("name", ALL_BLUEPRINTS)
def test_no_secret_appears_in_a_blueprint(name: str):
    for path in sorted((CONFIGS / name).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        offending = secret_keys(data)
        assert not offending, f"{path.name}: {offending}"


@pytest.mark.parametrize("name", ALL_BLUEPRINTS)
def test_an_ip_allowlist_always_keeps_the_admins_in(name: str):
    manifests = load_manifests(CONFIGS / name)
    if "ip_allowlist" not in manifests:
        return
    assert "${var.admin_cidr}" in manifests["ip_allowlist"]
    targets = load_config(CONFIGS / name)["targets"]
    assert targets["sandbox"]["vars"]["admin_cidr"] == "127.0.0.1/32"
    assert all("admin_cidr" in t.get("vars", {}) for t in targets.values())


@pytest.mark.parametrize(("variant", "guide"), sorted(LEAST_PRIVILEGE.items()))
def test_least_privilege_variant_differs_from_its_guide_only_in_access(variant: str, guide: str):
    own = {"README.md", "access.yaml", CONFIG_FILE}
    variant_files = {p.name for p in (CONFIGS / variant).iterdir() if p.is_file()} - own
    guide_files = {p.name for p in (CONFIGS / guide).iterdir() if p.is_file()} - own
    assert variant_files == guide_files
    for file in sorted(variant_files):
        assert (CONFIGS / variant / file).read_bytes() == (CONFIGS / guide / file).read_bytes(), (
            f"{variant}/{file} drifted from {guide}/{file}"
        )
    # the same objects are declared, with fewer rights
    lp, full = load_manifests(CONFIGS / variant), load_manifests(CONFIGS / guide)
    assert set(lp["web_services_users"]) == set(full["web_services_users"])
    for user in lp["web_services_users"].values():
        assert user["admin"] == "off"
    # the `guide` target plans this variant against the sandbox the guide folder configured
    guide_target = load_config(CONFIGS / variant)["targets"]["guide"]
    assert guide_target["sandbox"] is True
    assert guide_target["db"] == f"../{guide}/.intacct-reconcile/sandbox.db"
    assert guide_target["vars"] == load_config(CONFIGS / guide)["targets"]["sandbox"]["vars"]


@pytest.mark.parametrize("name", ALL_BLUEPRINTS)
def test_blueprint_validates_offline(name: str, tmp_path: Path, cli: Invoke):
    folder = copy_blueprint(name, tmp_path)
    result = cli("validate", folder)
    assert result.exit_code == 0, result.output
    assert not (folder / ".intacct-reconcile" / "sandbox.db").exists()  # offline: no sandbox


# --- end to end against a fresh sandbox ----------------------------------------------------


class Outcome(Protocol):
    """What the flow reads from a CLI run (CliRunner's Result or a real process)."""

    @property
    def exit_code(self) -> int: ...
    @property
    def stdout(self) -> str: ...
    @property
    def output(self) -> str: ...


Run = Callable[..., Outcome]


def sandbox_vars(folder: Path) -> dict[str, str]:
    return {k: str(v) for k, v in load_config(folder)["targets"]["sandbox"]["vars"].items()}


def resolve(value: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{var\.(\w+)\}", lambda m: variables[m.group(1)], value)


def db_of(folder: Path) -> Path:
    return folder / ".intacct-reconcile" / "sandbox.db"


def plan_json(cli: Run, folder: Path, *extra: str) -> dict[str, Any]:
    result = cli("plan", folder, "--format", "json", "--quiet", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def te_preference(name: str, value: Any) -> tuple[str, str]:
    """A T&E setting as the preference the admin's click stores (get_companyprefs EE)."""
    field = te_settings.KIND.field(name)
    if isinstance(value, bool):
        return field.api or name, "T" if value else "F"
    if field.enum:
        return field.api or name, field.enum[value]
    return field.api or name, str(value)


def perform_ui_steps(cli: Run, folder: Path) -> list[str]:
    """Do in the sandbox what the blueprint's manual steps tell an admin to do in Intacct's UI.

    Returns the KIND/KEY refs that no API can read back and so need an attestation.
    """
    manifests = load_manifests(folder)
    variables = sandbox_vars(folder)
    db = str(db_of(folder))
    to_attest: list[str] = []

    def ui(*args: str) -> None:
        result = cli("sandbox", "ui", *args, "--db", db)
        assert result.exit_code == 0, f"sandbox ui {' '.join(args)}: {result.output}"

    for module in manifests.get("module_subscriptions", {}):
        ui("subscribe", MODULE_NAMES[module])  # the admin toggles the module by its UI name
    for sender_id, spec in manifests.get("sender_ids", {}).items():
        ui("authorize-sender", sender_id, "--description", (spec or {}).get("description", ""))
        to_attest.append(f"sender_ids/{sender_id}")
    for entry in manifests.get("ip_allowlist", []):
        cidr = resolve(entry if isinstance(entry, str) else entry["cidr"], variables)
        ui("allow-ip", cidr)
        to_attest.append(f"ip_allowlist/{cidr}")
    for name, value in manifests.get("te_settings", {}).items():
        pref_name, pref_value = te_preference(name, value)
        ui("set-te-pref", pref_name, pref_value)
    return to_attest


class Company:
    """The sandbox company's stored state, read straight from its SQLite file."""

    def __init__(self, db: Path):
        self.store = Store.open(str(db))

    def close(self) -> None:
        self.store.close()

    def get(self, obj: str, key: str) -> dict[str, Any]:
        record = objects.get_by_key(self.store, obj, key)
        assert record is not None, f"{obj} {key!r} missing from the company"
        return record

    def user_roles(self, login_id: str) -> set[str]:
        return {r["ROLENAME"] for r in objects.find(self.store, "USERROLES", {"USERID": login_id})}

    def role_rights(self, role: str) -> dict[str, dict[str, set[str]]]:
        """module id -> policy id -> rights (lower-case ids), as the role holds them."""
        by_name = {(m.id, p.name.lower()): p.id for m in permissions.modules() for p in m.policies}
        module_of = {m.application_name.lower(): m.id for m in permissions.modules()}
        module_of.update({m.name.lower(): m.id for m in permissions.modules()})
        module_of.update({m.id: m.id for m in permissions.modules()})
        held: dict[str, dict[str, set[str]]] = {}
        for row in objects.find(self.store, "ROLEPOLICYASSIGNMENT", {"ROLENAME": role}):
            module = row.get("MODULE") or module_of[row["APPLICATIONNAME"].lower()]
            policy = by_name[(module, row["POLICYNAME"].lower())]
            rights = {r.strip().lower().replace(" ", "_") for r in row["RIGHTS"].split("|")}
            held.setdefault(module, {})[policy] = rights
        return held


def every_right(module_id: str) -> dict[str, set[str]]:
    """What "All" on a module grants through the API: every right of every permission that
    has a REST name and token in the reference catalogue (the rest is UI-only, see READMEs)."""
    data = permissions.catalogue()
    tokens = {r["id"] for r in data["rights"] if r.get("rest")}
    module = next(m for m in data["modules"] if m["id"] == module_id)
    granted: dict[str, set[str]] = {}
    for perm in module["permissions"]:
        if perm.get("rest_name") and (module.get("rest_module") or perm.get("app_since_2025r2")):
            rights = set(perm["rights"]) & tokens
            if rights:
                granted[perm["id"]] = rights
    return granted


def assert_web_services_user(
    company: Company, login_id: str, *, admin: str, email: str, roles: set[str]
) -> None:
    user = company.get("USERINFO", login_id)
    assert str(user["LOGINDISABLED"]).lower() == "true"  # web services only: no UI sign-in
    assert user["ADMIN"] == admin
    assert user["USERTYPE"] == "business user"
    assert user["STATUS"] == "active"
    assert user["CONTACTINFO"]["EMAIL1"] == email
    assert company.user_roles(login_id) == roles


def expect_expensify(company: Company, folder: Path, least_privilege: bool) -> None:
    v = sandbox_vars(folder)
    assert_web_services_user(
        company,
        "xmlgateway_expensify",
        admin="Off" if least_privilege else "Full",
        email=v["accounting_email"],
        roles={"Expensify"},
    )
    rights = company.role_rights("Expensify")
    if least_privilege:
        assert "administration" not in rights
        assert rights["accounts_payable"]["bills"] == {"list", "view", "add"}
        assert rights["company"]["attachments"] == {"list", "view"}  # as the guide allows
    else:
        for module in (
            "administration",
            "cash_management",
            "general_ledger",
            "time_and_expenses",
            "accounts_payable",
        ):
            assert rights[module] == every_right(module), module
        for module in ("company", "projects"):  # Read-only: never more than List/View/Run
            assert rights[module], module
            assert all(r <= {"list", "view", "run"} for r in rights[module].values()), module
        assert rights["company"]["departments"] == {"list", "view"}
    exp = company.get("SEQUENCE", "EXP")
    assert exp["PRINTTITLE"] == "EXPENSE REPORT"
    assert (str(exp["FIXEDLENGTH"]), exp["FIXEDPREFIX"]) == ("4", "EXP")
    assert (str(exp["STARTINGNUMBER"]), str(exp["NEXTNUMBER"])) == ("1", "2")
    company.get("SEQUENCE", "EMP")
    prefs = company_prefs(company, "EE")
    assert prefs["EXPENSE_REPORT_SEQUENCE"] == "EXP"
    assert prefs["EMPLOYEE_SEQUENCE"] == "EMP"
    assert company.get("EEACCOUNTLABEL", "Airfare")["GLACCOUNTNO"] == v["travel_expense_account"]
    assert company.get("EEACCOUNTLABEL", "Meals")["GLACCOUNTNO"] == v["meals_expense_account"]
    assert company.get("EMPLOYEE", "EMP0001")["LOCATIONID"] == v["employee_location"]
    package = company.get("PTAPPLICATION", "Expensify")
    assert package["DIGEST"] == sha256_of(folder / "expensify-package.xml")
    subscribed = set(sandbox_company.subscriptions(company.store))
    assert {
        APPLICATION_CODES["time_and_expenses"],
        APPLICATION_CODES["customization_services"],
    } <= (subscribed)
    assert sandbox_company.sender_authorized(company.store, "expensify")


def expect_bill(company: Company, folder: Path, least_privilege: bool) -> None:
    v = sandbox_vars(folder)
    assert_web_services_user(
        company,
        "Spendcenter",
        admin="Off" if least_privilege else "Full",
        email=v["sync_owner_email"],
        roles={"Billcom Role"} if least_privilege else {"Administrator", "Billcom Role"},
    )
    rights = company.role_rights("Billcom Role")
    if least_privilege:
        assert set(rights) == {
            "company",
            "general_ledger",
            "cash_management",
            "accounts_payable",
            "projects",
        }
        assert "delete" not in set().union(*(r for m in rights.values() for r in m.values()))
    else:
        for module in {m.id for m in permissions.modules()}:
            assert rights.get(module, {}) == every_right(module), module
    account = company.get("GLACCOUNT", "2110")
    assert account["TITLE"] == "Spend Center GL Account"
    assert (account["ACCOUNTTYPE"], account["NORMALBALANCE"], account["CLOSINGTYPE"]) == (
        "balancesheet",
        "credit",
        "non-closing account",
    )
    card = company.get("CREDITCARD", "Spend Center CC Object")
    assert card["OFFSETGLACCOUNTNO"] == "2110"
    assert card["LOCATION"] == v["card_location"]
    assert card["VENDORID"] == v["card_vendor"]
    assert str(card["EXP_YEAR"]) == "2035"
    assert sandbox_company.sender_authorized(company.store, "bill.com")


def expect_pleo(company: Company, folder: Path, least_privilege: bool) -> None:
    v = sandbox_vars(folder)
    assert_web_services_user(
        company,
        "pleo_integration",
        admin="Off",
        email=v["integration_email"],
        roles={"Pleo"} if least_privilege else {v["admin_role"]},
    )
    if least_privilege:
        rights = company.role_rights("Pleo")
        assert "administration" not in rights
        assert rights["general_ledger"]["journal_entries"] == {"list", "view", "add"}
    titles = {n: company.get("GLACCOUNT", n)["TITLE"] for n in ("1015", "2015", "2016")}
    assert titles == {
        "1015": "Pleo Wallet",
        "2015": "Pleo out-of-pocket",
        "2016": "Pleo External Reimbursements",
    }
    assert company.get("GLACCOUNT", "1015")["NORMALBALANCE"] == "debit"
    assert company.get("CHECKINGACCOUNT", "PLEO-WALLET")["GLACCOUNTNO"] == "1015"
    assert company.get("GLJOURNAL", "PLEOCARD")["TITLE"] == "Pleo card expenses"
    company.get("GLJOURNAL", "PLEOREIM")
    company.get("VENDOR", "PLEO")
    filters = sandbox_company.ip_filters(company.store)
    assert set(filters) == {"34.163.234.156/32", v["admin_cidr"]}
    assert sandbox_company.ip_allowed(
        company.store, "127.0.0.1"
    )  # the tool did not lock itself out
    assert sandbox_company.sender_authorized(company.store, "PleoMPP")


def expect_sage_dmo(company: Company, folder: Path, least_privilege: bool) -> None:
    v = sandbox_vars(folder)
    assert_web_services_user(
        company, "sdmo_api", admin="Full", email=v["alias_email"], roles={v["admin_role"]}
    )
    alias = company.get("USERINFO", "sdmo_api")
    assert alias["DESCRIPTION"] == "API alias"  # the guide's user name
    assert not alias.get("USERLOCATIONS")  # unrestricted: top level and every entity
    package = company.get("PTAPPLICATION", "Sage DMO Smart Events")
    assert package["DIGEST"] == sha256_of(folder / "sdmo-smart-events.xml")
    assert sandbox_company.sender_authorized(company.store, "XT_mfg")
    # payment terms DMO synchronises from Intacct ("Net 30" is the starter company's own)
    assert company.get("APTERM", "Net 60")["DUE"] == {"DAYS": "60", "FROM": "from bill date"}
    assert company.get("APTERM", "Net 30")["DUE"]["DAYS"] == "30"
    discount = company.get("ARTERM", "2/10 Net 30")["DISCOUNT"]
    assert (discount["DAYS"], discount["AMOUNT"], discount["UNIT"]) == ("10", "2", "Percentage")


def expect_leanix(company: Company, folder: Path, least_privilege: bool) -> None:
    v = sandbox_vars(folder)
    assert_web_services_user(
        company,
        "leanix",
        admin="Off" if least_privilege else "Full",
        email=v["integration_email"],
        roles={"LeanIX"},
    )
    assert company.role_rights("LeanIX") == {
        "company": {"attachments": {"list", "view"}},
        "accounts_payable": {
            p: {"list", "view"}
            for p in ("vendors", "bills", "recurring_bills", "payment_requests", "posted_payments")
        },
        "cash_management": {"credit_card_transactions": {"list", "view"}},
        "general_ledger": {
            "journal_entries": {"list", "view"},
            "drill_down_to_all_transactions_from_reports": {"enable"},
        },
        "time_and_expenses": {
            "pending_reimbursements": {"list", "view"},
            "posted_reimbursements": {"list", "view"},
        },
        "purchasing": {"purchasing_transactions": {"list", "view"}},
    }
    assert sandbox_company.sender_authorized(company.store, "Cleanshelf")


EXPECTATIONS = {
    "expensify": expect_expensify,
    "bill-spend-center": expect_bill,
    "pleo": expect_pleo,
    "sage-dmo": expect_sage_dmo,
    "leanix": expect_leanix,
}


def company_prefs(company: Company, application: str) -> dict[str, str]:
    return sandbox_company.preferences(company.store, application)


def sha256_of(path: Path) -> str:
    # the sandbox records installApp digests as "sha256:<hex>", the manifest's digest format
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def converge(cli: Run, folder: Path) -> None:
    """validate -> plan -> apply -> UI steps -> attest -> plan shows nothing left to do."""
    assert cli("validate", folder).exit_code == 0

    first = cli("plan", folder, "--detailed-exitcode")
    assert first.exit_code == 2, first.output  # changes present
    planned = plan_json(cli, folder)
    actions = {c["action"] for c in planned["changes"]}
    assert "create" in actions and "manual" in actions
    for change in planned["changes"]:  # every manual step comes with its UI navigation
        if change["action"] == "manual":
            assert f"{change['kind']}/{change['key']}" in first.stdout
            assert change["manual_steps"], change

    applied = cli("apply", folder, "--auto-approve", "--by", "e2e")
    assert applied.exit_code == 0, applied.output

    to_attest = perform_ui_steps(cli, folder)
    for ref in to_attest:
        attested = cli("attest", ref, "--path", folder, "--target", "sandbox", "--by", "e2e")
        assert attested.exit_code == 0, attested.output
    if to_attest:  # recorded next to the manifests, to be committed with them
        record = (folder / ".intacct-reconcile" / "attestations" / "sandbox.yaml").read_text()
        assert "e2e" in record
        assert all(ref.split("/", 1)[1] in record for ref in to_attest)

    last = cli("plan", folder, "--detailed-exitcode")
    assert last.exit_code == 0, last.output  # converged: nothing to create, change or do by hand


def smoke_check_passes(
    cli: Invoke, folder: Path, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    """Each declared web services user gets its password (as Intacct would email it) and the
    blueprint's smoke check passes: its role grants every read its vendor needs."""
    from intacct_reconcile.manifest.api import load_desired, target_vars

    vars, _ = target_vars(folder, None, "sandbox")
    checks = load_desired(folder, vars=vars, env={}).smoke_checks
    assert checks, "every blueprint declares a smoke check"
    for check in checks:
        monkeypatch.setenv(check.password_env, password)
        given = cli(
            "sandbox",
            "ui",
            "set-password",
            check.user,
            "--password-env",
            check.password_env,
            "--db",
            db_of(folder),
        )
        assert given.exit_code == 0, given.output
    done = cli("smoke-check", folder)
    assert done.exit_code == 0, done.output
    assert password not in done.output


@pytest.mark.parametrize("name", ALL_BLUEPRINTS)
def test_blueprint_converges_on_a_fresh_sandbox(
    name: str, tmp_path: Path, cli: Invoke, monkeypatch: pytest.MonkeyPatch
):
    folder = copy_blueprint(name, tmp_path)
    converge(cli, folder)
    guide = LEAST_PRIVILEGE.get(name, name)
    company = Company(db_of(folder))
    try:
        EXPECTATIONS[guide](company, folder, least_privilege=name in LEAST_PRIVILEGE)
    finally:
        company.close()
    # no word of the blueprint's name in the password: redaction masks a secret's fragments
    # for the rest of the process, and words such as "privilege" appear in later messages
    smoke_check_passes(cli, folder, monkeypatch, f"Pw-{zlib.crc32(name.encode()):08x}-7731")


@pytest.mark.parametrize(("variant", "guide"), sorted(LEAST_PRIVILEGE.items()))
def test_least_privilege_plan_against_the_guide_company_only_removes_access(
    variant: str, guide: str, tmp_path: Path, cli: Invoke
):
    guide_folder = copy_blueprint(guide, tmp_path)
    variant_folder = copy_blueprint(variant, tmp_path)
    applied = cli("apply", guide_folder, "--auto-approve", "--by", "e2e")
    assert applied.exit_code == 0, applied.output

    plan = plan_json(cli, variant_folder, "--target", "guide")
    api_changes = [c for c in plan["changes"] if c["action"] != "manual"]
    assert api_changes, "the least-privilege variant must change access"
    assert {c["kind"] for c in api_changes} <= {"roles", "web_services_users"}
    lean = load_manifests(variant_folder)
    for change in api_changes:  # only objects the variant declares, nothing else touched
        assert change["key"] in lean[change["kind"]], change
    # least privilege = never more than the guide grants: every user only loses access
    access = plan["access_changes"]
    assert all(not a["added"] for a in access), [a for a in access if a["added"]]
    admin_dropped = [
        c
        for c in api_changes
        if any(f["name"] == "admin" and f["after"] == "off" for f in c["fields"])
    ]
    assert any(a["removed"] for a in access) or admin_dropped


@dataclass(frozen=True)
class ProcessResult:
    """The parts of a CliRunner Result that `converge` reads, from a real process."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def test_one_blueprint_converges_through_the_installed_entry_point(tmp_path: Path):
    """The same flow in real processes: `python -m intacct_reconcile`, a sandbox file on disk."""
    folder = copy_blueprint("leanix", tmp_path)

    def run(*args: str | Path) -> ProcessResult:
        proc = subprocess.run(
            [sys.executable, "-m", "intacct_reconcile", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
        return ProcessResult(proc.returncode, proc.stdout, proc.stderr)

    converge(run, folder)
    assert db_of(folder).is_file()
    company = Company(db_of(folder))
    try:
        expect_leanix(company, folder, least_privilege=False)
    finally:
        company.close()


def test_an_ip_allowlist_without_the_admin_range_locks_the_tool_out(tmp_path: Path, cli: Invoke):
    """Why every allowlist declares ${var.admin_cidr}: with only the vendor's address enforced,
    the tool itself (on 127.0.0.1 in the sandbox) can no longer sign in."""
    folder = copy_blueprint("pleo", tmp_path)
    assert cli("apply", folder, "--auto-approve", "--by", "e2e").exit_code == 0
    db = str(db_of(folder))
    assert cli("sandbox", "ui", "allow-ip", "34.163.234.156/32", "--db", db).exit_code == 0

    locked = cli("plan", folder, "--quiet")
    assert locked.exit_code == 1
    assert "IP address" in locked.output

    admin_cidr = sandbox_vars(folder)["admin_cidr"]
    assert cli("sandbox", "ui", "allow-ip", admin_cidr, "--db", db).exit_code == 0
    assert cli("plan", folder, "--quiet").exit_code == 0
