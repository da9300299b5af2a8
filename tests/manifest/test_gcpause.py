"""Loading pauses the cyclic collector and always resumes it, errors and nesting included."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from intacct_reconcile.errors import ManifestError
from intacct_reconcile.manifest import validate as validate_module
from intacct_reconcile.manifest.desired import load_desired
from intacct_reconcile.manifest.gcpause import gc_paused


def test_nested_pauses_resume_once_at_the_end() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause does not resume early
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_load_pauses_the_collector_and_resumes_after_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\ndepartments:\n  D1: {title: One}\n")
    seen = []
    real = validate_module._validate

    def spy(*args: object) -> object:
        seen.append(gc.isenabled())
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(validate_module, "_validate", spy)
    assert len(load_desired(tmp_path).desired.resources["departments"]) == 1
    assert seen == [False] and gc.isenabled()
    (tmp_path / "b.yaml").write_text("version: 1\ndepartments: [oops\n")
    with pytest.raises(ManifestError):
        load_desired(tmp_path)
    assert gc.isenabled()
