"""An analyst signs in with password and TOTP, opens a public report, and the read is audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.audit.service import Actor
from jigsaw.db.engine import session_scope
from jigsaw.intake.public_flow import FlowState, applicable_steps, build_report_draft
from jigsaw.intake.service import submit_report
from tests.e2e.conftest import LiveServer
from tests.factories import make_org, make_staff, next_code, session_of

pytestmark = pytest.mark.browser

ANSWERS = {
    "audience": "parent", "incident": "meeting_arranged", "summary": "A man on a game keeps asking to meet my son.",
    "platform": "Roblox", "username": "TrustMe_77", "danger": "no", "email": "parent@example.com",
}


def submit_public_report(live_server: LiveServer) -> tuple[int, str]:
    state = FlowState(ANSWERS, frozenset(applicable_steps(ANSWERS)))
    with session_scope(live_server.platform.engine) as session:
        report = submit_report(session, build_report_draft(state), Actor("public:127.0.0.1")).report
        return report.id, report.reference


def sign_in(page: Page, live_server: LiveServer, email: str, password: str, code: str) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Security code").fill(code)
    page.get_by_role("button", name="Sign in").click()


def test_an_analyst_signs_in_with_totp_and_opens_a_report(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], shoot: Callable[..., Path],
) -> None:
    org = make_org(live_server.platform, "National centre (e2e)", OrgKind.CENTRE)
    analyst = make_staff(live_server.platform, "analyst.e2e@centre.example", Role.ANALYST, org)
    report_id, reference = submit_public_report(live_server)
    page = new_context(phone=False).new_page()

    right = pyotp.TOTP(analyst.totp_secret).now()
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    sign_in(page, live_server, analyst.email, analyst.password, wrong)
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert page.url.startswith(f"{live_server.url}/login")
    shoot(page, "01-wrong-code")

    sign_in(page, live_server, analyst.email, analyst.password, next_code(live_server.platform, analyst))
    expect(page).to_have_url(f"{live_server.url}/queue")
    shoot(page, "02-queue")
    page.get_by_role("link", name=reference).click()
    expect(page).to_have_url(f"{live_server.url}/reports/{report_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(reference))
    expect(page.locator("main")).to_contain_text("keeps asking to meet my son")
    shoot(page, "03-report")

    with session_of(live_server.platform) as session:
        reads = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "consultation", AuditEvent.entity_type == "report",
            AuditEvent.entity_id == str(report_id))).all()
    assert [event.actor for event in reads] == [f"user:{analyst.id}"]
    assert reads[0].purpose
