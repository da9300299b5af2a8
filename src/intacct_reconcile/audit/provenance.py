"""Who ran an apply and which manifests it came from (the git commit of the manifest folder)."""

from __future__ import annotations

import getpass
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

STATE_DIR = ".intacct-reconcile"
GIT_TIMEOUT = 10  # seconds: a hung git must not hold up an apply


def who_ran(folder: Path, env: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """(name, where it came from): the CI actor or git user.email (the identity attestations
    use), else $USER, else the login name."""
    from intacct_reconcile.attestations import AttestationError, identity

    try:
        return identity(env, folder)
    except AttestationError:
        pass
    if env.get("USER"):
        return env["USER"], "USER"
    try:
        return getpass.getuser(), "login name"
    except Exception:  # no login name in some containers
        return "unknown", "nothing"


def git_state(folder: Path) -> dict[str, object] | None:
    """{"commit": HEAD, "dirty": uncommitted changes under the folder} or None outside git.

    The tool's own state folder does not count (the audit log, the sandbox database), except
    attestations: they decide which manual steps a plan holds.
    """
    commit = _git(folder, "rev-parse", "HEAD")
    if not commit:
        return None
    status = _git(folder, "status", "--porcelain", "--untracked-files=all", "--", ".")
    changed = [line[3:] for line in status.splitlines() if len(line) > 3]
    return {"commit": commit, "dirty": any(_counts(path) for path in changed)}


def _counts(path: str) -> bool:
    parts = path.strip('"').split("/")
    if STATE_DIR not in parts:
        return True
    inside = parts[parts.index(STATE_DIR) + 1 :]
    return bool(inside) and inside[0] == "attestations"


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):  # no git, or the folder is gone
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""
