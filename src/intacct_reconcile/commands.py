"""The engine verbs on the command line: plan, apply, show, attest, export (DESIGN §6).

Each command parses its options and calls the matching plain function in `workflow`; the
`boundary` wrapper from cli.py turns ReconcileErrors into a message and their exit code.
Results go to stdout, progress and prompts to stderr.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from intacct_reconcile import fleet_commands
from intacct_reconcile.smoke import commands as smoke_commands

Boundary = Callable[[Callable[..., Any]], Callable[..., Any]]

# one search order for every verb (README "Targets and credentials")
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="intacct-reconcile.yaml (default: beside PATH, else in the current directory).",
    ),
]
ApplyConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="intacct-reconcile.yaml (default: beside PATH or the plan file, else in the "
        "current directory, else where a saved plan was made).",
    ),
]
AttestConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="intacct-reconcile.yaml (default: beside --path, else in the current directory).",
    ),
]
ExportConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="intacct-reconcile.yaml (default: next to the --unmanaged manifests, else in the "
        "current directory).",
    ),
]
SandboxOpt = Annotated[
    bool,
    typer.Option(
        "--sandbox",
        help="Use the embedded sandbox (the config's sandbox target, or one with no config).",
    ),
]
TargetOpt = Annotated[
    str | None, typer.Option("--target", help="Target name from intacct-reconcile.yaml.")
]
# plan/apply: several targets at once (fleet_commands.py; README "Many companies")
TargetsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        help="Target name from intacct-reconcile.yaml; repeatable, or a group name, a glob "
        "('client-*') or 'all' to run many targets at once.",
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", help="Output format: text, markdown or json.")]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option("--concurrency", min=1, help="Parallel API requests (default: the target's)."),
]
KindOpt = Annotated[list[str] | None, typer.Option("--kind", help="Only this kind (repeatable).")]
OnlyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--only",
        metavar="KIND/KEY",
        help="Emergency: only this object's change (repeatable). Refused when it needs an "
        "object this plan also creates or changes; the plan is marked partial.",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=0.001,
        help="Give up after SECONDS for the whole command (default: no limit).",
    ),
]
RequestTimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--request-timeout",
        min=0.001,
        help="Give up on one API request after SECONDS, however the server trickles its "
        "answer (default: 120).",
    ),
]


def _deadlines(timeout: float | None, request_timeout: float | None) -> Any:
    from intacct_reconcile.client import deadline

    return deadline.limits(request=request_timeout, run=timeout)


def register(app: typer.Typer, boundary: Boundary) -> None:
    """Attach the engine commands to the CLI app."""
    fleet_commands.register(app, boundary)

    @app.command()
    @boundary
    def plan(
        path: Annotated[Path, typer.Argument(help="Manifest directory or file.")],
        target: TargetsOpt = None,
        config: ConfigOpt = None,
        out: Annotated[
            Path | None, typer.Option("--out", help="Save the plan (JSON) for `apply PLANFILE`.")
        ] = None,
        fmt: FormatOpt = "text",
        detailed_exitcode: Annotated[
            bool,
            typer.Option(
                "--detailed-exitcode",
                help="Exit 2 when changes are present, 3 when apply would refuse the plan, "
                "6 when only manual steps wait for a person.",
            ),
        ] = False,
        kind: KindOpt = None,
        only: OnlyOpt = None,
        concurrency: ConcurrencyOpt = None,
        quiet: QuietOpt = False,
        sandbox: SandboxOpt = False,
        timeout: TimeoutOpt = None,
        request_timeout: RequestTimeoutOpt = None,
        out_dir: fleet_commands.OutDirOpt = None,
        parallel_targets: fleet_commands.ParallelOpt = fleet_commands.DEFAULT_PARALLEL,
        shard: fleet_commands.ShardOpt = None,
        workers: fleet_commands.WorkersOpt = None,
        base: Annotated[
            str | None,
            typer.Option(
                "--base",
                metavar="REF",
                help="Also plan the base manifests (a git ref such as origin/main, or a folder) "
                "against the same live read, and show what this pull request introduces, what "
                "was already pending on base (drift) and what it withdraws. One target only.",
            ),
        ] = None,
    ) -> None:
        """Show how live state differs from the manifests (no writes)."""
        from intacct_reconcile import workflow
        from intacct_reconcile.terminal import default_ui

        if fleet_commands.is_fleet(path, config, target, out_dir, shard):
            from intacct_reconcile.base_split import refuse_fleet

            refuse_fleet(base)
            fleet_commands.refuse_sandbox(sandbox)
            fleet_commands.refuse_only(only)
            with _deadlines(timeout, request_timeout):
                fleet_commands.plan(
                    path,
                    targets=target or [],
                    config=config,
                    out=out,
                    out_dir=out_dir,
                    fmt=fmt,
                    detailed_exitcode=detailed_exitcode,
                    only_kinds=tuple(kind or ()),
                    concurrency=concurrency,
                    quiet=quiet,
                    parallel=parallel_targets,
                    shard=shard,
                    workers=workers,
                )
            return
        ui = default_ui()
        with _deadlines(timeout, request_timeout):
            result = workflow.plan(
                path,
                config=config,
                target=fleet_commands.single(target),
                out=out,
                fmt=fmt,
                only_kinds=tuple(kind or ()),
                only=tuple(only or ()),
                concurrency=concurrency,
                quiet=quiet,
                sandbox=sandbox,
                ui=ui,
                base=base,
            )
        ui.out(result.output)
        if detailed_exitcode and result.detailed_exit_code:
            raise typer.Exit(result.detailed_exit_code)

    @app.command()
    @boundary
    def apply(
        path: Annotated[
            Path,
            typer.Argument(
                help="Manifest directory/file, a plan file saved by `plan --out`, or a folder "
                "of plans saved by `plan --out-dir`."
            ),
        ],
        target: TargetsOpt = None,
        config: ApplyConfigOpt = None,
        auto_approve: Annotated[
            bool,
            typer.Option(
                "--auto-approve",
                help="Apply without asking for confirmation (a saved plan file never asks).",
            ),
        ] = False,
        force: Annotated[
            bool,
            typer.Option(
                "--force", help="Override the safety gate's thresholds and lockout guards."
            ),
        ] = False,
        allow_irreversible: Annotated[
            bool,
            typer.Option(
                "--allow-irreversible",
                help="Apply irreversible changes (GL account deletes); --force does not.",
            ),
        ] = False,
        fmt: FormatOpt = "text",
        kind: KindOpt = None,
        only: OnlyOpt = None,
        concurrency: ConcurrencyOpt = None,
        by: Annotated[
            str | None,
            typer.Option(
                "--by",
                help="Who applies, recorded in the audit log next to the identity found "
                "(CI actor, git user.email, $USER).",
            ),
        ] = None,
        quiet: QuietOpt = False,
        sandbox: SandboxOpt = False,
        timeout: TimeoutOpt = None,
        request_timeout: RequestTimeoutOpt = None,
        parallel_targets: fleet_commands.ParallelOpt = fleet_commands.DEFAULT_PARALLEL,
        shard: fleet_commands.ShardOpt = None,
        workers: fleet_commands.WorkersOpt = None,
        smoke_check: Annotated[
            bool,
            typer.Option(
                "--smoke-check",
                help="After a successful apply, sign in as each web services user declared "
                "under smoke_checks and run its vendor's reads (docs/smoke-check.md); exit 1 "
                "when one fails or is skipped.",
            ),
        ] = False,
    ) -> None:
        """Make live state match the manifests (or apply exactly a reviewed plan file)."""
        if fleet_commands.is_fleet(path, config, target, None, shard, applying=True):
            smoke_commands.refuse_fleet(smoke_check)
            fleet_commands.refuse_sandbox(sandbox)
            fleet_commands.refuse_only(only)
            with _deadlines(timeout, request_timeout):
                fleet_commands.apply(
                    path,
                    targets=target or [],
                    config=config,
                    auto_approve=auto_approve,
                    force=force,
                    allow_irreversible=allow_irreversible,
                    fmt=fmt,
                    only_kinds=tuple(kind or ()),
                    concurrency=concurrency,
                    by=by,
                    quiet=quiet,
                    parallel=parallel_targets,
                    shard=shard,
                    workers=workers,
                )
            return
        from intacct_reconcile import early_session
        from intacct_reconcile.handoff import network_first

        # requests leave and answers are read while the engine loads and plans (handoff.py)
        with (
            _deadlines(timeout, request_timeout),
            network_first(),
            contextlib.ExitStack() as clients,
        ):
            # the session is asked for first: the engine loads while it is on the wire
            early = early_session.start(
                path,
                config=config,
                target=fleet_commands.single(target),
                concurrency=concurrency,
                sandbox=sandbox,
            )
            if early is not None:
                clients.enter_context(early.stack)
            from intacct_reconcile import workflow
            from intacct_reconcile.terminal import default_ui

            ui = default_ui()
            result = workflow.apply(
                path,
                config=config,
                target=fleet_commands.single(target),
                auto_approve=auto_approve,
                force=force,
                allow_irreversible=allow_irreversible,
                fmt=fmt,
                only_kinds=tuple(kind or ()),
                only=tuple(only or ()),
                concurrency=concurrency,
                by=by,
                quiet=quiet,
                sandbox=sandbox,
                ui=ui,
                early=early,
            )
        ui.out(result.output)
        code = (
            smoke_commands.after_apply(result, path, ui, fmt=fmt, quiet=quiet)
            if smoke_check
            else result.exit_code
        )
        if code:
            raise typer.Exit(code)

    @app.command()
    @boundary
    def show(
        planfile: Annotated[
            Path, typer.Argument(metavar="PLANFILE", help="A plan file saved by `plan --out`.")
        ],
        fmt: FormatOpt = "text",
    ) -> None:
        """Render a saved plan (no config, credentials or network needed)."""
        from intacct_reconcile import workflow
        from intacct_reconcile.terminal import default_ui

        ui = default_ui()
        ui.out(workflow.show(planfile, fmt=fmt, ui=ui))

    @app.command()
    @boundary
    def attest(
        ref: Annotated[
            str,
            typer.Argument(metavar="KIND/KEY", help="The manual step, e.g. sender_ids/expensify."),
        ],
        by: Annotated[
            str | None,
            typer.Option(
                "--by",
                help="Who performed the step in the UI (default: the CI user, e.g. "
                "GITHUB_ACTOR or GITLAB_USER_LOGIN, else `git config user.email`).",
            ),
        ] = None,
        path: Annotated[
            Path | None,
            typer.Option(
                "--path",
                help="Manifest directory (default: the --config file's folder, else the "
                "current directory).",
            ),
        ] = None,
        target: TargetOpt = None,
        config: AttestConfigOpt = None,
        note: Annotated[str, typer.Option("--note", help="Free text (ticket, details).")] = "",
        sandbox: SandboxOpt = False,
    ) -> None:
        """Record that a manual (UI-only) step was performed as declared."""
        from intacct_reconcile import workflow

        typer.echo(
            workflow.attest(
                ref,
                path=path,
                config=config,
                target=target,
                by=by,
                note=note,
                sandbox=sandbox,
            )
        )

    @app.command()
    @boundary
    def export(
        out: Annotated[Path, typer.Option("--out", help="Directory to write manifests into.")],
        kind: Annotated[
            list[str] | None,
            typer.Option("--kind", help="Kind to export (repeatable; default: every kind)."),
        ] = None,
        single_file: Annotated[
            bool,
            typer.Option(
                "--single-file", help="One manifest file (OUT/intacct.yaml), not one per kind."
            ),
        ] = False,
        unmanaged: Annotated[
            Path | None,
            typer.Option(
                "--unmanaged",
                help="Only live objects the manifests at this path do not declare yet; "
                "existing files are never replaced (new ones get free names).",
            ),
        ] = None,
        force: Annotated[
            bool, typer.Option("--force", help="Overwrite exported files in a non-empty --out.")
        ] = False,
        target: TargetOpt = None,
        config: ExportConfigOpt = None,
        concurrency: ConcurrencyOpt = None,
        quiet: QuietOpt = False,
        sandbox: SandboxOpt = False,
        timeout: TimeoutOpt = None,
        request_timeout: RequestTimeoutOpt = None,
    ) -> None:
        """Write live objects as manifests, so that a first plan is empty.

        UI-only kinds no API can read (sender IDs, IP filters) are written as commented
        templates with the UI path to copy their values from.
        """
        from intacct_reconcile import workflow

        with _deadlines(timeout, request_timeout):
            written = workflow.export(
                kinds=tuple(kind or ()),
                out=out,
                config=config,
                target=target,
                concurrency=concurrency,
                quiet=quiet,
                sandbox=sandbox,
                single_file=single_file,
                unmanaged=unmanaged,
                force=force,
            )
        typer.echo(written)

    @app.command()
    @boundary
    def unlock(
        target: TargetOpt = None,
        config: AttestConfigOpt = None,
        path: Annotated[
            Path | None,
            typer.Option(
                "--path",
                help="Manifest directory (default: the --config file's folder, else the "
                "current directory).",
            ),
        ] = None,
        sandbox: SandboxOpt = False,
    ) -> None:
        """Break a target's apply lock left by a process that is gone (shared filesystems)."""
        from intacct_reconcile import workflow

        typer.echo(workflow.unlock(path=path, config=config, target=target, sandbox=sandbox))

    from intacct_reconcile.audit import commands as audit_commands

    audit_commands.register(app, boundary)
    smoke_commands.register(app, boundary)

    from intacct_reconcile.evidence import commands as evidence_commands

    evidence_commands.register(app, boundary)
