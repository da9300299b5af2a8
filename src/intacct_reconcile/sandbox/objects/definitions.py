"""Every object the sandbox company knows, in XML terms (reference §3).

Field lists follow the reference; `xml_verbs` says which generic XML functions may write the
object (an empty set = read-only in XML). Writes through `objects.create(..., via="rest")` (or
"legacy"/"seed") are allowed on every object: that is how REST and the legacy functions reach
objects the generic XML API cannot write.
"""

from __future__ import annotations

from intacct_reconcile.sandbox.objects import checks
from intacct_reconcile.sandbox.objects.model import Field, ObjectDef

STATUS = Field("STATUS", enum=("active", "inactive"), default="active")
READ_ONLY: frozenset[str] = frozenset()
# assumption: records carry the entity they were created in (reference §3.5 lists MEGAENTITYID
# as readable); an entity's session reads only its own and top-level records (store.py).
ENTITY = Field("MEGAENTITYID", readonly=True, label="Owning entity")
CONTACT_REF = Field("CONTACTNAME", ref="CONTACT")
CONTACT = (
    CONTACT_REF,
    Field("PRINTAS"),
    Field("COMPANYNAME"),
    Field("FIRSTNAME"),
    Field("LASTNAME"),
    Field("EMAIL1"),
    Field("PHONE1"),
)

# USERTYPE write value -> query code (reference §3.1 lists both, not the pairing).
# assumption: pairing by initials where they match; H has no write value here.
USERTYPE_CODES = {
    "B": "business user",
    "E": "employee user",
    "R": "view only user",
    "D": "dashboard user",
    "P": "project manager user",
    "C": "construction manager user",
    "T": "platform user",
    "W": "warehouse user",
    "A": "payment approver",
    "S": "CRM user",
}


def _unmodelled(*names: str) -> frozenset[str]:
    """Fields of the real object that the sandbox does not keep. The names come from the
    default field lists of fylein's sageintacctsdk (reference §6: they are what a client
    selects by default), so a client reading with its defaults gets them back empty."""
    # assumption: these fields answer empty rather than with Intacct's computed values
    return frozenset(names)


# EMPLOYEE reads name its contact CONTACT.*; the sandbox keeps it under PERSONALINFO
# assumption: CONTACT.<field> of an employee reads the PERSONALINFO group's field
EMPLOYEE_CONTACT = {f"CONTACT.{f.name}": f"PERSONALINFO.{f.name}" for f in CONTACT}

# assumption: readByQuery also accepts the legacy status codes T/F for active/inactive
STATUS_CODES = {"T": "active", "F": "inactive"}

# assumption: the account number length (GEN pref PRIMARY_ACCTNO_LENGTH) is not enforced, so
# benchmarks can seed many thousands of accounts
GLACCOUNT = ObjectDef(
    name="GLACCOUNT",
    label="GL Account",
    key=("ACCOUNTNO",),
    fields=(
        Field("ACCOUNTNO", required=True, label="Account number"),
        Field("TITLE", required=True),
        Field("ACCOUNTTYPE", enum=("balancesheet", "incomestatement"), default="balancesheet"),
        Field("NORMALBALANCE", enum=("debit", "credit"), default="debit"),
        Field(
            "CLOSINGTYPE",
            enum=("non-closing account", "closing account"),
            default="non-closing account",
        ),
        Field("CLOSINGACCOUNTNO", ref="GLACCOUNT"),
        Field("CATEGORY"),
        Field(
            "ALTERNATIVEACCOUNT",
            enum=("None", "Payables account", "Receivables account"),
            default="None",
        ),
        STATUS,
        *(
            Field(f"REQUIRE{dim}", type="boolean", default="false")
            for dim in (
                "DEPT",
                "LOC",
                "PROJECT",
                "TASK",
                "CUSTOMER",
                "VENDOR",
                "EMPLOYEE",
                "ITEM",
                "CLASS",
                "CONTRACT",
                "WAREHOUSE",
            )
        ),
        # assumption: writable in generic create/update (the reference only confirms the
        # legacy create_glaccount element); it is "Disallow direct posting".
        Field("SUBLEDGERCONTROLON", type="boolean", default="false"),
        Field("TAXABLE", type="boolean", default="false"),
        Field("TAXCODE"),
        Field("MRCCODE"),
        Field("ENABLE_GLMATCHING", type="boolean", default="false"),
        ENTITY,
    ),
    check=checks.gl_account,
    filter_values={"STATUS": STATUS_CODES},
)

