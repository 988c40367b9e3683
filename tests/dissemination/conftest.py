"""Dissemination fixtures: the shipped recipients seeded, a small synthetic postcode directory
loaded, a centre with two analysts and two supervisors, and liaison officers of two forces."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.accounts.models import Organisation
from jigsaw.accounts.roles import Role
from jigsaw.audit.service import Actor
from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform
from jigsaw.routing import service as routing
from tests.alerts.conftest import configure
from tests.factories import StaffAccount, login, make_org, make_staff, make_token

SAMPLE = Path(__file__).parent / "data" / "onspd_sample.csv"
BASE_URL = "https://jigsaw.centre.example"
KENT = "Kent Police"
MET = "Metropolitan Police Service"


def org_id(platform: Platform, name: str) -> int:
    with session_scope(platform.engine) as session:
        found = session.scalar(select(Organisation.id).where(Organisation.name == name))
        assert found is not None, name
        return found


def seed(platform: Platform) -> None:
    with session_scope(platform.engine) as session:
        routing.seed_recipients(session, Actor("test"))
        with SAMPLE.open(encoding="utf-8", newline="") as lines:
            routing.load_directory(session, Actor("test"), lines, source="sample")
        routing.set_contact(session, Actor("test"), KENT, email="referrals@kent.police.test")
        routing.set_contact(session, Actor("test"), MET, email="referrals@met.police.test")


@dataclass
class World:
    token: str
    analyst: StaffAccount
    analyst2: StaffAccount
    supervisor: StaffAccount
    supervisor2: StaffAccount
    kent: StaffAccount
    met: StaffAccount
    admin: StaffAccount
    kent_id: int
    met_id: int


def make_world(platform: Platform) -> World:
    centre_id = make_org(platform, "Centre")
    seed(platform)
    kent_id, met_id = org_id(platform, KENT), org_id(platform, MET)
    configure(platform, base_url=BASE_URL, smtp_url=None, mail_from="jigsaw@centre.example")
    return World(
        token=make_token(platform, centre_id, "reports:submit", "reports:read"),
        analyst=make_staff(platform, "analyst@centre.example", Role.ANALYST, centre_id),
        analyst2=make_staff(platform, "analyst2@centre.example", Role.ANALYST, centre_id),
        supervisor=make_staff(platform, "supervisor@centre.example", Role.SUPERVISOR, centre_id),
        supervisor2=make_staff(platform, "supervisor2@centre.example", Role.SUPERVISOR, centre_id),
        kent=make_staff(platform, "liaison@kent.police.test", Role.FORCE_LIAISON, kent_id),
        met=make_staff(platform, "liaison@met.police.test", Role.FORCE_LIAISON, met_id),
        admin=make_staff(platform, "admin@centre.example", Role.ADMIN, centre_id),
        kent_id=kent_id, met_id=met_id)


@pytest.fixture
def world(platform: Platform) -> World:
    return make_world(platform)


@pytest.fixture
def sqlite_client(sqlite_platform: Platform) -> Iterator[TestClient]:
    from jigsaw.web.app import create_app

    with TestClient(create_app(platform=sqlite_platform), base_url="http://testserver") as test_client:
        yield test_client


def as_user(client: TestClient, platform: Platform, account: StaffAccount) -> None:
    client.cookies.clear()
    login(client, platform, account)


def suspect(*identifiers: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"role": "suspect", "identifiers": list(identifiers)}
    if name:
        body["name"] = name
    return body


def address(text: str) -> dict[str, Any]:
    return {"type": "postal_address", "value": text}


@pytest.fixture
def world_sqlite(sqlite_platform: Platform) -> World:
    return make_world(sqlite_platform)


def principal_of(platform: Platform, account: StaffAccount) -> Any:
    """The principal a signed-in ``account`` acts as (for calling the service directly)."""
    from jigsaw.accounts.models import User
    from jigsaw.accounts.principal import Principal
    from jigsaw.accounts.roles import OrgKind

    with session_scope(platform.engine) as session:
        user = session.get(User, account.id)
        assert user is not None
        return Principal(organisation_id=user.organisation_id, organisation_kind=OrgKind(user.organisation.kind),
                         user_id=user.id, role=Role(user.role), label=user.email)


def dispatched_package(platform: Platform, report_ids: list[int], recipient_org_id: int, author: StaffAccount,
                       approver: StaffAccount, *, reason: str = "chosen for the test") -> int:
    """A package about ``report_ids`` drafted by ``author``, approved (so dispatched) by ``approver``."""
    from jigsaw.dissemination import service

    with session_scope(platform.engine) as session:
        package = service.create_package(session, principal_of(platform, author), service.DraftSpec(
            tuple(report_ids), "Summary for the test.", recipient_org_id=recipient_org_id, route_reason=reason))
        service.submit(session, principal_of(platform, author), package.id)
        service.approve(session, principal_of(platform, approver), package.id)
        return package.id
