"""The vendor blueprints in examples/configs: well-formed, valid, and converging on a sandbox.

Static checks read the files; the end-to-end tests drive the CLI (`validate` -> `plan` ->
`apply` -> the manual steps an admin performs in the UI -> `attest` -> `plan
--detailed-exitcode` == 0) against a fresh sandbox in tmp_path, then look at the sandbox
company itself to check it holds what each vendor's guide asks for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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


def walk_keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [str(k) for k in value] + [k for v in value.values() for k in walk_keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in walk_keys(v)]
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
        offending = [k for k in walk_keys(data) if SECRET_WORDS.search(k)]
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
