"""What the bundle of a converged Expensify apply holds: the reviewed plan and its checksum, the
approval context, the apply's audit records, an empty read-back, access review, SoD,
attestations, the HTML report (self-contained, escaped), and no secret anywhere."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine_io.test_audit_secrets import encodings
from intacct_reconcile import planfile
from intacct_reconcile.audit.log import record_hash

from .conftest import APPROVERS, COMMIT, HOSTILE, LOG, PR_NUMBER, Bundle, bundle_files, run


def load(bundle: Bundle, rel: str) -> object:
    return json.loads((bundle.folder / rel).read_text(encoding="utf-8"))


def test_the_index_lists_every_file_with_versions(bundle: Bundle):
    index = load(bundle, "index.json")
    assert index["format"] == "intacct-reconcile evidence" and index["format_version"] == 1
    assert index["tool_version"] == "0.1.0"
    assert index["apply"] == bundle.applied.apply_id and index["readback"] == "empty"
    paths = [f["path"] for f in index["files"]]
    assert paths == sorted(paths)
    assert set(paths) | {"index.json"} == set(bundle_files(bundle.folder))
    for must in (
        "plan/plan.json",
        "plan/checksum.json",
        "approval.json",
        "audit/records.jsonl",
        "readback/plan.json",
        "readback/result.json",
        "access-review.json",
        "sod.json",
        "attestations.json",
        "attestations/recorded.yaml",
        "report.html",
        "SHA256SUMS",
    ):
        assert must in paths, must


def test_the_reviewed_plan_is_the_one_applied(bundle: Bundle):
    assert (bundle.folder / "plan" / "plan.json").read_bytes() == bundle.applied.plan.read_bytes()
    facts = load(bundle, "plan/checksum.json")
    saved = planfile.load_saved(bundle.applied.plan)
    assert facts["plan_checksum"] == facts["applied_plan_checksum"] == saved.checksum
    assert facts["matches_apply"] is True


def test_the_approval_context_comes_from_the_ci(bundle: Bundle):
    approval = load(bundle, "approval.json")
    assert approval["pull_request"] == {
        "number": PR_NUMBER,
        "source": "GITHUB_EVENT_PATH pull_request.number",
    }
    assert approval["approvers"]["names"] == sorted(APPROVERS.split(","))
    assert approval["commit"]["sha"] == COMMIT
    page = (bundle.folder / "report.html").read_text(encoding="utf-8")
    assert f"#{PR_NUMBER}" in page and "alice, carol" in page and COMMIT in page


def test_the_audit_records_are_the_apply_s_own_and_verbatim(bundle: Bundle):
    log_lines = (bundle.applied.folder / LOG).read_bytes().splitlines(keepends=True)
    ours = (bundle.folder / "audit" / "records.jsonl").read_bytes().splitlines(keepends=True)
    assert ours and set(ours) <= set(log_lines)
    records = [json.loads(line) for line in ours]
    assert {r["apply"] for r in records} == {bundle.applied.apply_id}
    assert [r["type"] for r in (records[0], records[-1])] == ["begin", "end"]
    assert all(record_hash(r) == r["hash"] for r in records)
    chain = load(bundle, "audit/chain.json")
    assert chain["intact"] and chain["last_hash"] == records[-1]["hash"]


def test_the_read_back_of_a_converged_apply_is_empty(bundle: Bundle):
    result = load(bundle, "readback/result.json")
    assert result["status"] == "empty" and result["empty"] is True
    assert result["changes_to_make"] == [] and result["manual_waiting"] == []
    assert result["manual_attested"] == ["sender_ids/expensify"]
    fresh = load(bundle, "readback/plan.json")
    assert fresh["summary"]["has_changes"] is False
    assert "read-back: empty" in bundle.output


def test_access_review_sod_and_attestations(bundle: Bundle):
    access = load(bundle, "access-review.json")
    users = {a["user"] for a in access["reviewed_plan"]["access_changes"]}
    assert "web_services_users/xmlgateway_expensify" in users
    sod = load(bundle, "sod.json")
    rules = {(f["rule"], f["status"]) for f in sod["reviewed_plan"]["findings"]}
    assert ("web_services_admin_full", "new") in rules
    # after the apply the over-grant is live, and still shown
    assert ("web_services_admin_full", "live") in {
        (f["rule"], f["status"]) for f in sod["after_apply"]["findings"]
    }
    steps = {s["ref"]: s for s in load(bundle, "attestations.json")["steps"]}
    assert steps["sender_ids/expensify"]["status"] == "attested"
    assert steps["sender_ids/expensify"]["attestation"]["by"] == "controller"
    copied = bundle.folder / "attestations" / "recorded.yaml"
    original = bundle.applied.folder / ".intacct-reconcile" / "attestations" / "local.yaml"
    assert copied.read_bytes() == original.read_bytes()


ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "h3",
    "p",
    "table",
    "tr",
    "th",
    "td",
    "ul",
    "ol",
    "li",
    "code",
    "span",
    "div",
    "b",
    "details",
    "summary",
    "br",
}
ALLOWED_ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "name", "class"}


class Tags(HTMLParser):
    """Every element and attribute of a page, and the text of its <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attributes += attrs
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data


