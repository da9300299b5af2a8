"""`intacct-reconcile evidence [write] [PATH] ...` and `intacct-reconcile evidence verify BUNDLE`.

`write` is the default subcommand: `evidence intacct --apply latest` writes a bundle, and
`evidence verify bundle.zip` checks one (a manifest folder named `verify` needs `evidence
write verify`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from intacct_reconcile.errors import ReconcileError
from intacct_reconcile.evidence import signing
from intacct_reconcile.usage_errors import ExitOneGroup

Boundary = Callable[[Callable[..., Any]], Callable[..., Any]]
DEFAULT_COMMAND = "write"


_SIGNATURE_SAYS = {
    signing.Status.VALID: f"valid (HMAC-SHA256 with the key in {signing.KEY_ENV})",
    signing.Status.UNCHECKED: f"present, not checked: {signing.KEY_ENV} is not set here",
    signing.Status.ABSENT: "none (the bundle was written without the evidence key)",
}


class BundleInvalidError(ReconcileError):
    """`evidence verify` found a changed, added or removed byte: exit 1."""


class _EvidenceGroup(ExitOneGroup):
    """`evidence ARGS` means `evidence write ARGS` unless ARGS starts with a subcommand; usage
    errors exit 1 like every other bad input (README "Exit codes")."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        helping = args[:1] in (["--help"], ["-h"])
        if not helping and (not args or args[0] not in self.commands):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


def register(app: typer.Typer, boundary: Boundary) -> None:
    evidence_app = typer.Typer(
        cls=_EvidenceGroup,
        help="Evidence of one apply for auditors: `evidence [PATH] --apply ID|latest --out DIR` "
        "writes a verifiable folder and zip; `evidence verify DIR|ZIP` checks one offline.",
        no_args_is_help=False,
    )

    @evidence_app.command("write")
    @boundary
    def write(
        path: Annotated[
            Path | None,
            typer.Argument(
                help="The manifest folder the apply ran from (holds .intacct-reconcile/; "
                "default: the --config file's folder, else the current directory)."
            ),
        ] = None,
        apply: Annotated[
            str,
            typer.Option(
                "--apply",
                metavar="ID|latest",
                help="The apply: its id from the audit log (or 6+ leading characters), or "
                "`latest` (of --target, when given).",
            ),
        ] = "latest",
        out: Annotated[
            Path | None,
            typer.Option(
                "--out",
                help="Folder to write (must not exist; default: "
                "evidence-TARGET-APPLYID). The zip is written beside it as FOLDER.zip.",
            ),
        ] = None,
        target: Annotated[
            str | None,
            typer.Option("--target", help="Only applies to this target (default: the apply's)."),
        ] = None,
        config: Annotated[
            Path | None,
            typer.Option("--config", help="intacct-reconcile.yaml (default: beside PATH)."),
        ] = None,
        plan: Annotated[
            Path | None,
            typer.Option(
                "--plan",
                help="The reviewed plan file the apply ran (`apply PLANFILE`); "
                "refused unless its checksum is the one the audit log recorded.",
            ),
        ] = None,
        pr: Annotated[
            int | None,
            typer.Option("--pr", min=1, help="Pull request number (default: from the CI)."),
        ] = None,
        approvers_file: Annotated[
            Path | None,
            typer.Option(
                "--approvers-file",
                help="Approvers the CI step wrote: a JSON list of names or one per line "
                "(default: INTACCT_RECONCILE_APPROVERS, comma-separated).",
            ),
        ] = None,
        zip_: Annotated[
            bool, typer.Option("--zip/--no-zip", help="Also write FOLDER.zip (default: yes).")
        ] = True,
        readback: Annotated[
            bool,
            typer.Option(
                "--readback/--no-readback",
                help="Plan again against the target and record whether the plan is empty "
                "(default: yes; --no-readback records that it was not done).",
            ),
        ] = True,
        sandbox: Annotated[
            bool, typer.Option("--sandbox", help="The apply ran against the embedded sandbox.")
        ] = False,
    ) -> None:
        """Write the evidence bundle of one apply (folder + zip)."""
        from intacct_reconcile.evidence import bundle

        written = bundle.write(
            path,
            out=out,
            apply=apply,
            target=target,
            config=config,
            plan_file=plan,
            pr=pr,
            approvers_file=approvers_file,
            make_zip=zip_,
            do_readback=readback,
            sandbox=sandbox,
        )
        typer.echo(f"wrote {written.folder}/ ({written.files} files) for apply {written.apply_id}")
        if written.zip is not None:
            typer.echo(f"wrote {written.zip}")
        typer.echo(f"read-back: {written.readback_status}")
        typer.echo(f"index sha256:{written.index_digest} (record it elsewhere)")
        typer.echo(
            f"signed: index.sig, with the key in {signing.KEY_ENV}"
            if written.signed
            else f"not signed: set {signing.KEY_ENV} to sign bundles (docs/evidence.md)"
        )

    @evidence_app.command("verify")
    @boundary
    def verify(
        bundle_path: Annotated[
            Path, typer.Argument(metavar="BUNDLE", help="An evidence folder or its zip.")
        ],
        require_signature: Annotated[
            bool,
            typer.Option(
                "--require-signature",
                help=f"Fail unless index.sig is there and verifies with the key in "
                f"{signing.KEY_ENV}.",
            ),
        ] = False,
    ) -> None:
        """Check a bundle offline: exit 1 on any changed, added or removed byte."""
        import os

        from intacct_reconcile.evidence.verify import verify as check

        key = signing.key_from(os.environ)
        verdict = check(bundle_path, key, require_signature=require_signature)
        if not verdict.ok:
            altered = not (verdict.unsigned_only and require_signature)
            raise BundleInvalidError(
                ("evidence bundle altered:\n  " if altered else "evidence bundle refused:\n  ")
                + "\n  ".join(verdict.problems)
                + (
                    "\n— keep it as found; compare it with the copy the CI stored"
                    if altered
                    else ""
                )
            )
        facts = verdict.facts
        typer.echo(
            f"{bundle_path}: intact — {verdict.files} files; apply {facts.get('apply')} to "
            f"{facts.get('target')} (company {facts.get('company_id')}), read-back "
            f"{facts.get('readback')}; written by intacct-reconcile {facts.get('tool_version')}"
        )
        typer.echo(f"index sha256:{verdict.index_digest}")
        typer.echo(f"signature: {_SIGNATURE_SAYS[verdict.signature]}")

    app.add_typer(evidence_app, name="evidence")
