"""Many targets on the command line: fleet `plan`/`apply`, `diff` and `rollup`.

`plan` and `apply` (commands.py) hand over here when their --target options name several
targets (repeated, a glob, a group, `all`), or with --out-dir / --shard, or when `apply` is
given a folder of plans. Each target's line is printed as it finishes (stdout for text,
stderr for markdown/JSON), then the roll-up (rollup.py); the exit status is the worst
target's (fleet.SEVERITY, README "Exit codes").
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from intacct_reconcile import interrupts, run_context
from intacct_reconcile.errors import ConfigError

DEFAULT_PARALLEL = 4  # fleet.DEFAULT_PARALLEL_TARGETS (not imported: the CLI starts lighter)

OutDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--out-dir",
        help="Save one plan file per target in DIR (and DIR/rollup.json) for `apply DIR`.",
    ),
]
ParallelOpt = Annotated[
    int,
    typer.Option(
        "--parallel-targets",
        min=1,
        help="Targets worked on at once, over all worker processes (each keeps its own "
        "company's request limit).",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        help="Processes the targets run in, for the machine's other cores (default: one per "
        "core, one per 32 targets, at least 1; 1 runs them all in this process).",
    ),
]
ShardOpt = Annotated[
    str | None,
    typer.Option(
        "--shard",
        metavar="K/N",
        help="Only shard K of N of the selected targets (for a CI matrix).",
    ),
]


def single(targets: Sequence[str] | None) -> str | None:
    """The one target of a single-target run."""
    return targets[0] if targets else None


def is_fleet(
    path: Path,
    config: Path | None,
    targets: Sequence[str] | None,
    out_dir: Path | None,
    shard: str | None,
    *,
    applying: bool = False,
) -> bool:
    """Does this run work on several targets (or on a folder of plans)?"""
    from intacct_reconcile.targets import is_fleet_selector

    targets = targets or []
    if len(targets) > 1 or out_dir is not None or shard is not None:
        return True
    if any(is_fleet_selector(t) for t in targets):
        return True
    if applying:
        from intacct_reconcile.run_context import is_plan_dir

        if is_plan_dir(path):
            return True
    if len(targets) == 1 and path.exists():
        from intacct_reconcile.settings import find_config, load_config

        if config is not None or find_config(path) is not None:
            return targets[0] in load_config(config, manifest_path=path).groups
    return False


def refuse_sandbox(sandbox: bool) -> None:
    if sandbox:
        raise ConfigError(
            "--sandbox chooses one target; with several targets name them with --target "
            "(sandbox targets are ordinary targets with `sandbox: true`)"
        )


def refuse_only(only: Sequence[str] | None) -> None:
    if only:
        raise ConfigError(
            "--only is an emergency change to one company; run it with a single --target"
        )


def _printer(fmt: str, quiet: bool) -> Callable[[Any], None]:
    from intacct_reconcile import rollup

    def show(result: Any) -> None:
        if fmt == "text":
            typer.echo(rollup.line(result))
        elif not quiet:
            typer.echo(rollup.line(result), err=True)

    return show


def _check_format(fmt: str) -> None:
    if fmt not in ("text", "markdown", "json"):
        raise ConfigError(f"unknown --format {fmt!r} — use one of: text, markdown, json")


def plan(
    path: Path,
    *,
    targets: Sequence[str],
    config: Path | None,
    out: Path | None,
    out_dir: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    only_kinds: Sequence[str],
    concurrency: int | None,
    quiet: bool,
    parallel: int,
    shard: str | None,
    workers: int | None = None,
) -> None:
    from intacct_reconcile import fleet, rollup

    _check_format(fmt)
    if out is not None:
        raise ConfigError(
            "--out saves one plan; for several targets pass --out-dir DIR (one plan file "
            "per target)"
        )
    results = fleet.plan(
        path,
        selectors=targets,
        config=config,
        shard=shard,
        parallel=parallel,
        out_dir=out_dir,
        only_kinds=only_kinds,
        concurrency=concurrency,
        on_result=_printer(fmt, quiet),
        workers=workers,
    )
    if out_dir is not None:
        written = rollup.write(out_dir, "plan", results, shard)
        if not quiet:
            typer.echo(f"saved {len(results)} plan(s) and {written.name} to {out_dir}", err=True)
    _finish(fmt, "plan", results, shard, detailed=detailed_exitcode)


def apply(
    path: Path,
    *,
    targets: Sequence[str],
    config: Path | None,
    auto_approve: bool,
    force: bool,
    allow_irreversible: bool,
    fmt: str,
    only_kinds: Sequence[str],
    concurrency: int | None,
    by: str | None,
    quiet: bool,
    parallel: int,
    shard: str | None,
    workers: int | None = None,
) -> None:
    from intacct_reconcile import fleet

    _check_format(fmt)
    show = _printer(fmt, quiet)
    if run_context.is_plan_dir(path):
        if only_kinds:
            raise ConfigError(
                f"{path}: --kind filters manifests; saved plans are applied exactly as "
                "reviewed — make new plans with `plan --kind ... --out-dir DIR` instead"
            )
        if not any(path.glob("*" + run_context.PLAN_SUFFIX)):
            typer.echo(f"{path} holds no plan files (an empty shard): nothing to apply", err=True)
            return
        run = functools.partial(
            fleet.apply_dir,
            path,
            selectors=targets,
            config=config,
            shard=shard,
            parallel=parallel,
            force=force,
            allow_irreversible=allow_irreversible,
            concurrency=concurrency,
            by=by,
            on_result=show,
            workers=workers,
        )
    else:
        if path.is_dir() and not any(path.iterdir()):
            raise ConfigError(f"{path}: an empty folder — neither manifests nor saved plans")
        run = functools.partial(
            fleet.apply,
            path,
            selectors=targets,
            config=config,
            shard=shard,
            parallel=parallel,
            auto_approve=auto_approve,
            force=force,
            allow_irreversible=allow_irreversible,
            only_kinds=only_kinds,
            concurrency=concurrency,
            by=by,
            on_result=show,
            workers=workers,
        )
    # the first Ctrl-C/SIGTERM stops every running target between requests (each keeps what
    # landed, reported in its row) and starts no other; the second interrupts at once
    with interrupts.stop_on_signal(lambda line: typer.echo(line, err=True)) as stop:
        results = run(stop=stop)
    _finish(fmt, "apply", results, shard, detailed=True, stopped=stop)


def _finish(
    fmt: str,
    verb: str,
    results: Sequence[Any],
    shard: str | None,
    *,
    detailed: bool,
    stopped: interrupts.StopRequest | None = None,
) -> None:
    from intacct_reconcile import rollup

    if not results and shard is None:
        raise ConfigError("no targets selected (an empty group or plan folder) — nothing was done")
    output = rollup.render(fmt, verb, results, shard)
    if fmt == "text":
        typer.echo("")
    typer.echo(output, nl=not output.endswith("\n"))
    code = rollup.exit_code(results, detailed=detailed)
    if stopped is not None and stopped():
        code = stopped.exit_code  # 130 / 143 even when every running target had finished
    if code:
        raise typer.Exit(code)


def register(
    app: typer.Typer, boundary: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> None:
    """Attach `diff` and `rollup`."""

    @app.command()
    @boundary
    def diff(
        from_target: Annotated[
            str, typer.Option("--from", help="The target whose configuration is the model.")
        ],
        to_target: Annotated[
            str, typer.Option("--to", help="The target that would be changed to match it.")
        ],
        path: Annotated[
            Path | None,
            typer.Argument(help="Manifest directory: compare the kinds it declares."),
        ] = None,
        kind: Annotated[
            list[str] | None, typer.Option("--kind", help="Compare this kind (repeatable).")
        ] = None,
        config: Annotated[
            Path | None,
            typer.Option(
                "--config",
                help="intacct-reconcile.yaml (default: beside PATH, else the current directory).",
            ),
        ] = None,
        fmt: Annotated[
            str, typer.Option("--format", help="Output format: text, markdown or json.")
        ] = "text",
        detailed_exitcode: Annotated[
            bool,
            typer.Option("--detailed-exitcode", help="Exit 2 when the two targets differ."),
        ] = False,
        quiet: Annotated[
            bool, typer.Option("--quiet", "-q", help="No progress on stderr.")
        ] = False,
    ) -> None:
        """Show how two targets differ: what applying FROM's configuration to TO would change."""
        from intacct_reconcile import promote

        result = promote.diff(
            from_target,
            to_target,
            path=path,
            kinds=tuple(kind or ()),
            config=config,
            fmt=fmt,
            quiet=quiet,
        )
        typer.echo(result.output, nl=not result.output.endswith("\n"))
        if detailed_exitcode and result.differs:
            raise typer.Exit(2)

    @app.command("rollup")
    @boundary
    def rollup_command(
        paths: Annotated[
            list[Path],
            typer.Argument(
                help="Folders written by `plan --out-dir` (their rollup.json), or roll-up JSON "
                "files from `--format json`."
            ),
        ],
        fmt: Annotated[
            str, typer.Option("--format", help="Output format: text, markdown or json.")
        ] = "markdown",
        detailed_exitcode: Annotated[
            bool,
            typer.Option(
                "--detailed-exitcode", help="Exit as the fleet plan would with this option."
            ),
        ] = False,
    ) -> None:
        """Join fleet roll-ups (one per CI shard) into one table, e.g. for a PR comment."""
        from intacct_reconcile import rollup

        _check_format(fmt)
        verb, results = rollup.read(paths)
        _finish(fmt, verb, results, None, detailed=detailed_exitcode or verb == "apply")
