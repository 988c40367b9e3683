"""Outcomes fixtures: the dissemination world (a centre, Kent and the Met) and a package about one
report (a suspect in Kent, a child victim) dispatched to Kent, on SQLite (the PostgreSQL test makes
its own)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.db.engine import session_scope
from jigsaw.intake.interfaces import Subject, SubjectRole
from jigsaw.outcomes import service
from jigsaw.platform import Platform
from tests.dissemination.conftest import World, address, dispatched_package, make_world, principal_of, suspect
from tests.factories import post_report, report_body

__all__ = ["Sent", "World", "make_world", "principal_of"]


@dataclass
class Sent:
    package_id: int
    report_id: int
    suspect_id: int
    victim_id: int


def send_to_kent(client: TestClient, platform: Platform, world: World, *, tag: str = "1",
                 suspects: int = 1) -> Sent:
    """A report with ``suspects`` suspects (in Kent) and a child victim, packaged and dispatched to Kent."""
    people = [suspect({"type": "email", "value": f"suspect{tag}-{n}@mail.example.test"},
                      address("1 High Street, Rochester, ME1 1AA")) for n in range(suspects)]
    people.append({"role": "victim", "age": 12,
                   "identifiers": [{"type": "username", "value": f"child{tag}", "platform": "PixelPlay"}]})
    report_id = post_report(client, world.token, report_body(subjects=people, external_id=f"outcomes-{tag}"))
    package_id = dispatched_package(platform, [report_id], world.kent_id, world.analyst, world.supervisor)
    with session_scope(platform.engine) as session:
        rows = session.execute(select(Subject.id, Subject.role).where(Subject.report_id == report_id)
                               .order_by(Subject.id)).all()
    suspect_id = next(sid for sid, role in rows if role == SubjectRole.SUSPECT.value)
    victim_id = next(sid for sid, role in rows if role == SubjectRole.VICTIM.value)
    return Sent(package_id, report_id, suspect_id, victim_id)


def at(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def record(platform: Platform, account: Any, package_id: int, **body: Any) -> service.Recorded:
    """Record ``body`` as ``account`` through the service, in its own transaction."""
    with session_scope(platform.engine) as session:
        done = service.record_outcome(session, principal_of(platform, account), package_id, body)
        session.flush()
        session.expunge(done.outcome)
        return done


@pytest.fixture
def sqlite_world(sqlite_platform: Platform) -> World:
    return make_world(sqlite_platform)


@pytest.fixture
def sqlite_client(sqlite_platform: Platform) -> Iterator[TestClient]:
    from jigsaw.web.app import create_app

    with TestClient(create_app(platform=sqlite_platform), base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def sqlite_sent(sqlite_client: TestClient, sqlite_platform: Platform, sqlite_world: World) -> Sent:
    return send_to_kent(sqlite_client, sqlite_platform, sqlite_world)
