"""Fleets of sandbox companies served over real HTTP on 127.0.0.1, one server per company.

Each company is its own sandbox (own database, own request limit), served in a background
thread; targets reach them at their `http://127.0.0.1:PORT` endpoints with the sandbox's
login (company DEMO), exactly as `sandbox serve` processes would be reached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from intacct_reconcile.cli import app
from intacct_reconcile.sandbox.app import make_app
from intacct_reconcile.sandbox.options import SandboxOptions
from intacct_reconcile.sandbox.serve import served

MANIFEST = """\
version: 1
departments:
  D100: {title: "Operations ${var.region}"}
  D200: {title: Finance}
"""


@pytest.fixture
def serve_companies(tmp_path: Path) -> Iterator[Callable[..., dict[str, str]]]:
    """serve_companies(names, faults={name: rate}) -> {name: endpoint}."""
    with ExitStack() as stack:

        def start(names: list[str], faults: Mapping[str, float] | None = None) -> dict[str, str]:
            endpoints = {}
            for name in names:
                rate = (faults or {}).get(name, 0.0)
                options = SandboxOptions(fault_rate=rate, seed=7)
                sandbox = make_app(db=str(tmp_path / f"{name}.db"), options=options)
                endpoints[name] = stack.enter_context(served(sandbox))
            return endpoints

        yield start


def write_project(
    root: Path, endpoints: Mapping[str, str], *, extra_targets: str = "", inline: bool = False
) -> Path:
    """Manifests + a config whose group `clients` lists the served companies in a targets
    file (region var defaulted by the group, one company overriding it)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "departments.yaml").write_text(MANIFEST)
    entries = "".join(
        f"{name}: {{endpoint: '{url}', company_id: DEMO"
        + (", vars: {region: North}" if n == 0 else "")
        + "}\n"
        for n, (name, url) in enumerate(sorted(endpoints.items()))
    )
    (root / "clients.targets.yaml").write_text(entries)
    (root / "intacct-reconcile.yaml").write_text(
        "groups:\n"
        "  clients:\n"
        "    targets_file: clients.targets.yaml\n"
        "    defaults: {concurrency: 2}\n"
        "    vars: {region: South}\n" + (f"targets:\n{extra_targets}" if extra_targets else "")
    )
    return root


Invoke = Callable[..., Result]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """The CLI in-process (the sandboxes are still reached over HTTP)."""
    for var in ("INTACCT_PROFILE", "INTACCT_COMPANY_ID", "INTACCT_USER_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", "/nonexistent-home")  # no ~/.intacct/credentials.ini
    runner = CliRunner()

    def invoke(*args: str | Path, env: Mapping[str, str] | None = None) -> Result:
        return runner.invoke(
            app, [str(a) for a in args], env=dict(env or {}), catch_exceptions=False
        )

    return invoke
