"""The auditor's audit-log page: read-only, filterable, shows tampering, and records its own use."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event, select

from jigsaw.accounts.roles import Role
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.models import AuditEvent
from jigsaw.audit.names import resolve
from jigsaw.audit.query import LONDON, london_day_start
from jigsaw.audit.service import Actor, record
from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform
from tests.factories import login, make_org, make_report, make_staff, session_of


def test_auditor_reviews_the_log_and_the_review_is_recorded(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    auditor = make_staff(platform, "auditor@centre.example", Role.AUDITOR, centre)
    make_staff(platform, "a@centre.example", Role.ANALYST, centre)
    login(client, platform, auditor)

    page = client.get("/audit")
    assert page.status_code == 200
    assert "Chain intact" in page.text and "administration" in page.text

    filtered = client.get("/audit", params={"action": "authentication"})
    assert filtered.status_code == 200
    assert "administration</td>" not in filtered.text and "authentication</td>" in filtered.text

    with session_of(platform) as session:
        reviews = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "audit_log")).all()
    assert len(reviews) == 2 and all(r.actor == f"user:{auditor.id}" and r.purpose for r in reviews)


def test_analysts_cannot_read_the_audit_log(client: TestClient, platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    login(client, platform, analyst)
    assert client.get("/audit").status_code == 403


def _read_report(platform: Platform, actor: Actor, report_id: int, purpose: str) -> None:
    with session_scope(platform.engine) as session:
        record(session, actor, AuditAction.CONSULTATION, "report", report_id, purpose=purpose)


def test_entries_show_names_and_references_and_who_opened_a_record(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    auditor = make_staff(platform, "auditor@centre.example", Role.AUDITOR, centre)
    analyst = make_staff(platform, "ana@centre.example", Role.ANALYST, centre)
    report, other = make_report(platform), make_report(platform)
    _read_report(platform, Actor(f"user:{analyst.id}", centre), report.id, "CASE-7 review")
    _read_report(platform, Actor(f"user:{analyst.id}", centre), other.id, "other work")
    with session_scope(platform.engine) as session:
        record(session, Actor(f"user:{analyst.id}", centre), AuditAction.DISCLOSURE, "report", report.id,
               purpose="referral", recipient="Force X")
    login(client, platform, auditor)

    page = client.get("/audit")
    assert page.status_code == 200
    assert "ana &lt;ana@centre.example&gt;" in page.text and f"report {report.reference}" in page.text
    assert f"user:{analyst.id}</td>" not in page.text and f"report {report.id}<" not in page.text

    found = client.get("/audit", params={"reference": report.reference.lower()})
    assert found.status_code == 200 and f"Who opened report {report.reference}" in found.text
    opened = found.text.split("opened-heading", 1)[1].split("</section>", 1)[0]
    assert "CASE-7 review" in opened and "Force X" in opened and "other work" not in opened
    assert other.reference not in found.text.split("</section>", 1)[1]

    missing = client.get("/audit", params={"reference": "JIG-0000-0000"})
    assert "No report, case or staff account" in missing.text and "0 matching entries" in missing.text

    api = client.get("/api/v1/audit/opened", params={"reference": report.reference})
    assert api.status_code == 200 and api.json()["record"] == f"report {report.reference}"
    assert [(o["who"], o["action"], o["purpose"]) for o in api.json()["openings"]] == [
        ("ana <ana@centre.example>", "consultation", "CASE-7 review"),
        ("ana <ana@centre.example>", "disclosure", "referral")]
    assert client.get("/api/v1/audit/opened", params={"reference": "JIG-0000-0000"}).status_code == 422

    by_person = client.get("/api/v1/audit", params={"reference": analyst.email}).json()
    assert by_person["total"] >= 3 and all(
        e["actor"] == f"user:{analyst.id}" or (e["entity_type"], e["entity_id"]) == ("user", str(analyst.id))
        for e in by_person["entries"])


def test_date_range_is_in_london_days(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    auditor = make_staff(platform, "auditor@centre.example", Role.AUDITOR, centre)
    login(client, platform, auditor)
    now = datetime.now(UTC).astimezone(LONDON).date()
    today = client.get("/api/v1/audit", params={"from": now.isoformat(), "to": now.isoformat()}).json()
    assert today["total"] > 0
    yesterday = (now - timedelta(days=1)).isoformat()
    assert client.get("/api/v1/audit", params={"to": yesterday}).json()["total"] == 0
    assert client.get("/api/v1/audit", params={"from": "2026-13-01"}).status_code == 422
    page = client.get("/audit", params={"from": "not a date"})
    assert page.status_code == 200 and "expected a date" in page.text
    # A summer day in London starts at 23:00 UTC the day before; a winter day at midnight.
    assert london_day_start("2026-07-01", "from") == datetime(2026, 6, 30, 23, tzinfo=UTC)
    assert london_day_start("2026-12-01", "from") == datetime(2026, 12, 1, tzinfo=UTC)


def test_csv_export_matches_the_filter_and_is_audited(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    auditor = make_staff(platform, "auditor@centre.example", Role.AUDITOR, centre)
    analyst = make_staff(platform, "ana@centre.example", Role.ANALYST, centre)
    report = make_report(platform)
    _read_report(platform, Actor(f"user:{analyst.id}", centre), report.id, "=HYPERLINK(\"http://x\")")
    login(client, platform, auditor)
    export = client.get("/audit/export.csv", params={"reference": report.reference, "action": "consultation"})
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == 1
    assert rows[0]["record"] == f"report {report.reference}" and rows[0]["actor_name"] == "ana <ana@centre.example>"
    assert rows[0]["purpose"].startswith("'=")  # a spreadsheet will not run it
    assert rows[0]["occurred_at_london"].endswith(("GMT", "BST"))
    api = client.get("/api/v1/audit", params={"reference": report.reference, "format": "csv"})
    assert api.status_code == 200 and len(list(csv.DictReader(io.StringIO(api.text)))) >= 2
    with session_of(platform) as session:
        exports = [e for e in session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "audit_log"))
                   if e.detail.get("export") == "csv"]
    assert len(exports) == 2 and exports[0].detail["entries"] == 1
    assert exports[0].actor == f"user:{auditor.id}" and exports[0].detail["filters"]["reference"] == report.reference


def test_names_are_resolved_in_bulk(platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    people = [make_staff(platform, f"p{i}@centre.example", Role.ANALYST, centre) for i in range(5)]
    reports = [make_report(platform) for _ in range(3)]
    for person, report in zip(people, reports * 2, strict=False):
        _read_report(platform, Actor(f"user:{person.id}", centre), report.id, "review")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with session_of(platform) as session:
        events = session.scalars(select(AuditEvent)).all()
        event.listen(platform.engine, "before_cursor_execute", count)
        try:
            names = resolve(session, events)
        finally:
            event.remove(platform.engine, "before_cursor_execute", count)
    assert len(statements) <= 4  # users, tokens, reports, cases: one query each, not one per row
    assert {names.actors[f"user:{p.id}"] for p in people} == {f"{p.email.split('@')[0]} <{p.email}>" for p in people}