EEACCOUNTLABEL = ObjectDef(
    name="EEACCOUNTLABEL",
    label="Expense Type",
    key=("ACCOUNTLABEL",),
    fields=(
        Field("ACCOUNTLABEL", required=True),
        Field("DESCRIPTION", required=True),
        Field("GLACCOUNTNO", required=True, ref="GLACCOUNT"),
        Field("GLACCOUNTTITLE", readonly=True),
        Field("OFFSETGLACCOUNTNO", ref="GLACCOUNT"),
        Field("ITEMID"),
        STATUS,
        ENTITY,
    ),
    check=checks.expense_type,
    filter_values={"STATUS": STATUS_CODES},
)

LOCATIONENTITY = ObjectDef(
    name="LOCATIONENTITY",
    label="Entity",
    key=("LOCATIONID",),
    fields=(
        Field("LOCATIONID", required=True),
        Field("NAME", required=True),
        Field("REPORTPRINTAS"),
        Field("SUPERVISORID"),
        Field("FIRSTMONTH", type="integer"),
        Field("FIRSTMONTHTAX", type="integer"),
        Field("WEEKSTART", type="integer"),
        Field("FEDERALID"),
        Field("STARTDATE", type="date"),
        Field("ENDDATE", type="date"),
        Field("CURRENCY"),
        Field("TAXID"),
        Field("OPCOUNTRY"),
        STATUS,
    ),
    xml_verbs=READ_ONLY,
    filter_values={"STATUS": STATUS_CODES},
    unmodelled=_unmodelled(
        "HAS_IE_RELATION",
        "CUSTOMERID",
        "CUSTOMERNAME",
        "VENDORID",
        "VENDORNAME",
        "ENABLELEGALCONTACT",
        "LEGALNAME",
        "LEGALADDRESS1",
        "LEGALADDRESS2",
        "LEGALCITY",
        "LEGALSTATE",
        "LEGALZIPCODE",
        "LEGALCOUNTRY",
        "ADDRESSCOUNTRYDEFAULT",
        "RECORD_URL",
    ),
)

LOCATION = ObjectDef(
    name="LOCATION",
    label="Location",
    key=("LOCATIONID",),
    fields=(
        Field("LOCATIONID", required=True),
        Field("NAME", required=True),
        Field("PARENTID", ref="LOCATION"),
        Field("SUPERVISORID"),
        Field("CONTACTINFO", type="group", children=(CONTACT_REF,)),
        Field("SHIPTO", type="group", children=(CONTACT_REF,)),
        Field("STARTDATE", type="date"),
        Field("ENDDATE", type="date"),
        Field("CUSTTITLE"),
        STATUS,
        ENTITY,
    ),
    dimension=True,
    filter_values={"STATUS": STATUS_CODES},
    unmodelled=_unmodelled("CURRENCY"),
)

DEPARTMENT = ObjectDef(
    name="DEPARTMENT",
    label="Department",
    key=("DEPARTMENTID",),
    fields=(
        Field("DEPARTMENTID", required=True),
        Field("TITLE", required=True),
        Field("PARENTID", ref="DEPARTMENT"),
        Field("SUPERVISORID"),
        Field("CUSTTITLE"),
        STATUS,
        ENTITY,
    ),
    dimension=True,
    filter_values={"STATUS": STATUS_CODES},
    unmodelled=_unmodelled("PARENTKEY", "SUPERVISORNAME"),
)

