"""``intacct-reconcile sandbox ...``: serve the embedded Intacct, reset it, and change the
UI-only company settings an admin would change by hand in the Intacct UI.

    sandbox serve [--host] [--port 0] [--db FILE] [--latency-ms N] [--function-ms N]
                  [--record-ms N] [--concurrency N]
                  [--queue-wait S] [--fault-rate F] [--seed N] [--log FILE]
    sandbox reset [--db FILE]                               (drops every company of the file)
    sandbox company create ID [--seed starter|empty] | list
    sandbox ui authorize-sender ID [--description] | revoke-sender ID
    sandbox ui allow-ip CIDR | remove-ip CIDR
    sandbox ui subscribe MODULE | unsubscribe MODULE
    sandbox ui set-te-pref NAME VALUE
    sandbox ui set-user-rights LOGIN [APPLICATION/POLICY=RIGHT|RIGHT...]  (user-based permissions)
    sandbox ui set-password LOGIN [--password-env NAME]   (else from stdin; never echoed)
    sandbox ui approve-package NAME                      (authorize an installed platform app)
    sandbox ui edit-record OBJECT KEY FIELD=VALUE...     (a hand edit in the UI: drift)
    sandbox ui show

Every command takes ``--db`` (default ``.intacct-reconcile/sandbox.db`` in the current
directory; parent directories are created). A new database holds the starter company DEMO;
`serve` hosts every company of the database, `ui` commands change one (``--company ID``).
"""

from __future__ import annotations

import getpass
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from intacct_reconcile.errors import ReconcileError

if TYPE_CHECKING:
    from intacct_reconcile.sandbox import company, objects
    from intacct_reconcile.sandbox.companies import SEEDS, Companies
    from intacct_reconcile.sandbox.objects.errors import SandboxError
    from intacct_reconcile.sandbox.store import Store


def _load() -> None:
    """The sandbox itself, imported when a sandbox command runs: every other command of the
    CLI registers this group without paying for the sandbox's import at start-up."""
    global company, objects, SEEDS, Companies, SandboxError, Store
    from intacct_reconcile.sandbox import company, objects
    from intacct_reconcile.sandbox.companies import SEEDS, Companies
    from intacct_reconcile.sandbox.objects.errors import SandboxError
    from intacct_reconcile.sandbox.store import Store


DEFAULT_DB = Path(".intacct-reconcile") / "sandbox.db"

