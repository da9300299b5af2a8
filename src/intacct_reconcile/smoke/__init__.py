"""The integration smoke check: sign in as each declared web services user and run the reads
its vendor needs (docs/smoke-check.md).

    declare.py   the `smoke_checks:` manifest section: schema, parsing, checks against the
                 declared users and sender IDs
    run.py       sign in and read, one result per user and read
    report.py    the result file (.intacct-reconcile/smoke-checks/<apply>.json) and summary
    commands.py  `smoke-check [PATH]` and what `apply --smoke-check` runs after the apply

Not a resource kind: it plans and changes nothing.
"""
