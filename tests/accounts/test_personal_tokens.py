"""Personal API tokens act exactly as their user, never more, and stop when they should."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import ApiToken, User
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.cli.app import app
from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform
from tests.accounts.helpers import bearer, personal_token
from tests.factories import (
    ACTOR,
    csrf_from,
    login,
    make_org,
    make_report,
    make_staff,
    make_token,
    next_code,
    session_of,
)


def test_a_personal_token_acts_as_its_user_and_is_audited_as_them(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, centre)
    report = make_report(platform)
    _, token = personal_token(platform, analyst)

    read = client.get(f"/api/v1/reports/{report.id}", headers=bearer(token, **{"X-Purpose": "CASE-1 enquiry"}))
    assert read.status_code == 200 and read.json()["reference"] == report.reference
    # Another role's API route: the token holds the analyst's role, nothing more.
    assert client.get("/api/v1/audit", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/admin/users", headers=bearer(token)).status_code == 403
    # A route for organisations' tokens (scopes only): a personal token has no partner scopes.
    refused = client.post("/api/v1/reports", json={}, headers=bearer(token))
    assert refused.status_code == 403 and "organisation" in refused.json()["detail"]
    # Browser pages take sessions, not tokens.
    assert client.get("/queue", headers=bearer(token), follow_redirects=False).status_code == 303

    with session_of(platform) as session:
        reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "consultation",
                                                         AuditEvent.entity_id == str(report.id))).all()
        used = session.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == analyst.id))
    expected = [(f"user:{analyst.id}", centre, "CASE-1 enquiry")]
    assert [(r.actor, r.organisation_id, r.purpose) for r in reads] == expected
    assert used is not None


def test_an_organisation_token_keeps_to_scope_routes(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    org_token = make_token(platform, centre, "reports:read")
    report = make_report(platform)
    assert client.get(f"/api/v1/reports/{report.id}",
                      headers=bearer(org_token, **{"X-Purpose": "assessment"})).status_code == 200
    refused = client.get("/api/v1/triage/atrs", headers=bearer(org_token))  # a role-only API route
    assert refused.status_code == 403


def test_expired_revoked_and_disabled_tokens_are_refused(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, centre)
    other = make_staff(platform, "b@centre.example", Role.ANALYST, centre)
    expiring_id, expiring = personal_token(platform, analyst)
    revoked_id, revoked = personal_token(platform, analyst)
    _, disabled = personal_token(platform, other)
    org_token = make_token(platform, centre, "reports:read")
    report = make_report(platform)
    url = f"/api/v1/reports/{report.id}"
    for token in (expiring, revoked, disabled, org_token):
        assert client.get(url, headers=bearer(token, **{"X-Purpose": "assessment"})).status_code == 200

    with session_scope(platform.engine) as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        session.execute(update(ApiToken).where(ApiToken.id == expiring_id).values(expires_at=past))
        session.execute(update(ApiToken).where(ApiToken.secret_digest == accounts._digest(org_token))
                        .values(expires_at=past))
        accounts.revoke_token(session, ACTOR, revoked_id)
        session.execute(update(User).where(User.id == other.id).values(active=False))

    for token, reason in ((expiring, "expired"), (org_token, "expired"), (revoked, "revoked"), (disabled, "disabled")):
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 401 and reason in response.json()["detail"], (reason, response.text)
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_role_change_applies_to_the_token_at_once(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    admin = make_staff(platform, "admin@centre.example", Role.ADMIN, centre)
    _, token = personal_token(platform, admin)
    assert client.get("/api/v1/admin/users", headers=bearer(token)).status_code == 200
    with session_scope(platform.engine) as session:
        session.execute(update(User).where(User.id == admin.id).values(role=Role.AUDITOR.value))
    assert client.get("/api/v1/admin/users", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/audit", headers=bearer(token)).status_code == 200


def test_staff_issue_list_and_revoke_their_tokens_with_a_fresh_code(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, centre)
    login(client, platform, analyst)
    page = client.get("/account")
    assert page.status_code == 200 and "You have no personal tokens" in page.text
    csrf = csrf_from(page.text)

    # The code used to sign in cannot be used again; a wrong code issues nothing.
    wrong = client.post("/account/tokens", data={"csrf_token": csrf, "name": "scripts", "days": "7", "code": "000000"})
    assert wrong.status_code == 200 and "Token not created" in wrong.text
    assert client.post("/account/tokens", data={"name": "x", "days": "7", "code": next_code(platform, analyst),
                                                 "csrf_token": "forged"}).status_code == 403
    made = client.post("/account/tokens", data={"csrf_token": csrf, "name": "scripts", "days": "7",
                                                "code": next_code(platform, analyst)})
    assert made.status_code == 200 and "Shown once" in made.text and made.headers["cache-control"] == "no-store"
    token = made.text.split('<code>jgs_', 1)[1].split("</code>", 1)[0]
    token = "jgs_" + token

    with session_of(platform) as session:
        record = session.scalar(select(ApiToken).where(ApiToken.user_id == analyst.id))
        assert record is not None and record.name == "scripts" and record.scopes == []
        assert record.expires_at is not None
        assert timedelta(days=6, hours=23) < record.expires_at - datetime.now(UTC) <= timedelta(days=7)
        token_id = record.id
    listing = client.get("/api/v1/account/tokens")
    assert [t["id"] for t in listing.json()["tokens"]] == [token_id]
    # A token cannot mint another token.
    minted = client.post("/api/v1/account/tokens", json={"code": "123456"}, headers=bearer(token))
    assert minted.status_code == 403

    listed = client.get("/account")
    assert "scripts" in listed.text and "Revoke" in listed.text
    assert client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    assert client.get("/api/v1/triage/atrs", headers=bearer(token)).status_code == 401


def test_staff_cannot_revoke_someone_elses_token(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, centre)
    victim = make_staff(platform, "v@centre.example", Role.ANALYST, centre)
    victim_token_id, victim_token = personal_token(platform, victim)
    _, token = personal_token(platform, analyst)
    response = client.post(f"/api/v1/account/tokens/{victim_token_id}/revoke", headers=bearer(token))
    assert response.status_code == 404
    assert client.get("/api/v1/triage/atrs", headers=bearer(victim_token)).status_code == 200


def test_force_liaison_token_stays_in_its_lane(client: TestClient, platform: Platform) -> None:
    force = make_org(platform, "Force", OrgKind.UK_FORCE)
    liaison = make_staff(platform, "l@force.example", Role.FORCE_LIAISON, force)
    _, token = personal_token(platform, liaison)
    report = make_report(platform)
    assert client.get(f"/api/v1/reports/{report.id}", headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/account/tokens", headers=bearer(token)).status_code == 200


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> Path:
    import shutil

    from jigsaw.config import get_settings

    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(sqlite_template, data / "jigsaw.db")
    monkeypatch.setenv("JIGSAW_DATA_DIR", str(data))
    monkeypatch.delenv("JIGSAW_DATABASE_URL", raising=False)
    monkeypatch.setenv("JIGSAW_NEW_PASSWORD", "a long enough password")
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def test_cli_prints_a_personal_token_alone_on_its_last_line(cli_env: Path) -> None:
    from jigsaw.bootstrap import open_platform

    runner = CliRunner()
    assert runner.invoke(app, ["orgs", "add", "Centre", "--kind", "centre"]).exit_code == 0
    added = runner.invoke(app, ["users", "add", "a@centre.example", "--role", "analyst", "--org", "Centre"])
    assert added.exit_code == 0
    result = runner.invoke(app, ["users", "token", "A@centre.example", "--days", "3", "--name", "nightly"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("jgs_") and " " not in token
    default = runner.invoke(app, ["users", "token", "a@centre.example"]).output.strip().splitlines()[-1]
    missing = runner.invoke(app, ["users", "token", "nobody@centre.example"])
    assert missing.exit_code != 0 and "no user" in missing.output

    platform = open_platform(migrate=False)
    with session_scope(platform.engine) as session:
        short = accounts.check_token(session, token)
        month = accounts.check_token(session, default)
        assert short.user is not None and short.user.email == "a@centre.example" and short.name == "nightly"
        assert short.expires_at is not None and month.expires_at is not None
        now = datetime.now(UTC)
        assert timedelta(days=2, hours=23) < short.expires_at - now <= timedelta(days=3)
        assert timedelta(days=29, hours=23) < month.expires_at - now <= timedelta(days=30)