app = typer.Typer(
    help="The embedded Intacct sandbox: serve it, reset it, change UI-only settings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
ui = typer.Typer(
    help="Change settings the real product only offers in its UI (as a company admin would).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(ui, name="ui")
companies_app = typer.Typer(
    help="The companies a sandbox database hosts (one endpoint, many companies, as Intacct).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(companies_app, name="company")

DbOption = Annotated[
    Path,
    typer.Option("--db", help="Sandbox database file (created with a starter company)."),
]
CompanyOption = Annotated[
    str | None,
    typer.Option(
        "--company", help="Company ID in the database (default: the database's first, DEMO)."
    ),
]
SenderArg = Annotated[str, typer.Argument(help="Web Services sender ID (case-sensitive).")]
CidrArg = Annotated[str, typer.Argument(help="Address or CIDR.")]
ModuleArg = Annotated[str, typer.Argument(help="Code (GL) or name (General Ledger).")]


def _describe(exc: ReconcileError) -> str:
    if isinstance(exc, SandboxError) and exc.errors:
        _errorno, description, description2, correction = exc.errors[0]
        parts = [description, description2, correction]
        return " — ".join(p for p in parts if p)
    return str(exc)


def _boundary(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Errors a user can cause become one line on stderr and exit code 1, no traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _load()
        try:
            return fn(*args, **kwargs)
        except ReconcileError as exc:
            typer.echo(f"error: {_describe(exc)}", err=True)
            raise typer.Exit(1) from None
        except sqlite3.Error as exc:
            typer.echo(
                f"error: cannot open the sandbox database ({exc}) — pass --db a sandbox "
                "database file, or a new path to start from a fresh starter company",
                err=True,
            )
            raise typer.Exit(1) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            typer.echo(f"error: {where}{exc.strerror or exc}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def _prepare(db: Path) -> str:
    if db.is_dir():
        raise SandboxError(
            [("", f"--db {db} is a directory", "", "Pass a file, e.g. --db sandbox.db.")]
        )
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SandboxError(
            [("", f"cannot create {db.parent} ({exc.strerror})", "", "Pass a writable --db.")]
        ) from None
    return str(db)


def _check_log(log: Path) -> None:
    """Open the request log once up front: an unwritable one would otherwise fail every
    request of the served company, one internal error at a time."""
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise SandboxError(
            [
                (
                    "",
                    f"cannot write the request log {log} ({exc.strerror})",
                    "",
                    "Pass a writable --log.",
                )
            ]
        ) from None


@contextmanager
def _database(db: Path) -> Iterator[Store]:
    """The database's default company (seeded on first use); closed afterwards."""
    store = Store.open(_prepare(db))
    try:
        company.seed_starter_company(store)
        yield store
    finally:
        store.close()


@contextmanager
def _company(db: Path, company_id: str | None = None) -> Iterator[Store]:
    """One company of the database: the default one, or the one `--company` names."""
    with _database(db) as default:
        if company_id is None:
            yield default
            return
        found = Companies(default).get(company_id)
        if found is None:
            known = ", ".join(Companies(default).ids())
            raise SandboxError(
                [
                    (
                        "",
                        f"no company {company_id!r} in {db} (it has: {known})",
                        "",
                        f"Create it with `intacct-reconcile sandbox company create {company_id} "
                        f"--db {db}`, or pick one of those.",
                    )
                ]
            )
        yield found


# -- serve / reset ------------------------------------------------------------------------


@app.command()
@_boundary
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port; 0 picks a free one.")] = 0,
    db: DbOption = DEFAULT_DB,
    latency_ms: Annotated[float, typer.Option(help="Added to every request.")] = 0,
    function_ms: Annotated[
        float, typer.Option(min=0, help="Server work per function in a request (ms).")
    ] = 2.0,
    record_ms: Annotated[
        float, typer.Option(min=0, help="Server work per record sent or returned (ms).")
    ] = 0.05,
    concurrency: Annotated[
        int, typer.Option(help="Requests in flight before 429 / GW-0010 (0 = unlimited).")
    ] = 2,
    queue_wait: Annotated[
        float, typer.Option(help="Seconds an excess request waits for a slot.")
    ] = 2.0,
    fault_rate: Annotated[
        float, typer.Option(help="Share of requests failing transiently (0..1).")
    ] = 0.0,
    seed: Annotated[
        int | None, typer.Option(help="Seed for a reproducible fault sequence.")
    ] = None,
    log: Annotated[Path | None, typer.Option(help="JSON-lines request log file.")] = None,
) -> None:
    """Serve the sandbox over HTTP. First stdout line: "listening on http://HOST:PORT"."""
    from intacct_reconcile.sandbox.app import make_app, warm_up
    from intacct_reconcile.sandbox.options import SandboxOptions
    from intacct_reconcile.sandbox.serve import serve as run

    if not 0.0 <= fault_rate <= 1.0:
        raise typer.BadParameter("must be between 0 and 1", param_hint="--fault-rate")
    if concurrency < 0:
        raise typer.BadParameter("must be 0 (unlimited) or more", param_hint="--concurrency")
    if log is not None:
        _check_log(log)
    options = SandboxOptions(
        latency_ms=latency_ms,
        function_ms=function_ms,
        record_ms=record_ms,
        concurrency=concurrency,
        queue_wait_s=queue_wait,
        fault_rate=fault_rate,
        seed=seed,
        log_path=str(log) if log else None,
    )
    app = make_app(_prepare(db), options)
    warm_up()  # before the listening line: no first request waits for the sandbox to load
    try:
        run(app, host, port)
    except OSError as exc:
        if exc.filename:  # a file, not the socket
            raise
        raise SandboxError(
            [
                (
                    "",
                    f"cannot listen on {host}:{port} ({exc.strerror or exc})",
                    "",
                    "Pick another --port (0 picks a free one) or --host.",
                )
            ]
        ) from None


@app.command()
@_boundary
def reset(db: DbOption = DEFAULT_DB) -> None:
    """Throw the sandbox database away and start again from a fresh starter company."""
    _prepare(db)  # a directory or an uncreatable path: refused before anything is removed
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with _company(db) as store:
        typer.echo(f"reset {db}: fresh starter company {company.company_id(store)}")


# -- company: create / list ---------------------------------------------------------------------


@companies_app.command("create")
@_boundary
def company_create(
    company_id: Annotated[str, typer.Argument(metavar="COMPANY_ID", help="e.g. ACME.")],
    seed: Annotated[
        str,
        typer.Option(
            help="starter: entities, locations, chart of accounts, vendors, admin; "
            "empty: only the admin user, its role, the sandbox sender and REST client."
        ),
    ] = "starter",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Add a company; sign in to it with its ID (same sandbox credentials as DEMO)."""
    if seed not in SEEDS:
        raise typer.BadParameter(f"use one of: {', '.join(SEEDS)}", param_hint="--seed")
    with _database(db) as default:
        Companies(default).create(company_id, seed)  # type: ignore[arg-type]
    typer.echo(f"created company {company_id} ({seed}) in {db}")


@companies_app.command("list")
@_boundary
def company_list(db: DbOption = DEFAULT_DB) -> None:
    """The companies of the database, one per line: ID, entities, records."""
    with _database(db) as default:
        registry = Companies(default)
        for company_id in registry.ids():
            store = registry.get(company_id)
            assert store is not None  # listed ids always open
            entities = [e["LOCATIONID"] for e in objects.find(store, "LOCATIONENTITY", {})]
            shown = ", ".join(entities) if entities else "no entities"
            typer.echo(f"{company_id}\t{shown}")


# -- ui: sender ids, IP filters, subscriptions, T&E prefs ---------------------------------------


@ui.command("authorize-sender")
@_boundary
def authorize_sender(
    sender_id: SenderArg,
    description: Annotated[str, typer.Option(help="Shown in the authorizations list.")] = "",
    db: DbOption = DEFAULT_DB,
    company_id: CompanyOption = None,
) -> None:
    """Company > Setup > Configuration > Company > Security > Web Services authorizations > Add."""
    with _company(db, company_id) as store:
        company.authorize_sender(store, sender_id, description)
    typer.echo(f"authorized sender {sender_id}")


@ui.command("revoke-sender")
@_boundary
def revoke_sender(
    sender_id: SenderArg, db: DbOption = DEFAULT_DB, company_id: CompanyOption = None
) -> None:
    """Remove a sender ID from the Web Services authorizations."""
    with _company(db, company_id) as store:
        known = sender_id in company.authorized_senders(store)
        company.deauthorize_sender(store, sender_id)
    typer.echo(f"revoked sender {sender_id}" if known else f"sender {sender_id} was not authorized")


@ui.command("allow-ip")
@_boundary
def allow_ip(cidr: CidrArg, db: DbOption = DEFAULT_DB, company_id: CompanyOption = None) -> None:
    """Add an IP address filter (once any exists, other addresses cannot sign in)."""
    with _company(db, company_id) as store:
        network = company.add_ip_filter(store, cidr)
    typer.echo(f"allowed {network}")


@ui.command("remove-ip")
@_boundary
def remove_ip(cidr: CidrArg, db: DbOption = DEFAULT_DB, company_id: CompanyOption = None) -> None:
    """Remove an IP address filter."""
    with _company(db, company_id) as store:
        try:
            company.remove_ip_filter(store, cidr)
        except ValueError:
            raise SandboxError(
                [("", f"{cidr!r} is not an IP address or CIDR", "", "e.g. 203.0.113.0/24")]
            ) from None
    typer.echo(f"removed {cidr}")


def _module_code(module: str) -> str:
    wanted = module.strip().casefold()
    for code, name in company.MODULES.items():
        if wanted in (code.casefold(), name.casefold()):
            return code
    choices = ", ".join(f"{c} ({n})" for c, n in company.MODULES.items())
    raise SandboxError([("", f"unknown module {module!r}", "", f"Use one of: {choices}")])


@ui.command()
@_boundary
def subscribe(
    module: ModuleArg, db: DbOption = DEFAULT_DB, company_id: CompanyOption = None
) -> None:
    """Company > Admin > Subscriptions: subscribe to a module."""
    code = _module_code(module)
    with _company(db, company_id) as store:
        company.subscribe(store, code)
    typer.echo(f"subscribed {code} ({company.MODULES[code]})")


@ui.command()
@_boundary
def unsubscribe(
    module: ModuleArg, db: DbOption = DEFAULT_DB, company_id: CompanyOption = None
) -> None:
    """Company > Admin > Subscriptions: unsubscribe from a module."""
    code = _module_code(module)
    with _company(db, company_id) as store:
        company.unsubscribe(store, code)
    typer.echo(f"unsubscribed {code} ({company.MODULES[code]})")


@ui.command("set-te-pref")
@_boundary
def set_te_pref(
    name: Annotated[str, typer.Argument(help="Preference name, e.g. EXPENSE_REPORT_SEQUENCE.")],
    value: Annotated[str, typer.Argument(help="As the UI stores it, e.g. EXP, T or F.")],
    db: DbOption = DEFAULT_DB,
    company_id: CompanyOption = None,
) -> None:
    """Time & Expenses > Setup > Configuration: set one preference (get_companyprefs EE)."""
    with _company(db, company_id) as store:
        company.set_preference(store, "EE", name, value)
    typer.echo(f"set EE {name.upper()} = {value}")


@ui.command("set-user-rights")
@_boundary
def set_user_rights(
    login: Annotated[str, typer.Argument(help="The user's login ID.")],
    grants: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="APPLICATION/POLICY=RIGHT|RIGHT...",
            help="e.g. 'General Ledger/Accounts=List|View'; none clears the user's rights.",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    company_id: CompanyOption = None,
) -> None:
    """Company > Admin > Users > Subscriptions > Permissions: set exactly these user-based
    rights (USERRIGHTS), replacing the user's previous ones."""
    rows = []
    for item in grants or []:
        where, sep, rights = item.partition("=")
        app, slash, policy = where.partition("/")
        if not sep or not slash or not app.strip() or not policy.strip():
            raise SandboxError(
                [
                    (
                        "",
                        f"{item!r} is not APPLICATION/POLICY=RIGHTS",
                        "",
                        "e.g. 'Company/Users=List'",
                    )
                ]
            )
        rows.append(
            {
                "LOGINID": login,
                "APPLICATIONNAME": app.strip(),
                "POLICYNAME": policy.strip(),
                "RIGHTS": rights.strip(),
            }
        )
    with _company(db, company_id) as store:
        if objects.get_by_key(store, "USERINFO", login) is None:
            raise SandboxError([("", f"no user with login ID {login!r}", "", "Check LOGIN.")])
        with store.transaction():
            for old in objects.find(store, "USERRIGHTS", {"LOGINID": login}):
                objects.delete(store, "USERRIGHTS", old["RECORDNO"], via="seed")
            for row in rows:
                objects.create(store, "USERRIGHTS", row, via="seed")
    typer.echo(f"set {len(rows)} permission(s) for user {login}")


@ui.command("set-password")
@_boundary
def set_password(
    login: Annotated[str, typer.Argument(help="The user's login ID (e.g. a web services user).")],
    password_env: Annotated[
        str | None,
        typer.Option(
            "--password-env",
            metavar="NAME",
            help="Read the password from environment variable NAME (default: from stdin, "
            "without echo at a terminal).",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    company_id: CompanyOption = None,
) -> None:
    """Give a user a password, as Intacct does when it emails a new web services user its
    generated one. The password is never printed; the database keeps only a salted hash."""
    password = _new_password(password_env)
    with _company(db, company_id) as store:
        if objects.get_by_key(store, "USERINFO", login) is None:
            raise SandboxError([("", f"no user with login ID {login!r}", "", "Check LOGIN.")])
        company.set_user_password(store, login, password)
    typer.echo(f"set the password of user {login}")


def _new_password(env_name: str | None) -> str:
    """The password from an environment variable, a terminal (no echo) or piped stdin."""
    if env_name is not None:
        password = os.environ.get(env_name, "")
        if not password:
            raise SandboxError(
                [("", f"environment variable {env_name} is not set or empty", "", "Export it.")]
            )
        return password
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise SandboxError(
            [("", "no password given", "", "Pipe it on stdin or pass --password-env NAME.")]
        )
    return password


@ui.command("approve-package")
@_boundary
def approve_package(
    name: Annotated[str, typer.Argument(help="Installed platform application name.")],
    db: DbOption = DEFAULT_DB,
    company_id: CompanyOption = None,
) -> None:
    """Platform Services > Applications > Requests for authorization: approve an install."""
    with _company(db, company_id) as store:
        company.approve_package(store, name)
    typer.echo(f"approved package {name}")


@ui.command("edit-record")
@_boundary
def edit_record(
    obj: Annotated[str, typer.Argument(metavar="OBJECT", help="XML object, e.g. GLACCOUNT.")],
    key: Annotated[str, typer.Argument(help="Its id (ACCOUNTNO, LOGINID...; a|b for pairs).")],
    assignments: Annotated[
        list[str], typer.Argument(metavar="FIELD=VALUE...", help="GROUP/FIELD for groups.")
    ],
    db: DbOption = DEFAULT_DB,
    company_id: CompanyOption = None,
) -> None:
    """Change a record as someone would by hand in the UI (to demonstrate drift)."""
    changes: dict[str, Any] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SandboxError([("", f"{item!r} is not FIELD=VALUE", "", "e.g. TITLE='New title'")])
        group, slash, inner = name.strip().upper().partition("/")
        if slash:
            changes.setdefault(group, {})[inner] = value
        else:
            changes[group] = value
    with _company(db, company_id) as store:
        record = objects.get_by_key(store, obj, key)
        if record is None:
            label = objects.definition(obj).label
            raise SandboxError([("", f"no {label} with key {key!r}", "", "Check OBJECT and KEY.")])
        for group, value in changes.items():
            if isinstance(value, dict):
                changes[group] = {**(record.get(group) or {}), **value}
        objects.update(store, obj, {**changes, "RECORDNO": record["RECORDNO"]}, via="seed")
    typer.echo(f"edited {obj.upper()} {key}: {', '.join(sorted(changes))}")


@ui.command()
@_boundary
def show(db: DbOption = DEFAULT_DB, company_id: CompanyOption = None) -> None:
    """Print the UI-only settings."""
    with _company(db, company_id) as store:
        typer.echo(f"company: {company.company_id(store)}")
        typer.echo("web services authorizations:")
        for sender, entry in sorted(company.authorized_senders(store).items()):
            note = f"  {entry['description']}" if entry.get("description") else ""
            typer.echo(f"  {sender}  {entry['status']}{note}")
        filters = company.ip_filters(store)
        typer.echo("ip address filters:" + ("" if filters else " (none: every address allowed)"))
        for network in filters:
            typer.echo(f"  {network}")
        typer.echo("subscriptions:")
        for code in company.subscriptions(store):
            typer.echo(f"  {code}  {company.MODULES.get(code, '')}")
        typer.echo("time & expenses preferences:")
        for name, value in sorted(company.preferences(store, "EE").items()):
            typer.echo(f"  {name} = {value}")
        installed = company.packages(store)
        typer.echo("platform packages:" + ("" if installed else " (none)"))
        for package in installed:
            typer.echo(f"  {package.get('NAME')}  {package.get('STATUS', '')}")
