"""An analyst scripts their case work with a personal API token, as MISP and OpenCTI users do:
search with a purpose, find the case, claim it, log an action and close it, all as themselves."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import User
from jigsaw.accounts.roles import OrgKind, Role, Scope
from jigsaw.audit.models import AuditEvent
from jigsaw.audit.service import Actor
from jigsaw.platform import Platform
from tests.factories import make_org, make_staff, make_token, post_report, report_body, session_of


def _personal_token(platform: Platform, email: str) -> str:
    with session_of(platform) as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        issued = accounts.create_personal_token(session, Actor("test"), user, days=30)
        session.commit()
        return issued.token


def test_search_claim_act_and_close_through_the_api(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre (scripted)", OrgKind.CENTRE)
    partner = make_org(platform, "PixelPlay (scripted)", OrgKind.PLATFORM)
    analyst = make_staff(platform, "script.analyst@centre.example", Role.ANALYST, centre)
    liaison_org = make_org(platform, "Force (scripted)", OrgKind.UK_FORCE)
    liaison = make_staff(platform, "script.liaison@force.example", Role.FORCE_LIAISON, liaison_org)
    post_report(client, make_token(platform, partner, Scope.REPORTS_SUBMIT), report_body())
    auth = {"Authorization": f"Bearer {_personal_token(platform, analyst.email)}"}

    assert client.get("/api/v1/search", params={"q": "shadowfox@mail.pixelplay.test"}, headers=auth
                      ).status_code == 422  # no purpose, no search
    found = client.get("/api/v1/search", params={"q": "ShadowFox@Mail.PixelPlay.test", "purpose": "script test"},
                       headers=auth)
    assert found.status_code == 200, found.text
    (case,) = found.json()["cases"]
    case_id = case["id"]

    listed = client.get("/api/v1/cases", params={"assignee": "unassigned"}, headers=auth)
    assert listed.status_code == 200 and case_id in [c["id"] for c in listed.json()["cases"]]
    assert client.post(f"/api/v1/cases/{case_id}/claim", headers=auth).status_code == 200
    note = client.post(f"/api/v1/cases/{case_id}/actions", headers=auth,
                       json={"kind": "note", "text": "Checked by script."})
    assert note.status_code in (200, 201), note.text
    assert client.post(f"/api/v1/cases/{case_id}/close", headers=auth, json={}).status_code == 422
    closed = client.post(f"/api/v1/cases/{case_id}/close", headers=auth, json={"reason": "not_in_remit"})
    assert closed.status_code == 200, closed.text
    detail = client.get(f"/api/v1/cases/{case_id}", headers=auth).json()
    assert detail["status"] == "closed" and detail["assignee_id"] == analyst.id
    kinds = [a["kind"] for a in detail["actions"]]
    assert "note" in kinds and kinds.count("status_change") >= 1

    # The token is the analyst: the log says so; a liaison's token cannot touch case work.
    with session_of(platform) as session:
        actors = set(session.scalars(select(AuditEvent.actor).where(AuditEvent.entity_type == "case",
                                                                    AuditEvent.entity_id == str(case_id))))
    assert actors == {f"user:{analyst.id}"}
    other = {"Authorization": f"Bearer {_personal_token(platform, liaison.email)}"}
    assert client.get("/api/v1/cases", headers=other).status_code == 403
    assert client.get("/api/v1/search", params={"q": "x@y.test", "purpose": "nosy"}, headers=other).status_code == 403
