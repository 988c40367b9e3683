"""Audit purposes are true and bounded (issue 15, item 9).

A centre reader used to be logged as "partner read-back of a submitted report" when it gave no
``X-Purpose``, and a 60 KB purpose was stored whole."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.models import AuditEvent
from jigsaw.audit.service import Actor, MissingPurposeError, record
from jigsaw.intake.api import PARTNER_READ_BACK
from jigsaw.platform import Platform
from tests.factories import login, make_org, make_staff, make_token, post_report, report_body, session_of


def _consultations(platform: Platform, report_id: int) -> list[str | None]:
    with session_of(platform) as session:
        return list(session.scalars(select(AuditEvent.purpose).where(
            AuditEvent.action == AuditAction.CONSULTATION.value, AuditEvent.entity_type == "report",
            AuditEvent.entity_id == str(report_id)).order_by(AuditEvent.seq)))


def test_the_centre_must_say_why_and_a_partner_reading_back_is_logged_as_such(
    client: TestClient, platform: Platform,
) -> None:
    partner = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    partner_token = make_token(platform, partner, "reports:submit", "reports:read")
    report_id = post_report(client, partner_token, report_body())
    url = f"/api/v1/reports/{report_id}"
    centre = make_org(platform, "Centre")
    centre_token = make_token(platform, centre, "reports:read")

    refused = client.get(url, headers={"Authorization": f"Bearer {centre_token}"})
    assert refused.status_code == 422 and "X-Purpose" in refused.text
    assert client.get(url, headers={"Authorization": f"Bearer {partner_token}"}).status_code == 200
    assert _consultations(platform, report_id) == [PARTNER_READ_BACK]  # the refused read logged nothing

    login(client, platform, make_staff(platform, "analyst@centre.example", Role.ANALYST, centre))
    assert client.get(url).status_code == 422
    read = client.get(url, headers={"X-Purpose": "  CASE-12   enquiry\n"})
    assert read.status_code == 200
    assert _consultations(platform, report_id) == [PARTNER_READ_BACK, "CASE-12 enquiry"]

    assert client.get("/api/v1/networks").status_code == 422  # centre-only link analysis: always a purpose
    assert client.get("/api/v1/networks", headers={"X-Purpose": "operation review"}).status_code == 200


def test_a_purpose_is_bounded(client: TestClient, platform: Platform) -> None:
    partner_token = make_token(platform, make_org(platform, "PixelPlay", OrgKind.PLATFORM), "reports:submit",
                               "reports:read")
    report_id = post_report(client, partner_token, report_body())
    huge = "x" * 60_000
    answer = client.get(f"/api/v1/reports/{report_id}", headers={"Authorization": f"Bearer {partner_token}",
                                                                 "X-Purpose": huge})
    assert answer.status_code == 422 and huge not in answer.text
    assert _consultations(platform, report_id) == []
    with session_of(platform) as session, pytest.raises(MissingPurposeError, match="at most"):
        record(session, Actor("user:1"), AuditAction.CONSULTATION, "report", report_id, purpose=huge)
