"""The auditor's audit-log page: read-only, filterable, shows tampering, and records its own use."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.accounts.roles import Role
from jigsaw.audit.models import AuditEvent
from jigsaw.platform import Platform
from tests.factories import login, make_org, make_staff, session_of


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
