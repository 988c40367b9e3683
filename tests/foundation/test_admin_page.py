"""The administrator's page: access management without case data; actions audited and CSRF-checked."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from jigsaw.accounts.models import ApiToken, User
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.platform import Platform
from tests.accounts.helpers import bearer, personal_token
from tests.factories import (
    TEST_PASSWORD,
    StaffAccount,
    csrf_from,
    login,
    make_org,
    make_staff,
    make_token,
    session_of,
)


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


def _secret_in(html: str, label: str) -> str:
    match = re.search(label + r"[^<]*</label></p>\s*<pre[^>]*><code>([^<]+)</code>", html)
    assert match, f"no {label} on the page"
    return unescape(match.group(1))


def _admin_ops(platform: Platform, admin_id: int) -> list[tuple[str, str | None]]:
    with session_of(platform) as session:
        return [(e.detail.get("op"), e.entity_id) for e in session.scalars(select(AuditEvent).where(
            AuditEvent.actor == f"user:{admin_id}", AuditEvent.action == "administration").order_by(AuditEvent.seq))]


def test_admin_creates_a_user_whose_enrolment_is_shown_once(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    admin = make_staff(platform, "admin@centre.example", Role.ADMIN, centre)
    login(client, platform, admin)
    token = csrf_from(client.get("/admin").text)
    made = client.post("/admin/users", data={"csrf_token": token, "email": "New.Analyst@centre.example",
                                             "display_name": "Nia Analyst", "role": "analyst",
                                             "organisation_id": str(centre), "password": ""})
    assert made.status_code == 200 and "Shown once" in made.text
    assert made.headers["cache-control"] == "no-store"
    uri = _secret_in(made.text, "Authenticator enrolment")
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    password = unescape(re.search(r"First password \(generated\): <code>([^<]+)</code>", made.text)[1])  # type: ignore[index]

    with session_of(platform) as session:
        user = session.scalar(select(User).where(User.email == "new.analyst@centre.example"))
        assert user is not None and user.display_name == "Nia Analyst" and user.role == "analyst"
    assert ("create", str(user.id)) in _admin_ops(platform, admin.id)
    # The admin page lists the user but never shows the secret again.
    assert secret not in client.get("/admin").text

    other = TestClient(client.app)
    login(other, platform, StaffAccount(user.id, user.email, Role.ANALYST, password, secret, centre))
    assert other.get("/queue").status_code == 200

    refused = client.post("/admin/users", data={"csrf_token": token, "email": "x@centre.example",
                                                "role": "analyst", "organisation_id": str(
                                                    make_org(platform, "PixelPlay", OrgKind.PLATFORM))})
    assert refused.status_code == 200 and "cannot have analyst users" in refused.text


def test_disabling_ends_sessions_and_tokens_and_enabling_restores_sign_in(
    client: TestClient, platform: Platform,
) -> None:
    centre = make_org(platform, "Centre")
    admin = make_staff(platform, "admin@centre.example", Role.ADMIN, centre)
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, centre)
    _, analyst_token = personal_token(platform, analyst)
    theirs = TestClient(client.app)
    login(theirs, platform, analyst)
    assert theirs.get("/queue").status_code == 200

    login(client, platform, admin)
    token = csrf_from(client.get("/admin").text)
    assert client.post(f"/admin/users/{admin.id}/disable", data={"csrf_token": token}).status_code == 200
    with session_of(platform) as session:
        me = session.get(User, admin.id)
        assert me is not None and me.active  # an admin cannot shut themself out
    done = client.post(f"/admin/users/{analyst.id}/disable", data={"csrf_token": token})
    assert done.status_code == 200 and "disabled" in done.text
    assert theirs.get("/queue", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/triage/atrs", headers=bearer(analyst_token)).status_code == 401
    theirs.cookies.clear()
    with pytest.raises(AssertionError):
        login(theirs, platform, analyst)

    assert client.post(f"/admin/users/{analyst.id}/enable", data={"csrf_token": token}).status_code == 200
    theirs.cookies.clear()
    login(theirs, platform, analyst)
    assert theirs.get("/queue").status_code == 200
    # The token revoked by disabling stays revoked.
    assert client.get("/api/v1/triage/atrs", headers=bearer(analyst_token)).status_code == 401
    ops = _admin_ops(platform, admin.id)
    assert ("disable", str(analyst.id)) in ops and ("enable", str(analyst.id)) in ops
    assert ("disable", str(admin.id)) not in ops


def test_role_changes_respect_the_organisation_and_end_sessions(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    force = make_org(platform, "Force", OrgKind.UK_FORCE)
    admin = make_staff(platform, "admin@centre.example", Role.ADMIN, centre)
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, centre)
    liaison = make_staff(platform, "l@force.example", Role.FORCE_LIAISON, force)
    theirs = TestClient(client.app)
    login(theirs, platform, analyst)
    login(client, platform, admin)
    token = csrf_from(client.get("/admin").text)

    refused = client.post(f"/admin/users/{liaison.id}/role", data={"csrf_token": token, "role": "analyst"})
    assert refused.status_code == 200 and "cannot have analyst users" in refused.text
    changed = client.post(f"/admin/users/{analyst.id}/role", data={"csrf_token": token, "role": "supervisor"})
    assert changed.status_code == 200 and "now supervisor" in changed.text
    assert theirs.get("/queue", follow_redirects=False).status_code == 303
    with session_of(platform) as session:
        roles = {u.id: u.role for u in session.scalars(select(User))}
    assert roles[liaison.id] == "force_liaison" and roles[analyst.id] == "supervisor"
    with session_of(platform) as session:
        entry = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(analyst.id),
                                                         AuditEvent.action == "administration")).all()[-1]
    assert entry.detail["op"] == "role" and entry.detail["from"] == "analyst" and entry.detail["to"] == "supervisor"


def test_reset_second_factor_needs_new_enrolment(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    admin = make_staff(platform, "admin@centre.example", Role.ADMIN, centre)
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, centre)
    theirs = TestClient(client.app)
    login(theirs, platform, analyst)
    login(client, platform, admin)
    token = csrf_from(client.get("/admin").text)
    reset = client.post(f"/admin/users/{analyst.id}/reset-totp", data={"csrf_token": token})
    assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"
    new_secret = parse_qs(urlparse(_secret_in(reset.text, "Authenticator enrolment")).query)["secret"][0]
    assert new_secret != analyst.totp_secret
    assert theirs.get("/queue", follow_redirects=False).status_code == 303
    theirs.cookies.clear()
    with pytest.raises(AssertionError):
        login(theirs, platform, analyst)  # the old authenticator no longer works
    analyst.totp_secret = new_secret
    login(theirs, platform, analyst)
    assert ("reset-totp", str(analyst.id)) in _admin_ops(platform, admin.id)


def test_revoke_sessions_and_create_an_organisation_token(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    pixelplay = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    admin = make_staff(platform, "admin@centre.example", Role.ADMIN, centre)
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, centre)
    theirs = TestClient(client.app)
    login(theirs, platform, analyst)
    login(client, platform, admin)
    token = csrf_from(client.get("/admin").text)
    ended = client.post(f"/admin/users/{analyst.id}/revoke-sessions", data={"csrf_token": token})
    assert ended.status_code == 200 and "Ended 1 session" in ended.text
    assert theirs.get("/queue", follow_redirects=False).status_code == 303

    made = client.post("/admin/tokens", data={"csrf_token": token, "organisation_id": str(pixelplay),
                                              "name": "uploads", "scopes": ["reports:submit"], "days": "90"})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = _secret_in(made.text, "API token")
    assert client.post("/api/v1/reports", json={}, headers=bearer(secret)).status_code == 422  # admitted
    assert secret not in client.get("/admin").text
    with session_of(platform) as session:
        record = session.scalar(select(ApiToken).where(ApiToken.name == "uploads"))
        assert record is not None and record.expires_at is not None and record.user_id is None
    refused = client.post("/admin/tokens", data={"csrf_token": token, "organisation_id": str(pixelplay),
                                                 "name": "bad", "scopes": ["banks:write"]})
    assert refused.status_code == 200 and "cannot hold scope" in refused.text
    ops = _admin_ops(platform, admin.id)
    assert ("revoke-sessions", str(analyst.id)) in ops and ("create", str(record.id)) in ops


def test_the_admin_api_does_what_the_pages_do(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    admin = make_staff(platform, "admin@centre.example", Role.ADMIN, centre)
    _, token = personal_token(platform, admin)
    auth = bearer(token)
    made = client.post("/api/v1/admin/users", headers=auth, json={
        "email": "s@centre.example", "role": "supervisor", "organisation_id": centre, "password": TEST_PASSWORD})
    assert made.status_code == 201 and made.json()["provisioning_uri"].startswith("otpauth://")
    assert made.json()["password"] is None
    user_id = made.json()["id"]
    assert client.post(f"/api/v1/admin/users/{user_id}/role", headers=auth, json={"role": "analyst"}).json()["role"] \
        == "analyst"
    assert client.post(f"/api/v1/admin/users/{user_id}/role", headers=auth,
                       json={"role": "nonsense"}).status_code == 422
    assert client.post(f"/api/v1/admin/users/{user_id}/disable", headers=auth).json()["active"] is False
    assert client.post(f"/api/v1/admin/users/{user_id}/enable", headers=auth).json()["active"] is True
    reset = client.post(f"/api/v1/admin/users/{user_id}/reset-totp", headers=auth)
    assert reset.status_code == 200 and "secret=" in reset.json()["provisioning_uri"]
    assert client.post(f"/api/v1/admin/users/{user_id}/revoke-sessions", headers=auth).json()["sessions_ended"] == 0
    assert client.post(f"/api/v1/admin/users/{admin.id}/disable", headers=auth).status_code == 403
    assert client.post("/api/v1/admin/users/999999/disable", headers=auth).status_code == 404
    listed = client.get("/api/v1/admin/users", headers=auth).json()["users"]
    assert any(u["email"] == "s@centre.example" for u in listed)

    issued = client.post("/api/v1/admin/tokens", headers=auth, json={
        "organisation_id": centre, "scopes": ["reports:read"], "name": "reader", "days": 5})
    assert issued.status_code == 201 and issued.json()["token"].startswith("jgs_")
    token_id = issued.json()["id"]
    assert client.post(f"/api/v1/admin/tokens/{token_id}/revoke", headers=auth).json()["revoked_at"]
    assert any(t["id"] == token_id for t in client.get("/api/v1/admin/tokens", headers=auth).json()["tokens"])
    ops = [op for op, _ in _admin_ops(platform, admin.id)]
    assert ops == ["create", "role", "disable", "enable", "reset-totp", "revoke-sessions", "create", "revoke"]

    # A browser session calling the API must echo its CSRF token.
    login(client, platform, admin)
    page = client.get("/admin")
    assert client.post(f"/api/v1/admin/users/{user_id}/disable").status_code == 403
    assert client.post(f"/api/v1/admin/users/{user_id}/disable",
                       headers={"X-CSRF-Token": csrf_from(page.text)}).status_code == 200


def test_admin_api_routes_are_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/admin/users", "/api/v1/admin/users/{user_id}/disable", "/api/v1/admin/users/{user_id}/enable",
                 "/api/v1/admin/users/{user_id}/role", "/api/v1/admin/users/{user_id}/reset-totp",
                 "/api/v1/admin/users/{user_id}/revoke-sessions", "/api/v1/admin/tokens",
                 "/api/v1/admin/tokens/{token_id}/revoke", "/api/v1/account/tokens", "/api/v1/audit",
                 "/api/v1/audit/opened"):
        assert path in paths, path
