"""requirements.lock pins every dependency exactly, and the venv runs what it pins."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"requirements.lock: {line!r} is not an exact pin (NAME==VERSION)"
        pins[canonicalize_name(name)] = version
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    return [Requirement(r) for r in [*project["dependencies"], *extras]]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = _pins()
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is declared but not locked: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{requirement.name}=={pins[name]} is outside {requirement.specifier}: run `make lock`"
        )


def test_the_installed_environment_is_the_locked_one() -> None:
    # transitive dependencies too: whatever is pinned is what the tests run on
    for name, version in _pins().items():
        assert metadata.version(name) == version, f"{name}: installed != locked {version}"


def test_no_dependency_is_declared_that_nothing_imports() -> None:
    sources = "\n".join(p.read_text() for p in (ROOT / "src").rglob("*.py"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    imports = {"pyyaml": "yaml"}
    for requirement in map(Requirement, project["dependencies"]):
        module = imports.get(requirement.name.lower(), requirement.name.lower())
        assert f"import {module}" in sources or f"from {module}" in sources, requirement.name
