"""A Tharsley-shaped operation board on SQLite: 42 forces, 2,000 targets, 141 warrants executed,
76 arrests (CEOP and 42 forces, 12-13 June 2012: research §2.3).

    .venv/bin/python benchmarks/bench_operations.py [--targets 2000] [--forces 42] [--repeat 5]

Seeds the forces, 2,000 dispatched packages (one per target, each sent to its force) and the outcomes
the forces recorded (a warrant lifecycle of several records per warrant, arrests, voluntary interviews,
devices, children safeguarded, some withdrawn) with bulk inserts, then times, through the app's
TestClient as a signed-in analyst:

- the board page ``GET /operations/{id}`` (HTML: the grouped queries, the audit entry, the template),
- the board as JSON ``GET /api/v1/operations/{id}/board``,
- freezing a sitrep (``POST /api/v1/operations/{id}/sitreps``) and reading it back with its revisions,

beside the centre's package list ``GET /packages`` (200 rows) on the same database as the comparable
page. Target: the board in under 1 s.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from jigsaw.accounts import service as accounts
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.service import Actor
from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.db.base import table_of
from jigsaw.db.engine import session_scope
from jigsaw.dissemination.models import Package
from jigsaw.operations.models import Operation, OperationForce, OperationTarget
from jigsaw.outcomes.models import Outcome
from jigsaw.web.app import create_app

START = datetime(2026, 6, 12, 5, 0, tzinfo=UTC)
END = START + timedelta(hours=48)
PASSWORD = "bench password for the operations board"


def seed(platform: object, targets: int, forces: int) -> tuple[int, str, str]:
    """The operation's id, and the analyst's email and TOTP secret."""
    engine = platform.engine  # type: ignore[attr-defined]
    actor = Actor("bench")
    with session_scope(engine) as session:
        centre = accounts.create_organisation(session, actor, "Centre", OrgKind.CENTRE)
        made = accounts.create_user(session, actor, "analyst@bench.example", Role.ANALYST, centre, PASSWORD)
        author = accounts.create_user(session, actor, "author@bench.example", Role.ANALYST, centre, PASSWORD).user
        approver = accounts.create_user(session, actor, "sup@bench.example", Role.SUPERVISOR, centre, PASSWORD).user
        session.flush()
        org_ids = []
        for n in range(forces):
            org_ids.append(accounts.create_organisation(session, actor, f"Force {n:02d} Police", OrgKind.UK_FORCE).id)
        analyst_id, totp, centre_id = made.user.id, made.totp_secret, centre.id
        author_id, approver_id = author.id, approver.id
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        session.execute(insert(table_of(Package)), [{
            "reference": f"PKG-B{n:03d}-{n:04d}", "status": "dispatched", "version": 1, "created_by_id": author_id,
            "created_at": now, "updated_at": now, "approved_by_id": approver_id, "approved_at": now,
            "dispatched_at": now, "recipient_org_id": org_ids[n % forces], "route_basis": "postcode",
            "routing": {}, "classification": "OFFICIAL-SENSITIVE", "handling": "", "band": "P2",
            "action_by": END, "summary": f"Suspect {n} of the referral batch.", "evidence": {}}
            for n in range(targets)])
        package_ids = list(session.scalars(select(Package.id).order_by(Package.id)))
        op = Operation(reference="OP-BNCH-0001", name="Tharsley", lead_id=analyst_id,
                       coordinating_org_id=centre_id,
                       starts_at=START, ends_at=END, objectives="Warrants at the addresses of the referred suspects.",
                       status="live", status_changed_at=now, created_by_id=analyst_id, created_at=now)
        session.add(op)
        session.flush()
        session.execute(insert(table_of(OperationForce)), [{"operation_id": op.id, "org_id": o, "added_at": now}
                                                           for o in org_ids])
        session.execute(insert(table_of(OperationTarget)), [{
            "operation_id": op.id, "package_id": pid, "subject_id": None, "org_id": org_ids[n % forces],
            "action_by": START + timedelta(hours=24) if n % 10 == 0 else None, "added_at": now - timedelta(days=1),
            "added_by_id": analyst_id} for n, pid in enumerate(package_ids)])
        rows = []

        def add(n: int, kind: str, at: datetime, **fields: object) -> None:
            ref = f"B-{len(rows)}"
            rows.append({"package_id": package_ids[n], "org_id": org_ids[n % forces], "reference": ref,
                         "body_digest": hashlib.sha256(ref.encode()).hexdigest(), "kind": kind, "occurred_at": at,
                         "subject_id": None, "count": fields.pop("count", 1), "details": {},
                         "recorded_at": at + timedelta(minutes=30), "withdrawn_at": fields.pop("withdrawn_at", None),
                         **{k: None for k in ("warrant_stage", "category", "devices_seized")}, **fields})

        # 170 warrants applied: 141 executed, 8 refused, 6 no trace, 15 still granted (open, overdue later).
        for w in range(170):
            n = w * (targets // 170)
            add(n, "warrant", START - timedelta(days=2), warrant_stage="applied")
            if w < 8:
                add(n, "warrant", START - timedelta(days=1), warrant_stage="refused")
                continue
            add(n, "warrant", START - timedelta(days=1), warrant_stage="granted")
            if w < 149:
                add(n, "warrant", START + timedelta(hours=w % 40), warrant_stage="executed", devices_seized=5)
            elif w < 155:
                add(n, "warrant", START + timedelta(hours=3), warrant_stage="no_trace")
        for a in range(80):  # 76 arrests stand; four were recorded in error and withdrawn
            add(a * (targets // 80), "arrest", START + timedelta(hours=a % 40),
                withdrawn_at=now if a >= 76 else None)
        for v in range(40):
            add(v * (targets // 40) + 1, "voluntary_interview", START + timedelta(hours=6))
        for c in range(60):
            add(c * (targets // 60), "child_safeguarded", START + timedelta(hours=8),
                category=("removed_from_harm", "protective_measure", "identified_from_imagery")[c % 3],
                count=1 + c % 2)
        session.execute(insert(table_of(Outcome)), rows)
        return op.id, made.user.email, totp


def login(client: TestClient, email: str, totp: str) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "code": pyotp.TOTP(totp).now(),
                                         "csrf_token": csrf.group(1), "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def timed(client: TestClient, method: str, url: str, repeat: int, **kwargs: object) -> tuple[float, object]:
    seconds = []
    answer = None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.request(method, url, **kwargs)  # type: ignore[arg-type]
        seconds.append(time.perf_counter() - started)
        assert answer.status_code < 300, (url, answer.status_code, answer.text[:300])
    return statistics.median(seconds), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--forces", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="jigsaw-bench-ops-"))
    platform = open_platform(Settings(data_dir=root / "data", database_url=f"sqlite:///{root / 'data/j.db'}"))
    started = time.perf_counter()
    op_id, email, totp = seed(platform, args.targets, args.forces)
    print(f"seeded {args.targets} targets across {args.forces} forces in {time.perf_counter() - started:.1f} s")
    with TestClient(create_app(platform=platform), base_url="http://testserver") as client:
        login(client, email, totp)
        timed(client, "GET", f"/operations/{op_id}", 1)  # warm the template cache and the connection pool
        page, answer = timed(client, "GET", f"/operations/{op_id}", args.repeat)
        board, board_json = timed(client, "GET", f"/api/v1/operations/{op_id}/board", args.repeat)
        listing, _ = timed(client, "GET", "/packages", args.repeat)
        freeze, _ = timed(client, "POST", f"/api/v1/operations/{op_id}/sitreps", 1, json={})
        sitrep, _ = timed(client, "GET", f"/operations/{op_id}/sitreps/1", args.repeat)
    total = board_json.json()["total"]["figures"]  # type: ignore[attr-defined]
    print(f"board totals: {len(board_json.json()['rows'])} forces, {total['targets']} targets, "  # type: ignore[attr-defined]
          f"{total['warrants_executed']} warrants executed, {total['arrests']} arrests, "
          f"{total['children_safeguarded']} children, overdue {board_json.json()['overdue_count']}")  # type: ignore[attr-defined]
    print(f"board page (HTML, {len(answer.text):,} bytes): median {page * 1000:.0f} ms over {args.repeat}")  # type: ignore[attr-defined]
    print(f"board JSON: median {board * 1000:.0f} ms")
    print(f"centre package list /packages (200 rows), same database: median {listing * 1000:.0f} ms")
    print(f"freeze a sitrep: {freeze * 1000:.0f} ms; sitrep page: median {sitrep * 1000:.0f} ms")
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
