"""The sandbox company's object rules in XML terms (reference §3), independent of kinds/.

Public API (all take the `Store` first; records are dicts of XML field name -> value, str
scalars, dict for groups such as CONTACTINFO, list for repeated elements such as
USERLOCATIONS; every stored record also carries RECORDNO, WHENCREATED, WHENMODIFIED as str):

    create(store, obj, record, *, via="xml") -> (recordno: int, key: str)
    update(store, obj, record, *, via="xml") -> (recordno, key)   # record names RECORDNO or key
    delete(store, obj, recordno, *, via="xml") -> None
    get(store, obj, recordno) -> dict | None
    get_by_key(store, obj, key) -> dict | None                  # key = id field value
    find(store, obj, {"FIELD": "value", ...}) -> list[dict]      # equality, RECORDNO order
    query(store, obj, *, where=None, order=(), offset=0, limit=None, case_insensitive=False)
        -> (total, list[dict]);  where = Cmp/And/Or/Not from objects.filters,
           order = [("FIELD", ascending: bool), ...]
    aggregate(store, obj, group_by=[...], aggregates=[("count", "RECORDNO")], where=None)
        -> list[dict]                                          # query's count/avg/min/max/sum
    bulk_insert(store, obj, records) -> int                    # fast seeding, no ref checks
    definition(obj) -> ObjectDef;  OBJECTS: dict[str, ObjectDef]
    SandboxError(errors=[(errorno, description, description2, correction), ...])

`via` says who writes: "xml" (generic XML create/update/delete: objects read-only in XML —
ROLES, ROLEPOLICYASSIGNMENT, ROLEUSERS, CREDITCARD, CHECKINGACCOUNT, LOCATIONENTITY, SEQUENCE,
GLJOURNAL, PTAPPLICATION — are refused), "rest" (the REST API: every object writable),
"legacy" (legacy functions such as create_journal), "seed" (starter company, admin commands).
Every other rule (required fields, enums, defaults, references, duplicates) applies to all.

Objects REST writes: ROLES {NAME, DESCRIPTION, ROLETYPE, APPLYTO};
ROLEPOLICYASSIGNMENT {ROLENAME, APPLICATIONNAME (catalogue module name or id), POLICYNAME,
RIGHTS "List|View|..." (UI labels or catalogue right ids)} — MODULE is filled in;
CREDITCARD {CARDID, VENDORID, CARDTYPE, EXP_MONTH, EXP_YEAR, OFFSETGLACCOUNTNO, LOCATION, ...};
CHECKINGACCOUNT {BANKACCOUNTID, GLACCOUNTNO, ...}; SEQUENCE {SEQUENCEID, PRINTTITLE, TYPE,
FIXEDLENGTH, FIXEDPREFIX, NEXTNUMBER, ...}; LOCATIONENTITY {LOCATIONID, NAME, ...}.
Deleting a ROLES record also deletes its ROLEPOLICYASSIGNMENT and USERROLES rows; deleting a
user deletes its USERROLES. ROLEUSERS mirrors USERROLES (USERLOGINID, ROLENAME).
The permission catalogue is `objects.permissions` (data file sandbox/data/permissions.yaml).
"""

from intacct_reconcile.sandbox.objects.crud import (
    AGGREGATES,
    aggregate,
    bulk_insert,
    check_field,
    create,
    create_record,
    definition,
    delete,
    find,
    find_record,
    get,
    get_by_key,
    matching_recordnos,
    query,
    update,
)
from intacct_reconcile.sandbox.objects.definitions import OBJECTS
from intacct_reconcile.sandbox.objects.errors import SandboxError
from intacct_reconcile.sandbox.objects.filters import And, Cmp, Filter, Not, Or
from intacct_reconcile.sandbox.objects.model import Field, ObjectDef

__all__ = [
    "AGGREGATES",
    "OBJECTS",
    "And",
    "Cmp",
    "Field",
    "Filter",
    "Not",
    "ObjectDef",
    "Or",
    "SandboxError",
    "aggregate",
    "bulk_insert",
    "check_field",
    "create",
    "create_record",
    "definition",
    "delete",
    "find",
    "find_record",
    "get",
    "get_by_key",
    "matching_recordnos",
    "query",
    "update",
]