VENDOR = ObjectDef(
    name="VENDOR",
    label="Vendor",
    key=("VENDORID",),
    fields=(
        Field("VENDORID", required=True),
        Field("NAME", required=True),
        # the vendor's display contact is described inline (its CONTACTNAME is new, not a ref)
        Field("DISPLAYCONTACT", type="group", children=(Field("CONTACTNAME"), *CONTACT[1:])),
        Field("VENDTYPE"),
        Field("TERMNAME"),
        Field("CREDITLIMIT"),
        Field("TAXID"),
        STATUS,
        ENTITY,
    ),
    dimension=True,
    filter_values={"STATUS": STATUS_CODES},
    unmodelled=_unmodelled(
        "PARENTKEY",
        "PARENTID",
        "PARENTNAME",
        "DISPLAYCONTACT.INITIAL",
        "DISPLAYCONTACT.PHONE2",
        "DISPLAYCONTACT.EMAIL2",
        "VENDORACCOUNTNO",
        "ACCOUNTLABEL",
        "APACCOUNT",
        "APACCOUNTTITLE",
    ),
)

EMPLOYEE = ObjectDef(
    name="EMPLOYEE",
    label="Employee",
    key=("EMPLOYEEID",),
    fields=(
        Field("EMPLOYEEID", required=True),
        # reference §3.4: PERSONALINFO/CONTACTNAME names an existing CONTACT
        Field("PERSONALINFO", type="group", required=True, children=CONTACT),
        Field("STARTDATE", type="date"),
        Field("TITLE"),
        Field("EMPLOYEETYPE"),
        STATUS,
        Field("SUPERVISORID", ref="EMPLOYEE"),
        Field("DEPARTMENTID", ref="DEPARTMENT"),
        Field("LOCATIONID", ref="LOCATION"),
        Field("CLASSID"),
        Field("CURRENCY"),
        Field("ENDDATE", type="date"),
        Field(
            "TERMINATIONTYPE",
            enum=("voluntary", "involuntary", "deceased", "disability", "retired"),
        ),
        ENTITY,
    ),
    check=checks.employee,
    dimension=True,
    filter_values={"STATUS": STATUS_CODES},
    aliases=EMPLOYEE_CONTACT,
    unmodelled=_unmodelled(
        "SSN",
        "BIRTHDATE",
        "EMPLOYEETYPE1099TYPE",
        "GENDER",
        "PAYMETHODKEY",
        "CONTACTKEY",
        "MEGAENTITYKEY",
        "MEGAENTITYNAME",
        *(
            f"CONTACT.{name}"
            for name in ("PREFIX", "INITIAL", "PHONE2", "CELLPHONE", "PAGER", "FAX", "EMAIL2")
        ),
        *(f"CONTACT.{name}" for name in ("URL1", "URL2")),
        *(
            f"CONTACT.MAILADDRESS.{name}"
            for name in ("ADDRESS1", "ADDRESS2", "CITY", "STATE", "ZIP", "COUNTRY", "COUNTRYCODE")
        ),
    ),
)

USERINFO = ObjectDef(
    name="USERINFO",
    label="User",
    key=("LOGINID",),
    fields=(
        Field("LOGINID", required=True, label="Login ID"),
        Field("CONTACTINFO", type="group", required=True, children=CONTACT),
        Field("DESCRIPTION"),
        Field("USERTYPE", enum=tuple(USERTYPE_CODES.values()), default="business user"),
        # assumption: ADMIN is writable with the values it reads as (Full / Off); the doc
        # example's <ADMIN>false</ADMIN> (and true) are accepted as Off (Full)
        Field(
            "ADMIN", enum=("Full", "Off"), default="Off", synonyms={"false": "Off", "true": "Full"}
        ),
        Field("STATUS", enum=("active", "inactive", "lockedout"), default="active"),
        Field("LOGINDISABLED", type="boolean", default="false"),
        Field("SSO_ENABLED", type="boolean", default="false"),
        Field("SSO_FEDERATED_ID"),
        Field("USERLOCATIONS", type="list", item="LOCATIONID"),
        Field("USERDEPARTMENTS", type="list", item="DEPARTMENTID"),
        Field("USERTERRITORIES", type="list", item="TERRITORYID"),
    ),
    check=checks.user,
    # assumption: deleting a user removes its role links (and ROLES removes its links and
    # permission assignments) instead of refusing the delete
    cascade=(("USERROLES", "USERID"), ("USERRIGHTS", "LOGINID")),
    filter_values={"USERTYPE": USERTYPE_CODES, "STATUS": STATUS_CODES},
)

