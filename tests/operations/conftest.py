"""Operations fixtures: the dissemination world (a centre, two forces) with an approved batch of
packages dispatched to Kent and the Met, and a small factory writing outcome rows directly
(the outcomes capability's own recording service is tested on its own)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.db.engine import session_scope
from jigsaw.dissemination.models import Package, PackageSubject
from jigsaw.outcomes.interfaces import Outcome
from jigsaw.platform import Platform
from tests.dissemination.conftest import World, address, as_user, make_world, suspect
from tests.factories import post_report, report_body

START = datetime(2026, 6, 12, 6, 0, tzinfo=UTC)  # Tharsley began at dawn on 12 June
END = START + timedelta(hours=48)
_refs = count(1)


@dataclass
class Batch:
    id: int
    reference: str
    kent: list[tuple[int, int]]  # (package id, suspect id) dispatched to Kent
    met: list[tuple[int, int]]
    draft: int  # a package of the batch that was never dispatched


def _report(client: TestClient, world: World, n: int, where: str) -> int:
    body = report_body(subjects=[suspect({"type": "email", "value": f"target{n}@mail.example.test"},
                                         address(where), name=f"Target {n}")], external_id=f"op-{n}")
    return post_report(client, world.token, body)


def approved_batch(client: TestClient, platform: Platform, world: World) -> Batch:
    """Three Kent suspects and two Met suspects, one package each, approved as a set by a second
    person; a fifth report with no address stays a draft."""
    ids = [_report(client, world, n, f"{n} High Street, Rochester, ME1 1AA") for n in range(3)]
    ids += [_report(client, world, n, f"{n} Whitehall, London, SW1A 1AA") for n in range(3, 5)]
    ids.append(post_report(client, world.token, report_body(external_id="op-none", subjects=[
        suspect({"type": "email", "value": "nowhere@mail.example.test"})])))
    as_user(client, platform, world.analyst)
    made = client.post("/api/v1/package-batches", json={"report_ids": ids})
    assert made.status_code == 201, made.text
    bid = made.json()["id"]
    client.post(f"/api/v1/package-batches/{bid}/submit")
    as_user(client, platform, world.supervisor)
    approved = client.post(f"/api/v1/package-batches/{bid}/approve")
    assert approved.status_code == 200, approved.text
    client.cookies.clear()
    with session_scope(platform.engine) as session:
        rows = session.execute(select(Package.id, Package.recipient_org_id, Package.status, PackageSubject.subject_id)
                               .join(PackageSubject, PackageSubject.package_id == Package.id)
                               .where(Package.batch_id == bid).order_by(Package.id)).all()
    kent = [(p, s) for p, org, st, s in rows if org == world.kent_id and st == "dispatched"]
    met = [(p, s) for p, org, st, s in rows if org == world.met_id and st == "dispatched"]
    [draft] = [p for p, _, st, _ in rows if st != "dispatched"]
    assert len(kent) == 3 and len(met) == 2
    return Batch(bid, made.json()["reference"], kent, met, draft)


def outcome(platform: Platform, package_id: int, org_id: int, kind: str, *, subject_id: int | None = None,
            occurred_at: datetime | None = None, recorded_at: datetime | None = None, count: int = 1,
            withdrawn_at: datetime | None = None, **fields: Any) -> int:
    """One outcome row as a force would have recorded it; its id."""
    ref = f"T-{next(_refs)}"
    with session_scope(platform.engine) as session:
        row = Outcome(package_id=package_id, org_id=org_id, reference=ref,
                      body_digest=hashlib.sha256(ref.encode()).hexdigest(), kind=kind,
                      occurred_at=occurred_at or START + timedelta(hours=1), subject_id=subject_id, count=count,
                      recorded_at=recorded_at or datetime.now(UTC), withdrawn_at=withdrawn_at, details={}, **fields)
        session.add(row)
        session.flush()
        return row.id


@pytest.fixture
def world(platform: Platform) -> World:
    return make_world(platform)


@pytest.fixture
def batch(client: TestClient, platform: Platform, world: World) -> Batch:
    return approved_batch(client, platform, world)


__all__ = ["END", "START", "Batch", "World", "approved_batch", "make_world", "outcome"]
