"""`make demo`: the product end to end against the embedded sandbox, no credentials needed.

On a copy of the Expensify blueprint (examples/configs/expensify) in a temporary folder, as
real `intacct-reconcile` processes: validate -> plan (changes and manual steps) -> apply ->
an admin performs the manual steps in the sandbox's UI (`sandbox ui ...`) -> attest the steps
no API can read back -> plan (nothing left) -> someone edits a record by hand -> plan shows the
drift -> apply repairs it -> the web services user gets its password (Intacct emails one) and
the smoke check signs in as it and runs its vendor's reads. Exits non-zero as soon as a step
does not behave as expected.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

BLUEPRINT = "expensify"
MAX_LINES = 40  # long outputs (a role's expanded permissions) are cut for reading
STATE_DIR = ".intacct-reconcile"
SMOKE_USER = "xmlgateway_expensify"  # the blueprint's smoke-check.yaml
SMOKE_PASSWORD_ENV = "EXPENSIFY_WS_PASSWORD"


class DemoFailed(Exception):
    pass


def _find_blueprint() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "examples" / "configs" / BLUEPRINT
        if candidate.is_dir():
            return candidate
    raise DemoFailed(f"examples/configs/{BLUEPRINT} not found: run the demo from a clone")


def _header(number: int, title: str) -> None:
    print(f"\n=== {number}. {title} ===", flush=True)


def _shown(text: str) -> str:
    lines = text.rstrip("\n").splitlines()
    if len(lines) <= MAX_LINES:
        return "\n".join(lines)
    cut = lines[:MAX_LINES]
    return "\n".join([*cut, f"    … {len(lines) - MAX_LINES} more lines"])


def run(
    args: Sequence[str],
    cwd: Path,
    *,
    expect: Sequence[int] = (0,),
    show: bool = True,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """One `intacct-reconcile` process; its command line, its output, its exit code checked.

    With show=False the run is the demo's own bookkeeping (reading a JSON plan) and prints
    nothing unless it fails.
    """
    command = [sys.executable, "-m", "intacct_reconcile", *args]
    if show:
        print(f"$ intacct-reconcile {shlex.join(args)}", flush=True)
    done = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "NO_COLOR": "1"},
        timeout=300,
    )
    if show and done.stdout.strip():
        print(_shown(done.stdout), flush=True)
    if done.returncode not in expect:
        print(done.stderr, file=sys.stderr)
        raise DemoFailed(
            f"`intacct-reconcile {shlex.join(args)}` exited {done.returncode}, "
            f"expected {' or '.join(map(str, expect))}"
        )
    if show:
        print(f"(exit {done.returncode})", flush=True)
    return done


def ui_commands(plan: dict[str, Any]) -> tuple[list[list[str]], list[str]]:
    """What an admin does in the UI for each pending manual step, and what to attest after."""
    from intacct_reconcile.kinds import REGISTRY

    commands: list[list[str]] = []
    attest: list[str] = []
    for change in plan["changes"]:
        if change["action"] != "manual" or not change["pending"]:
            continue
        kind = REGISTRY[change["kind"]]
        key = change["key"]
        after = {f["name"]: f["after"] for f in change["fields"]}
        if kind.hooks.sandbox_ui is None:
            raise DemoFailed(f"the demo does not know the UI step for {kind.key}/{key}")
        commands += kind.hooks.sandbox_ui(kind, key, after)
        if kind.verify != "api":
            attest.append(f"{kind.key}/{key}")
    return commands, attest


def _drift_target(plan: dict[str, Any]) -> tuple[str, str, str]:
    """An object the blueprint creates through the XML API, to be edited by hand later: one of
    a kind that names a free-text field for it (`extra["drift_field"]`)."""
    from intacct_reconcile.kinds import REGISTRY

    for change in plan["changes"]:
        kind = REGISTRY.get(change["kind"])
        if change["action"] == "create" and kind is not None and "drift_field" in kind.extra:
            return kind.object or "", change["key"], kind.extra["drift_field"]
    raise DemoFailed(f"the {BLUEPRINT} blueprint creates nothing the drift step can edit")


def main(argv: Sequence[str] = ()) -> int:
    keep = "--keep" in argv
    started = time.perf_counter()
    try:
        source = _find_blueprint()
        folder = Path(tempfile.mkdtemp(prefix="intacct-reconcile-demo-")) / BLUEPRINT
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns(STATE_DIR))
        print(f"intacct-reconcile demo: the {BLUEPRINT} blueprint against the embedded sandbox")
        print(f"working copy: {folder}  (sandbox state: {folder / STATE_DIR / 'sandbox.db'})")
        db = str(folder / STATE_DIR / "sandbox.db")

        _header(1, "validate the manifests (offline)")
        run(["validate", "."], folder)

        _header(2, "plan: what would change, and the steps only a human can do")
        run(["plan", ".", "--quiet", "--detailed-exitcode"], folder, expect=(2,))
        first = json.loads(
            run(["plan", ".", "--quiet", "--format", "json"], folder, show=False).stdout
        )
        drift_target = _drift_target(first)

        _header(3, "apply: everything the API can do")
        run(["apply", ".", "--auto-approve", "--quiet", "--by", "demo"], folder)

        _header(4, "an admin performs the manual steps in the Intacct UI")
        # only steps waiting for a person are left: exit 6, not drift (2)
        run(["plan", ".", "--quiet", "--detailed-exitcode"], folder, expect=(6,))
        plan = json.loads(
            run(["plan", ".", "--quiet", "--format", "json"], folder, show=False).stdout
        )
        commands, to_attest = ui_commands(plan)
        for command in commands:
            run(["sandbox", "ui", *command, "--db", db], folder)

        _header(5, "attest the steps that no API can read back")
        for ref in to_attest:
            run(["attest", ref, "--by", "demo", "--note", "done in the UI during the demo"], folder)

        _header(6, "plan again: nothing left to do")
        run(["plan", ".", "--quiet", "--detailed-exitcode"], folder)

        obj, key, field = drift_target
        _header(7, f"someone edits {obj} {key} by hand in the UI")
        run(
            ["sandbox", "ui", "edit-record", obj, key, f"{field}=Edited by hand", "--db", db],
            folder,
        )
        run(["plan", ".", "--quiet", "--detailed-exitcode"], folder, expect=(2,))

        _header(8, "apply repairs the drift; the audit log records every apply")
        run(["apply", ".", "--auto-approve", "--quiet", "--by", "demo"], folder)
        run(["plan", ".", "--quiet", "--detailed-exitcode"], folder)
        from intacct_reconcile.audit import applies

        print(f"{len(applies(folder))} applies recorded in {STATE_DIR}/audit.log")

        _header(9, "the vendor's user signs in: the integration smoke check")
        # Intacct emails the new web services user a password; whoever holds it keeps it in
        # the environment (a CI secret). The demo makes one up and never prints it.
        secret = {SMOKE_PASSWORD_ENV: secrets.token_urlsafe(16)}
        run(
            [
                "sandbox",
                "ui",
                "set-password",
                SMOKE_USER,
                "--password-env",
                SMOKE_PASSWORD_ENV,
                "--db",
                db,
            ],
            folder,
            env=secret,
        )
        run(["smoke-check", "."], folder, env=secret)
    except DemoFailed as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    print(f"\ndemo finished in {time.perf_counter() - started:.1f} s")
    if not keep:
        shutil.rmtree(folder.parent, ignore_errors=True)
    else:
        print(f"kept {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
