"""`evidence verify DIR|ZIP`: is the bundle exactly as `evidence` wrote it? Offline: no config,
no credentials, no network.

The rules (docs/evidence.md):
- index.json parses, is canonical and matches its own `index_sha256`;
- every file the index lists is there, with the listed size and SHA-256;
- nothing else is there: no other file, folder or link (in a zip: no other entry);
- SHA256SUMS agrees with the index;
- `index.sig`, when there, is well formed and, given the evidence key, signs index.json; when a
  signature is required, it must be there and verify (signing.py);
- a zip must be readable member by member (each member's CRC), hold one top folder, and be
  byte for byte the zip `evidence` packs from those files (so its headers are covered too).

Every problem is reported with the file it concerns; the first problem is enough to fail.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from intacct_reconcile.evidence import INDEX_FILE, SIGNATURE_FILE, SUMS_FILE, index, signing
from intacct_reconcile.evidence.index import Index


@dataclass
class Verdict:
    """What `evidence verify` found in one bundle: every problem (none: intact), the files
    checked, the index's digest and facts, and the signature's status."""

    bundle: str
    problems: list[str] = field(default_factory=list)
    files: int = 0
    index_digest: str = ""
    facts: Mapping[str, object] = field(default_factory=dict)
    signature: signing.Status = signing.Status.ABSENT
    unsigned_only: bool = False  # intact, but refused for want of a signature that verifies

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, path: str, what: str) -> None:
        self.problems.append(f"{self.bundle}/{path}: {what}" if path else f"{self.bundle}: {what}")


def verify(path: Path, key: bytes | None = None, *, require_signature: bool = False) -> Verdict:
    """Check a bundle folder or its zip; `key` checks its signature, which `require_signature`
    makes mandatory (absent, or present but unchecked for want of a key, fails)."""
    verdict = Verdict(str(path))
    if path.is_dir():
        _verify_folder(verdict, path, key)
    elif not path.is_file():
        verdict.fail("", "no such evidence folder or zip")
        return verdict
    else:
        _verify_zip(verdict, path.read_bytes(), key)
    if require_signature and verdict.ok and verdict.signature is not signing.Status.VALID:
        verdict.unsigned_only = True
        verdict.fail(
            SIGNATURE_FILE,
            "missing: removed, or the bundle was written without the evidence key — a signed "
            "bundle is required"
            if verdict.signature is signing.Status.ABSENT
            else f"cannot be checked: set {signing.KEY_ENV} to the key the bundle was signed "
            "with (a signed bundle is required)",
        )
    return verdict


def _verify_folder(verdict: Verdict, root: Path, key: bytes | None) -> None:
    listing = root / INDEX_FILE
    if listing.is_file() and not listing.is_symlink():
        _, problem = index.parse(listing.read_bytes())
        if problem:  # nothing else can be checked against a broken index: say so at once
            verdict.fail(INDEX_FILE, problem)
            return
    files: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(root, followlinks=False):
        here = Path(folder)
        rel_dir = here.relative_to(root).as_posix()
        for name in sorted(dirs):
            mode = os.lstat(here / name).st_mode
            if stat.S_ISLNK(mode):
                verdict.fail(_join(rel_dir, name), "a link: added (a bundle holds only files)")
        dirs[:] = [d for d in dirs if not os.path.islink(here / d)]
        if rel_dir != "." and not names and not dirs:
            verdict.fail(rel_dir, "an empty folder: added (not in the index)")
        for name in sorted(names):
            rel = _join(rel_dir, name)
            if not stat.S_ISREG(os.lstat(here / name).st_mode):
                verdict.fail(rel, "not a regular file (a link or device): added")
                continue
            files[rel] = (here / name).read_bytes()
    _check_files(verdict, files, key)


def _join(folder: str, name: str) -> str:
    return name if folder == "." else f"{folder}/{name}"


def _verify_zip(verdict: Verdict, data: bytes, key: bytes | None) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        verdict.fail("", f"not a readable zip ({exc}): its directory or end record was changed")
        return
    infos = archive.infolist()
    tops = {info.filename.split("/", 1)[0] for info in infos}
    if len(tops) != 1:
        verdict.fail("", f"a bundle zip holds one top folder; this one holds {sorted(tops)}")
        return
    top = tops.pop()
    files: dict[str, bytes] = {}
    for info in infos:
        name = info.filename
        rel = name[len(top) + 1 :] if name.startswith(top + "/") else ""
        if not rel or info.is_dir():
            verdict.fail(name, "a folder entry or a file outside the top folder: added")
            continue
        if rel in files:
            verdict.fail(rel, "in the zip twice: added")
            continue
        try:
            files[rel] = archive.read(info)
        except Exception as exc:  # zipfile raises many types for damaged members
            verdict.fail(rel, f"cannot be read back from the zip ({exc}): changed")
    _check_files(verdict, files, key)
    if verdict.ok:
        repacked = index.pack_zip(files, top)
        if repacked != data:
            offset = _first_difference(repacked, data)
            where = _region(infos, offset, len(data))
            verdict.fail(
                where,
                f"the zip's bytes differ at offset {offset} from the zip of these files "
                "(its headers were changed, or it was re-packed by another tool — unzip it "
                "and verify the folder)",
            )


def _first_difference(a: bytes, b: bytes) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _region(infos: list[zipfile.ZipInfo], offset: int, size: int) -> str:
    """The member whose local header and data hold `offset`, or the zip's directory."""
    starts = sorted((info.header_offset, info.filename) for info in infos)
    owner = ""
    for start, name in starts:
        if start <= offset:
            owner = name
    end_of_data = max(
        (i.header_offset + 30 + len(i.filename) + i.compress_size for i in infos), default=0
    )
    if offset >= end_of_data or not owner:
        return "(zip directory)" if offset < size else "(zip end)"
    return owner


def _check_files(verdict: Verdict, found: Mapping[str, bytes], key: bytes | None) -> None:
    files = dict(found)
    signature = files.pop(SIGNATURE_FILE, None)
    raw = files.pop(INDEX_FILE, None)
    if raw is None:
        verdict.fail(INDEX_FILE, "missing: removed (without it nothing can be checked)")
        return
    parsed, problem = index.parse(raw)
    if parsed is None:
        verdict.fail(INDEX_FILE, problem)
        return
    verdict.index_digest = parsed.digest
    verdict.facts = parsed.facts
    _compare(verdict, parsed, files)
    verdict.files = len(files) + 1
    if signature is not None:
        verdict.files += 1
        verdict.signature, problem = signing.check(signature, raw, key)
        if problem:
            verdict.fail(SIGNATURE_FILE, problem)


def _compare(verdict: Verdict, listed: Index, files: Mapping[str, bytes]) -> None:
    for path in sorted(set(listed.files) | set(files)):
        if path not in files:
            verdict.fail(path, "missing: removed (the index lists it)")
            continue
        if path not in listed.files:
            verdict.fail(path, "not in the index: added")
            continue
        digest, size = listed.files[path]
        data = files[path]
        if len(data) != size:
            verdict.fail(path, f"{len(data)} bytes, the index says {size}: changed")
        elif index.sha256(data) != digest:
            verdict.fail(path, "its SHA-256 does not match the index: changed")
    sums = files.get(SUMS_FILE)
    if sums is not None and verdict.ok:
        expected = index.sums({p: d for p, d in files.items() if p != SUMS_FILE})
        if sums != expected:
            verdict.fail(SUMS_FILE, "does not agree with the index: changed")
