"""The quick yes for the config schema (quickschema.py) never says yes where jsonschema finds
a problem, says yes for ordinary configs, and leaves jsonschema unloaded when it does."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from tests.cli_robustness import config_fuzz

from intacct_reconcile import yamlfile
from intacct_reconcile.errors import ConfigError
from intacct_reconcile.quickschema import certainly_valid
from intacct_reconcile.settings import CONFIG_SCHEMA

VALID = [
    {"targets": {"sandbox": {"sandbox": True}}},
    {
        "default_target": "prod",
        "targets": {
            "prod": {
                "company_id": "acme",
                "entity": "",
                "endpoint": "https://api.intacct.com",
                "vars": {"email": "ap@acme.example", "n": 3, "on": True},
                "ownership": {"gl_accounts": "full"},
                "concurrency": 4,
                "safety": {"max_delete_percent": 20.5, "kinds": {"roles": {"min_existing": 2}}},
            },
            "local": {"endpoint": "http://127.0.0.1:8765", "company_id": "DEMO"},
        },
        "ownership": {"web_services_users": "additive"},
        "safety": {
            "max_delete_percent": 20,
            "max_update_percent": 50,
            "allow": [{"change": "delete gl_accounts/1", "reason": "closing"}],
        },
        "attestations": {"valid_for": "90d", "kinds": {"sender_ids": "1y"}},
        "sod": {"enabled": True, "pack": "default"},
        "groups": {"clients": {"targets": {"a": {"company_id": "a"}}, "vars": {"x": "y"}}},
        "plans": {"require_signature": False},
    },
]

INVALID = [
    {},  # targets is not required, but an empty mapping of targets is refused below
    {"targets": {}},
    {"targets": {"t": {"concurrency": 0}}},
    {"targets": {"t": {"concurrency": 2.5}}},
    {"targets": {"t": {"concurrency": True}}},
    {"targets": {"t": {"endpoint": "ftp://x"}}},
    {"targets": {"t": {"company_id": ""}}},
    {"targets": {"t": {"endpont": "https://x"}}},
    {"targets": {"t": {"vars": {"x": None}}}},
    {"targets": {"t": {"vars": {"x": [1]}}}},
    {"targets": {"t": {"ownership": {"roles": "all"}}}},
    {"targets": {"t": {"sandbox": "yes"}}},
    {"targets": {"t": None}},
    {"targets": {"t": {}}, "safety": {"max_delete_percent": 101}},
    {"targets": {"t": {}}, "safety": {"max_delete_percent": "20"}},
    {"targets": {"t": {}}, "safety": {"allow": [{"change": "x"}]}},
    {"targets": {"t": {}}, "safety": {"allow": [{"change": "x", "reason": "  "}]}},
    {"targets": {"t": {}}, "attestations": {"valid_for": "ninety days"}},
    {"targets": {"t": {}}, "plans": {"require_signature": "yes"}},
    {"targets": {"t": {}}, "unknown": 1},
]


def _jsonschema_ok(data: object) -> bool:
    return not list(jsonschema.Draft202012Validator(CONFIG_SCHEMA).iter_errors(data))


@pytest.mark.parametrize("data", VALID)
def test_ordinary_configs_are_certainly_valid(data: dict) -> None:
    assert _jsonschema_ok(data)
    assert certainly_valid(data, CONFIG_SCHEMA)


@pytest.mark.parametrize("data", INVALID)
def test_invalid_configs_are_never_said_valid(data: dict) -> None:
    if _jsonschema_ok(data):  # `{}`: valid for the schema (the loader asks for targets)
        return
    assert not certainly_valid(data, CONFIG_SCHEMA)


def test_mutated_configs_agree_with_jsonschema_whenever_the_quick_check_says_yes() -> None:
    rng = random.Random(20261205)
    said_yes = said_no = 0
    for _ in range(2000):
        text = config_fuzz.BASE_CONFIG
        for _ in range(rng.randint(1, 3)):
            text = config_fuzz.mutate(text, rng)
        try:  # the data as the config reader sees it
            _node, data = yamlfile.load_mapping(
                Path("fuzz.yaml"), text, what="config", max_nodes=100_000, shape_hint=""
            )
        except ConfigError:
            continue
        if certainly_valid(data, CONFIG_SCHEMA):
            said_yes += 1
            assert _jsonschema_ok(data), text
        else:
            said_no += 1
    # both answers were exercised
    assert said_yes >= 40 and said_no >= 40


def test_unknown_keywords_are_left_to_jsonschema() -> None:
    schema = {"type": "object", "patternProperties": {"^x": {"type": "string"}}}
    assert not certainly_valid({"x1": 1}, schema)
    assert not certainly_valid({}, {"$ref": "https://example.com/schema"})


def test_a_valid_config_is_checked_without_loading_jsonschema(tmp_path: Path) -> None:
    config = tmp_path / "intacct-reconcile.yaml"
    config.write_text("targets:\n  local: {endpoint: 'http://127.0.0.1:1', company_id: DEMO}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("targets:\n  local: {endpont: 'http://127.0.0.1:1'}\n")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from intacct_reconcile.errors import ConfigError\n"
        "from intacct_reconcile.settings import load_config\n"
        "load_config(Path(sys.argv[1]))\n"
        "print('jsonschema' in sys.modules)\n"
        "try:\n"
        "    load_config(Path(sys.argv[2]))\n"
        "except ConfigError as exc:\n"
        "    print('jsonschema' in sys.modules, 'did you mean' in str(exc))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(config), str(bad)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split("\n")[:2] == ["False", "True True"]
