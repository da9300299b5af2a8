"""The evidence bundle of one apply: a folder (and a zip of it) an auditor can file.

docs/evidence.md describes the format. The modules:

index.py     the index of SHA-256 digests (index.json, SHA256SUMS) and the deterministic zip
signing.py   the optional HMAC signature of the index (index.sig), with the evidence key
verify.py    `evidence verify DIR|ZIP`: offline, no config, no network; any changed, added or
             removed byte fails, naming the file
approval.py  the approval context from CI: pull request, approvers, commit, run
readback.py  a fresh plan against the target after the apply, and what it says
collect.py   the audit records of the apply, the reviewed plan, attestations, smoke check
html.py      the self-contained HTML report (no scripts, no network, every value escaped)
bundle.py    `evidence`: gathers the pieces, refuses secrets, writes the folder and the zip
commands.py  the CLI: `evidence [write] PATH ...` and `evidence verify BUNDLE`
"""

from __future__ import annotations

FORMAT = "intacct-reconcile evidence"
FORMAT_VERSION = 1
INDEX_FILE = "index.json"
SUMS_FILE = "SHA256SUMS"
SIGNATURE_FILE = "index.sig"  # signing.py: the one file the index cannot list
