"""Which module subscription a permission set depends on (roles and user permissions).

Intacct offers a role or a user only the permissions of the applications the company
subscribes to (a company shows permissions "depending on subscriptions", catalog/
permissions.yaml), so a grant in an unsubscribed application gives nothing there. Two checks:

- at validation: a permission in a module the manifests unsubscribe (`ensure: absent` under
  `module_subscriptions`) contradicts them, an error with the fix. A module merely not
  declared there is no error: `module_subscriptions` is additive (the blueprints declare the
  subscriptions their guide asks for, not every one the company has), so undeclared does not
  mean unsubscribed;
- at plan time: the company's live subscriptions (read for the plan notes even when the
  manifests do not declare the kind, see `Kind.note_reads`), with the declared ones as the
  plan will leave them, say which subscription is missing.

Administration and Company have no subscription of their own in the catalogue's sense: every
company has them (assumption: the Company application cannot be unsubscribed), so they never
need one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from intacct_reconcile.kinds import module_subscriptions
from intacct_reconcile.kinds.base import Kind

if TYPE_CHECKING:
    from intacct_reconcile.manifest.objects import Declared
    from intacct_reconcile.types import State

SUBSCRIPTIONS = module_subscriptions.KIND.key
PERMISSIONS = "permissions"
ALWAYS_SUBSCRIBED = frozenset({"administration", "company"})


def needed(granted: Mapping[str, Any], subscribed: set[str]) -> list[str]:
    """The modules of a permission set the company is not subscribed to, sorted."""
    return sorted(
        m
        for m in granted
        if m in module_subscriptions.APPLICATION_CODES
        and m not in ALWAYS_SUBSCRIBED
        and m not in subscribed
    )


def unsubscribed_notes(kind: Kind, desired: State, live: State) -> list[str]:
    """One note per declared object granting permissions in an application the company does
    not subscribe to (declared subscriptions count as done: the plan makes them). Silent
    when the subscriptions could not be read."""
    if SUBSCRIPTIONS not in live.kinds():
        return []
    declared = desired.of(SUBSCRIPTIONS)
    subscribed = {k for k in live.of(SUBSCRIPTIONS) if k not in declared}
    subscribed |= {k for k, r in declared.items() if r.ensure == "present"}
    notes = []
    for obj in desired.of(kind.key).values():
        if obj.ensure != "present":
            continue
        missing = needed(obj.values.get(PERMISSIONS) or {}, subscribed)
        if missing:
            notes.append(
                f"{kind.key}/{obj.key}: grants permissions in {', '.join(missing)}, which the "
                "company does not subscribe to; Intacct offers only the permissions of "
                "subscribed applications (declare them in module_subscriptions, or drop them)"
            )
    return notes


def check_declared_subscriptions(
    kind: Kind, objects: Mapping[str, Mapping[str, Declared]]
) -> list[Any]:
    """Validation: no permission set grants in a module the manifests unsubscribe
    ([Problem])."""
    from intacct_reconcile.errors import Problem

    subscriptions = objects.get(SUBSCRIPTIONS) or {}
    unsubscribed = {k for k, obj in subscriptions.items() if obj.ensure == "absent"}
    if not unsubscribed:
        return []
    subscribed = set(module_subscriptions.APPLICATION_CODES) - unsubscribed
    problems = []
    for obj in objects.get(kind.key, {}).values():
        if obj.ensure == "absent" or not obj.clean:
            continue
        values = obj.normalized if obj.normalized is not None else kind.normalize(obj.values)
        missing = needed(values.get(PERMISSIONS) or {}, subscribed)
        if missing:
            lines = "".join(f"\n  {m}: {{}}" for m in missing)
            problems.append(
                Problem(
                    obj.field_spans.get(PERMISSIONS, obj.span),
                    f"{obj.ref}: grants permissions in {', '.join(missing)}, which "
                    "module_subscriptions unsubscribes (ensure: absent); Intacct offers only "
                    "the permissions of subscribed applications",
                    f"keep the subscription under module_subscriptions:{lines}\n"
                    "or drop those permissions",
                )
            )
    return problems


def module_notes(module: str) -> Any:
    """plan_notes for a kind whose objects exist only with `module` subscribed (taxes)."""

    def notes(kind: Kind, desired: State, live: State) -> list[str]:
        declared = [r for r in desired.of(kind.key).values() if r.ensure == "present"]
        if not declared or SUBSCRIPTIONS not in live.kinds():
            return []
        wanted = desired.get(SUBSCRIPTIONS, module)
        if wanted is not None and wanted.ensure == "present":
            return []  # the plan subscribes it first (depends_on)
        if module in live.of(SUBSCRIPTIONS) and wanted is None:
            return []
        name = module_subscriptions.MODULE_NAMES.get(module, module)
        return [
            f"{kind.key}: the company does not subscribe to {name}, without which Intacct has "
            f"no {kind.title} objects; declare `{module}: {{}}` under module_subscriptions"
        ]

    return notes


def module_check(module: str) -> Any:
    """check_manifests for a kind whose objects need `module`: the manifests may not
    unsubscribe it while declaring such objects."""

    def check(kind: Kind, objects: Mapping[str, Mapping[str, Declared]]) -> list[Any]:
        from intacct_reconcile.errors import Problem

        declared = (objects.get(SUBSCRIPTIONS) or {}).get(module)
        if declared is None or declared.ensure != "absent":
            return []
        present = [o for o in objects.get(kind.key, {}).values() if o.ensure != "absent"]
        if not present:
            return []
        name = module_subscriptions.MODULE_NAMES.get(module, module)
        return [
            Problem(
                present[0].span,
                f"{kind.key}: {kind.title} objects exist only in companies subscribed to "
                f"{name}, which module_subscriptions unsubscribes (ensure: absent)",
                f"keep the subscription (module_subscriptions:\n  {module}: {{}}) or drop "
                f"the {kind.key}",
            )
        ]

    return check
