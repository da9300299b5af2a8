"""`intacct-reconcile evidence`: the evidence bundle of one apply (docs/evidence.md).

    manifest folder ─▶ audit log (the apply's records, chain checked) ─┐
    --plan FILE (checked to be the plan applied) ───────────────────────┤
    CI environment (approval.py) ──────────────────────────────────────┼─▶ files ─▶ secret scan
    fresh plan against the target (readback.py) ───────────────────────┤     ─▶ index.json
    attestations, smoke check (collect.py) ────────────────────────────┘     ─▶ folder + zip

The folder is written under a temporary name and renamed when complete, so a folder with the
final name is always a whole bundle.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import shutil
import tempfile
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape as html_escape
from pathlib import Path
from typing import Any

from intacct_reconcile import __version__
from intacct_reconcile.audit import git_state
from intacct_reconcile.client.errors import known_secrets, register_secret
from intacct_reconcile.errors import ConfigError, ReconcileError
from intacct_reconcile.evidence import (
    INDEX_FILE,
    SIGNATURE_FILE,
    SUMS_FILE,
    approval,
    collect,
    html,
    index,
    readback,
    signing,
)
from intacct_reconcile.manifest.coerce import SECRET_NAME
from intacct_reconcile.planfile import plan_to_data, review_to_data
from intacct_reconcile.render import json as render_json
from intacct_reconcile.render import text as render_text
from intacct_reconcile.types import Plan

REPORT_FILE = "report.html"
ATTESTATION_COPY = "attestations/recorded.yaml"


@dataclass(frozen=True)
class Written:
    """What `evidence` wrote: the bundle folder and zip, the apply they cover, the read-back
    status, the index's digest, the number of files and whether it is signed."""

    folder: Path
    zip: Path | None
    apply_id: str
    readback_status: str
    index_digest: str
    files: int
    signed: bool


def _pretty(value: Any) -> bytes:
    """Readable JSON with sorted keys (for files people open)."""
    return (
        json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    ).encode()


def write(
    path: Path | None,
    *,
    out: Path | None,
    apply: str = "latest",
    target: str | None = None,
    config: Path | None = None,
    plan_file: Path | None = None,
    pr: int | None = None,
    approvers_file: Path | None = None,
    make_zip: bool = True,
    do_readback: bool = True,
    sandbox: bool = False,
    env: Mapping[str, str] | None = None,
) -> Written:
    env = os.environ if env is None else env
    key = signing.key_from(env)
    manifests = path or (config.parent if config else Path("."))
    if not manifests.exists():
        raise ConfigError(f"{manifests}: no such manifest folder — pass PATH the manifest folder")
    base = manifests if manifests.is_dir() else manifests.parent
    # with a plan file, `latest` is the latest apply of that plan (not an older one of another)
    checksum = collect.plan_checksum(plan_file) if plan_file is not None else None
    chosen = collect.select_apply(base, apply, target, checksum)
    extract = collect.audit_records(base, chosen)
    begin = chosen.begin
    out = out or Path(f"evidence-{chosen.target}-{chosen.apply_id[:12]}")
    zip_path = out.parent / f"{out.name}.zip"
    _refuse_existing(out, zip_path if make_zip else None)
    for name, value in env.items():  # what a manifest's ${env:NAME} may have put anywhere
        if SECRET_NAME.search(name):
            register_secret(value)

    files: dict[str, bytes] = {}
    files["audit/records.jsonl"] = extract.lines
    files["audit/chain.json"] = _pretty(extract.chain)

    reviewed: Plan | None = None
    if plan_file is not None:
        raw, saved = collect.reviewed_plan(plan_file, chosen)
        reviewed = saved.plan
        files["plan/plan.json"] = raw
        plan_facts: dict[str, Any] = {
            "given": True,
            "file": plan_file.name,
            "file_sha256": index.sha256(raw),
            "plan_checksum": saved.checksum,
            "applied_plan_checksum": begin.get("plan_checksum"),
            "matches_apply": True,
            "signed": saved.signature is not None,
            "created_at": saved.created_at,
            "tool_version": saved.tool_version,
        }
        files["plan/plan.sha256"] = f"{index.sha256(raw)}  plan.json\n".encode()
        files["plan/plan.txt"] = render_text.render(reviewed, color=False).encode("utf-8")
    else:
        plan_facts = {
            "given": False,
            "applied_plan_checksum": begin.get("plan_checksum"),
            "note": "no --plan given: the apply's changes are shown from the audit log; "
            "the plan that was reviewed is not in this bundle",
        }
    files["plan/checksum.json"] = _pretty(plan_facts)

    git_now = git_state(base)
    files["approval.json"] = _pretty(
        approval.context(
            env, pr=pr, approvers_file=approvers_file, git=git_now, applied_git=begin.get("git")
        )
    )

    after: Plan | None = None
    if do_readback:
        done = readback.run(
            manifests,
            config=config,
            target=chosen.target,
            sandbox=sandbox,
            base_dir=base,
            applied_git=begin.get("git"),
            company_id=str(begin.get("company_id") or ""),
        )
        after, result = done.plan, done.result
        files["readback/plan.json"] = render_json.render(after).encode("utf-8")
        files["readback/plan.txt"] = render_text.render(after, color=False).encode("utf-8")
    else:
        result = readback.skipped()
    files["readback/result.json"] = _pretty(result)

    files["access-review.json"] = _pretty(_access(reviewed, after))
    files["sod.json"] = _pretty(_sod(reviewed, after))
    files["attestations.json"] = _pretty(
        _attestations(after, "read-back after the apply")
        if after is not None
        else _attestations(reviewed, "the reviewed plan")
    )
    attested = collect.attestation_file(base, chosen.target)
    if attested is not None:
        # a fixed name: target names need not be plain file names (index.json names the target)
        files[ATTESTATION_COPY] = attested
    smoke_raw, smoke, smoke_problem = collect.smoke_check(base, chosen.apply_id)
    if smoke_raw is not None:
        files["smoke-check.json"] = smoke_raw

    report = html.Report(
        apply=chosen,
        approval=json.loads(files["approval.json"]),
        plan_file=plan_facts,
        reviewed=reviewed,
        readback=after,
        readback_result=result,
        smoke=smoke,
        smoke_problem=smoke_problem,
        tool_version=__version__,
        files={p: index.sha256(d) for p, d in files.items()},
    )
    files[REPORT_FILE] = html.render(report).encode("utf-8")
    files[SUMS_FILE] = index.sums(files)
    _refuse_secrets(files)
    facts = {
        "tool_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "apply": chosen.apply_id,
        "target": chosen.target,
        "company_id": begin.get("company_id"),
        "readback": result.get("status"),
    }
    files[INDEX_FILE] = index.build(files, facts)
    if key is not None:
        files[SIGNATURE_FILE] = signing.sign(files[INDEX_FILE], key)
    _write_folder(out, files)
    if make_zip:
        _atomic_write(zip_path, index.pack_zip(files, out.name))
    return Written(
        out,
        zip_path if make_zip else None,
        chosen.apply_id,
        str(result.get("status")),
        index.sha256(files[INDEX_FILE]),
        len(files),
        key is not None,
    )