ROLES = ObjectDef(
    name="ROLES",
    label="Role",
    key=("NAME",),
    fields=(
        Field("NAME", required=True),
        Field("DESCRIPTION"),
        # assumption: XML names of the REST roleType / applyTo fields
        Field(
            "ROLETYPE",
            enum=("enterprise", "eConsole", "multiEntityDistributed", "multiEntityShared"),
            default="enterprise",
        ),
        Field(
            "APPLYTO",
            enum=("loginAndSlideIn", "loginOnly", "slideInOnly"),
            default="loginAndSlideIn",
        ),
    ),
    xml_verbs=READ_ONLY,
    cascade=(("USERROLES", "ROLENAME"), ("ROLEPOLICYASSIGNMENT", "ROLENAME")),
)

ROLEPOLICYASSIGNMENT = ObjectDef(
    name="ROLEPOLICYASSIGNMENT",
    label="Role Policy Assignment",
    key=("ROLENAME", "APPLICATIONNAME", "POLICYNAME"),
    fields=(
        Field("ROLENAME", required=True, ref="ROLES"),
        Field("APPLICATIONNAME", required=True),  # catalogue module, canonicalised
        Field("MODULE", readonly=True),  # catalogue module id, filled in
        Field("POLICYNAME", required=True),
        Field("RIGHTS", required=True),  # pipe-delimited UI labels: List|View|Add
    ),
    xml_verbs=READ_ONLY,
    aliases={"ROLES.NAME": "ROLENAME"},
    check=checks.role_policy,
)

USERROLES = ObjectDef(
    name="USERROLES",
    label="User Role",
    key=("USERID", "ROLENAME"),
    fields=(
        Field("USERID", required=True, ref="USERINFO"),
        Field("ROLENAME", required=True, ref="ROLES"),
    ),
    # assumption: delete is allowed (the reference says it is undocumented) so a role can be
    # taken away from a user by RECORDNO.
    xml_verbs=frozenset({"create", "delete"}),
)

# User-based permissions (companies without roles grant rights per user). Reference §3.2:
# USERRIGHTS is L R with RECORDNO and USERINFO.LOGINID. assumption: its other fields mirror
# ROLEPOLICYASSIGNMENT (application, policy, pipe-delimited UI rights); only the UI writes them.
USERRIGHTS = ObjectDef(
    name="USERRIGHTS",
    label="User Rights",
    key=("LOGINID", "APPLICATIONNAME", "POLICYNAME"),
    fields=(
        Field("LOGINID", required=True, ref="USERINFO"),
        Field("APPLICATIONNAME", required=True),
        Field("MODULE", readonly=True),
        Field("POLICYNAME", required=True),
        Field("RIGHTS", required=True),
    ),
    xml_verbs=READ_ONLY,
    aliases={"USERINFO.LOGINID": "LOGINID"},
    check=checks.role_policy,
)

# ROLEUSERS is computed in Intacct (incl. group membership). assumption: without user groups it
# mirrors USERROLES exactly; objects.create/delete of USERROLES maintain it.
ROLEUSERS = ObjectDef(
    name="ROLEUSERS",
    label="Role User",
    key=("USERLOGINID", "ROLENAME"),
    fields=(Field("USERLOGINID", required=True), Field("ROLENAME", required=True)),
    xml_verbs=READ_ONLY,
)

