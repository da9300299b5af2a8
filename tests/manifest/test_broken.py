"""Every broken fixture is rejected with exactly the expected, located message."""

from __future__ import annotations

from pathlib import Path

import pytest

from intacct_reconcile.errors import ManifestError
from intacct_reconcile.manifest.validate import validate

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "manifests" / "broken"
CASES = sorted(p for p in BROKEN.iterdir() if p.suffix == ".yaml" or p.is_dir())
VARS = {"email": "ops@example.com", "token": "abc"}


def test_there_are_at_least_forty_distinct_faults() -> None:
    assert len(CASES) >= 40
    assert all(case.with_suffix(".expected").is_file() for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_broken_manifest_gives_the_expected_message(
    case: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BROKEN)  # messages name files as the user passed them
    with pytest.raises(ManifestError) as caught:
        validate(Path(case.name), vars=VARS, env={})
    expected = case.with_suffix(".expected").read_text(encoding="utf-8")
    assert str(caught.value) + "\n" == expected
    for problem in caught.value.problems:
        assert problem.span is not None and problem.span.line >= 1
        assert problem.span.file.startswith(case.name)
        assert problem.hint, "every problem says how to fix it"


def test_each_missing_required_field_is_reported_once(tmp_path: Path) -> None:
    # web_services_users and expense_types require fields through several schema rules
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "version: 1\nweb_services_users:\n  svc_bot: {}\nexpense_types:\n  Meals: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as caught:
        validate(manifest, vars={}, env={})
    messages = [p.message for p in caught.value.problems]
    missing = [m for m in messages if "missing required field" in m]
    assert len(missing) == len(set(missing)), messages
    assert "web_services_users/svc_bot: missing required field 'first_name'" in missing
    assert "expense_types/Meals: missing required field 'gl_account'" in missing
