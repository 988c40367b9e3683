"""Publications in the browser with JavaScript off: an analyst reads the annual review (SVG charts,
no script), drafts a threat assessment and submits it; a supervisor approves it; the PDF comes
back marked. Headless Chromium, the real app."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect
from pypdf import PdfReader

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.db.engine import session_scope
from jigsaw.statistics.interfaces import financial_year_start
from tests.e2e.conftest import LiveServer
from tests.e2e.test_analyst_browser import sign_in
from tests.factories import make_org, make_staff, next_code
from tests.publications.seed import _report

pytestmark = pytest.mark.browser


def test_review_and_assessment_without_javascript(live_server: LiveServer, new_context: Callable[..., BrowserContext],
                                                  shoot: Callable[..., Path]) -> None:
    platform = live_server.platform
    centre = make_org(platform, "National centre (publications e2e)", OrgKind.CENTRE)
    analyst = make_staff(platform, "analyst.publications@centre.example", Role.ANALYST, centre)
    supervisor = make_staff(platform, "supervisor.publications@centre.example", Role.SUPERVISOR, centre)
    year = financial_year_start(datetime.now(UTC).date())
    with session_scope(platform.engine) as s:
        for i in range(6):
            _report(s, datetime(year, 4, 2 + i, 12, tzinfo=UTC), "young_person", "online_grooming", "Snapchat",
                    suspect=True, victim_age=14)
    slug = f"{year}-{(year + 1) % 100:02d}"

    context = new_context(javascript=False, phone=False)
    page = context.new_page()
    sign_in(page, live_server, analyst.email, analyst.password, next_code(platform, analyst))
    page.goto(f"{live_server.url}/publications/annual-review/{slug}")
    expect(page.locator("#figure-reports_received")).to_contain_text("Reports received")
    assert page.locator("svg[role=img]").count() >= 3
    assert page.locator("script").count() == 0
    shoot(page, "annual-review")

    page.goto(f"{live_server.url}/publications")
    page.get_by_label("First day (YYYY-MM-DD)").fill(f"{year}-04-01")
    page.get_by_label("Last day (YYYY-MM-DD)").fill(f"{year + 1}-03-31")
    page.get_by_role("button", name="Start the draft").click()
    expect(page.locator("#status")).to_have_text("draft")
    page.get_by_label("Key judgements").fill("Grooming on Snapchat is the most reported threat.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#status")).to_have_text("submitted")
    url = page.url
    assert page.get_by_role("button", name="Approve").count() == 0  # the author is offered no approval
    shoot(page, "assessment-submitted")

    other = new_context(javascript=False, phone=False).new_page()
    sign_in(other, live_server, supervisor.email, supervisor.password, next_code(platform, supervisor))
    other.goto(url)
    other.get_by_role("button", name="Approve").click()
    expect(other.locator("#status")).to_have_text("approved")
    expect(other.locator("#marking-top")).to_contain_text("OFFICIAL-SENSITIVE PERSONAL")
    response = other.request.get(url + "/export.pdf")
    assert response.status == 200
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages]
    assert all(text.count("OFFICIAL-SENSITIVE PERSONAL") >= 2 for text in pages)
    assert "Grooming on Snapchat is the most reported threat." in "\n".join(pages)