GLJOURNAL = ObjectDef(
    name="GLJOURNAL",
    label="Journal",
    key=("SYMBOL",),
    fields=(Field("SYMBOL", required=True), Field("TITLE", required=True), STATUS, ENTITY),
    # assumption: only the legacy create_journal/update_journal/delete_journal write journals
    xml_verbs=READ_ONLY,
    filter_values={"STATUS": STATUS_CODES},
)

CREDITCARD = ObjectDef(
    name="CREDITCARD",
    label="Charge Card Account",
    key=("CARDID",),
    fields=(
        Field("CARDID", required=True),
        Field("DESCRIPTION"),
        # assumption: XML spellings of the REST cardType values
        Field(
            "CARDTYPE",
            enum=(
                "Visa",
                "MasterCard",
                "Discover",
                "American Express",
                "Diners Club",
                "Other Charge Card",
            ),
        ),
        Field("EXP_MONTH", type="integer"),  # 1..12 (assumption: numeric, not month names)
        Field("EXP_YEAR", type="integer"),
        Field("COMMCARD", type="boolean", default="false"),
        STATUS,
        Field("VENDORID", required=True, ref="VENDOR"),
        Field("DEPT", ref="DEPARTMENT"),
        Field("LOCATION", ref="LOCATION"),
        Field("LIABILITYTYPE", enum=("Credit", "Debit"), default="Credit"),
        Field("OUTSOURCECARD", type="boolean", default="false"),
        # assumption: XML name of the offset GL account (unconfirmed in the reference)
        Field("OFFSETGLACCOUNTNO", ref="GLACCOUNT"),
        # assumption: XML names of REST accounting.financeChargeGLAccount, otherFeesGLAccount
        # and useInEmployeeExpense (reference §3.6 lists them for REST only)
        Field("FINANCECHARGEACCOUNTNO", ref="GLACCOUNT"),
        Field("OTHERFEESACCOUNTNO", ref="GLACCOUNT"),
        Field("USEINEXPENSES", type="boolean", default="false"),
        Field("CURRENCY"),
        ENTITY,
    ),
    xml_verbs=READ_ONLY,
    check=checks.credit_card,
    filter_values={"STATUS": STATUS_CODES},
)

CHECKINGACCOUNT = ObjectDef(
    name="CHECKINGACCOUNT",
    label="Checking Account",
    key=("BANKACCOUNTID",),
    fields=(
        Field("BANKACCOUNTID", required=True),
        Field("BANKACCOUNTNO"),
        # assumption: XML names of REST description, accounting.apJournal / arJournal
        Field("DESCRIPTION"),
        Field("APJOURNAL", ref="GLJOURNAL"),
        Field("ARJOURNAL", ref="GLJOURNAL"),
        Field("GLACCOUNTNO", required=True, ref="GLACCOUNT"),
        Field("BANKNAME"),
        Field("ROUTINGNO"),
        Field("BRANCHID"),
        Field("BANKACCOUNTTYPE"),
        Field("DEPARTMENTID", ref="DEPARTMENT"),
        Field("LOCATIONID", ref="LOCATION"),
        STATUS,
        Field("ACHBANKID"),
        Field("COMPANYNAME"),
        Field("CURRENCY"),
        ENTITY,
    ),
    xml_verbs=READ_ONLY,
    filter_values={"STATUS": STATUS_CODES},
)

# assumption: document sequences as XML object SEQUENCE (unconfirmed, reference §3.4); fields
# mirror REST company-config/document-sequence. Read-only in XML, written by REST.
SEQUENCE = ObjectDef(
    name="SEQUENCE",
    label="Document Sequence",
    key=("SEQUENCEID",),
    fields=(
        Field("SEQUENCEID", required=True),
        Field("PRINTTITLE"),
        Field("TYPE", enum=("numeric", "alpha"), default="numeric"),
        Field("FIXEDLENGTH", type="integer"),
        Field("FIXEDPREFIX"),
        Field("PREFIXSEPARATOR"),
        Field("FIXEDSUFFIX"),
        Field("SUFFIXSEPARATOR"),
        Field("STARTINGNUMBER", type="integer", default="1"),
        Field("ENDINGNUMBER", type="integer"),
        Field("NEXTNUMBER", type="integer", default="1"),
        STATUS,
    ),
    xml_verbs=READ_ONLY,
    check=checks.sequence,
)

