"""How the verbs talk to the person at the terminal: results, notes, progress, confirmation.

`workflow` receives a `Ui` instead of printing or prompting itself, so the prompt logic can be
tested with a plain object and the live progress display can be stopped before a question is
asked. `TerminalUi` is the real one: rich consoles on stdout and stderr decide about colour,
which honours `NO_COLOR`, `FORCE_COLOR`, `TERM=dumb` and the global `--no-color` flag.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Protocol, TextIO

from intacct_reconcile.progress import Progress

if TYPE_CHECKING:
    from rich.console import Console


class Ui(Protocol):
    """What the verbs need from the terminal."""

    @property
    def color(self) -> bool:
        """May results on stdout carry colour?"""
        ...

    @property
    def color_stderr(self) -> bool:
        """May text shown on stderr (the plan before the question) carry colour?"""
        ...

    @property
    def interactive(self) -> bool:
        """Can a question be asked (stdin is a terminal)?"""
        ...

    def out(self, text: str) -> None:
        """A result on stdout (a plan, a report)."""
        ...

    def note(self, text: str) -> None:
        """A message for the person on stderr (progress, the plan shown before a question)."""
        ...

    def progress(self, *, quiet: bool) -> Progress:
        """The progress reporter for one verb (a context manager)."""
        ...

    def confirm(self, question: str) -> bool:
        """Ask a yes/no question; no by default. Ctrl-C raises KeyboardInterrupt."""
        ...


class TerminalUi:
    """The real terminal: stdout for results, stderr for everything said to the person."""

    def __init__(
        self,
        *,
        no_color: bool = False,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        stdin: TextIO | None = None,
    ) -> None:
        self._stdout = stdout or sys.stdout
        self._stderr = stderr or sys.stderr
        self._stdin = stdin or sys.stdin
        self._no_color = no_color
        self._consoles: dict[str, Console] = {}

    def _console(self, which: str) -> Console:
        """The rich console of stdout or stderr, made when first asked (rich takes a while to
        import, and a run writing JSON to a pipe never needs it)."""
        console = self._consoles.get(which)
        if console is None:
            from rich.console import Console

            stream = self._stdout if which == "out" else self._stderr
            # rich reads NO_COLOR, FORCE_COLOR and TERM from the environment; --no-color wins
            console = Console(file=stream, no_color=self._no_color or None, highlight=False)
            self._consoles[which] = console
        return console

    @property
    def _out_console(self) -> Console:
        return self._console("out")

    @property
    def _err_console(self) -> Console:
        return self._console("err")

    @property
    def color(self) -> bool:
        return _colors(self._out_console)

    @property
    def color_stderr(self) -> bool:
        return _colors(self._err_console)

    @property
    def interactive(self) -> bool:
        return bool(getattr(self._stdin, "isatty", lambda: False)())

    def out(self, text: str) -> None:
        # written as is: the text renderer already coloured it (or not) for this console
        self._stdout.write(text if text.endswith("\n") else text + "\n")
        self._stdout.flush()

    def note(self, text: str) -> None:
        self._stderr.write(text if text.endswith("\n") else text + "\n")
        self._stderr.flush()

    def progress(self, *, quiet: bool) -> Progress:
        # the console is used only for a bar on a terminal
        tty = not quiet and bool(getattr(self._stderr, "isatty", lambda: False)())
        return Progress(self._stderr, enabled=not quiet, console=self._err_console if tty else None)

    def confirm(self, question: str) -> bool:
        """The question on stderr, the answer from stdin; only "y" or "yes" says yes.

        Read here rather than with click's prompt, which turns Ctrl-C into "Aborted." and exit
        1: an interrupted question must exit 130 like any other interruption.
        """
        self._stderr.write(f"{question} [y/N]: ")
        self._stderr.flush()
        answer = self._stdin.readline()
        if not answer:  # end of input (Ctrl-D): no
            self._stderr.write("\n")
            self._stderr.flush()
            return False
        return answer.strip().lower() in ("y", "yes")


def _colors(console: Console) -> bool:
    return console.color_system is not None and not console.no_color


# the root command's --no-color flag, read when a command builds its Ui
_settings = {"no_color": False}


def set_no_color(value: bool) -> None:
    _settings["no_color"] = value


def default_ui() -> TerminalUi:
    return TerminalUi(no_color=_settings["no_color"])
