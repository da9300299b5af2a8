"""The sandbox company: default credentials, starter data and UI-only settings.

    seed_starter_company(store[, id])    once per store: entities, locations, departments, chart
                                         of accounts, vendors, classes, customers, an item, a
                                         project, AP/AR terms, values of the user-defined
                                         dimension LINE_OF_BUSINESS, admin user +
                                         Administrator role, subscriptions (incl. Web
                                         Services), authorized sender
    seed_empty_company(store, id)        only the admin user, role, sender and subscriptions
UI-only settings (the real product has no API for them; `sandbox ui` and tests call these):
    authorize_sender / deauthorize_sender / authorized_senders / sender_authorized
    add_ip_filter / remove_ip_filter / ip_filters / ip_allowed
    subscribe / unsubscribe / subscriptions          (codes as get_applications returns them)
    set_preference / preferences                      (get_companyprefs application codes)
    set_user_password / check_user_password, check_sender, check_rest_client
    packages / approve_package                        (installed platform applications)

Passwords are kept as salted hashes, never in clear, so a sandbox database holds no secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from typing import Any

from intacct_reconcile.sandbox import objects
from intacct_reconcile.sandbox.objects import permissions
from intacct_reconcile.sandbox.objects.errors import SandboxError, illegal
from intacct_reconcile.sandbox.store import Store

SENDER_ID = "intacct_reconcile"
SENDER_PASSWORD = "sandbox"
COMPANY_ID = "DEMO"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "sandbox"
ADMIN_ROLE = "Administrator"
REST_CLIENT_ID = "sandbox-client"
REST_CLIENT_SECRET = "sandbox"

# Subscription codes as get_applications returns them (reference §3.3/§3.11 lists the
# get_companyprefs application codes). assumption: XMLGW is the Web Services subscription.
WEB_SERVICES = "XMLGW"
MODULES = {
    "CO": "Company",
    "GL": "General Ledger",
    "AP": "Accounts Payable",
    "AR": "Accounts Receivable",
    "CM": "Cash Management",
    "EE": "Time & Expenses",
    "PO": "Purchasing",
    "SO": "Order Entry",
    "INV": "Inventory Control",
    "PA": "Projects",
    "CS": "Consolidation",  # get_companyprefs: CS = Global Consolidations (D-subs)
    "ME": "Multi-Entity",
    WEB_SERVICES: "Web Services",
    # assumption: codes for modules without a documented application code
    "PS": "Platform Services",
    "CUS": "Customization Services",
    "TX": "Taxes",
}
STARTER_SUBSCRIPTIONS = ["CO", "GL", "AP", "AR", "CM", "EE", "PA", "ME", WEB_SERVICES]

# get_companyprefs values; GEN names are documented (D-subs), EE names are assumptions.
STARTER_PREFERENCES: dict[str, dict[str, str]] = {
    "GEN": {
        "PRIMARY_ACCTNO_LENGTH": "4",
        "ACCTNO_SEPARATOR": "-",
        "SUBACCTNO_LENGTH": "0",
        "FISCAL_FIRST_MONTH": "1",
        "FISCAL_FIRST_MONTH_TAX": "1",
        "WEEK_START": "1",
        "CUSTOM_ACCOUNTING_PERIODS": "F",
        "PACKAGE_TYPE": "",
    },
    "GL": {"EMPLOYEEDIMENSION": "T"},
    "ME": {"MULTI_ENTITY": "T"},
    # assumption: T&E preference names and values (T/F booleans as in the GL example); a
    # *_SEQUENCE value names a SEQUENCE record
    "EE": {
        "ENABLE_EXPENSE_TYPES": "T",
        "EXPENSE_REPORT_SEQUENCE": "",
        "EMPLOYEE_SEQUENCE": "",
        "DUPLICATE_NUMBERS": "Allow creation",
        "ENABLE_EXPENSE_APPROVAL": "F",
    },
}


def _hash(secret: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt.encode(), 1000).hex()
    return f"{salt}${digest}"


# Every request carries the sender password and most log in or use a session: a salted hash
# per request was the sandbox's largest cost per request. A secret once verified against a
# stored hash is remembered as a keyed digest of the pair (never the secret itself); a new
# password is a new stored hash (new salt), so it is verified again.
_VERIFIED_KEY = secrets.token_bytes(32)
_verified: set[bytes] = set()
_VERIFIED_MAX = 10_000


def _matches(secret: str, stored: str | None) -> bool:
    if not stored:
        return False
    pair = hmac.digest(_VERIFIED_KEY, f"{stored}\0{secret}".encode(), "sha256")
    if pair in _verified:
        return True
    salt, _, _ = stored.partition("$")
    if not secrets.compare_digest(_hash(secret, salt), stored):
        return False
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified.add(pair)
    return True


# -- credentials -----------------------------------------------------------------------


def company_id(store: Store) -> str:
    return str(store.setting("company_id", COMPANY_ID))


def _check_secret(store: Store, setting: str, name: str, secret: str) -> bool:
    return _matches(secret, store.setting(setting, {}).get(name))


def _set_secret(store: Store, setting: str, name: str, secret: str) -> None:
    """Store only a salted hash: the sandbox file never holds a password."""
    hashed = store.setting(setting, {})
    hashed[name] = _hash(secret)
    store.set_setting(setting, hashed)


def check_sender(store: Store, sender_id: str, password: str) -> bool:
    """Partner-level sender credentials (control block), case-sensitive id."""
    return _check_secret(store, "sender_passwords", sender_id, password)


def set_sender_password(store: Store, sender_id: str, password: str) -> None:
    _set_secret(store, "sender_passwords", sender_id, password)


def set_user_password(store: Store, login_id: str, password: str) -> None:
    _set_secret(store, "user_passwords", login_id, password)


def check_user_password(store: Store, login_id: str, password: str) -> bool:
    return _check_secret(store, "user_passwords", login_id, password)


def check_rest_client(store: Store, client_id: str, client_secret: str) -> bool:
    return _check_secret(store, "rest_clients", client_id, client_secret)


def set_rest_client(store: Store, client_id: str, client_secret: str) -> None:
    _set_secret(store, "rest_clients", client_id, client_secret)


# -- Web Services authorizations (sender ids) ---------------------------------------------


def authorized_senders(store: Store) -> dict[str, dict[str, str]]:
    """sender id -> {"description", "status"} (status active | inactive)."""
    return dict(store.setting("authorized_senders", {}))


def authorize_sender(
    store: Store, sender_id: str, description: str = "", status: str = "active"
) -> None:
    senders = authorized_senders(store)
    senders[sender_id] = {"description": description, "status": status}
    store.set_setting("authorized_senders", senders)


def deauthorize_sender(store: Store, sender_id: str) -> None:
    senders = authorized_senders(store)
    senders.pop(sender_id, None)
    store.set_setting("authorized_senders", senders)


def sender_authorized(store: Store, sender_id: str) -> bool:
    entry = authorized_senders(store).get(sender_id)
    return bool(entry) and entry["status"] == "active"


# -- IP address filters ---------------------------------------------------------------------


def ip_filters(store: Store) -> list[str]:
    return list(store.setting("ip_filters", []))


def add_ip_filter(store: Store, cidr: str) -> str:
    """Add a filter (IPv4/IPv6 address or CIDR); returns its normalised form."""
    try:
        network = str(ipaddress.ip_network(cidr.strip(), strict=False))
    except ValueError as exc:
        raise SandboxError([illegal("IP address filter", cidr, ("an address or CIDR",))]) from exc
    filters = ip_filters(store)
    if network not in filters:
        filters.append(network)
    store.set_setting("ip_filters", filters)
    return network


def remove_ip_filter(store: Store, cidr: str) -> None:
    network = str(ipaddress.ip_network(cidr.strip(), strict=False))
    store.set_setting("ip_filters", [f for f in ip_filters(store) if f != network])


def ip_allowed(store: Store, address: str) -> bool:
    """With no filters every address may sign in; otherwise it must fall in one of them."""
    filters = ip_filters(store)
    if not filters:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(f) for f in filters)


# -- subscriptions and preferences ------------------------------------------------------------


def subscriptions(store: Store) -> list[str]:
    return list(store.setting("subscriptions", []))


def subscribe(store: Store, code: str) -> None:
    code = code.upper()
    if code not in MODULES:
        raise SandboxError([illegal("application", code, sorted(MODULES))])
    current = subscriptions(store)
    if code not in current:
        store.set_setting("subscriptions", [*current, code])


def unsubscribe(store: Store, code: str) -> None:
    store.set_setting("subscriptions", [c for c in subscriptions(store) if c != code.upper()])


def preferences(store: Store, application: str) -> dict[str, str]:
    return dict(store.setting("preferences", {}).get(application.upper(), {}))


def set_preference(store: Store, application: str, name: str, value: str) -> None:
    application, name = application.upper(), name.upper()
    missing = value and objects.get_by_key(store, "SEQUENCE", value) is None
    if name.endswith("_SEQUENCE") and missing:
        raise SandboxError([illegal(name, value, ("an existing document sequence id",))])
    prefs = store.setting("preferences", {})
    prefs.setdefault(application, {})[name] = value
    store.set_setting("preferences", prefs)


# -- platform packages --------------------------------------------------------------------------


def packages(store: Store) -> list[dict[str, Any]]:
    return objects.find(store, "PTAPPLICATION", {})


def approve_package(store: Store, name: str) -> None:
    """Platform Services > Applications > Requests for authorization (UI-only)."""
    objects.update(store, "PTAPPLICATION", {"NAME": name, "STATUS": "active"}, via="seed")


# -- the starter company ------------------------------------------------------------------------

ENTITIES = [("E100", "US Operations", "USD"), ("E200", "UK Operations", "GBP")]
LOCATIONS = [("HQ", "Headquarters", ""), ("SF", "San Francisco", "HQ"), ("LDN", "London", "HQ")]
DEPARTMENTS = [
    ("ADM", "Administration"),
    ("FIN", "Finance"),
    ("SAL", "Sales"),
    ("ENG", "Engineering"),
    ("OPS", "Operations"),
]
# (number, title, type, normal balance); income statement accounts close to retained earnings
ACCOUNTS = [
    ("1000", "Cash - Operating", "balancesheet", "debit"),
    ("1010", "Cash - Payroll", "balancesheet", "debit"),
    ("1100", "Accounts Receivable", "balancesheet", "debit"),
    ("1200", "Inventory", "balancesheet", "debit"),
    ("1300", "Prepaid Expenses", "balancesheet", "debit"),
    ("1500", "Fixed Assets", "balancesheet", "debit"),
    ("1510", "Accumulated Depreciation", "balancesheet", "credit"),
    ("2000", "Accounts Payable", "balancesheet", "credit"),
    ("2100", "Accrued Liabilities", "balancesheet", "credit"),
    ("2200", "Credit Card Payable", "balancesheet", "credit"),
    ("2300", "Payroll Liabilities", "balancesheet", "credit"),
    ("3000", "Common Stock", "balancesheet", "credit"),
    ("3100", "Retained Earnings", "balancesheet", "credit"),
    ("4000", "Product Revenue", "incomestatement", "credit"),
    ("4100", "Service Revenue", "incomestatement", "credit"),
    ("5000", "Cost of Goods Sold", "incomestatement", "debit"),
    ("6000", "Salaries and Wages", "incomestatement", "debit"),
    ("6100", "Rent", "incomestatement", "debit"),
    ("6200", "Travel", "incomestatement", "debit"),
    ("6210", "Meals and Entertainment", "incomestatement", "debit"),
    ("6300", "Office Supplies", "incomestatement", "debit"),
    ("6400", "Software Subscriptions", "incomestatement", "debit"),
    ("6500", "Professional Fees", "incomestatement", "debit"),
    ("7000", "Bank Fees", "incomestatement", "debit"),
]
VENDORS = [
    ("V100", "Acme Office Supply"),
    ("V200", "Northwind Travel"),
    ("V300", "Contoso Card Services"),
]
# payment terms: (name, description, due days); AP and AR alike, dates from the document date
TERMS = [("Net 30", "Due in 30 days", "30"), ("Due on receipt", "Due on receipt", "0")]
CLASSES = [("RETAIL", "Retail"), ("WHOLESALE", "Wholesale")]
CUSTOMERS = [("C100", "Fabrikam Stores"), ("C200", "Tailspin Toys")]
ITEMS = [("SRV-CONSULT", "Consulting hour", "Non-Inventory (Sales only)")]
PROJECTS = [("P-1000", "Internal systems", "Internal Non-billable")]
# values of the starter company's user-defined dimension (objects.definitions LINE_OF_BUSINESS)
LINES_OF_BUSINESS = [("LOB-SW", "Software"), ("LOB-SVC", "Services")]
# assumption: the tax solution Intacct supplies a UK company; served only once the company
# subscribes to Taxes (objects.definitions TAXSOLUTION)
TAX_SOLUTIONS = [("UK VAT", "United Kingdom - VAT", "VAT")]


def seed_starter_company(store: Store, companyid: str = COMPANY_ID) -> bool:
    """Create the starter company unless the store already holds one; True if it seeded."""
    if store.setting("seeded"):
        return False
    with store.transaction():
        _seed_settings(store, companyid)
        _seed_structure(store)
        _seed_accounts(store)
        _seed_dimensions(store)
        _seed_admin(store)
        store.set_setting("seeded", True)
    return True


def seed_empty_company(store: Store, companyid: str) -> bool:
    """A company with only what signing in needs: the admin user and its role, the sandbox
    sender authorized, the REST client, the starter subscriptions; no entities or records."""
    if store.setting("seeded"):
        return False
    with store.transaction():
        _seed_settings(store, companyid)
        _seed_admin(store)
        store.set_setting("seeded", True)
    return True


def _seed_settings(store: Store, companyid: str) -> None:
    store.set_setting("company_id", companyid)
    set_sender_password(store, SENDER_ID, SENDER_PASSWORD)
    authorize_sender(store, SENDER_ID, "intacct-reconcile")
    set_rest_client(store, REST_CLIENT_ID, REST_CLIENT_SECRET)
    store.set_setting("subscriptions", STARTER_SUBSCRIPTIONS)
    store.set_setting("preferences", STARTER_PREFERENCES)
    store.set_setting("ip_filters", [])


def _seed_structure(store: Store) -> None:
    for entity_id, name, currency in ENTITIES:
        objects.create(
            store,
            "LOCATIONENTITY",
            {
                "LOCATIONID": entity_id,
                "NAME": name,
                "CURRENCY": currency,
                "FIRSTMONTH": "1",
                "WEEKSTART": "1",
            },
            via="seed",
        )
    for location_id, name, parent in LOCATIONS:
        objects.create(
            store,
            "LOCATION",
            {"LOCATIONID": location_id, "NAME": name, "PARENTID": parent},
            via="seed",
        )
    for department_id, title in DEPARTMENTS:
        objects.create(
            store, "DEPARTMENT", {"DEPARTMENTID": department_id, "TITLE": title}, via="seed"
        )
    for vendor_id, name in VENDORS:
        objects.create(store, "VENDOR", {"VENDORID": vendor_id, "NAME": name}, via="seed")
    objects.create(store, "GLJOURNAL", {"SYMBOL": "GJ", "TITLE": "General Journal"}, via="seed")
    objects.create(
        store,
        "CONTACT",
        {
            "CONTACTNAME": "Admin, Sam",
            "PRINTAS": "Sam Admin",
            "FIRSTNAME": "Sam",
            "LASTNAME": "Admin",
            "EMAIL1": "admin@demo.example",
        },
        via="seed",
    )
    objects.create(
        store,
        "EMPLOYEE",
        {
            "EMPLOYEEID": "EMP001",
            "PERSONALINFO": {"CONTACTNAME": "Admin, Sam"},
            "LOCATIONID": "HQ",
            "DEPARTMENTID": "ADM",
            "TITLE": "Controller",
        },
        via="seed",
    )


def _seed_dimensions(store: Store) -> None:
    """Classes, customers, items, a project, payment terms, UDD values, a tax solution."""
    for name, description, days in TERMS:
        for obj, document in (("APTERM", "bill"), ("ARTERM", "invoice")):
            record = {
                "NAME": name,
                "DESCRIPTION": description,
                "DUE": {"DAYS": days, "FROM": f"from {document} date"},
            }
            objects.create(store, obj, record, via="seed")
    for class_id, name in CLASSES:
        objects.create(store, "CLASS", {"CLASSID": class_id, "NAME": name}, via="seed")
    for customer_id, name in CUSTOMERS:
        objects.create(
            store,
            "CUSTOMER",
            {"CUSTOMERID": customer_id, "NAME": name, "TERMNAME": "Net 30"},
            via="seed",
        )
    for item_id, name, item_type in ITEMS:
        record = {"ITEMID": item_id, "NAME": name, "ITEMTYPE": item_type}
        objects.create(store, "ITEM", record, via="seed")
    for project_id, name, category in PROJECTS:
        record = {"PROJECTID": project_id, "NAME": name, "PROJECTCATEGORY": category}
        objects.create(store, "PROJECT", record, via="seed")
    for value_id, name in LINES_OF_BUSINESS:
        objects.create(store, "LINE_OF_BUSINESS", {"id": value_id, "name": name}, via="seed")
    for solution_id, description, method in TAX_SOLUTIONS:
        record = {"SOLUTIONID": solution_id, "DESCRIPTION": description, "TAXMETHOD": method}
        objects.create(store, "TAXSOLUTION", record, via="seed")


def _seed_accounts(store: Store) -> None:
    for number, title, kind, balance in ACCOUNTS:
        closing = (
            {"CLOSINGTYPE": "closing account", "CLOSINGACCOUNTNO": "3100"}
            if kind == "incomestatement"
            else {}
        )
        objects.create(
            store,
            "GLACCOUNT",
            {
                "ACCOUNTNO": number,
                "TITLE": title,
                "ACCOUNTTYPE": kind,
                "NORMALBALANCE": balance,
                **closing,
            },
            via="seed",
        )
    objects.create(
        store,
        "CHECKINGACCOUNT",
        {
            "BANKACCOUNTID": "BOA-OP",
            "BANKNAME": "Bank of America",
            "GLACCOUNTNO": "1000",
            "CURRENCY": "USD",
        },
        via="seed",
    )


def _seed_admin(store: Store) -> None:
    objects.create(store, "ROLES", {"NAME": ADMIN_ROLE, "DESCRIPTION": "Full access"}, via="seed")
    for module in permissions.modules():
        for policy in module.policies:
            objects.create(
                store,
                "ROLEPOLICYASSIGNMENT",
                {
                    "ROLENAME": ADMIN_ROLE,
                    "APPLICATIONNAME": module.application_name,
                    "POLICYNAME": policy.name,
                    "RIGHTS": "|".join(policy.rights),
                },
                via="seed",
            )
    objects.create(
        store,
        "USERINFO",
        {
            "LOGINID": ADMIN_USER,
            "DESCRIPTION": "Sandbox administrator",
            "ADMIN": "Full",
            "CONTACTINFO": {
                "FIRSTNAME": "Sandbox",
                "LASTNAME": "Admin",
                "EMAIL1": "admin@demo.example",
            },
        },
        via="seed",
    )
    objects.create(store, "USERROLES", {"USERID": ADMIN_USER, "ROLENAME": ADMIN_ROLE}, via="seed")
    set_user_password(store, ADMIN_USER, ADMIN_PASSWORD)