PTAPPLICATION = ObjectDef(
    name="PTAPPLICATION",
    label="Application",
    key=("NAME",),
    fields=(
        Field("NAME", required=True),
        Field("DESCRIPTION"),
        Field("VERSION"),
        # assumption: DIGEST (sha256 of the installed definition) so installs can be compared
        Field("DIGEST", readonly=True),
        Field("APPXML"),
        STATUS,
    ),
    xml_verbs=READ_ONLY,  # written by installApp only
)

# assumption: CONTACT (not in reference §3) is generic CRUD like the other company lists;
# CONTACTNAME and PRINTAS required as in the legacy create_contact.
CONTACT_OBJECT = ObjectDef(
    name="CONTACT",
    label="Contact",
    key=("CONTACTNAME",),
    fields=(
        Field("CONTACTNAME", required=True),
        Field("PRINTAS", required=True),
        Field("COMPANYNAME"),
        Field("PREFIX"),
        Field("FIRSTNAME"),
        Field("INITIAL"),
        Field("LASTNAME"),
        Field("PHONE1"),
        Field("EMAIL1"),
        Field("EMAIL2"),
        STATUS,
    ),
    filter_values={"STATUS": STATUS_CODES},
    unmodelled=_unmodelled("TAXABLE", "MAILADDRESS.ADDRESS1"),
)

# -- dimensions (reference §3.10) and payment terms ------------------------------------------

CLASS = ObjectDef(
    name="CLASS",
    label="Class",
    key=("CLASSID",),
    fields=(
        Field("CLASSID", required=True),
        # assumption: NAME is required like a department's TITLE (reference lists the field)
        Field("NAME", required=True),
        Field("DESCRIPTION"),
        Field("PARENTID", ref="CLASS"),
        STATUS,
        ENTITY,
    ),
    dimension=True,
    filter_values={"STATUS": STATUS_CODES},
    unmodelled=_unmodelled(
        "PARENTKEY", "CREATEDBY", "MODIFIEDBY", "MEGAENTITYKEY", "MEGAENTITYNAME", "RECORD_URL"
    ),
)

PROJECT = ObjectDef(
    name="PROJECT",
    label="Project",
    key=("PROJECTID",),
    fields=(
        # reference §3.10 (D-proj): PROJECTID required unless project sequencing is on,
        # PROJECTCATEGORY required.
        # assumption: the sandbox company does not number projects, so PROJECTID is required
        Field("PROJECTID", required=True),
        # assumption: NAME is required (a project is listed by name everywhere in the UI)
        Field("NAME", required=True),
        # assumption: the category is free text; Intacct's own values (Contract, Capitalized,
        # Internal Billable, Internal Non-billable) are not listed in the reference
        Field("PROJECTCATEGORY", required=True),
        Field("PARENTID", ref="PROJECT"),
        Field("PROJECTTYPE"),
        Field("PROJECTSTATUS"),
        # assumption: active/inactive STATUS like the other dimensions
        STATUS,
        ENTITY,
    ),
    dimension=True,
    filter_values={"STATUS": STATUS_CODES},
    unmodelled=_unmodelled(
        "DESCRIPTION",
        "CURRENCY",
        "PARENTKEY",
        "PARENTNAME",
        "CUSTOMERKEY",
        "CUSTOMERID",
        "CUSTOMERNAME",
        "DEPARTMENTNAME",
        "LOCATIONID",
        "LOCATIONNAME",
        "BUDGETID",
        "MEGAENTITYNAME",
    ),
)

