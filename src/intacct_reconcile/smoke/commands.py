"""`smoke-check [PATH]` and the check `apply --smoke-check` runs once the apply succeeded.

Exit codes: 0 when every declared (or chosen) user passed; 1 when one failed or was skipped
(its password not in the environment), or on bad input. `apply --smoke-check` keeps the
apply's own code when the apply did not succeed (the check does not run then), and exits 1
when the apply succeeded and the check did not pass.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from intacct_reconcile.errors import ConfigError, did_you_mean
from intacct_reconcile.settings import Target

Boundary = Callable[[Callable[..., Any]], Callable[..., Any]]
EXIT_FAILED = 1
FORMATS = ("text", "json")


@dataclass(frozen=True)
class Outcome:
    """What a smoke check gives the CLI: the result data, the file it was written to, and the
    exit code."""

    data: dict[str, Any]
    path: Path
    exit_code: int


def check(
    manifests_path: Path,
    target: Target,
    base_dir: Path,
    *,
    apply_id: str | None = None,
    users: Sequence[str] = (),
    progress: Callable[[str], None] = lambda _: None,
) -> Outcome:
    """Load the manifests' smoke checks, run them against `target`, write the result file
    under `base_dir`."""
    from intacct_reconcile.connect import open_clients
    from intacct_reconcile.credentials import load_credentials
    from intacct_reconcile.manifest.api import load_desired
    from intacct_reconcile.smoke import report
    from intacct_reconcile.smoke.run import run_checks

    manifests = load_desired(manifests_path, vars=dict(target.vars), env=os.environ)
    chosen = _chosen(manifests.smoke_checks, users, manifests_path)
    tool, _rest = load_credentials(target, os.environ)
    with open_clients(target) as clients:
        results = run_checks(clients.xml, tool, chosen, os.environ, progress)
    data = report.to_data(
        results, apply_id=apply_id, target=target.name, company_id=tool.company_id
    )
    path = report.write(report.result_path(base_dir, apply_id), data)
    return Outcome(data, path, 0 if data["status"] == "passed" else EXIT_FAILED)


def _chosen(declared: Sequence[Any], users: Sequence[str], path: Path) -> list[Any]:
    if not declared:
        raise ConfigError(
            f"{path}: the manifests declare no smoke_checks — add a `smoke_checks:` section "
            "(docs/smoke-check.md) naming the web services users to sign in as"
        )
    if not users:
        return list(declared)
    by_login = {c.user.casefold(): c for c in declared}
    unknown = [u for u in users if u.casefold() not in by_login]
    if unknown:
        logins = [c.user for c in declared]
        hint = did_you_mean(unknown[0], logins).removeprefix(" — ")
        raise ConfigError(
            f"--user {unknown[0]}: no smoke check declared for this user — "
            + (hint or f"declared: {', '.join(logins)}")
        )
    return [by_login[u.casefold()] for u in dict.fromkeys(users)]


def after_apply(
    outcome: Any,
    path: Path,
    ui: Any,
    *,
    fmt: str = "text",
    quiet: bool = False,
    users: Sequence[str] = (),
) -> int:
    """Run the smoke check after `apply --smoke-check`; the command's exit code.

    Runs only when the apply succeeded (exit 0), with nothing applied too (the integration
    must work either way). The summary goes to stdout after the apply report, or to stderr
    when the report is JSON (stdout stays one JSON document)."""
    if outcome.exit_code != 0 or outcome.context is None:
        ui.note("smoke check not run: the apply did not succeed")
        return int(outcome.exit_code)
    ctx = outcome.context
    # a saved plan's manifests are the folder it was planned from (its recorded base_dir)
    manifests = ctx.base_dir if _is_plan_file(path) else path
    result = check(
        manifests,
        ctx.target,
        ctx.base_dir,
        apply_id=outcome.apply_id,
        users=users,
        progress=_silent if quiet else ui.note,
    )
    from intacct_reconcile.smoke import report

    text = report.summary(result.data, result.path)
    if fmt == "json":
        ui.note(text)
    else:
        ui.out(text)
    return result.exit_code


def _silent(_: str) -> None:
    pass


def refuse_fleet(smoke_check: bool) -> None:
    if smoke_check:
        raise ConfigError(
            "--smoke-check runs for one target — apply the targets, then run "
            "`smoke-check PATH --target T` for each"
        )


def _is_plan_file(path: Path) -> bool:
    from intacct_reconcile.workflow import is_plan_file

    return is_plan_file(path)


UsersOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--user",
        metavar="LOGIN",
        help="Only this declared web services user (repeatable; default: every one).",
    ),
]


def register(app: typer.Typer, boundary: Boundary) -> None:
    @app.command("smoke-check")
    @boundary
    def smoke_check(
        path: Annotated[
            Path, typer.Argument(help="Manifest directory or file (default: the current one).")
        ] = Path("."),
        target: Annotated[
            str | None, typer.Option("--target", help="Target name from intacct-reconcile.yaml.")
        ] = None,
        config: Annotated[
            Path | None,
            typer.Option(
                "--config",
                help="intacct-reconcile.yaml (default: beside PATH, else in the current "
                "directory).",
            ),
        ] = None,
        sandbox: Annotated[
            bool,
            typer.Option(
                "--sandbox",
                help="Use the embedded sandbox (the config's sandbox target, or one with no "
                "config).",
            ),
        ] = False,
        user: UsersOpt = None,
        fmt: Annotated[str, typer.Option("--format", help="Output format: text or json.")] = "text",
        quiet: Annotated[
            bool, typer.Option("--quiet", "-q", help="No progress on stderr.")
        ] = False,
    ) -> None:
        """Sign in as each web services user declared under `smoke_checks:` (password from
        its ${env:NAME}) and read one record of each object its vendor needs. Writes
        .intacct-reconcile/smoke-checks/check-*.json beside the manifests. Exit 1 when a
        user fails or is skipped (its password not in the environment)."""
        from intacct_reconcile.settings import load_config, resolve_target
        from intacct_reconcile.smoke import report
        from intacct_reconcile.terminal import default_ui

        if fmt not in FORMATS:
            raise ConfigError(f"unknown --format {fmt!r} — use one of: {', '.join(FORMATS)}")
        if not path.exists():
            raise ConfigError(f"{path}: no such manifest directory or file — check PATH")
        cfg = load_config(config, manifest_path=path)
        tgt = resolve_target(cfg, target, sandbox=sandbox)
        base = path if path.is_dir() else path.parent
        ui = default_ui()
        result = check(
            path, tgt, base, users=tuple(user or ()), progress=_silent if quiet else ui.note
        )
        if fmt == "json":
            from intacct_reconcile.digests import canonical_json

            ui.out(canonical_json(result.data))
        else:
            ui.out(report.summary(result.data, result.path))
        if result.exit_code:
            raise typer.Exit(result.exit_code)
