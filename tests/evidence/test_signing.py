"""A bundle written with the evidence key carries index.sig: `evidence verify` checks it with
the key, and a bundle rewritten wholesale (every digest recomputed, which the index alone
cannot catch) fails with it; `--require-signature` refuses unsigned or unchecked bundles."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from intacct_reconcile.digests import canonical_json
from intacct_reconcile.evidence import INDEX_FILE, SIGNATURE_FILE, SUMS_FILE, index
from intacct_reconcile.evidence.signing import KEY_ENV

from .conftest import Bundle, bundle_files, run

KEY = "Qk7-5c1e0a97-d2b4-Zt"


@pytest.fixture(scope="module")
def signed(bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same apply's evidence, written with the key (no read-back: the sandbox is gone)."""
    out = tmp_path_factory.mktemp("signed") / "bundle"
    with pytest.MonkeyPatch.context() as env:
        env.setenv(KEY_ENV, KEY)
        result = run("evidence", bundle.applied.folder, "--out", out, "--no-readback")
    assert f"signed: index.sig, with the key in {KEY_ENV}" in result.stdout
    assert KEY not in result.stdout + result.stderr
    return out


def verify_cli(path: Path, *extra: str, key: str | None, ok: bool = True):
    with pytest.MonkeyPatch.context() as env:
        if key is None:
            env.delenv(KEY_ENV, raising=False)
        else:
            env.setenv(KEY_ENV, key)
        return run("evidence", "verify", path, *extra, ok=ok)


def test_a_signed_bundle_verifies_with_the_key_as_folder_and_zip(signed: Path):
    files = bundle_files(signed)
    signature = files[SIGNATURE_FILE]
    assert signature.startswith(b"hmac-sha256:") and len(signature) == len("hmac-sha256:") + 65
    listed = [entry["path"] for entry in json.loads(files[INDEX_FILE])["files"]]
    assert SIGNATURE_FILE not in listed  # it signs the index, so it cannot be in it
    assert all(KEY.encode() not in data for data in files.values())
    zipped = signed.parent / "bundle.zip"
    with zipfile.ZipFile(zipped) as archive:
        assert archive.read(f"bundle/{SIGNATURE_FILE}") == signature
    for path in (signed, zipped):
        result = verify_cli(path, "--require-signature", key=KEY)
        assert "intact" in result.stdout
        assert f"signature: valid (HMAC-SHA256 with the key in {KEY_ENV})" in result.stdout


def test_without_the_key_a_signature_is_reported_unchecked_and_can_be_required(signed: Path):
    result = verify_cli(signed, key=None)
    assert f"signature: present, not checked: {KEY_ENV} is not set here" in result.stdout
    required = verify_cli(signed, "--require-signature", key=None, ok=False)
    assert required.exit_code == 1 and "evidence bundle refused:" in required.stderr
    assert f"{SIGNATURE_FILE}: cannot be checked: set {KEY_ENV}" in required.stderr


def test_another_key_or_a_changed_signature_fails(signed: Path, tmp_path: Path):
    other = verify_cli(signed, key="Wp3-0b9e44c1-77aa-Rm", ok=False)
    assert other.exit_code == 1
    assert f"/{SIGNATURE_FILE}: does not match index.json with the key in {KEY_ENV}" in (
        other.stderr
    )
    copy = tmp_path / "copy"
    shutil.copytree(signed, copy)
    original = (copy / SIGNATURE_FILE).read_bytes()
    for changed in (original.replace(b"hmac-sha256:", b"hmac-sha512:"), original[:-2] + b"\n"):
        (copy / SIGNATURE_FILE).write_bytes(changed)
        # malformed or not: without the key a changed signature still fails if it is malformed
        failing = verify_cli(copy, key=KEY, ok=False)
        assert failing.exit_code == 1 and f"/{SIGNATURE_FILE}:" in failing.stderr
    malformed = verify_cli(copy, key=None, ok=False)
    assert "not a signature" in malformed.stderr


def test_a_bundle_rewritten_wholesale_passes_the_index_but_not_the_signature(
    signed: Path, tmp_path: Path
):
    copy = tmp_path / "copy"
    shutil.copytree(signed, copy)
    files = bundle_files(copy)
    files["readback/result.json"] = files["readback/result.json"].replace(
        b"not performed", b"empty"
    )
    rest = {p: d for p, d in files.items() if p not in (INDEX_FILE, SIGNATURE_FILE, SUMS_FILE)}
    rest[SUMS_FILE] = index.sums(rest)
    facts = {
        k: v
        for k, v in json.loads(files[INDEX_FILE]).items()
        if k not in ("files", "format", "format_version", index.SELF_DIGEST)
    }
    for path, data in {**rest, INDEX_FILE: index.build(rest, facts)}.items():
        (copy / path).write_bytes(data)
    # every digest agrees: without the key, the forgery looks intact
    assert "intact" in verify_cli(copy, key=None).stdout
    caught = verify_cli(copy, key=KEY, ok=False)
    assert caught.exit_code == 1 and f"/{SIGNATURE_FILE}: does not match" in caught.stderr
    # and dropping the signature only makes it unsigned, which a required signature refuses
    (copy / SIGNATURE_FILE).unlink()
    refused = verify_cli(copy, "--require-signature", key=KEY, ok=False)
    assert f"/{SIGNATURE_FILE}: missing: removed, or the bundle was written without" in (
        refused.stderr
    )


def test_an_unsigned_bundle_says_so_and_fails_when_a_signature_is_required(bundle: Bundle):
    assert f"not signed: set {KEY_ENV}" in bundle.output
    assert not (bundle.folder / SIGNATURE_FILE).exists()
    assert "signature: none" in verify_cli(bundle.folder, key=KEY).stdout
    refused = verify_cli(bundle.zip, "--require-signature", key=KEY, ok=False)
    assert refused.exit_code == 1 and f"/{SIGNATURE_FILE}: missing" in refused.stderr


def test_an_index_cannot_list_the_signature_file():
    rest = {"a.txt": b"x\n"}
    built = json.loads(index.build(rest, {}))
    built["files"].append({"path": SIGNATURE_FILE, "sha256": "0" * 64, "bytes": 1})
    del built[index.SELF_DIGEST]
    built[index.SELF_DIGEST] = index.sha256(canonical_json(built).encode())
    parsed, problem = index.parse((canonical_json(built) + "\n").encode())
    assert parsed is None and "impossible or repeated path: 'index.sig'" in problem
