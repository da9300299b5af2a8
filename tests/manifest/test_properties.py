"""Random and mutated YAML never crashes validation: it passes or reports located problems."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct_reconcile.errors import ManifestError
from intacct_reconcile.manifest.validate import validate

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "manifests" / "valid"
SEED_TEXT = (VALID / "accounts.yaml").read_text(encoding="utf-8") + (
    VALID / "access.yaml"
).read_text(encoding="utf-8").replace("version: 1\n", "")
VARS = {"accounting_email": "a@example.com"}
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        validate(path, vars=VARS, env={})
    except ManifestError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.span is not None and problem.span.file == str(path)
            assert problem.span.line >= 1 and problem.span.column >= 1


yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=12),
    st.sampled_from(["0110", "1_000", "2035-12", "${var.x}", "${env:Y}", "all", "read_only"]),
)
kind_names = st.sampled_from(
    [
        "roles",
        "gl_accounts",
        "ip_allowlist",
        "te_settings",
        "module_subscriptions",
        "vendors",
        "credit_card_accounts",
        "web_services_users",
        "version",
        "bogus",
    ]
)
field_names = st.sampled_from(
    [
        "title",
        "type",
        "permissions",
        "roles",
        "email",
        "ensure",
        "expiration",
        "cidr",
        "required_dimensions",
        "close_into",
        "password",
        "x",
    ]
)
values = st.recursive(
    yaml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(field_names, inner, max_size=3),
    max_leaves=8,
)
documents = st.dictionaries(
    kind_names, st.dictionaries(st.text(max_size=6), values, max_size=3) | values, max_size=4
)


@SETTINGS
@given(doc=documents)
def test_random_structures(tmp_path: Path, doc: dict) -> None:
    import yaml

    _check(tmp_path, yaml.safe_dump(doc, allow_unicode=True))


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(list("ab:- \n\t{}[]&*<>!|'\"#%@`,?0.")), max_size=60))
def test_random_text(tmp_path: Path, text: str) -> None:
    _check(tmp_path, text)


@SETTINGS
@given(
    cut=st.integers(0, len(SEED_TEXT)),
    length=st.integers(0, 8),
    insert=st.sampled_from(
        [
            "",
            " ",
            "  ",
            "\t",
            ":",
            "- ",
            "\n",
            "{",
            "]",
            "&a",
            "*a",
            "<<: ",
            "!!bool ",
            "!!int ",
            "!x ",
        ]
    ),
)
def test_mutated_valid_manifest(tmp_path: Path, cut: int, length: int, insert: str) -> None:
    _check(tmp_path, SEED_TEXT[:cut] + insert + SEED_TEXT[cut + length :])
