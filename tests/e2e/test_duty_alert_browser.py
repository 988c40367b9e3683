"""The duty alert in the browser: a danger-now report puts a banner on the analyst's pages and
mails the duty address through a real SMTP server; unacknowledged, it escalates to the supervisor;
the analyst acknowledges it from the banner and it is gone."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import BrowserContext, expect

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.alerts.interfaces import open_alerts, run_due_work
from jigsaw.audit.service import Actor
from jigsaw.db.engine import session_scope
from jigsaw.demo.data import demo_drafts
from jigsaw.intake.service import submit_report
from tests.alerts.smtp import Inbox, smtp_server
from tests.e2e.conftest import LiveServer
from tests.e2e.test_analyst_browser import sign_in
from tests.factories import make_org, make_staff

pytestmark = pytest.mark.browser

SUMMARY = "A boy of 12 says a man he met in a game is at the park gate now."


def test_duty_alert_banner_mail_escalation_and_acknowledgement(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], shoot: Callable[..., Path],
) -> None:
    platform = live_server.platform
    saved = platform.settings
    inbox = Inbox()
    org = make_org(platform, "Duty centre (e2e)", OrgKind.CENTRE)
    analyst = make_staff(platform, "duty.analyst.e2e@centre.example", Role.ANALYST, org)
    supervisor = make_staff(platform, "duty.supervisor.e2e@centre.example", Role.SUPERVISOR, org)
    try:
        with smtp_server(inbox) as port:
            platform.settings = dataclasses.replace(saved, smtp_url=f"smtp://127.0.0.1:{port}",
                                                    duty_email="duty.e2e@centre.example", base_url=live_server.url)
            raised = datetime.now(UTC)
            draft = dataclasses.replace(demo_drafts(1)[0], summary=SUMMARY, escalation="He is at the gate now.")
            with session_scope(platform.engine) as session:
                report = submit_report(session, draft, Actor("test")).report
                report_id, reference = report.id, report.reference
            # The server is shared: mail other browser tests queued may go out in the same round.
            assert run_due_work(platform).delivery.sent >= 1
            assert run_due_work(platform, now=raised + timedelta(minutes=16)).escalated == 1
        duty = inbox.to("duty.e2e@centre.example")
        assert len(duty) == 1 and reference in duty[0].text and SUMMARY not in duty[0].text
        assert f"{live_server.url}/reports/{report_id}" in duty[0].text
        assert len(inbox.to(supervisor.email)) == 1

        page = new_context(phone=False).new_page()
        sign_in(page, live_server, analyst.email, analyst.password, pyotp.TOTP(analyst.totp_secret).now())
        banner = page.locator(".banner", has_text=reference)
        expect(banner).to_contain_text("escalated to supervisors")
        shoot(page, "01-banner")
        banner.get_by_role("link", name="Open the report").click()
        expect(page).to_have_url(f"{live_server.url}/reports/{report_id}")
        page.locator(".banner", has_text=reference).get_by_role("button", name="Acknowledge").click()
        expect(page).to_have_url(f"{live_server.url}/reports/{report_id}")
        expect(page.get_by_role("status").filter(has_text="acknowledged")).to_contain_text(reference)
        expect(page.locator(".banner", has_text=reference)).to_have_count(0)
        shoot(page, "02-acknowledged")
        with session_scope(platform.engine) as session:
            assert reference not in {a.reference for a in open_alerts(session)}
    finally:
        platform.settings = saved
