"""The plan notes role permissions granted in applications the company does not subscribe to."""

from __future__ import annotations

from intacct_reconcile.planner import plan
from intacct_reconcile.types import Resource, State

GL = {"accounts": ["list", "view"]}
PO = {"purchasing_transactions": ["list", "view"]}


def _state(**kinds: dict[str, Resource]) -> State:
    return State(resources=kinds)


def _role(permissions: dict) -> Resource:
    return Resource("roles", "Sync", {"name": "Sync", "permissions": permissions})


def _subscriptions(*modules: str) -> dict[str, Resource]:
    return {m: Resource("module_subscriptions", m, {"module": m}) for m in modules}


def test_a_grant_in_an_unsubscribed_module_is_noted() -> None:
    desired = _state(
        roles={"Sync": _role({"general_ledger": GL, "purchasing": PO})},
        module_subscriptions=_subscriptions("web_services"),
    )
    live = _state(module_subscriptions=_subscriptions("general_ledger", "web_services"))
    notes = [n for n in plan(desired, live).notes if n.startswith("roles/Sync")]
    assert len(notes) == 1
    assert "purchasing" in notes[0] and "general_ledger" not in notes[0]


def test_a_module_subscribed_by_the_same_manifests_is_fine() -> None:
    desired = _state(
        roles={"Sync": _role({"purchasing": PO})},
        module_subscriptions=_subscriptions("purchasing"),
    )
    live = _state(module_subscriptions=_subscriptions("web_services"))
    assert not [n for n in plan(desired, live).notes if n.startswith("roles/")]


def test_no_note_when_subscriptions_were_not_read() -> None:
    desired = _state(roles={"Sync": _role({"purchasing": PO})})
    assert not [n for n in plan(desired, State()).notes if n.startswith("roles/")]
