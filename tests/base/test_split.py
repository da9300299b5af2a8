"""The split itself: a pure function of the head's and the base's plans."""

from __future__ import annotations

from intacct_reconcile.base_split import split
from intacct_reconcile.types import Attestation, Change, FieldChange, Plan, Ref, Span

TITLE = FieldChange("title", "Cash", "Cash at bank")


def change(key: str, *fields: FieldChange, action: str = "update", **kw) -> Change:
    return Change(action, Ref("gl_accounts", key), "xml", fields=fields, **kw)  # type: ignore[arg-type]


def plan(*changes: Change) -> Plan:
    return Plan("prod", changes=changes)


def keys(entries) -> list[str]:
    return [e.change.ref.key for e in entries]


def test_identical_changes_are_pending_on_base_wherever_they_are_declared() -> None:
    head = change("1000", TITLE, source=Span("intacct/a.yaml", 3, 3))
    base = change("1000", TITLE, source=Span("intacct/b.yaml", 9, 3))  # moved: same change
    result = split(plan(head), plan(base))
    assert keys(result.pending_on_base) == ["1000"]
    assert result.introduced == () and result.withdrawn == ()


def test_a_change_only_head_plans_is_introduced_and_one_only_base_plans_is_withdrawn() -> None:
    result = split(plan(change("2000", TITLE)), plan(change("3000", TITLE)))
    assert keys(result.introduced) == ["2000"] and result.introduced[0].reason == "new"
    assert keys(result.withdrawn) == ["3000"]
    assert result.pending_on_base == ()


def test_a_change_the_base_plans_otherwise_is_introduced_with_the_fields_it_shares() -> None:
    status = FieldChange("status", "inactive", "active")
    head = change("1000", TITLE, status)
    base = change("1000", FieldChange("title", "Cash", "Petty cash"), status,
                  FieldChange("description", "a", "b"))  # fmt: skip
    (entry,) = split(plan(head), plan(base)).introduced
    assert entry.reason == "differs" and entry.base_change is base
    assert entry.pending_on_base_fields == ("status",)
    assert entry.withdrawn_fields == ("description",)
    assert [f.name for f in entry.fields] == ["title"]


def test_another_action_on_the_same_object_is_introduced() -> None:
    result = split(plan(change("1000", action="delete")), plan(change("1000", TITLE)))
    (entry,) = result.introduced
    assert entry.change.action == "delete" and entry.base_change.action == "update"
    assert entry.pending_on_base_fields == ()


def test_a_different_secret_is_a_different_change_though_both_show_masked() -> None:
    masked = FieldChange("password", "***", "***")
    head = change("api", masked, desired={"password": "new"}, secret_fields=("password",))
    base = change("api", masked, desired={"password": "old"}, secret_fields=("password",))
    same = change("api", masked, desired={"password": "new"}, secret_fields=("password",))
    assert keys(split(plan(head), plan(base)).introduced) == ["api"]
    assert keys(split(plan(head), plan(same)).pending_on_base) == ["api"]


def test_attested_steps_are_not_changes_and_a_missing_base_introduces_everything() -> None:
    done = Attestation(by="ana", at="2026-01-01T00:00:00+00:00", digest="x")
    attested = change("sender", action="manual", attested=done)
    result = split(plan(attested, change("1000", TITLE)), None)
    assert keys(result.introduced) == ["1000"]
    # closed on head (its declared value matches the attestation), open on base: withdrawn
    reopened = split(plan(attested), plan(change("sender", action="manual")))
    assert keys(reopened.withdrawn) == ["sender"] and reopened.introduced == ()
