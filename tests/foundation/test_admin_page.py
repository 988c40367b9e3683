"""The administrator's page: access management without case data; actions audited and CSRF-checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from jigsaw.accounts.models import ApiToken, User
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.platform import Platform
from tests.factories import csrf_from, login, make_org, make_staff, make_token, session_of


def test_admin_unlocks_a_user_and_revokes_a_token(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    admin = make_staff(platform, "admin@centre.example", Role.ADMIN, centre)
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, centre)
    make_token(platform, make_org(platform, "PixelPlay", OrgKind.PLATFORM), "reports:submit")
    with session_of(platform) as session:
        session.execute(update(User).where(User.id == analyst.id)
                        .values(locked_until=datetime.now(UTC) + timedelta(minutes=10)))
        session.commit()
        token_id = session.scalar(select(ApiToken.id))

    login(client, platform, admin)
    page = client.get("/admin")
    assert page.status_code == 200 and "Locked" in page.text and "PixelPlay" in page.text
    assert client.post(f"/admin/users/{analyst.id}/unlock", data={"csrf_token": "forged"}).status_code == 403
    token = csrf_from(page.text)
    assert client.post(f"/admin/users/{analyst.id}/unlock", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303

    with session_of(platform) as session:
        user = session.get(User, analyst.id)
        revoked = session.get(ApiToken, token_id)
        ops = [e.detail.get("op") for e in session.scalars(select(AuditEvent).where(
            AuditEvent.actor == f"user:{admin.id}", AuditEvent.action == "administration"))]
    assert user is not None and user.locked_until is None
    assert revoked is not None and revoked.revoked_at is not None
    assert ops == ["unlock", "revoke"]


def test_admin_sees_no_case_pages(client: TestClient, platform: Platform) -> None:
    admin = make_staff(platform, "admin@centre.example", Role.ADMIN, make_org(platform, "Centre"))
    login(client, platform, admin)
    assert client.get("/queue").status_code == 403