def test_the_html_report_is_self_contained_and_escapes_values(bundle: Bundle):
    page = (bundle.folder / "report.html").read_text(encoding="utf-8")
    tags = Tags()
    tags.feed(page)
    # only layout elements, no element that runs or loads anything
    assert tags.names <= ALLOWED_TAGS, tags.names - ALLOWED_TAGS
    # attributes: none that loads, links or runs (src, href, on*, style=url(...))
    assert {name for name, _ in tags.attributes} <= ALLOWED_ATTRIBUTES
    assert not [v for _, v in tags.attributes if v and re.search(r"https?:|//", v)]
    assert not re.search(r"url\s*\(|@import", tags.style, re.I)
    assert not re.search(r"<\s*script", page, re.I)
    # the hostile role description is there, as text
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; &lt;img" in page
    assert "Content-Security-Policy" in page and "default-src &#x27;none&#x27;" in page
    for section in (
        "Changes",
        "Access matrix (role × module)",
        "Segregation of duties",
        "Manual steps and attestations",
        "Integration smoke check",
        "Read-back",
    ):
        assert f"<h2>{section}" in page, section
    # the access matrix: the role's row, a highlighted cell per module it gained
    assert "<th><code>roles/Expensify</code></th>" in page
    assert page.count('<td class="changed">none → ') >= 5
    assert "web_services_admin_full" in page and "controller" in page
    smoke = page.split("<h2>Integration smoke check</h2>", 1)[1].split("<h2>", 1)[0]
    assert "not run" in smoke


def test_no_secret_anywhere_in_the_bundle(bundle: Bundle):
    secrets = bundle.applied.secrets
    assert len(secrets) >= 5  # the passwords, the client secret, session ids, REST tokens
    assert bundle.applied.sessions  # the read-back's own sessions among them
    blobs = {**bundle_files(bundle.folder), "(the zip)": bundle.zip.read_bytes()}
    for secret in secrets:
        for form in encodings(secret):
            for name, data in blobs.items():
                assert form not in data, (name, secret)
    assert not list(bundle.folder.parent.glob(".bundle*")), "a temporary file was left"


def test_a_smoke_check_is_copied_and_shown(bundle: Bundle, tmp_path: Path):
    folder = tmp_path / "manifests"
    shutil.copytree(bundle.applied.folder, folder)
    smoke_dir = folder / ".intacct-reconcile" / "smoke-checks"
    smoke_dir.mkdir()
    smoke = {
        "v": 1,
        "apply": bundle.applied.apply_id,
        "target": "local",
        "company_id": "DEMO",
        "at": "2026-12-05T05:00:00+00:00",
        "status": "failed",
        "users": [
            {
                "user": "xmlgateway_expensify",
                "sender_id": "expensify",
                "status": "failed",
                "reason": "a read was refused",
                "reads": [
                    {"object": "GLACCOUNT", "status": "passed"},
                    {"object": "APBILL", "status": "failed", "error": "<b>denied</b>"},
                ],
            },
        ],
    }
    raw = json.dumps(smoke, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    (smoke_dir / f"{bundle.applied.apply_id}.json").write_bytes(raw)
    out = tmp_path / "with-smoke"
    result = run("evidence", folder, "--out", out, "--no-readback", "--no-zip")
    assert "read-back: not performed" in result.stdout
    assert not (tmp_path / "with-smoke.zip").exists()
    assert (out / "smoke-check.json").read_bytes() == raw
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page.split("<h2>Integration smoke check</h2>", 1)[1].split("<h2>", 1)[0]
    assert "xmlgateway_expensify" in section and "APBILL" in section
    assert "&lt;b&gt;denied&lt;/b&gt;" in section and "<b>denied" not in section
    assert load_result(out)["status"] == "not performed"
    assert "no reviewed plan file given" in page
    run("evidence", "verify", out)


def load_result(folder: Path) -> dict:
    return json.loads((folder / "readback" / "result.json").read_text(encoding="utf-8"))


def test_a_secret_in_a_copied_file_stops_the_bundle(
    bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A smoke check file (written by another tool) that leaks a password: nothing is written,
    and the message names the file, never the value."""
    secret = "Leaky-Pw-5c1e8a90"
    monkeypatch.setenv("EXPENSIFY_USER_PASSWORD", secret)
    folder = tmp_path / "manifests"
    shutil.copytree(bundle.applied.folder, folder)
    smoke_dir = folder / ".intacct-reconcile" / "smoke-checks"
    smoke_dir.mkdir()
    leak = {
        "v": 1,
        "apply": bundle.applied.apply_id,
        "status": "failed",
        "users": [
            {"user": "u", "status": "failed", "reason": f"sign-in refused for password {secret}"}
        ],
    }
    (smoke_dir / f"{bundle.applied.apply_id}.json").write_text(json.dumps(leak))
    result = run("evidence", folder, "--out", tmp_path / "leaky", "--no-readback", ok=False)
    assert result.exit_code == 1
    assert "report.html, smoke-check.json: would hold a secret" in result.stderr
    assert secret not in result.stdout + result.stderr
    assert not (tmp_path / "leaky").exists() and not (tmp_path / "leaky.zip").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["manifests"]
