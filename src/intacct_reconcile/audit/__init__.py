"""The audit log: `.intacct-reconcile/audit.log` next to the manifests (docs/audit-log.md).

log.py        the file: append-only, hash-chained JSON lines, fsync'd per append; verify
journal.py    one apply as it happens: begin, intents before sending, outcomes after, end
provenance.py who ran it (CI actor, git user.email, $USER) and the manifests' git commit
history.py    reading back: applies, and the unfinished ones the next plan/apply warns about

journal.py is imported on its own (`from intacct_reconcile.audit.journal import ...`): it needs
the kind registry, which the `audit` commands do not.
"""

from __future__ import annotations

from intacct_reconcile.audit.history import Apply, applies, unfinished, warnings
from intacct_reconcile.audit.log import AUDIT_FILE, Verdict, audit_path, verify
from intacct_reconcile.audit.provenance import git_state, who_ran

__all__ = [
    "AUDIT_FILE",
    "Apply",
    "Verdict",
    "applies",
    "audit_path",
    "git_state",
    "unfinished",
    "verify",
    "warnings",
    "who_ran",
]