# assumption: APTERM / ARTERM are not in the reference; fields follow Intacct's published term
# examples: NAME (the key), DESCRIPTION, STATUS, DUE/DAYS + DUE/FROM, DISCOUNT/DAYS, FROM, AMOUNT,
# UNIT. The FROM wording is the UI's, with the document (bill / invoice) named.


def _term(name: str, label: str, document: str) -> ObjectDef:
    when = tuple(
        text.format(doc=document)
        for text in (
            "from {doc} date",
            "of the month of {doc} date",
            "of next month from {doc} date",
            "after end of month of {doc} date",
        )
    )
    return ObjectDef(
        name=name,
        label=label,
        key=("NAME",),
        fields=(
            Field("NAME", required=True),
            Field("DESCRIPTION"),
            STATUS,
            Field(
                "DUE",
                type="group",
                children=(Field("DAYS", type="integer"), Field("FROM", enum=when)),
            ),
            Field(
                "DISCOUNT",
                type="group",
                children=(
                    Field("DAYS", type="integer"),
                    Field("FROM", enum=when),
                    Field("AMOUNT"),
                    Field("UNIT", enum=("Percentage", "Amount")),
                ),
            ),
        ),
        filter_values={"STATUS": STATUS_CODES},
    )


APTERM = _term("APTERM", "AP Term", "bill")
ARTERM = _term("ARTERM", "AR Term", "invoice")

CUSTOMER = ObjectDef(
    name="CUSTOMER",
    label="Customer",
    key=("CUSTOMERID",),
    fields=(
        Field("CUSTOMERID", required=True),
        Field("NAME", required=True),
        # assumption: the display contact is described inline as on VENDOR
        Field("DISPLAYCONTACT", type="group", children=(Field("CONTACTNAME"), *CONTACT[1:])),
        # assumption: TERMNAME names an AR term (checked like any reference)
        Field("TERMNAME", ref="ARTERM"),
        Field("CREDITLIMIT"),
        STATUS,
        ENTITY,
    ),
    dimension=True,
    filter_values={"STATUS": STATUS_CODES},
    unmodelled=_unmodelled(
        "ENTITY",
        "PARENTKEY",
        "PARENTID",
        "PARENTNAME",
        "CUSTREPNAME",
        "TOTALDUE",
        "GLGRPKEY",
        "GLGROUP",
        "ONETIME",
        "ONHOLD",
        "CREATEDBY",
        "MODIFIEDBY",
        "OBJECTRESTRICTION",
    ),
)

# assumption: ITEM is not described in the reference beyond its REQUIREITEM dimension flag;
# ITEMID, NAME, ITEMTYPE (the UI's type names) and STATUS as on the other dimensions
ITEM = ObjectDef(
    name="ITEM",
    label="Item",
    key=("ITEMID",),
    fields=(
        Field("ITEMID", required=True),
        Field("NAME", required=True),
        Field(
            "ITEMTYPE",
            enum=(
                "Inventory",
                "Non-Inventory",
                "Non-Inventory (Purchase only)",
                "Non-Inventory (Sales only)",
                "Kit",
                "Stockable Kit",
            ),
            default="Inventory",
        ),
        STATUS,
        ENTITY,
    ),
    dimension=True,
    filter_values={"STATUS": STATUS_CODES},
    unmodelled=_unmodelled("MRR", "EXTENDED_DESCRIPTION", "PRODUCTLINEID", "GLGROUP"),
)


def user_defined_dimension(name: str, label: str) -> ObjectDef:
    """A UDD: a platform object with lowercase `id` and `name` (reference §3.10, FY).

    Query and write names are matched case-insensitively (ID -> id) and returned as defined.
    """
    return ObjectDef(
        name=name,
        label=label,
        key=("id",),
        fields=(
            Field("id", required=True),
            Field("name", required=True),
            # assumption: the platform's audit fields answer empty (clients such as
            # sageintacctsdk select them by default)
            Field("createdBy", readonly=True),
            Field("updatedBy", readonly=True),
        ),
        aliases={"ID": "id", "NAME": "name", "CREATEDBY": "createdBy", "UPDATEDBY": "updatedBy"},
        dimension=True,
        user_defined=True,
    )


