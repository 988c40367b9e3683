"""Test factories, in one place: organisations, staff (with a real TOTP login), API tokens and
reports, built through the same services and routes production uses.

Suites with their own ground truth keep it beside them (``tests/linking/scenario.py``, the
pure triage cases in ``tests/triage/cases.py``, the media corpus in ``tests/media/corpus.py``,
the import runners in ``tests/imports/helpers.py``); anything that makes an account, a token or
a report for a test lives here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import Organisation, User
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.service import Actor
from jigsaw.db.engine import session_scope
from jigsaw.intake.domain import ReportDraft
from jigsaw.intake.models import Report
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


def report_body(**overrides: Any) -> dict[str, Any]:
    """A small partner-API report body: one suspect with one email address, no media. The address
    is fictional (RFC 2606 .test) but not a placeholder, so reports that share it link."""
    body: dict[str, Any] = {
        "source": "platform", "incident_type": "indecent_images", "platform": "PixelPlay",
        "summary": "Account uploaded an image that matched a hash list.",
        "subjects": [{"role": "suspect",
                      "identifiers": [{"type": "email", "value": "shadowfox@mail.pixelplay.test"}]}],
    }
    body.update(overrides)
    return body


def full_report_body(**overrides: Any) -> dict[str, Any]:
    """A partner-API report body using every field: reporter, a suspect with one identifier of
    each kind, a victim, one media record and an external id."""
    body: dict[str, Any] = {
        "source": "platform",
        "incident_type": "image_request",
        "incident_at": "2026-11-20T21:15:00+00:00",
        "platform": "PixelPlay",
        "summary": "Account asked a 13-year-old for images over several nights.",
        "escalation": "User said they will come to the child's school tomorrow.",
        "reporter": {"name": "Trust & Safety desk", "email": "TS-Desk@Example.COM", "phone": "07700 900123"},
        "subjects": [
            {"role": "suspect", "identifiers": [
                {"type": "email", "value": "Offender@Bücher.example"},
                {"type": "phone", "value": "07700 900456"},
                {"type": "ip", "value": "2001:0db8::0001", "seen_at": "2026-11-20T21:00:00Z", "port": 51234},
                {"type": "username", "value": "@ShadowFox", "platform": "PixelPlay"},
                {"type": "esp_user_id", "value": "u-99812", "platform": "PixelPlay"},
                {"type": "url", "value": "HTTPS://PixelPlay.Example/u/99812#x"},
                {"type": "device_id", "value": "35 209900 176148 1"},
            ]},
            {"role": "victim", "name": "Child A", "age": 13,
             "identifiers": [{"type": "username", "value": "childa_13", "platform": "PixelPlay"}]},
        ],
        "media": [{"md5": "0" * 32, "pdq": "f" * 64}],
        "external_id": "pp-2026-0001",
    }
    body.update(overrides)
    return body


def post_report(client: TestClient, token: str, body: dict[str, Any]) -> int:
    """Submit ``body`` through ``POST /api/v1/reports`` with ``token``; the new report's id."""
    response = client.post("/api/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def make_report(platform: Platform, draft: ReportDraft | None = None, organisation_id: int | None = None) -> Report:
    """Store ``draft`` (default: the first fictional demo report) through intake's
    ``submit_report``, as the public form and the API do; the stored report."""
    from jigsaw.demo.data import demo_drafts
    from jigsaw.intake.service import submit_report

    with session_scope(platform.engine) as session:
        return submit_report(session, draft or demo_drafts(1)[0], ACTOR, organisation_id=organisation_id).report
