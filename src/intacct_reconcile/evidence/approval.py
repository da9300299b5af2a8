"""The approval context of an apply, as the CI run knows it: pull request, approvers, commit.

Each value records where it came from (`source`), and is `null` when nothing provides it:
the bundle states what is known, never guesses.

- pull request: `--pr N`, else `INTACCT_RECONCILE_PR`, else the GitHub event payload at
  `$GITHUB_EVENT_PATH` (`pull_request.number`; `number` of a `pull_request_review`), else
  GitLab's `CI_MERGE_REQUEST_IID`;
- approvers: `--approvers-file FILE` (a JSON list of names, or one name per line), else
  `INTACCT_RECONCILE_APPROVERS` (comma-separated), else an approving review in the GitHub
  event payload (`review.state == "approved"`: its `review.user.login`). A push to main
  carries no reviews: the CI step fetches them and writes the file (docs/evidence.md);
- commit: `GITHUB_SHA` / `CI_COMMIT_SHA` / `BUILDKITE_COMMIT` / `CIRCLE_SHA1`, else the
  manifests' git HEAD; the commit the audit log recorded for the apply is shown beside it;
- the CI run: system, run URL, actor, event.

Only these values are copied: never the event payload itself, never any other variable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from intacct_reconcile.errors import ConfigError

PR_ENV = "INTACCT_RECONCILE_PR"
APPROVERS_ENV = "INTACCT_RECONCILE_APPROVERS"
COMMIT_ENVS = ("GITHUB_SHA", "CI_COMMIT_SHA", "BUILDKITE_COMMIT", "CIRCLE_SHA1")
MAX_EVENT_BYTES = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB


def context(
    env: Mapping[str, str],
    *,
    pr: int | None,
    approvers_file: Path | None,
    git: Mapping[str, Any] | None,
    applied_git: Any,
) -> dict[str, Any]:
    """approval.json: what the CI says about who approved what."""
    event = _event(env)
    return {
        "pull_request": _pull_request(env, pr, event),
        "approvers": _approvers(env, approvers_file, event),
        "commit": _commit(env, git, applied_git),
        "ci": _ci(env),
    }


def _event(env: Mapping[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH", "")
    if not path:
        return {}
    try:
        with open(path, "rb") as fh:
            data = json.loads(fh.read(MAX_EVENT_BYTES))
    except (OSError, ValueError):
        return {}  # no payload to read: the values it would give stay unknown
    return data if isinstance(data, dict) else {}


def _pull_request(env: Mapping[str, str], pr: int | None, event: Mapping[str, Any]) -> Any:
    if pr is not None:
        return {"number": pr, "source": "--pr"}
    if env.get(PR_ENV, "").strip():
        text = env[PR_ENV].strip().lstrip("#")
        if not text.isdigit():
            raise ConfigError(
                f"{PR_ENV}={env[PR_ENV]!r} is not a pull request number — set it to the number "
                "alone, e.g. 42"
            )
        return {"number": int(text), "source": PR_ENV}
    pull = event.get("pull_request")
    if isinstance(pull, dict) and isinstance(pull.get("number"), int):
        return {"number": pull["number"], "source": "GITHUB_EVENT_PATH pull_request.number"}
    iid = env.get("CI_MERGE_REQUEST_IID", "").strip()
    if iid.isdigit():
        return {"number": int(iid), "source": "CI_MERGE_REQUEST_IID"}
    return None


def _approvers(
    env: Mapping[str, str], approvers_file: Path | None, event: Mapping[str, Any]
) -> Any:
    if approvers_file is not None:
        return {"names": _read_approvers(approvers_file), "source": str(approvers_file)}
    if env.get(APPROVERS_ENV, "").strip():
        names = sorted({n.strip() for n in env[APPROVERS_ENV].split(",") if n.strip()})
        return {"names": names, "source": APPROVERS_ENV}
    review = event.get("review")
    if isinstance(review, dict) and str(review.get("state", "")).lower() == "approved":
        login = (review.get("user") or {}).get("login")
        if isinstance(login, str) and login:
            return {"names": [login], "source": "GITHUB_EVENT_PATH review.user.login"}
    return None


def _read_approvers(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: cannot read the approvers file ({exc}) — pass --approvers-file a file "
            "the CI step wrote (a JSON list of names, or one name per line)"
        ) from None
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            names = json.loads(stripped)
        except ValueError as exc:
            raise ConfigError(
                f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}) — write a JSON "
                'list of names, e.g. ["alice", "bob"], or one name per line'
            ) from None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(
                f'{path}: the JSON must be a list of names (strings) — e.g. ["alice", "bob"]'
            )
    else:
        names = stripped.splitlines()
    return sorted({n.strip() for n in names if n.strip()})


def _commit(env: Mapping[str, str], git: Mapping[str, Any] | None, applied_git: Any) -> Any:
    applied = applied_git.get("commit") if isinstance(applied_git, dict) else None
    for name in COMMIT_ENVS:
        if env.get(name, "").strip():
            return {"sha": env[name].strip(), "source": name, "applied_from": applied}
    if git and git.get("commit"):
        return {
            "sha": git["commit"],
            "source": "git HEAD of the manifests",
            "applied_from": applied,
        }
    return {"sha": None, "source": None, "applied_from": applied}


def _ci(env: Mapping[str, str]) -> Any:
    if env.get("GITHUB_ACTIONS") == "true" or env.get("GITHUB_RUN_ID"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        run = (
            f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
            if env.get("GITHUB_REPOSITORY") and env.get("GITHUB_RUN_ID")
            else None
        )
        return {
            "system": "github-actions",
            "run_url": run,
            "actor": env.get("GITHUB_ACTOR") or None,
            "event": env.get("GITHUB_EVENT_NAME") or None,
            "repository": env.get("GITHUB_REPOSITORY") or None,
        }
    if env.get("GITLAB_CI") == "true":
        return {
            "system": "gitlab-ci",
            "run_url": env.get("CI_PIPELINE_URL") or None,
            "actor": env.get("GITLAB_USER_LOGIN") or None,
            "event": env.get("CI_PIPELINE_SOURCE") or None,
            "repository": env.get("CI_PROJECT_PATH") or None,
        }
    return None
