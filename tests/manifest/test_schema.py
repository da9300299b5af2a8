"""The checked-in JSON Schema is current, valid, and agrees with the validator."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from intacct_reconcile.manifest.coerce import coerce_document
from intacct_reconcile.manifest.loader import load_file
from intacct_reconcile.manifest.schema import SCHEMA_FILE, manifest_schema, schema_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "manifests"


def test_checked_in_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "schemas/manifest.schema.json is stale: run `make schema`"
    )


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(json.loads(schema_text()))


def test_full_schema_accepts_the_valid_fixtures_after_coercion() -> None:
    validator = Draft202012Validator(manifest_schema())
    for path in sorted((FIXTURES / "valid").glob("*.yaml")):
        docs, problems = load_file(path, path.name)
        assert not problems
        for doc in docs:
            coerced = coerce_document(doc, {"accounting_email": "a@example.com"}, {})
            assert list(validator.iter_errors(coerced.data)) == [], path.name


def test_full_schema_rejects_schema_level_broken_fixtures() -> None:
    validator = Draft202012Validator(manifest_schema())
    for name in ("11-unknown-field", "12-missing-required", "15-bad-enum", "46-bad-ensure"):
        path = FIXTURES / "broken" / f"{name}.yaml"
        docs, _ = load_file(path, path.name)
        coerced = coerce_document(docs[0], {}, {})
        assert list(validator.iter_errors(coerced.data)), name


def test_editors_accept_the_modeline_and_raw_yaml() -> None:
    # what yaml-language-server sees: the raw YAML, unquoted account numbers included
    validator = Draft202012Validator(manifest_schema())
    raw = yaml.safe_load("version: 1\ngl_accounts:\n  '2110': {title: A, close_into: 3910}\n")
    assert list(validator.iter_errors(raw)) == []


def test_sections_schema_is_the_full_schemas_top_level_with_each_sections_shape() -> None:
    # made without the object schemas; it must say what the full schema says of the top level
    from intacct_reconcile.kinds import REGISTRY
    from intacct_reconcile.manifest.schema import _SHALLOW, sections_schema

    full = manifest_schema()
    sections = sections_schema()
    assert {k: v for k, v in full.items() if k not in ("$defs", "properties")} == {
        k: v for k, v in sections.items() if k != "properties"
    }
    assert list(sections["properties"]) == list(full["properties"])
    for key, section in sections["properties"].items():
        if key not in REGISTRY:
            assert section == full["properties"][key]  # version, mitigations, smoke checks
            continue
        names = full["properties"][key].get("propertyNames")
        expected = dict(_SHALLOW[REGISTRY[key].shape])
        if names is not None:
            expected["propertyNames"] = names
        assert section == expected
