"""The audit log as a file: a real apply's records, the hash chain checked by `audit verify`
after real edits, lines of the earlier format, masking, and who ran the apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intacct_reconcile import audit
from intacct_reconcile.audit.journal import masked_values
from intacct_reconcile.types import Change, FieldChange, Ref

from .conftest import STATE_DIR, Invoke


def _applied(cli: Invoke, project: Path) -> Path:
    result = cli("apply", project, "--auto-approve", "--quiet", "--by", "tester")
    assert result.exit_code == 0, result.stderr
    return project / STATE_DIR / "audit.log"


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_an_apply_records_intents_outcomes_and_its_provenance(cli: Invoke, project: Path):
    log = _applied(cli, project)
    records = [json.loads(line) for line in _lines(log)]
    assert [r["type"] for r in records[:1]] == ["begin"] and records[-1]["type"] == "end"
    begin = records[0]
    assert begin["target"] == "sandbox" and begin["company_id"] == "DEMO"
    assert begin["by"] == "tester" and begin["who"] and begin["who_from"]
    assert begin["git"] is None  # the project folder is not in a git repository
    intents = {r["ref"]: r for r in records if r["type"] == "intent"}
    account = intents["gl_accounts/2110"]
    assert account["source"].endswith("ledger.yaml:5")
    assert account["action"] == "create" and account["company_id"] == "DEMO"
    assert {"field": "normal_balance", "before": None, "after": "credit"} in account["values"]
    outcomes = {r["ref"]: r["status"] for r in records if r["type"] == "outcome"}
    assert outcomes["gl_accounts/2110"] == "applied"
    assert set(intents) <= set(outcomes)  # every change sent has its answer
    # intents precede their outcomes
    order = [(r["type"], r.get("ref")) for r in records]
    assert order.index(("intent", "gl_accounts/2110")) < order.index(
        ("outcome", "gl_accounts/2110")
    )


def test_git_commit_and_dirty_flag_of_the_manifest_folder(cli: Invoke, project: Path):
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.email=ci@example.com", "-c", "user.name=CI", *args],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "manifests")
    head = git("rev-parse", "HEAD")
    assert audit.git_state(project) == {"commit": head, "dirty": False}
    (project / "ledger.yaml").write_text((project / "ledger.yaml").read_text() + "\n# edited\n")
    assert audit.git_state(project) == {"commit": head, "dirty": True}
    log = _applied(cli, project)
    begin = json.loads(_lines(log)[0])
    assert begin["git"] == {"commit": head, "dirty": True}
    # the tool's own files (audit log, sandbox database) never make the folder dirty
    git("checkout", "--", "ledger.yaml")
    assert audit.git_state(project) == {"commit": head, "dirty": False}


def test_verify_passes_on_an_untouched_log(cli: Invoke, project: Path):
    log = _applied(cli, project)
    result = cli("audit", "verify", "--path", project)
    assert result.exit_code == 0, result.stderr
    assert f"intact — {len(_lines(log))} chained record(s)" in result.stdout


def _tampered(cli: Invoke, project: Path, lines: list[str], line: int) -> None:
    (project / STATE_DIR / "audit.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("audit", "verify", "--path", project)
    assert result.exit_code == 1, result.stdout
    assert f"audit.log:{line}:" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_verify_finds_an_edited_record(cli: Invoke, project: Path):
    lines = _lines(_applied(cli, project))
    n = next(i for i, line in enumerate(lines) if '"status":"applied"' in line)
    lines[n] = lines[n].replace('"status":"applied"', '"status":"failed"')
    _tampered(cli, project, lines, n + 1)


def test_verify_finds_a_removed_record(cli: Invoke, project: Path):
    lines = _lines(_applied(cli, project))
    del lines[2]
    _tampered(cli, project, lines, 3)


def test_verify_finds_two_swapped_records(cli: Invoke, project: Path):
    lines = _lines(_applied(cli, project))
    lines[1], lines[2] = lines[2], lines[1]
    _tampered(cli, project, lines, 2)


def test_verify_finds_a_record_rewritten_with_a_fresh_hash(cli: Invoke, project: Path):
    """Editing a record and recomputing its own hash still breaks the next link."""
    from intacct_reconcile.audit.log import record_hash
    from intacct_reconcile.digests import canonical_json

    lines = _lines(_applied(cli, project))
    record = json.loads(lines[0])
    record["who"] = "someone-else"
    record["hash"] = record_hash(record)
    lines[0] = canonical_json(record)
    _tampered(cli, project, lines, 2)


def test_lines_of_the_earlier_format_are_kept_and_covered(cli: Invoke, project: Path):
    legacy = {
        "when": "2026-11-22T03:00:00+00:00",
        "who": "alice",
        "target": "sandbox",
        "plan_checksum": "sha256:0",
        "results": [{"ref": "gl_accounts/1", "action": "create", "status": "applied"}],
    }
    log = project / STATE_DIR / "audit.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(json.dumps(legacy) + "\n", encoding="utf-8")
    _applied(cli, project)
    result = cli("audit", "verify", "--path", project)
    assert result.exit_code == 0, result.stderr
    assert "after 1 unchained line(s)" in result.stdout
    recorded = audit.applies(project)
    assert recorded[0].begin["who"] == "alice" and recorded[0].finished
    assert recorded[0].final() == {"gl_accounts/1": "applied"}
    shown = cli("audit", "show", "--path", project)
    assert "earlier format" in shown.stdout and "create gl_accounts/2110" in shown.stdout
    # the old line is covered by the first link from then on
    lines = _lines(log)
    lines[0] = lines[0].replace("alice", "mallory")
    _tampered(cli, project, lines, 2)


def test_show_prints_recent_applies(cli: Invoke, project: Path):
    _applied(cli, project)
    result = cli("audit", "show", "--path", project)
    assert result.exit_code == 0, result.stderr
    assert "sandbox (company DEMO)" in result.stdout and "--by tester" in result.stdout
    assert "applied  create gl_accounts/2110" in result.stdout
    assert "normal_balance: None -> 'credit'" in result.stdout


def test_verify_without_a_log_says_where_it_looked(cli: Invoke, tmp_path: Path):
    result = cli("audit", "verify", "--path", tmp_path)
    assert result.exit_code == 1
    assert "no audit log here" in result.stderr and "Traceback" not in result.stderr


def test_secret_fields_and_secret_references_are_masked():
    change = Change(
        action="update",
        ref=Ref("gl_accounts", "2110"),
        api="xml",
        fields=(
            FieldChange("title", "Old", "New"),
            FieldChange("token", "old-token-value", "new-token-value"),
            FieldChange("description", None, "${env:SOME_PASSWORD}"),
            FieldChange("tags", ["a"], ["a", "${env:X}"], added=("${env:X}",)),
        ),
        secret_fields=("token",),
    )
    values = {v["field"]: v for v in masked_values(change)}
    assert values["title"] == {"field": "title", "before": "Old", "after": "New"}
    assert values["token"] == {"field": "token", "before": "***", "after": "***"}
    assert values["description"]["after"] == "***"
    assert values["tags"]["after"] == ["a", "***"] and values["tags"]["added"] == ["***"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GITHUB_ACTOR": "octo", "USER": "me"}, ("octo", "GITHUB_ACTOR")),
        ({"GITLAB_USER_LOGIN": "gl", "USER": "me"}, ("gl", "GITLAB_USER_LOGIN")),
        ({"USER": "me"}, ("me", "USER")),
    ],
)
def test_who_ran_prefers_the_ci_actor_then_git_then_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: tuple
):
    # no git identity: HOME without a .gitconfig, and no system config
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    assert audit.who_ran(tmp_path, env) == expected
    (tmp_path / ".gitconfig").write_text("[user]\n\temail = dev@example.com\n")
    if expected[1] == "USER":
        assert audit.who_ran(tmp_path, env) == ("dev@example.com", "git config user.email")


def _journal(base: Path, target: str = "prod"):
    from intacct_reconcile.audit.journal import ApplyJournal, RunFacts

    facts = RunFacts(target, "ACME", "", "ci-bot", "GITHUB_ACTOR", None, None, "sha256:x", "0")
    return ApplyJournal(audit.audit_path(base), facts, env={})


def _create(key: str) -> Change:
    return Change(
        "create", Ref("gl_accounts", key), "xml", fields=(FieldChange("title", None, key),)
    )


def test_finish_records_what_the_answers_did_not_say(tmp_path: Path):
    from intacct_reconcile.types import ApplyReport, ChangeResult

    a, b, c = _create("1"), _create("2"), _create("3")
    journal = _journal(tmp_path)
    journal.begin([a, b, c])
    journal.sending([a, b])
    journal.answered([ChangeResult(a, "applied"), ChangeResult(b, "applied")])
    journal.finish(
        ApplyReport(
            (
                ChangeResult(a, "applied"),
                ChangeResult(b, "failed", "gl_accounts/2 does not hold what was written"),
                ChangeResult(c, "not_attempted", "depends on ..."),
            ),
            "prod",
        )
    )
    records = [json.loads(line) for line in _lines(audit.audit_path(tmp_path))]
    late = [(r["ref"], r["status"], r["phase"]) for r in records if r.get("phase")]
    assert late == [
        ("gl_accounts/2", "failed", "verification"),
        ("gl_accounts/3", "not_attempted", "not sent"),
    ]
    assert records[-1]["type"] == "end" and records[-1]["counts"]["failed"] == 1
    (one,) = audit.applies(tmp_path)
    assert one.final() == {
        "gl_accounts/1": "applied",
        "gl_accounts/2": "failed",
        "gl_accounts/3": "not_attempted",
    }
    assert audit.unfinished(tmp_path, "prod") == []


def test_two_applies_writing_in_turn_keep_one_chain(tmp_path: Path):
    first, second = _journal(tmp_path, "prod"), _journal(tmp_path, "test")
    first.begin([_create("1")])
    second.begin([_create("2")])
    first.sending([_create("1")])
    second.sending([_create("2")])
    assert audit.verify(audit.audit_path(tmp_path)).records == 4
    # both unfinished, each reported only for its own target
    (prod,) = audit.unfinished(tmp_path, "prod")
    assert prod.unanswered() == ["gl_accounts/1"]
    (test,) = audit.unfinished(tmp_path, "test")
    assert test.unanswered() == ["gl_accounts/2"]


def _full_scan(base: Path, target: str) -> list[tuple[str, int, list[str]]]:
    """`unfinished` read from the start of the log (no saved scan)."""
    (audit.audit_path(base).parent / "audit.scan.json").unlink(missing_ok=True)
    return [(a.apply_id, a.line, a.unanswered()) for a in audit.unfinished(base, target)]


def _resumed(base: Path, target: str) -> list[tuple[str, int, list[str]]]:
    return [(a.apply_id, a.line, a.unanswered()) for a in audit.unfinished(base, target)]


def test_unfinished_applies_read_only_what_was_appended_since_the_last_lookup(tmp_path: Path):
    from intacct_reconcile.types import ApplyReport, ChangeResult

    scan = audit.audit_path(tmp_path).parent / "audit.scan.json"
    done = _journal(tmp_path, "prod")
    done.begin([_create("1")])
    done.finish(ApplyReport((ChangeResult(_create("1"), "applied"),), "prod"))
    assert audit.unfinished(tmp_path, "prod") == []
    saved = json.loads(scan.read_text())
    assert saved["offset"] == audit.audit_path(tmp_path).stat().st_size
    assert saved["lines"] == len(_lines(audit.audit_path(tmp_path))) == 3  # begin, outcome, end
    # killed applies of two targets, appended after the lookup: found from the saved scan on
    killed, other = _journal(tmp_path, "prod"), _journal(tmp_path, "test")
    killed.begin([_create("2"), _create("3")])
    other.begin([_create("4")])
    killed.sending([_create("2"), _create("3")])
    killed.answered([ChangeResult(_create("2"), "applied")])
    resumed = _resumed(tmp_path, "prod")
    assert resumed == [(killed.apply_id, 4, ["gl_accounts/3"])]
    assert resumed == _full_scan(tmp_path, "prod")
    assert _resumed(tmp_path, "test") == [(other.apply_id, 5, [])]
    # a later finished apply of prod settles prod's doubt, not test's
    settles = _journal(tmp_path, "prod")
    settles.begin([])
    settles.finish(ApplyReport((), "prod"))
    assert _resumed(tmp_path, "prod") == [] == _full_scan(tmp_path, "prod")
    assert _resumed(tmp_path, "test") == [(other.apply_id, 5, [])]


def test_a_saved_scan_is_not_trusted_for_a_log_that_changed_under_it(tmp_path: Path):
    from intacct_reconcile.types import ApplyReport, ChangeResult

    log = audit.audit_path(tmp_path)
    killed = _journal(tmp_path, "prod")
    killed.begin([_create("1")])
    killed.sending([_create("1")])
    ((apply_id, _, _),) = _resumed(tmp_path, "prod")
    assert apply_id == killed.apply_id
    # the log replaced by one where the same apply finished (a restored copy): read afresh
    log.unlink()
    again = _journal(tmp_path, "prod")
    again.begin([_create("1")])
    again.finish(ApplyReport((ChangeResult(_create("1"), "applied"),), "prod"))
    assert log.stat().st_size > 0
    assert _resumed(tmp_path, "prod") == []
    # a log cut short: read afresh too
    text = log.read_bytes()
    log.write_bytes(text[: text.index(b"\n") + 1])  # only the begin record is left
    assert [a.apply_id for a in audit.unfinished(tmp_path, "prod")] == [again.apply_id]
    # an unreadable saved scan is read past, not an error
    (log.parent / "audit.scan.json").write_text("{not json")
    assert [a.apply_id for a in audit.unfinished(tmp_path, "prod")] == [again.apply_id]


def test_a_line_still_being_written_is_read_once_it_is_whole(tmp_path: Path):
    log = audit.audit_path(tmp_path)
    killed = _journal(tmp_path, "prod")
    killed.begin([_create("1")])
    whole = log.read_bytes()
    log.write_bytes(whole[:-20])  # the begin record torn: no apply known yet
    assert audit.unfinished(tmp_path, "prod") == []
    log.write_bytes(whole)  # its writer finished the line
    assert [a.apply_id for a in audit.unfinished(tmp_path, "prod")] == [killed.apply_id]
