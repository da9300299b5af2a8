"""Fleets of sandbox companies served over real HTTP on 127.0.0.1, as Intacct hosts them: many
companies behind one endpoint.

One sandbox database holds every company (each its own records, users and request limit),
served in a background thread; a target reaches its company at the shared
`http://127.0.0.1:PORT` endpoint by the company ID of its login, exactly as a
`sandbox serve` process would be reached. Injected faults are server-wide, so a company
asked to be faulty is served by a second server of its own.
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


Endpoints = dict[str, str]  # target name (= its company ID) -> sandbox endpoint


@pytest.fixture
def serve_companies(tmp_path: Path) -> Iterator[Callable[..., Endpoints]]:
    """serve_companies(names, faults={name: rate}) -> {name: endpoint}: one served sandbox
    hosting every company named, plus one more server per faulty company."""
    with ExitStack() as stack:

        def host(db: Path, names: list[str], fault_rate: float) -> str:
            sandbox = make_app(db=str(db), options=SandboxOptions(fault_rate=fault_rate, seed=7))
            for name in names:
                sandbox.companies.create(name, seed="starter")
            return stack.enter_context(served(sandbox))

        def start(names: list[str], faults: Mapping[str, float] | None = None) -> Endpoints:
            rates = {n: r for n, r in (faults or {}).items() if r}
            healthy = [n for n in names if n not in rates]
            shared = host(tmp_path / "companies.db", healthy, 0.0) if healthy else ""
            endpoints = dict.fromkeys(healthy, shared)
            for name, rate in rates.items():
                endpoints[name] = host(tmp_path / f"{name}.db", [name], rate)
            return endpoints

        yield start


def write_project(
    root: Path, endpoints: Mapping[str, str], *, extra_targets: str = "", inline: bool = False
) -> Path:
    """Manifests + a config whose group `clients` lists the served companies in a targets
    file, each signing in to the company named like its target (region var defaulted by the
    group, one company overriding it)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "departments.yaml").write_text(MANIFEST)
    entries = "".join(
        f"{name}: {{endpoint: '{url}', company_id: {name}"
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