def _refuse_existing(out: Path, zip_path: Path | None) -> None:
    for path in (out, zip_path):
        if path is not None and path.exists():
            raise ConfigError(
                f"{path}: already exists — evidence is never overwritten; choose another --out "
                "or move the old bundle away"
            )
    if not out.parent.is_dir():
        raise ConfigError(f"{out.parent}: no such folder — pass --out a path in an existing folder")


def _access(reviewed: Plan | None, after: Plan | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, plan in (("reviewed_plan", reviewed), ("after_apply", after)):
        if plan is None:
            out[name] = None
            continue
        data = plan_to_data(plan)
        out[name] = {
            "access_changes": data["access_changes"],
            "access_review": data.get("access_review"),
        }
    return out


def _sod(reviewed: Plan | None, after: Plan | None) -> dict[str, Any]:
    return {
        "reviewed_plan": review_to_data(reviewed).get("sod") if reviewed else None,
        "after_apply": review_to_data(after).get("sod") if after else None,
    }


def _attestations(plan: Plan | None, source: str) -> dict[str, Any]:
    """Every manual step of the plan and what closes it (or that nothing does yet)."""
    if plan is None:
        return {"from": None, "steps": []}
    steps = []
    for change in plan.changes:
        if change.action != "manual":
            continue
        record = change.attested
        stale = change.stale_attestation
        steps.append(
            {
                "ref": str(change.ref),
                "status": "attested" if record else ("re-opened" if stale else "open"),
                "attestation": dataclasses.asdict(record) if record else None,
                "lapsed_attestation": dataclasses.asdict(stale) if stale else None,
                "note": change.note,
                "ui_steps": list(change.manual_steps),
            }
        )
    return {"from": source, "steps": steps}


def _refuse_secrets(files: Mapping[str, bytes]) -> None:
    """Last line of defence: a file holding a known secret (a loaded credential, a session id,
    an environment variable named like a secret) stops the bundle before anything is written.

    Whole values in their usual encodings are looked for, not the 8-character fragments
    `redact` also masks: the bundle is full of hex digests, and a fragment of a secret's hex
    form turning up in one by chance must not make evidence impossible."""
    forms = [f.lower() for secret in known_secrets() for f in secret_forms(secret)]
    leaking = [path for path in sorted(files) if any(f in files[path].lower() for f in forms)]
    if leaking:
        raise ReconcileError(
            f"{', '.join(leaking)}: would hold a secret (a credential, session id or "
            "secret-named environment value) — nothing was written; find where the value "
            "comes from (the manifests, the smoke check file) and remove it"
        )


def secret_forms(secret: str) -> set[bytes]:
    """A secret as it would appear in a file: as is, and URL-, hex-, base64-, JSON- and
    HTML-encoded (compared case-insensitively)."""
    raw = secret.encode("utf-8")
    forms = {
        raw,
        raw.hex().encode(),
        base64.b64encode(raw).rstrip(b"="),
        base64.urlsafe_b64encode(raw).rstrip(b"="),
        urllib.parse.quote(secret, safe="").encode(),
        urllib.parse.quote_plus(secret).encode(),
        json.dumps(secret).strip('"').encode(),
        json.dumps(secret, ensure_ascii=False).strip('"').encode("utf-8"),
        html_escape(secret, quote=True).encode("utf-8"),
        secret.encode("utf-16-le"),
    }
    return {form for form in forms if form}


def _write_folder(out: Path, files: Mapping[str, bytes]) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, data in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        staging.chmod(0o755)  # mkdtemp makes it private; a bundle is for others to read
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.parent / f".{path.name}.part"
    temporary.write_bytes(data)
    temporary.replace(path)
