"""The <authentication> step: login or session, company-level checks, getAPISession.

Order of checks (each failure is an authentication-level failure, reference §1.5/§1.6):
company id (which of the database's companies; sandbox/companies.py) -> sender authorized for
the company -> Web Services subscription -> IP address filters -> user credentials (login) or
session validity -> entity (locationid).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from intacct_reconcile.sandbox import company, objects
from intacct_reconcile.sandbox.objects.errors import Problem
from intacct_reconcile.sandbox.xml_codec import sub, text

SIGN_IN = "XL03000006"


class AuthFailure(Exception):
    def __init__(self, userid: str, companyid: str, errors: list[Problem]):
        super().__init__(errors[0][1])
        self.userid = userid
        self.companyid = companyid
        self.errors = errors


@dataclass
class Identity:
    """Who an authenticated request speaks for: user, company, entity and session, with the
    session's times and the company's store."""

    userid: str
    companyid: str
    locationid: str
    user: dict[str, Any]
    sessionid: str
    timestamp: float
    timeout: float
    company: Any = None  # the company's top-level Store (None only for a bare Identity)

    @property
    def store(self) -> Any:
        """The company as this session's entity sees it (sandbox/store.py)."""
        return self.company.in_entity(self.locationid)


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def authentication_block(
    parent: etree._Element,
    status: str,
    userid: str,
    companyid: str,
    identity: Identity | None = None,
) -> etree._Element:
    block = sub(parent, "authentication")
    sub(block, "status", status)
    sub(block, "userid", userid)
    sub(block, "companyid", companyid)
    if identity is not None:
        sub(block, "locationid", identity.locationid)
        sub(block, "sessiontimestamp", _stamp(identity.timestamp))
        sub(block, "sessiontimeout", _stamp(identity.timeout))
    return block


def _sign_in_failed(userid: str, companyid: str) -> AuthFailure:
    return AuthFailure(
        userid,
        companyid,
        [
            (
                SIGN_IN,
                "Sign-in information is incorrect",
                "",
                "Check the user id, company id and password.",
            )
        ],
    )


def _company_checks(app: Any, senderid: str, userid: str, companyid: str, ip: str) -> Any:
    """The company's Store once the company accepts this sender, subscription and address."""
    # assumption: company ids compare case-insensitively; an unknown company fails like any
    # wrong sign-in (XL03000006 "Sign-in information is incorrect"), naming nothing
    store = app.company(companyid)
    if store is None:
        raise _sign_in_failed(userid, companyid)
    if not company.sender_authorized(store, senderid):
        raise AuthFailure(
            userid,
            companyid,
            [
                (
                    SIGN_IN,
                    "Invalid Web Services Authorization",
                    f"The sender ID '{senderid}' is not authorized to make Web Services requests "
                    f"to company ID '{companyid}'.",
                    "Contact the company administrator to grant Web Services authorization to this "
                    "sender ID.",
                )
            ],
        )
    if company.WEB_SERVICES not in company.subscriptions(store):
        # assumption: level (authentication) and number; text from the reference (D-faq)
        raise AuthFailure(
            userid,
            companyid,
            [
                (
                    SIGN_IN,
                    "This company is not authorized for XML transactions. Please subscribe "
                    "to the XML Gateway.",
                    "",
                    "Subscribe to Web Services in Company > Subscriptions.",
                )
            ],
        )
    if not company.ip_allowed(store, ip):
        # assumption: number and wording of an IP address filter refusal
        raise AuthFailure(
            userid,
            companyid,
            [
                (
                    SIGN_IN,
                    "Sign-in from this IP address is not allowed",
                    f"The IP address {ip} is not in the company's IP address filters.",
                    "Ask the company administrator to add the address to the IP address filters.",
                )
            ],
        )
    return store


def _active_user(store: Any, userid: str) -> dict[str, Any] | None:
    user = objects.get_by_key(store, "USERINFO", userid)
    if user is None or user.get("STATUS") != "active":
        return None
    return user


def _entity(store: Any, identity_user: str, companyid: str, locationid: str) -> str:
    if locationid and objects.get_by_key(store, "LOCATIONENTITY", locationid) is None:
        # assumption: an unknown entity fails sign-in like a wrong credential
        raise AuthFailure(
            identity_user,
            companyid,
            [
                (
                    SIGN_IN,
                    "Sign-in information is incorrect",
                    f"The entity '{locationid}' does not exist.",
                    "Check the locationid.",
                )
            ],
        )
    user = objects.get_by_key(store, "USERINFO", identity_user) or {}
    allowed = user.get("USERLOCATIONS") or []
    if allowed and locationid not in allowed:
        # assumption: a user restricted to entities (USERLOCATIONS) signs in only to those
        # entities, never at the top level
        where = f"entity '{locationid}'" if locationid else "the top level"
        raise AuthFailure(
            identity_user,
            companyid,
            [
                (
                    SIGN_IN,
                    "Sign-in information is incorrect",
                    f"User {identity_user} is restricted to {', '.join(allowed)} and cannot "
                    f"sign in to {where}.",
                    "Sign in with a locationid the user may access.",
                )
            ],
        )
    return locationid


def authenticate(app: Any, auth: etree._Element | None, senderid: str, ip: str) -> Identity:
    if auth is None:
        raise _sign_in_failed("", "")
    now = app.clock()
    lifetime = app.options.session_minutes * 60
    sessionid = text(auth, "sessionid")
    if sessionid:
        return _by_session(app, sessionid, senderid, ip, now, lifetime)
    login = auth.find("login")
    userid, companyid = text(login, "userid"), text(login, "companyid")
    companyid = companyid.split("|")[0]  # console slide-in form consoleId|clientId|entityId
    store = _company_checks(app, senderid, userid, companyid, ip)
    user = _active_user(store, userid)
    if user is None or not company.check_user_password(store, userid, text(login, "password")):
        raise _sign_in_failed(userid, companyid)
    locationid = _entity(store, userid, companyid, text(login, "locationid"))
    return Identity(userid, companyid, locationid, user, "", now, now + lifetime, store)


def _by_session(
    app: Any, sessionid: str, senderid: str, ip: str, now: float, lifetime: float
) -> Identity:
    found = app.store.session(sessionid)
    if found is None or found[3] <= now:
        # assumption: wording/number of an invalid or expired session (reference: UNCONFIRMED)
        raise AuthFailure(
            "",
            "",
            [
                (
                    SIGN_IN,
                    "Invalid session",
                    "The session ID is invalid or has expired.",
                    "Sign in again with getAPISession.",
                )
            ],
        )
    userid, companyid, locationid, _ = found
    store = _company_checks(app, senderid, userid, companyid, ip)
    user = _active_user(store, userid)
    if user is None:
        raise _sign_in_failed(userid, companyid)
    store.touch_session(sessionid, now + lifetime)  # any call resets the timeout
    return Identity(userid, companyid, locationid, user, sessionid, now, now + lifetime, store)


def new_session(app: Any, identity: Identity, locationid: str | None) -> tuple[str, str]:
    """Issue a session for the identity (optionally for another entity): (sessionid, entity)."""
    entity = identity.locationid if locationid is None else locationid
    entity = _entity(identity.company, identity.userid, identity.companyid, entity)
    sessionid = secrets.token_urlsafe(24)
    identity.company.add_session(
        sessionid, identity.userid, identity.companyid, entity, identity.timeout
    )
    return sessionid, entity
