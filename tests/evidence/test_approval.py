"""Where the approval context comes from: flags, the variables a CI step sets, GitHub's event
payload, GitLab's variables; each value says its source, and nothing is guessed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intacct_reconcile.errors import ConfigError
from intacct_reconcile.evidence.approval import context

GIT = {"commit": "a" * 40, "dirty": False}
APPLIED = {"commit": "b" * 40, "dirty": False}


def approval(env: dict[str, str], **options: object) -> dict:
    defaults = {"pr": None, "approvers_file": None, "git": GIT, "applied_git": APPLIED}
    return context(env, **{**defaults, **options})  # type: ignore[arg-type]


def test_nothing_known_is_said_as_nothing(tmp_path: Path):
    found = approval({})
    assert found["pull_request"] is None and found["approvers"] is None and found["ci"] is None
    assert found["commit"] == {
        "sha": "a" * 40,
        "source": "git HEAD of the manifests",
        "applied_from": "b" * 40,
    }


def test_github_pull_request_event_and_run(tmp_path: Path):
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}, "secret": "not copied"}))
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "c" * 40,
        "GITHUB_REPOSITORY": "acme/books",
        "GITHUB_RUN_ID": "99",
        "GITHUB_ACTOR": "dev",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_SERVER_URL": "https://github.com",
    }
    found = approval(env)
    assert found["pull_request"] == {
        "number": 12,
        "source": "GITHUB_EVENT_PATH pull_request.number",
    }
    assert found["commit"]["sha"] == "c" * 40 and found["commit"]["source"] == "GITHUB_SHA"
    assert found["ci"]["run_url"] == "https://github.com/acme/books/actions/runs/99"
    assert "not copied" not in json.dumps(found)


def test_an_approving_review_event_names_its_reviewer(tmp_path: Path):
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "review": {"state": "approved", "user": {"login": "reviewer1"}},
                "pull_request": {"number": 5},
            }
        )
    )
    found = approval({"GITHUB_EVENT_PATH": str(event)})
    assert found["approvers"] == {
        "names": ["reviewer1"],
        "source": "GITHUB_EVENT_PATH review.user.login",
    }
    event.write_text(json.dumps({"review": {"state": "commented", "user": {"login": "x"}}}))
    assert approval({"GITHUB_EVENT_PATH": str(event)})["approvers"] is None


def test_flags_and_ci_variables_win_in_order(tmp_path: Path):
    env = {"INTACCT_RECONCILE_PR": "#31", "INTACCT_RECONCILE_APPROVERS": "bo, al,,bo"}
    found = approval(env)
    assert found["pull_request"] == {"number": 31, "source": "INTACCT_RECONCILE_PR"}
    assert found["approvers"] == {"names": ["al", "bo"], "source": "INTACCT_RECONCILE_APPROVERS"}
    lines = tmp_path / "approvers.txt"
    lines.write_text("zoe\n\nyan\n")
    found = approval(env, pr=8, approvers_file=lines)
    assert found["pull_request"]["number"] == 8 and found["approvers"]["names"] == ["yan", "zoe"]
    listed = tmp_path / "approvers.json"
    listed.write_text('["gh-user"]')
    assert approval({}, approvers_file=listed)["approvers"]["names"] == ["gh-user"]


def test_gitlab_merge_request(tmp_path: Path):
    env = {
        "GITLAB_CI": "true",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_COMMIT_SHA": "d" * 40,
        "CI_PIPELINE_URL": "https://gitlab.example/p/1",
        "GITLAB_USER_LOGIN": "gl",
    }
    found = approval(env)
    assert found["pull_request"] == {"number": 7, "source": "CI_MERGE_REQUEST_IID"}
    assert found["ci"]["system"] == "gitlab-ci" and found["commit"]["sha"] == "d" * 40


def test_bad_input_is_a_clear_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="not a pull request number"):
        approval({"INTACCT_RECONCILE_PR": "twelve"})
    broken = tmp_path / "approvers.json"
    broken.write_text('["a", ')
    with pytest.raises(ConfigError, match=r"approvers.json:1:\d+: not valid JSON"):
        approval({}, approvers_file=broken)
    with pytest.raises(ConfigError, match="cannot read the approvers file"):
        approval({}, approvers_file=tmp_path / "missing.json")


def test_an_empty_approvers_file_is_no_approval_said_plainly(tmp_path: Path):
    empty = tmp_path / "approvers.txt"
    empty.write_text("")
    assert approval({}, approvers_file=empty)["approvers"] == {"names": [], "source": str(empty)}
