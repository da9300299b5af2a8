"""A sandbox served on 127.0.0.1 (real HTTP) and a project whose `local` target points at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from intacct_reconcile.sandbox.app import SandboxApp, make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.serve import served


@contextmanager
def served_sandbox(db: Path, **options: object) -> Iterator[tuple[SandboxApp, str]]:
    app = make_app(str(db), SandboxOptions(**options))  # type: ignore[arg-type]
    try:
        with served(app) as url:
            yield app, url
    finally:
        app.store.close()


def point_at(project: Path, url: str) -> None:
    """Make a `local` target (the served sandbox at `url`) the project's default target."""
    config = project / "intacct-reconcile.yaml"
    lines = [ln for ln in config.read_text().splitlines() if not ln.startswith("  local:")]
    text = "\n".join(lines) + "\n"
    text = text.replace("default_target: sandbox", "default_target: local")
    text = text.replace(
        "targets:\n",
        "targets:\n"
        f'  local: {{endpoint: "{url}", company_id: DEMO,'
        " vars: {accounting_email: ap@demo.example}}\n",
    )
    config.write_text(text)
