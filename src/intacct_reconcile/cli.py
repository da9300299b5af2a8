"""The command line: the only error boundary, with fixed exit codes.

Exit codes: 0 success / no changes · 1 error (also a smoke check that did not pass) ·
2 changes present (--detailed-exitcode) · 3 refused by the safety gate (plan
--detailed-exitcode: apply would refuse) · 4 apply partially failed · 5 stale plan · 6 only
manual steps waiting for a person (--detailed-exitcode) · 130 interrupted (Ctrl-C) · 143
terminated (SIGTERM).
Results go to stdout, progress and errors to stderr. No traceback for errors a user causes.
"""

from __future__ import annotations

import sys

try:  # Ctrl-C while the modules load (a second or so) must not print a traceback either
    import copy
    import os
    from collections.abc import Callable
    from functools import wraps
    from pathlib import Path
    from typing import Annotated, Any

    import typer

    from intacct_reconcile import __version__, cli_values, interrupts, terminal
    from intacct_reconcile.client.errors import redact
    from intacct_reconcile.errors import ConfigError, ReconcileError
    from intacct_reconcile.usage_errors import ExitOneGroup, UsageError
except KeyboardInterrupt:  # pragma: no cover - timing dependent; tested through a subprocess
    sys.stderr.write("interrupted\n")
    raise SystemExit(130) from None


cli_values.install()  # plain values converted without loading pydantic (cli_values.py)


class _Group(ExitOneGroup):
    """The root command group: usage errors exit 1, its own included."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except UsageError as exc:
            exc.exit_code = 1  # type: ignore[attr-defined]
            raise


app = typer.Typer(
    cls=_Group,
    name="intacct-reconcile",
    help="Configuration-as-code for Sage Intacct: validate, plan and apply YAML manifests.",
    # the contract scripts and CI rely on (DESIGN §6), stated where a user looks first
    epilog=(
        "Exit codes: 0 success or no changes; 1 error (bad input, no config, API failure, "
        "a smoke check that did not pass); "
        "2 changes present (plan --detailed-exitcode); 3 refused by the safety gate (plan "
        "--detailed-exitcode: apply would refuse); 4 apply partly failed; 5 stale plan "
        "(Intacct changed since the plan was saved); 6 only manual steps waiting for a person "
        "(plan --detailed-exitcode); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM). "
        "Over many targets: the worst target's code, in the order 1, 5, 4, 3, 2, 6, 0 "
        "(a stopped apply: 130 or 143)."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _err(message: str) -> None:
    typer.echo(message, err=True)


def boundary(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn ReconcileErrors into a message on stderr and their exit code."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ReconcileError as exc:
            _err(f"error: {redact(str(exc))}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt as exc:
            _err(f"interrupted: {exc}" if str(exc) else "interrupted")
            raise typer.Exit(interrupts.exit_code(exc)) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"intacct-reconcile {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    no_color: Annotated[
        bool,
        typer.Option("--no-color", help="No colour in any output (also: NO_COLOR=1 or TERM=dumb)."),
    ] = False,
) -> None:
    """Configuration-as-code for Sage Intacct."""
    terminal.set_no_color(no_color)


@app.command()
@boundary
def validate(
    path: Annotated[Path, typer.Argument(help="Manifest directory or file.")],
    config: Annotated[
        Path | None,
        typer.Option(
            help="intacct-reconcile.yaml (default: beside PATH, else the current directory)."
        ),
    ] = None,
    target: Annotated[str | None, typer.Option(help="Target whose vars to substitute.")] = None,
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Substitute the vars of the sandbox target.")
    ] = False,
) -> None:
    """Check manifests offline: schema, references, permissions. No credentials needed."""
    from intacct_reconcile.manifest.api import validate_path

    summary = validate_path(path, config=config, target=target, sandbox=sandbox)
    typer.echo(summary)


@app.command()
@boundary
def schema(
    out: Annotated[Path | None, typer.Option(help="Write to FILE instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of manifests (for editors)."""
    from intacct_reconcile.manifest.schema import schema_text

    text = schema_text()
    if out is None:
        typer.echo(text, nl=False)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"{out}: cannot write the schema ({exc.strerror}) — choose a writable --out file"
            ) from None
        _err(f"wrote {out}")


def _register_optional() -> None:
    """Attach command groups whose modules exist (engine verbs, sandbox admin)."""
    try:
        from intacct_reconcile.sandbox.cli import app as sandbox_app
    except ImportError:  # pragma: no cover - only while the sandbox is being built
        sandbox_app = None
    if sandbox_app is not None:
        app.add_typer(sandbox_app, name="sandbox", help="The embedded Intacct sandbox.")
    try:
        from intacct_reconcile import commands
    except ImportError:  # pragma: no cover
        commands = None
    if commands is not None:
        commands.register(app, boundary)


try:
    _register_optional()
except KeyboardInterrupt:  # pragma: no cover - timing dependent
    sys.stderr.write("interrupted\n")
    raise SystemExit(130) from None


# root options that come before a command and take no value
_ROOT_FLAGS = frozenset({"--no-color"})


def command_name(info: Any) -> str | None:
    """The name a registered command or group is called by on the command line."""
    if info.name:
        return str(info.name)
    callback = getattr(info, "callback", None)
    return typer.main.get_command_name(callback.__name__) if callback is not None else None


def app_for(argv: list[str]) -> typer.Typer:
    """The app as the command line `argv` needs it: with only the command it calls. Typer
    builds every command's options from its signature before running one (about 25 ms for
    the 30-odd commands, before an apply can ask for its session); one command's is enough.
    Anything else (root help, a mistyped or missing command, shell completion) gets the
    whole app, so help and "did you mean" see every command."""
    first = next((n for n, word in enumerate(argv) if word not in _ROOT_FLAGS), None)
    if first is None or argv[first].startswith("-") or _completing():
        return app
    word = argv[first]
    commands = [c for c in app.registered_commands if command_name(c) == word]
    groups = [g for g in app.registered_groups if command_name(g) == word]
    if not commands and not groups:
        return app
    narrowed = copy.copy(app)  # the module's app stays whole (tests and help use it)
    narrowed.registered_commands = commands
    narrowed.registered_groups = groups
    return narrowed


def _completing() -> bool:
    return any(name.endswith("_COMPLETE") for name in os.environ)


def main() -> None:
    interrupts.handle_sigterm()  # SIGTERM like Ctrl-C: the same clean-up, exit 143
    try:
        app_for(sys.argv[1:])()
    except SystemExit as exc:
        sys.exit(exc.code)
    except KeyboardInterrupt as exc:  # between typer's own handler and ours: no traceback
        _err("interrupted")
        sys.exit(interrupts.exit_code(exc))