# -- taxes (the Taxes subscription, code TX) --------------------------------------------------
# The reference documents neither object; their field names are sageintacctsdk's default field
# lists for TAXSOLUTION and TAXDETAIL (reference §6), the ones the sandbox does not keep are
# unmodelled. assumption: a solution is read-only through the API (Intacct supplies the VAT
# solutions of a UK/IE company with the subscription), a detail is written with the generic
# functions; both exist only when the company subscribes to Taxes.
TAXSOLUTION = ObjectDef(
    name="TAXSOLUTION",
    label="Tax Solution",
    key=("SOLUTIONID",),
    fields=(
        Field("SOLUTIONID", required=True),
        Field("DESCRIPTION"),
        Field("TAXMETHOD"),  # assumption: free text, e.g. VAT
        STATUS,
    ),
    xml_verbs=READ_ONLY,
    filter_values={"STATUS": STATUS_CODES},
    unmodelled=_unmodelled(
        "TYPE",
        "STARTDATE",
        "SHOWMULTILINETAX",
        "ARADVANCEOFFSETACCT",
        "ARADVANCEOFFSETACCTTITLE",
        "ARADVANCEOFFSETACCTKEY",
        "GLACCOUNTPURCHASE",
        "GLACCOUNTPURCHASETITLE",
        "GLACCOUNTPURCHASEKEY",
        "GLACCOUNTSALE",
        "GLACCOUNTSALETITLE",
        "GLACCOUNTSALEKEY",
        "ALTSETUP",
        "LASTUPDATE",
        "SUBMISSIONPROCESS",
    ),
    module="TX",
)

TAXDETAIL = ObjectDef(
    name="TAXDETAIL",
    label="Tax Detail",
    key=("DETAILID",),
    fields=(
        Field("DETAILID", required=True),
        Field("DESCRIPTION"),
        # assumption: the two UI choices, spelled as the UI shows them
        Field("TAXTYPE", required=True, enum=("Purchase", "Sale")),
        Field("VALUE"),  # the rate in percent, kept as written (e.g. 20)
        Field("GLACCOUNT", ref="GLACCOUNT"),
        Field("TAXSOLUTIONID", ref="TAXSOLUTION"),
        Field("REVERSECHARGE", type="boolean", default="false"),
        STATUS,
        ENTITY,
    ),
    filter_values={"STATUS": STATUS_CODES},
    unmodelled=_unmodelled(
        "TAXUID",
        "MINTAXABLE",
        "MAXTAXABLE",
        "INCLUDE",
        "MINTAX",
        "MAXTAX",
        "TAXAUTHORITY",
        "TAXRATE",
        "MEGAENTITYKEY",
        "MEGAENTITYNAME",
    ),
    module="TX",
)

# assumption: the starter company has one user-defined dimension, installed long ago by a
# platform application; a UDD defined by a later installApp is recorded as a package but not
# served as an object.
LINE_OF_BUSINESS = user_defined_dimension("LINE_OF_BUSINESS", "Line of Business")

OBJECTS: dict[str, ObjectDef] = {
    o.name: o
    for o in (
        GLACCOUNT,
        EEACCOUNTLABEL,
        LOCATIONENTITY,
        LOCATION,
        DEPARTMENT,
        VENDOR,
        EMPLOYEE,
        USERINFO,
        ROLES,
        ROLEPOLICYASSIGNMENT,
        USERROLES,
        ROLEUSERS,
        USERRIGHTS,
        GLJOURNAL,
        CREDITCARD,
        CHECKINGACCOUNT,
        SEQUENCE,
        PTAPPLICATION,
        CONTACT_OBJECT,
        CLASS,
        PROJECT,
        APTERM,
        ARTERM,
        CUSTOMER,
        ITEM,
        LINE_OF_BUSINESS,
        TAXSOLUTION,
        TAXDETAIL,
    )
}
