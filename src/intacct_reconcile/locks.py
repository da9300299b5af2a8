"""One apply per target at a time: an exclusive lock file per target.

    .intacct-reconcile/locks/<target>.lock      beside the config (or the manifests)

Why a local file: the Intacct API has no lock object a client could take and that would be
released when the client dies (no XML function or REST object for it; a marker record in the
company, such as a custom field, would outlive a killed apply and need its own clean-up), so
two applies can only be kept apart where they run.

`hold()` takes an `fcntl.flock` on the file and writes who holds it (pid, host, user, start
time, command) into it; a second apply finds the lock taken and stops with a message naming
the holder. The operating system releases a flock when its process ends, however it ends
(kill -9 included), so on a local disk a lock is never stale. It can be on a shared
filesystem (NFS, SMB): a client host that crashed or lost the network may leave its lock held
on the server until the server notices, and some filesystems emulate flock poorly or not at
all. For that case `intacct-reconcile unlock --target T` breaks the lock: it removes the lock
file, so the next apply locks a new file; it refuses while the holder is a process still
running on this host.

Holding a file descriptor on a file that `unlock` removed would be a lock on nothing, so
`hold()` checks after locking that the path still names the file it locked, and tries again
if not.
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import json
import os
import re
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intacct_reconcile.errors import ReconcileError

LOCK_DIR = Path(".intacct-reconcile") / "locks"
_ATTEMPTS = 5  # re-opens when the file is replaced under us (`unlock` racing `hold`)


class TargetLockedError(ReconcileError):
    """Another apply holds the target's lock (exit 1)."""


def lock_path(base_dir: Path, target: str) -> Path:
    """Where the lock of `target` lives (target names made safe as file names)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", target) or "_"
    return base_dir / LOCK_DIR / f"{safe}.lock"


def holder_info(target: str) -> dict[str, Any]:
    """Who takes the lock: written into the lock file, shown to whoever finds it taken."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        user = str(os.getuid())
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": user,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "target": target,
        "command": " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[
            :200
        ],
    }


def describe(holder: dict[str, Any] | None) -> str:
    if not holder:
        return "an unknown process (the lock file names no holder)"
    return (
        f"pid {holder.get('pid', '?')} on {holder.get('host', '?')} "
        f"(user {holder.get('user', '?')}, since {holder.get('started_at', '?')})"
    )


def read_holder(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@contextmanager
def hold(base_dir: Path, target: str) -> Iterator[Path]:
    """Hold the target's lock for the duration of the block, or raise TargetLockedError."""
    path = lock_path(base_dir, target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReconcileError(
            f"{path.parent}: cannot create the lock folder ({exc.strerror}) — apply needs a "
            "writable .intacct-reconcile folder beside the config"
        ) from None
    fd = _lock(path, target)
    try:
        yield path
    finally:
        # clear the holder before unlocking, so a reader never sees a finished apply as the
        # holder; the file itself stays (removing it would race a waiting apply)
        with suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # releases the flock


def _lock(path: Path, target: str) -> int:
    for _ in range(_ATTEMPTS):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ReconcileError(
                f"{path}: cannot open the lock file ({exc.strerror}) — check the permissions "
                "of the .intacct-reconcile folder"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise _busy(path, target) from None
            raise ReconcileError(
                f"{path}: cannot lock the file ({exc.strerror}); the filesystem may not "
                "support file locks — keep .intacct-reconcile on a local disk"
            ) from None
        if _same_file(fd, path):
            _write_holder(fd, holder_info(target))
            return fd
        os.close(fd)  # `unlock` removed the file between open and flock: lock the new one
    raise ReconcileError(f"{path}: the lock file keeps being replaced — try again")


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _write_holder(fd: int, holder: dict[str, Any]) -> None:
    data = (json.dumps(holder, sort_keys=True) + "\n").encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
    os.fsync(fd)


def _busy(path: Path, target: str) -> TargetLockedError:
    holder = read_holder(path)
    return TargetLockedError(
        f"target {target!r} is locked: another apply is running, held by {describe(holder)} "
        f"({path}) — wait for it to finish; if that process no longer exists (a crashed host "
        f"on a shared filesystem), break the lock with `intacct-reconcile unlock --target "
        f"{target}`"
    )


def break_lock(base_dir: Path, target: str) -> str:
    """Remove the target's lock file unless its holder is alive on this host; say what was
    done."""
    path = lock_path(base_dir, target)
    if not path.exists():
        return f"target {target!r} is not locked ({path} does not exist)"
    holder = read_holder(path)
    if _free(path):
        return f"target {target!r} is not locked (no apply holds {path})"
    if holder and holder.get("host") == socket.gethostname() and _alive(holder.get("pid")):
        raise TargetLockedError(
            f"target {target!r} is locked by {describe(holder)}, a process still running on "
            "this host — let it finish or stop it; unlock only breaks locks whose holder is gone"
        )
    path.unlink(missing_ok=True)
    return f"broke the lock of target {target!r} held by {describe(holder)}; removed {path}"


def _free(path: Path) -> bool:
    """Can the lock be taken right now (nobody holds it)?"""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (TypeError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
