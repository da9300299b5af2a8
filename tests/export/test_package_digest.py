"""custom_packages declare a `file` (to install) or the installed `digest` (as export writes)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from e2e.conftest import Invoke
from intacct_reconcile.errors import ManifestError
from intacct_reconcile.manifest.api import load_desired

PACKAGE = "<application name='P'/>\n"
DIGEST = "sha256:" + hashlib.sha256(PACKAGE.encode()).hexdigest()


def declare(folder: Path, package: dict) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "p.xml").write_text(PACKAGE, encoding="utf-8")
    path = folder / "m.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "custom_packages": {"P": package}}))
    return path


def digest_of(path: Path) -> str:
    return load_desired(path, vars={}, env={}).desired.get("custom_packages", "P").values["digest"]


def test_a_digest_alone_is_the_desired_state(tmp_path: Path):
    assert digest_of(declare(tmp_path, {"digest": DIGEST})) == DIGEST


def test_a_declared_file_wins_over_a_digest(tmp_path: Path):
    stale = "sha256:" + "0" * 64
    assert digest_of(declare(tmp_path, {"file": "p.xml", "digest": stale})) == DIGEST


@pytest.mark.parametrize(
    ("package", "message"),
    [({}, "neither `file` nor `digest`"), ({"digest": "md5:abc"}, "not sha256:<64 hex digits>")],
)
def test_a_package_without_file_or_a_real_digest_is_refused(
    tmp_path: Path, package: dict, message: str
):
    with pytest.raises(ManifestError) as caught:
        load_desired(declare(tmp_path, package), vars={}, env={})
    assert message in str(caught.value) and "m.yaml:" in str(caught.value)


def test_installing_needs_the_file(tmp_path: Path, cli: Invoke):
    folder = tmp_path / "team"
    declare(folder, {"digest": DIGEST})
    (folder / "intacct-reconcile.yaml").write_text("targets:\n  sandbox: {sandbox: true}\n")
    applied = cli("apply", folder, "--auto-approve", "--quiet")
    assert applied.exit_code == 4, applied.output
    assert "declared by digest only" in applied.output and "add `file:`" in applied.output
