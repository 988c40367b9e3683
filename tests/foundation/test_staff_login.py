"""Staff sign-in: password and TOTP together, lockout, idle timeout, CSRF, headers."""

from __future__ import annotations

import contextlib
import html
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import StaffSession, User
from jigsaw.accounts.roles import Role
from jigsaw.accounts.service import GENERIC_LOGIN_ERROR
from jigsaw.audit.models import AuditEvent
from jigsaw.platform import Platform
from tests.factories import csrf_from, login, make_org, make_report, make_staff, next_code, session_of


def post_login(client: TestClient, email: str, password: str, code: str) -> int:
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password, "code": code,
                                       "csrf_token": csrf_from(page.text)}, follow_redirects=False).status_code


def test_login_needs_password_and_code(client: TestClient, platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    assert post_login(client, analyst.email, analyst.password, "000000") == 401
    assert post_login(client, analyst.email, "wrong password!!", next_code(platform, analyst)) == 401
    assert client.get("/queue", follow_redirects=False).status_code == 303
    login(client, platform, analyst)
    queue = client.get("/queue")
    assert queue.status_code == 200 and "Case queue" in queue.text


def test_a_used_code_cannot_be_replayed(client: TestClient, platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    code = next_code(platform, analyst)
    assert post_login(client, analyst.email, analyst.password, code) == 303
    client.cookies.clear()
    assert post_login(client, analyst.email, analyst.password, code) == 401


def test_lockout_after_five_failures(client: TestClient, platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    for _ in range(5):
        assert post_login(client, analyst.email, "bad password here", "123456") == 401
    # Even the right password and code are refused while locked.
    assert post_login(client, analyst.email, analyst.password, next_code(platform, analyst)) == 401
    with session_of(platform) as session:
        user = session.get(User, analyst.id)
        assert user is not None and user.locked_until is not None and user.locked_until > datetime.now(UTC)
        failures = session.scalars(select(AuditEvent).where(AuditEvent.action == "authentication")).all()
    assert sum(1 for e in failures if e.detail.get("outcome") == "failure") == 6


def test_idle_session_expires(client: TestClient, platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    login(client, platform, analyst)
    assert client.get("/queue").status_code == 200
    with session_of(platform) as session:
        session.execute(update(StaffSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31)))
        session.commit()
    response = client.get("/queue", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_logout_needs_csrf_and_ends_the_session(client: TestClient, platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    login(client, platform, analyst)
    page = client.get("/queue")
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/queue").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False).status_code == 303
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_login_form_refuses_missing_csrf(client: TestClient, platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    response = client.post("/login", data={"email": analyst.email, "password": analyst.password,
                                            "code": pyotp.TOTP(analyst.totp_secret).now()})
    assert response.status_code == 400


def test_session_cookie_flags_and_security_headers(client: TestClient, platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    page = client.get("/login")
    response = client.post("/login", data={"email": analyst.email, "password": analyst.password,
                                           "code": next_code(platform, analyst), "csrf_token": csrf_from(page.text)},
                           follow_redirects=False)
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "jigsaw_session" in v)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"


def test_open_redirect_after_login_is_refused(client: TestClient, platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    page = client.get("/login")
    response = client.post("/login", data={"email": analyst.email, "password": analyst.password,
                                           "code": next_code(platform, analyst), "csrf_token": csrf_from(page.text),
                                           "next": "//evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/queue"


def test_opening_a_report_is_audited_with_purpose(client: TestClient, platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    report = make_report(platform)
    login(client, platform, analyst)
    page = client.get(f"/reports/{report.id}")
    assert page.status_code == 200 and report.reference in page.text
    with session_of(platform) as session:
        reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "consultation",
                                                         AuditEvent.entity_id == str(report.id))).all()
    assert len(reads) == 1 and reads[0].actor == f"user:{analyst.id}" and reads[0].purpose


def login_page_error(client: TestClient, email: str, password: str, code: str) -> tuple[int, str]:
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "password": password, "code": code,
                                           "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    match = re.search(r"<div class=\"error-summary\".*?<p>(.*?)</p>", response.text, re.S)
    return response.status_code, (match[1] if match else response.text).strip()


def test_a_locked_account_answers_like_an_unknown_one(client: TestClient, platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    for _ in range(5):
        post_login(client, analyst.email, "bad password here", "123456")
    locked = login_page_error(client, analyst.email, analyst.password, next_code(platform, analyst))
    unknown = login_page_error(client, "nobody@centre.example", "bad password here", "123456")
    wrong = login_page_error(client, "a@centre.example", "bad password here", "123456")
    assert locked == unknown == wrong
    assert locked[0] == 401 and html.unescape(locked[1]) == GENERIC_LOGIN_ERROR
    with session_of(platform) as session:
        reasons = [e.detail.get("reason") for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "authentication").order_by(AuditEvent.seq))]
    assert reasons[5] == "locked"  # the audit log still tells the truth


def test_concurrent_failures_all_count(platform: Platform) -> None:
    """Failures racing each other must each be counted in the database (``failed_logins + 1``)."""
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    barrier = threading.Barrier(4)

    def fail_once() -> None:
        with session_of(platform) as session:
            barrier.wait()
            accounts.authenticate(session, analyst.email, "bad password here", "123456", client="test",
                                  max_failed=100)
            session.commit()

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(fail_once) for _ in range(4)]:
            # SQLite may refuse a racing writer outright (its whole attempt rolls back): never a lost count.
            with contextlib.suppress(OperationalError):
                future.result()
    with session_of(platform) as session:
        user = session.get(User, analyst.id)
        failures = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "authentication", AuditEvent.entity_id == str(analyst.id)))
    assert user is not None and user.failed_logins == failures and failures >= 1
    if platform.engine.dialect.name == "postgresql":
        assert failures == 4


def test_one_code_gives_one_session_even_when_raced(platform: Platform) -> None:
    analyst = make_staff(platform, "a@centre.example", Role.ANALYST, make_org(platform, "Centre"))
    code = next_code(platform, analyst)
    barrier = threading.Barrier(4)

    def sign_in() -> bool:
        with session_of(platform) as session:
            barrier.wait()
            try:
                result = accounts.authenticate(session, analyst.email, analyst.password, code, client="test")
                session.commit()
            except OperationalError:
                return False
            return result.user is not None

    with ThreadPoolExecutor(4) as pool:
        outcomes = [f.result() for f in [pool.submit(sign_in) for _ in range(4)]]
    assert outcomes.count(True) == 1
