"""`plan --base REF`: what a pull request changes, apart from what was already pending.

The head plan (the manifests at PATH) is made exactly as `plan` makes it; the base manifests
(base_manifests.py: a git ref's copy, or a folder) are planned against the SAME live state,
read once for both (`SharedRead`), with the same config, target, vars, ownership and
attestations (the head's). Comparing the two plans' pending changes object by object:

  introduced by this pull request   in head's plan, and absent from base's plan or different
                                    there (another action, other fields or values)
  already pending on base           in head's plan and identical in base's plan: drift made
                                    in the UI, or merged changes not applied yet
  withdrawn by this pull request    in base's plan, and no change to that object in head's
                                    plan (the pull request reverts a pending change, or adopts
                                    the live value)

Two changes to one object are identical when they have the same action and the same field
changes (name, before, after, items added and removed) and write the same secret values;
where the manifest line is, and the object's notes, do not count. An introduced change to an
object the base also changes lists the fields whose change the base has too
(`pending_on_base_fields`) and those the base changes and head no longer does
(`withdrawn_fields`). Attested manual steps are closed, not changes: they are left out.

The split is for review only: the plan file (`--out`), the exit code (`--detailed-exitcode`),
the safety gate and the access review are the head plan's, unchanged. When the base's
manifests cannot be planned (invalid, a dependency cycle, a reference missing live), the head
plan is shown as usual and the split is marked unavailable with the reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intacct_reconcile.base_manifests import BaseSource, open_base
from intacct_reconcile.digests import canonical_json
from intacct_reconcile.errors import ConfigError, ReconcileError
from intacct_reconcile.types import Change, Plan, Ref, Resource, Span, State

Fields = Mapping[str, frozenset[str]]


# --- the split: a pure function of two plans ---------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One object's place in the split. `change`: head's change (introduced, pending on base)
    or base's (withdrawn). For an introduced change to an object the base changes too: the
    base's change, the fields whose change base has too, and those only base changes."""

    change: Change
    base_change: Change | None = None
    pending_on_base_fields: tuple[str, ...] = ()
    withdrawn_fields: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[Any, ...]:
        """The field changes this entry is about: for a change that differs from the base's,
        those the base does not plan the same way."""
        pending = set(self.pending_on_base_fields)
        return tuple(f for f in self.change.fields if f.name not in pending)

    @property
    def reason(self) -> str:
        """introduced: "new" (base has no change to the object) or "differs"."""
        return "differs" if self.base_change is not None else "new"


@dataclass(frozen=True)
class Split:
    """Head's pending changes split against base's: introduced by the pull request, already
    pending on base, and withdrawn by it."""

    introduced: tuple[Entry, ...] = ()
    pending_on_base: tuple[Entry, ...] = ()
    withdrawn: tuple[Entry, ...] = ()


def split(head: Plan, base: Plan | None, *, head_root: str = "", base_root: str = "") -> Split:
    """Head's pending changes split against base's (None: the base declares nothing).

    `head_root`/`base_root`: the absolute manifest folders. A value holding a path inside
    one (a package file, resolved by the loader) is compared relative to it, so the same
    file in both is the same value (its content has a digest of its own)."""
    base_changes = {c.ref: c for c in base.pending} if base is not None else {}
    introduced: list[Entry] = []
    pending: list[Entry] = []
    for change in head.pending:
        before = base_changes.get(change.ref)
        if before is None:
            introduced.append(Entry(change))
        elif signature(change, head_root) == signature(before, base_root):
            pending.append(Entry(change))
        else:
            introduced.append(_differs(change, before, head_root, base_root))
    planned = {c.ref for c in head.pending}
    withdrawn = tuple(Entry(c) for c in base_changes.values() if c.ref not in planned)
    return Split(tuple(introduced), tuple(pending), withdrawn)


def _differs(change: Change, before: Change, head_root: str, base_root: str) -> Entry:
    mine = {f.name: _field_key(f, head_root) for f in change.fields}
    theirs = {f.name: _field_key(f, base_root) for f in before.fields}
    same_action = change.action == before.action
    return Entry(
        change,
        base_change=before,
        pending_on_base_fields=tuple(
            n for n in mine if same_action and n in theirs and theirs[n] == mine[n]
        ),
        withdrawn_fields=tuple(n for n in theirs if n not in mine),
    )


def _field_key(fc: Any, root: str = "") -> str:
    values = [fc.before, fc.after, list(fc.added), list(fc.removed)]
    return canonical_json(_in_manifests(values, root))


