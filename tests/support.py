"""Helpers shared by the tests: building accounts, logging in with a real TOTP code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import Organisation, User
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.service import Actor
from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform

TEST_PASSWORD = "correct horse battery staple"
ACTOR = Actor("test")


@dataclass
class StaffAccount:
    id: int
    email: str
    role: Role
    password: str
    totp_secret: str
    organisation_id: int


def make_org(platform: Platform, name: str, kind: OrgKind = OrgKind.CENTRE) -> int:
    with session_scope(platform.engine) as session:
        return accounts.create_organisation(session, ACTOR, name, kind).id


def make_staff(platform: Platform, email: str, role: Role, org_id: int) -> StaffAccount:
    with session_scope(platform.engine) as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        new = accounts.create_user(session, ACTOR, email, role, org, TEST_PASSWORD)
        return StaffAccount(new.user.id, new.user.email, role, TEST_PASSWORD, new.totp_secret, org_id)


def make_token(platform: Platform, org_id: int, *scopes: str) -> str:
    with session_scope(platform.engine) as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        return accounts.create_token(session, ACTOR, org, scopes).token


def next_code(platform: Platform, account: StaffAccount) -> str:
    """A valid code the account has not used yet (the server refuses replayed codes)."""
    with session_scope(platform.engine) as session:
        user = session.get(User, account.id)
        assert user is not None
        last = user.totp_last_step
    totp = pyotp.TOTP(account.totp_secret)
    now = datetime.now(UTC)
    for offset in (0, 30):
        when = now + timedelta(seconds=offset)
        if last is None or totp.timecode(when) > last:
            return totp.at(when)
    raise AssertionError("no unused TOTP step in the accepted window")


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: TestClient, platform: Platform, account: StaffAccount) -> None:
    page = client.get("/login")
    response = client.post("/login", data={
        "email": account.email, "password": account.password, "code": next_code(platform, account),
        "csrf_token": csrf_from(page.text), "next": "/",
    }, follow_redirects=False)
    assert response.status_code == 303, response.text


def session_of(platform: Platform) -> Session:
    from jigsaw.db.engine import session_factory

    return session_factory(platform.engine)()
