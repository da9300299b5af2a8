"""`evidence verify` passes on a bundle as written and fails, naming the file, on any changed,
added or removed byte: in the folder and in the zip."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from intacct_reconcile.digests import canonical_json
from intacct_reconcile.evidence import INDEX_FILE
from intacct_reconcile.evidence.index import SELF_DIGEST, sha256
from intacct_reconcile.evidence.verify import verify

from .conftest import Bundle, bundle_files, run


def flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def problems_of(path: Path) -> str:
    verdict = verify(path)
    assert not verdict.ok, f"{path} verified although it was changed"
    return "\n".join(verdict.problems)


def test_an_untouched_bundle_verifies_as_folder_and_as_zip(bundle: Bundle):
    for path in (bundle.folder, bundle.zip):
        result = run("evidence", "verify", path)
        assert "intact" in result.stdout
        assert bundle.applied.apply_id in result.stdout
        assert "index sha256:" in result.stdout
    # the zip holds exactly the folder's files, under one top folder
    with zipfile.ZipFile(bundle.zip) as archive:
        inside = {i.filename.split("/", 1)[1]: archive.read(i) for i in archive.infolist()}
    assert inside == bundle_files(bundle.folder)


def test_a_changed_byte_in_any_file_of_the_folder_fails_naming_the_file(
    bundle: Bundle, tmp_path: Path
):
    copy = tmp_path / "copy"
    shutil.copytree(bundle.folder, copy)
    files = bundle_files(copy)
    assert len(files) >= 15
    for rel, data in files.items():
        for at in sorted({0, len(data) // 2, len(data) - 1}):
            (copy / rel).write_bytes(flipped(data, at))
            assert f"/{rel}:" in problems_of(copy), (rel, at)
            (copy / rel).write_bytes(data)
    assert verify(copy).ok  # restored: intact again


def test_every_byte_of_the_index_is_covered(bundle: Bundle, tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(bundle.folder, copy)
    data = (copy / INDEX_FILE).read_bytes()
    for at in range(len(data)):
        (copy / INDEX_FILE).write_bytes(flipped(data, at))
        assert f"/{INDEX_FILE}:" in problems_of(copy), at
    (copy / INDEX_FILE).write_bytes(data)
    assert verify(copy).ok


def test_an_added_or_removed_file_fails(bundle: Bundle, tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(bundle.folder, copy)
    (copy / "readback" / "note.txt").write_text("looks fine to me\n")
    assert "/readback/note.txt: not in the index: added" in problems_of(copy)
    (copy / "readback" / "note.txt").unlink()
    (copy / "extra").mkdir()
    assert "/extra: an empty folder: added" in problems_of(copy)
    (copy / "extra").rmdir()
    (copy / "sod.json").unlink()
    assert "/sod.json: missing: removed" in problems_of(copy)
    shutil.copy(bundle.folder / "sod.json", copy / "sod.json")
    (copy / INDEX_FILE).unlink()
    assert f"/{INDEX_FILE}: missing" in problems_of(copy)


def test_the_cli_exits_1_and_names_the_file(bundle: Bundle, tmp_path: Path):
    copy = tmp_path / "copy"
    shutil.copytree(bundle.folder, copy)
    path = copy / "audit" / "records.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"status":"applied"', b'"status":"APPLIED"', 1))
    result = run("evidence", "verify", copy, ok=False)
    assert result.exit_code == 1
    assert "audit/records.jsonl: its SHA-256 does not match the index: changed" in result.stderr


def member_regions(data: bytes) -> dict[str, tuple[int, int]]:
    """Bundle path -> (start, end) of the member's stored bytes inside the zip."""
    regions = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            header = info.header_offset
            name_len = int.from_bytes(data[header + 26 : header + 28], "little")
            extra_len = int.from_bytes(data[header + 28 : header + 30], "little")
            start = header + 30 + name_len + extra_len
            regions[info.filename.split("/", 1)[1]] = (start, start + info.compress_size)
    return regions