def _in_manifests(value: Any, root: str) -> Any:
    """`value` with paths inside the manifest folder `root` written relative to it."""
    if isinstance(value, str):
        inside = bool(root) and value.startswith(root + os.sep)
        return "<manifests>/" + value[len(root) + 1 :] if inside else value
    if isinstance(value, list | tuple):
        return [_in_manifests(v, root) for v in value]
    if isinstance(value, Mapping):
        return {k: _in_manifests(v, root) for k, v in value.items()}
    return value


def signature(change: Change, root: str = "") -> str:
    """What makes two plans' changes to one object the same change (see the module doc).
    Secret values enter only as a digest, and the signature is never shown or saved.
    `root`: the manifest folder the change was planned from (see `split`)."""
    secrets = {
        name: hashlib.sha256(canonical_json((change.desired or {}).get(name)).encode()).hexdigest()
        for name in change.secret_fields
    }
    return canonical_json(
        {
            "action": change.action,
            "fields": [[f.name, _field_key(f, root)] for f in change.fields],
            "secrets": secrets,
            "manual_steps": list(change.manual_steps),
        }
    )


# --- one live read for two plans ----------------------------------------------------------------


class SharedRead:
    """The read-ahead's interface (`start`, `join`, `clients`, `result`) over one live read
    serving both plans: the read-ahead reads what either plan's manifests use, and the first
    read made through `result` also takes in what the other plan will need, so the second plan
    finds every kind already read (read_live's requests are made once)."""

    def __init__(self, ahead: Any, other_names: Mapping[str, set[str]], other: Fields) -> None:
        self.ahead = ahead
        self.other_names = other_names  # the base's field names per kind, for the read-ahead
        self.other = dict(other)  # what the base's plan will ask `result` for
        self._cache: dict[str, Mapping[str, Resource]] = {}
        self._cache_fields: dict[str, frozenset[str]] = {}

    def start(self, names: Mapping[str, set[str]]) -> None:
        merged = {k: set(v) for k, v in names.items()}
        for kind, more in self.other_names.items():
            merged.setdefault(kind, set()).update(more)
        self.ahead.start(merged)

    def join(self) -> None:
        self.ahead.join()

    def clients(self) -> Any:
        return self.ahead.clients()

    def result(self, kinds: Sequence[str], needed: Fields) -> State:
        from intacct_reconcile.live import read_live

        want = {k: frozenset(needed.get(k, frozenset())) for k in kinds}
        if self.other:  # the first read: the other plan's needs come along
            for kind, names in self.other.items():
                want[kind] = want.get(kind, frozenset()) | names
            self.other = {}
        have = self._covered(want)
        missing = {k: names for k, names in want.items() if k not in have}
        if missing:
            read = read_live(self.ahead.clients(), list(missing), fields=missing)
            for kind, names in missing.items():
                self._cache[kind], self._cache_fields[kind] = read.of(kind), names
                have[kind] = read.of(kind)
        return State({k: have[k] for k in kinds})

    def _covered(self, want: Fields) -> dict[str, Mapping[str, Resource]]:
        have = dict(self.ahead.result(list(want), want).resources)
        for kind, names in want.items():
            if kind not in have and kind in self._cache and names <= self._cache_fields[kind]:
                have[kind] = self._cache[kind]
        return have


# --- the base's plan, next to the head's ----------------------------------------------------------


