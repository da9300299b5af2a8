"""Properties of the planner over generated states: applying a plan converges."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.builders import KINDS, res, state
from intacct_reconcile.planfile import load, save, stale
from intacct_reconcile.planner import plan
from intacct_reconcile.types import Change, PlanOptions, Resource, State

KEYS = st.sampled_from(["1000", "2000", "3000", "4000", "5000"])
TITLES = st.sampled_from(["Cash", "Bank", "Spend", "Suspense"])
RIGHTS = st.lists(st.sampled_from(["add", "edit", "list", "view"]), unique=True, max_size=4)
PERMS = st.dictionaries(
    st.sampled_from(["accounts_payable", "company"]),
    st.dictionaries(st.sampled_from(["bills", "users"]), RIGHTS.map(lambda r: tuple(sorted(r)))),
    max_size=2,
)
ROLE_NAMES = st.sampled_from(["AP", "GL", "Admin"])


@st.composite
def states(draw, declared: bool):
    accounts = draw(st.lists(KEYS, unique=True, max_size=5))
    roles = draw(st.lists(ROLE_NAMES, unique=True, max_size=3))
    users = draw(st.lists(st.sampled_from(["u1", "u2", "u3"]), unique=True, max_size=3))
    line = 1 if declared else None
    resources = [
        res(
            "gl_accounts",
            k,
            line,
            title=draw(TITLES),
            ensure=draw(st.sampled_from(["present", "present", "absent"]))
            if declared
            else "present",
        )
        for k in accounts
    ]
    resources += [res("roles", r, line, permissions=draw(PERMS)) for r in roles]
    resources += [
        res(
            "web_services_users",
            u,
            line,
            roles=tuple(sorted(draw(st.lists(st.sampled_from(roles or ["AP"]), unique=True)))),
            status="active",
        )
        for u in users
    ]
    return state(*resources)


def apply_in_memory(live: State, changes: tuple[Change, ...]) -> State:
    """What a perfect applier would leave behind."""
    objects = {(r.kind, r.key): r for r in live}
    for c in changes:
        if c.action == "delete":
            del objects[(c.ref.kind, c.ref.key)]
        elif c.action in ("create", "update", "deactivate"):
            old = objects.get((c.ref.kind, c.ref.key))
            values = {**(old.values if old else {}), **(c.desired or {})}
            objects[(c.ref.kind, c.ref.key)] = Resource(c.ref.kind, c.ref.key, values)
    return state(*objects.values())


@settings(max_examples=40, deadline=None)
@given(desired=states(declared=True), live=states(declared=False), full=st.booleans())
def test_applying_a_plan_converges(desired, live, full):
    ownership = {k: "full" for k in KINDS} if full else {}
    options = PlanOptions(kinds=KINDS, ownership=ownership)
    first = plan(desired, live, options)
    after = apply_in_memory(live, first.changes)
    second = plan(desired, after, options)
    assert second.changes == ()
    assert second.access_changes == ()


@settings(max_examples=40, deadline=None)
@given(desired=states(declared=True), live=states(declared=False))
def test_plan_respects_dependency_order_and_removals_last(desired, live):
    p = plan(desired, live, PlanOptions(kinds=KINDS, ownership={"gl_accounts": "full"}))
    actions = [c.action for c in p.changes]
    first_removal = next((i for i, a in enumerate(actions) if a in ("delete", "deactivate")), None)
    if first_removal is not None:
        assert all(a in ("delete", "deactivate") for a in actions[first_removal:])
    created_roles = [i for i, c in enumerate(p.changes) if c.ref.kind == "roles"]
    user_changes = [
        i for i, c in enumerate(p.changes) if c.ref.kind == "web_services_users" and not c.removes
    ]
    if created_roles and user_changes:
        assert max(created_roles) < min(user_changes)
    # undeclared live objects of the kinds in use are removed (full) or listed unmanaged
    declared = {(r.kind, r.key) for r in desired}
    for r in live:
        if r.kind in desired.kinds() and (r.kind, r.key) not in declared:
            touched = any(c.ref == r.ref for c in p.changes)
            assert touched or r.ref in p.unmanaged


@settings(max_examples=25, deadline=None)
@given(desired=states(declared=True), live=states(declared=False), full=st.booleans())
def test_any_plan_survives_a_plan_file_round_trip(desired, live, full, tmp_path_factory):
    ownership = {k: "full" for k in KINDS} if full else {}
    p = plan(desired, live, PlanOptions(target="t", kinds=KINDS, ownership=ownership))
    path = tmp_path_factory.mktemp("plans") / "plan.json"
    save(p, path, tool_version="test", target_identity={"name": "t"})
    loaded = load(path)
    assert loaded == p
    assert stale(loaded, live) == []


@settings(max_examples=40, deadline=None)
@given(desired=states(declared=True), live=states(declared=False), full=st.booleans())
def test_creates_worked_out_ahead_plan_the_same(desired, live, full):
    from intacct_reconcile.planner import creates_ahead

    ownership = {k: "full" for k in KINDS} if full else {}
    options = PlanOptions(kinds=KINDS, ownership=ownership)
    kinds = list(desired.kinds())
    # the reads back before anything was worked out, and long after everything was
    none = creates_ahead(desired, kinds, KINDS, until=lambda: True)
    every = creates_ahead(desired, kinds, KINDS, until=lambda: False)
    assert none.changes() == []
    assert plan(desired, live, options, none) == plan(desired, live, options)
    with_every = plan(desired, live, options, every)
    assert with_every == plan(desired, live, options)
    # the creates of the plan are the very changes worked out ahead
    prepared = {id(c) for c in every.changes()}
    creates = [c for c in with_every.changes if c.action == "create"]
    assert all(id(c) in prepared for c in creates)


def test_creates_ahead_stop_when_the_reads_are_back_or_at_the_most():
    from intacct_reconcile.planner import creates_ahead

    desired = state(*(res("gl_accounts", str(1000 + n), 1, title="x") for n in range(350)))
    asked = []

    def back() -> bool:
        asked.append(1)
        return len(asked) > 2  # back at the third look: after 200 objects

    assert len(creates_ahead(desired, ["gl_accounts"], KINDS, until=back).changes()) == 200
    most = creates_ahead(desired, ["gl_accounts"], KINDS, until=lambda: False, most=100)
    assert len(most.changes()) == 100