def test_a_changed_byte_in_any_member_of_the_zip_fails_naming_it(bundle: Bundle, tmp_path: Path):
    data = bundle.zip.read_bytes()
    target = tmp_path / "bundle.zip"
    regions = member_regions(data)
    assert set(regions) == set(bundle_files(bundle.folder))
    for rel, (start, end) in regions.items():
        for at in sorted({start, (start + end) // 2, end - 1}):
            target.write_bytes(flipped(data, at))
            assert f"/{rel}:" in problems_of(target), (rel, at)


def test_a_changed_byte_in_the_zip_structure_fails(bundle: Bundle, tmp_path: Path):
    """Headers, the central directory and the end record: bytes outside the members' data
    (dates, flags, sizes, names, offsets): all of the first member's local header, of the
    first directory entry and of the end record, and every 7th byte of the rest."""
    data = bundle.zip.read_bytes()
    target = tmp_path / "bundle.zip"
    inside = set()
    for start, end in member_regions(data).values():
        inside.update(range(start, end))
    structure = [at for at in range(len(data)) if at not in inside]
    assert len(structure) > 1000
    first_entry = data.index(b"PK\x01\x02")
    sample = set(structure[::7]) | set(range(0, 30)) | set(range(len(data) - 22, len(data)))
    sample |= set(range(first_entry, first_entry + 46))
    for at in sorted(sample):
        target.write_bytes(flipped(data, at))
        problems_of(target)


Members = list[tuple[zipfile.ZipInfo, bytes]]


def repacked(data: bytes, change: Callable[[Members], Members]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        members = [(i, src.read(i)) for i in src.infolist()]
        for info, content in change(members):
            dst.writestr(info, content)
    return out.getvalue()


def test_an_added_or_removed_member_of_the_zip_fails(bundle: Bundle, tmp_path: Path):
    data = bundle.zip.read_bytes()
    top = zipfile.ZipFile(io.BytesIO(data)).infolist()[0].filename.split("/")[0]
    target = tmp_path / "bundle.zip"
    extra = zipfile.ZipInfo(f"{top}/zz-extra.txt", date_time=(1980, 1, 1, 0, 0, 0))
    target.write_bytes(repacked(data, lambda m: [*m, (extra, b"hello\n")]))
    assert "/zz-extra.txt: not in the index: added" in problems_of(target)
    target.write_bytes(
        repacked(data, lambda m: [x for x in m if x[0].filename != f"{top}/sod.json"])
    )
    assert "/sod.json: missing: removed" in problems_of(target)
    target.write_bytes(data + b"\0")
    problems_of(target)
    target.write_bytes(data[:-1])
    problems_of(target)


@pytest.mark.parametrize("name", ["nothing-here", "nothing-here.zip"])
def test_verify_of_a_missing_bundle_is_a_clear_error(tmp_path: Path, name: str):
    result = run("evidence", "verify", tmp_path / name, ok=False)
    assert result.exit_code == 1 and "no such evidence folder or zip" in result.stderr


def test_verify_runs_offline_without_config_or_credentials(bundle: Bundle, tmp_path: Path):
    """A real process in an empty folder, with no INTACCT_* variables, no home and every
    proxy pointing at a closed port: verify needs none of them."""
    copy = tmp_path / "bundle.zip"
    shutil.copy(bundle.zip, copy)
    dead = "http://127.0.0.1:9"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "nohome"),
        "HTTP_PROXY": dead,
        "HTTPS_PROXY": dead,
        "ALL_PROXY": dead,
    }
    done = subprocess.run(
        [sys.executable, "-m", "intacct_reconcile", "evidence", "verify", copy.name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "intact" in done.stdout
    copy.write_bytes(flipped(copy.read_bytes(), 100))
    done = subprocess.run(
        [sys.executable, "-m", "intacct_reconcile", "evidence", "verify", copy.name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "bundle.zip/" in done.stderr


def test_a_rewritten_index_with_odd_entries_is_refused_cleanly(bundle: Bundle, tmp_path: Path):
    """Someone recomputes the index's own digest after editing it: odd shapes are reported,
    never a traceback."""
    copy = tmp_path / "copy"
    shutil.copytree(bundle.folder, copy)
    original = json.loads((copy / INDEX_FILE).read_text())
    for change in (
        lambda d: d["files"][0].update(bytes="12"),
        lambda d: d["files"][0].update(sha256=None),
        lambda d: d["files"][0].update(path="../outside"),
        lambda d: d.update(files={}),
        lambda d: d.update(format_version=99),
    ):
        body = json.loads(json.dumps(original))
        change(body)
        body.pop(SELF_DIGEST)
        body[SELF_DIGEST] = sha256(canonical_json(body).encode())
        (copy / INDEX_FILE).write_text(canonical_json(body) + "\n", encoding="utf-8")
        assert f"/{INDEX_FILE}:" in problems_of(copy)
