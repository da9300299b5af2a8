"""The base manifests of `plan --base REF`: a git ref's copy of the manifest folder, or a folder.

A git ref is read with `git archive` of the manifest path at that commit into a temporary
folder: the user's work tree is never checked out, switched or touched. The ref must name a
commit the repository holding PATH knows (a branch, `origin/main`, a tag, a SHA).

What can go wrong, and what it means:
  - PATH is not inside a git repository (or git is not installed): an error (exit 1) that says
    to pass a folder of the base manifests instead;
  - the ref does not exist: an error (exit 1) naming close matches and how to fetch it;
  - the ref exists but holds no manifests at PATH (the pull request adds them): not an error —
    the base declares nothing, so everything the plan does is introduced (`missing`).
"""

from __future__ import annotations

import difflib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from intacct_reconcile.errors import ConfigError

_GIT_TIMEOUT = 120  # seconds: a huge repository's archive, never a hung prompt


@dataclass(frozen=True)
class BaseSource:
    """Where the base manifests came from, and where they are on disk for loading.

    `kind`: "git" or "folder". `ref`/`commit`: the git ref as given and the commit it names
    ("" for a folder). `path`: the manifest path inside the repository (git) or the folder as
    given. `folder`: the manifests on disk (None when the ref holds none at `path`).
    `label`: the base as shown, e.g. "main:intacct". `config_differs`: the config file beside
    the manifests differs between base and head (True), is the same (False), or could not be
    compared (None). `scratch`: the temporary copy of the repository's files (git), where
    `folder` lies at `path`: a file there is shown as "REF:path/file.yaml".
    """

    kind: str
    ref: str
    commit: str
    path: str
    folder: Path | None
    label: str
    config_differs: bool | None = None
    scratch: Path | None = None

    def shown(self, text: str) -> str:
        """`text` (a message, a source) with the temporary copy's paths shown as REF:path."""
        if self.scratch is None:
            return text
        return text.replace(str(self.scratch) + os.sep, f"{self.ref}:")

    @property
    def missing(self) -> bool:
        return self.folder is None


@contextmanager
def open_base(base: str, manifests: Path, config: Path | None) -> Iterator[BaseSource]:
    """The base manifests for `--base BASE` of a plan of `manifests` (PATH); a git ref's copy
    lives in a temporary folder removed on exit. An existing folder named BASE is a folder
    base; anything else is a git ref."""
    if not base.strip():
        raise ConfigError("--base is empty — pass a git ref (e.g. origin/main) or a folder")
    as_folder = Path(base)
    if as_folder.is_dir():
        yield _folder_base(as_folder, config)
        return
    if as_folder.is_file():
        raise ConfigError(
            f"--base {base}: is a file — pass a git ref (e.g. origin/main) or a folder of the "
            "base manifests"
        )
    scratch = Path(tempfile.mkdtemp(prefix="intacct-reconcile-base-"))
    try:
        yield _git_base(base, manifests, config, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _folder_base(folder: Path, config: Path | None) -> BaseSource:
    differs = None
    if config is not None and config.is_file():
        beside = folder / config.name
        differs = (not beside.is_file()) or beside.read_bytes() != config.read_bytes()
    return BaseSource("folder", "", "", str(folder), folder, f"{folder}", differs)


def _git(repo: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args],
            capture_output=True,
            text=not binary,
            timeout=_GIT_TIMEOUT,
            # never prompt for credentials or an editor: this runs in CI
            env=_quiet_env(),
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError(
            "--base REF needs git, which is not installed here — install git, or pass --base a "
            "folder holding the base manifests"
        ) from None
    except subprocess.TimeoutExpired:
        raise ConfigError(
            f"git {args[0]} took longer than {_GIT_TIMEOUT} s — pass --base a folder of the "
            "base manifests instead"
        ) from None


def _quiet_env() -> dict[str, str]:
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"}


def _git_base(ref: str, manifests: Path, config: Path | None, scratch: Path) -> BaseSource:
    start = manifests if manifests.is_dir() else manifests.parent
    top = _git(start, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise ConfigError(
            f"--base {ref}: {manifests} is not inside a git repository — run plan from the git "
            "checkout of the manifests, or pass --base a folder holding the base manifests"
        )
    repo = Path(top.stdout.strip())
    rel = _inside(manifests, repo)
    found = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if found.returncode != 0 or not found.stdout.strip():
        raise ConfigError(_no_such_ref(ref, repo))
    commit = found.stdout.strip()
    label = f"{ref}:{rel}" if rel != "." else f"{ref}:"
    differs = _config_differs(repo, commit, config)
    listed = _git(repo, "ls-tree", "-r", "--name-only", commit, "--", rel)
    if listed.returncode != 0:
        raise ConfigError(f"--base {ref}: git ls-tree failed: {listed.stderr.strip()}")
    if not listed.stdout.strip():
        # the pull request adds the manifests: the base declares nothing
        return BaseSource("git", ref, commit, rel, None, label, differs, scratch)
    archive = _git(repo, "archive", "--format=tar", commit, "--", rel, binary=True)
    if archive.returncode != 0:
        message = archive.stderr.decode("utf-8", "replace").strip()
        raise ConfigError(f"--base {ref}: git archive of {rel} failed: {message}")
    _extract(archive.stdout, scratch)
    return BaseSource("git", ref, commit, rel, scratch / rel, label, differs, scratch)


def _extract(data: bytes, into: Path) -> None:
    """Unpack git's tar of the manifests: regular files and folders only, nothing outside."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = []
        for member in tar.getmembers():
            name = Path(member.name)
            if name.is_absolute() or ".." in name.parts:
                raise ConfigError(f"--base: unsafe path {member.name!r} in the git archive")
            if member.isfile() or member.isdir():  # symlinks in a manifest folder: left out
                members.append(member)
        # the "data" filter (Python 3.11.4+) checks the same again; older 3.11s lack it
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(into, members=members, **safe)


def _inside(path: Path, repo: Path) -> str:
    """`path` relative to the repository's top folder, in git's spelling ("." for the top)."""
    try:
        rel = path.resolve().relative_to(repo.resolve())
    except ValueError:
        raise ConfigError(
            f"{path} is not inside the git repository {repo} — pass --base a folder instead"
        ) from None
    return rel.as_posix() if rel.parts else "."


def _no_such_ref(ref: str, repo: Path) -> str:
    names = _git(repo, "for-each-ref", "--format=%(refname:short)")
    known = names.stdout.split() if names.returncode == 0 else []
    close = difflib.get_close_matches(ref, known, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return (
        f"--base {ref}: no such git ref or commit in {repo}{hint} — check the name; in CI fetch "
        "the base branch first (actions/checkout with fetch-depth: 0, or "
        "`git fetch origin BRANCH`) and pass origin/BRANCH"
    )


def _config_differs(repo: Path, commit: str, config: Path | None) -> bool | None:
    """Does the config at `commit` differ from the one in use? None: not in this repository."""
    if config is None or not config.is_file():
        return None
    try:
        rel = config.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return None
    shown = _git(repo, "show", f"{commit}:{rel}", binary=True)
    if shown.returncode != 0:
        return True  # the base has no config there: this pull request adds it
    return bool(shown.stdout != config.read_bytes())