@dataclass
class AgainstBase:
    """What `workflow.plan_in` is handed for `--base`: the base manifests (or why they cannot
    be planned), the shared live read, and, once compared, the split."""

    source: BaseSource
    manifests: Any = None  # manifest.desired.Manifests of the base (None: missing or invalid)
    error: str = ""  # why the base cannot be planned: the split is unavailable
    only_kinds: tuple[str, ...] = ()
    result: Split | None = None
    notes: list[str] = field(default_factory=list)
    shared_read: SharedRead | None = None
    head_root: str = ""  # the head's manifest folder, absolute (see `split`)

    @property
    def available(self) -> bool:
        return not self.error

    def kinds(self) -> list[str]:
        if self.manifests is None:
            return []
        return [
            k for k in self.manifests.desired.kinds() if not self.only_kinds or k in self.only_kinds
        ]

    def needs(self) -> dict[str, frozenset[str]]:
        """The live kinds and fields the base's plan reads (as workflow._read_live asks)."""
        from intacct_reconcile.live import declared_fields

        if self.manifests is None:
            return {}
        kinds = self.kinds()
        declared = declared_fields(self.manifests.desired)
        out = {k: declared.get(k, frozenset()) for k in kinds}
        for ref in self.manifests.deferred_refs:
            out.setdefault(ref.target.kind, frozenset())
        return out

    def shared(self, ahead: Any) -> SharedRead:
        names: dict[str, set[str]] = {}
        if self.manifests is not None:
            for kind in self.kinds():
                objects = self.manifests.desired.of(kind).values()
                names[kind] = {name for obj in objects for name in obj.values}
        self.shared_read = SharedRead(ahead, names, self.needs())
        return self.shared_read

    def compare(self, ctx: Any, head: Plan, progress: Any) -> None:
        """Plan the base against the live state the head's plan read, and split."""
        if self.error:
            return
        if self.manifests is None:  # the ref holds no manifests: everything is introduced
            self.result = split(head, None)
            return
        progress.step(f"planning the base ({self.source.label or self.source.path}) too")
        try:
            base_plan = self._plan(ctx)
        except ReconcileError as exc:  # invalid against live state (a missing reference, a cycle)
            self.error = self.shown(str(exc))
            return
        base_root = _folder_of(Path(self.manifests.root))
        found = split(head, base_plan, head_root=self.head_root, base_root=base_root)
        # the base's changes as output shows them: REF:path, never the temporary copy
        self.result = Split(
            tuple(
                dataclasses.replace(e, base_change=self._relabel(e.base_change))
                if e.base_change is not None
                else e
                for e in found.introduced
            ),
            found.pending_on_base,
            tuple(Entry(self._relabel(e.change)) for e in found.withdrawn),
        )

    def _relabel(self, change: Change) -> Change:
        """A base change with the temporary copy's paths (sources, package files) as REF:path."""
        if self.source.scratch is None:
            return change
        fields = tuple(
            dataclasses.replace(
                f, before=self._relabel_value(f.before), after=self._relabel_value(f.after)
            )
            for f in change.fields
        )
        source = change.source
        if source is not None:
            source = Span(self.source.shown(source.file), source.line, source.column)
        return dataclasses.replace(change, fields=fields, source=source)

    def _relabel_value(self, value: Any) -> Any:
        return self.source.shown(value) if isinstance(value, str) else value

    def _plan(self, ctx: Any) -> Plan:
        from intacct_reconcile import planner, workflow
        from intacct_reconcile.live import check_deferred_refs, own_objects

        assert self.shared_read is not None  # made by shared() before the head's read
        kinds = self.kinds()
        needs = self.needs()
        options = workflow._plan_options(ctx, self.manifests, self.only_kinds)
        read = self.shared_read.result(list(needs), needs)
        live = own_objects(read, self.manifests.desired)
        if self.manifests.deferred_refs:
            check_deferred_refs(self.manifests.deferred_refs, live)
        return planner.plan(self.manifests.desired, State({k: live.of(k) for k in kinds}), options)

    # --- how the base's places are shown ---

    def shown(self, text: str) -> str:
        """A message about the base as output shows it: paths inside the temporary copy of a
        git ref as REF:path, and any secret masked (it is output, not an error raised)."""
        from intacct_reconcile.client.errors import redact

        return redact(self.source.shown(text))

    def where(self, span: Span | None) -> str:
        if span is None:
            return ""
        return self.shown(f"{span.file}:{span.line}")

    def render(self, output: str, head: Plan, fmt: str, color: bool) -> str:
        from intacct_reconcile.render import split as render_split

        return render_split.RENDERERS[fmt](output, self, head, color=color)


def _folder_of(path: Path) -> str:
    """The absolute manifest folder of a manifest path (a folder, or a file's folder)."""
    resolved = path.resolve()
    return str(resolved if resolved.is_dir() else resolved.parent)


def refuse_fleet(base: str | None) -> None:
    """`--base` with several targets: refused (a split per target is one plan --base each)."""
    if base is not None:
        raise ConfigError(
            "--base compares one target's plan with its base; run `plan --base REF --target T` "
            "once per target (e.g. in a CI matrix over the targets)"
        )


@contextmanager
def prepare(
    base: str,
    path: Path,
    ctx: Any,
    only_kinds: Sequence[str],
    only: Collection[Ref],
) -> Iterator[AgainstBase]:
    """The base for `plan --base BASE`, loaded with the head's target vars before any read."""
    from intacct_reconcile.manifest.api import load_desired

    if only:
        raise ConfigError(
            "--base cannot be combined with --only: a partial plan is an emergency measure, "
            "not a review — drop --only to compare with the base"
        )
    with open_base(base, path, ctx.config.path) as source:
        against = AgainstBase(source, only_kinds=tuple(only_kinds), head_root=_folder_of(path))
        if source.config_differs and not source.missing:
            against.notes.append(
                f"{Path(str(ctx.config.path)).name} differs between the base and this pull "
                "request: both plans use this pull request's config (targets, vars, ownership, "
                "attestations), so what the config change does shows as already pending on base"
            )
        if source.folder is not None:
            try:
                against.manifests = load_desired(
                    source.folder, vars=dict(ctx.target.vars), env=os.environ
                )
            except ReconcileError as exc:
                against.error = against.shown(str(exc))
        yield against
