"""An analyst works a case in the browser: queue → search (with a purpose) → case → claim → note →
close with a reason; a supervisor assigns another case to them. Every step is the real app in
headless Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.audit.service import Actor
from jigsaw.casework.models import Case, CaseAction, CaseReport
from jigsaw.db.engine import session_scope
from jigsaw.intake.domain import IdentifierDraft, ReportDraft, SubjectDraft
from jigsaw.intake.service import submit_report
from tests.e2e.conftest import LiveServer
from tests.e2e.test_analyst_browser import sign_in
from tests.factories import make_org, make_staff, next_code, session_of

pytestmark = pytest.mark.browser


def _report_in_a_case(live_server: LiveServer, email: str) -> tuple[int, str]:
    suspect = SubjectDraft(role="suspect", identifiers=(IdentifierDraft(type="email", value=email),))
    draft = ReportDraft(source="public", incident_type="online_grooming", platform="ChatSpace",
                        summary="A man keeps messaging my daughter asking for photos.", subjects=(suspect,))
    with session_scope(live_server.platform.engine) as session:
        report_id = submit_report(session, draft, Actor("e2e")).report.id
    with session_of(live_server.platform) as session:
        case = session.scalars(select(Case).join(CaseReport, CaseReport.case_id == Case.id)
                               .where(CaseReport.report_id == report_id)).one()
        return case.id, case.reference


def test_an_analyst_claims_notes_and_closes_a_case_and_a_supervisor_assigns_one(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], shoot: Callable[..., Path],
) -> None:
    platform = live_server.platform
    org = make_org(platform, "National centre (casework e2e)", OrgKind.CENTRE)
    analyst = make_staff(platform, "analyst.cases@centre.example", Role.ANALYST, org)
    supervisor = make_staff(platform, "supervisor.cases@centre.example", Role.SUPERVISOR, org)
    case_id, reference = _report_in_a_case(live_server, "quietfox@mail.chatspace.test")
    other_id, other_reference = _report_in_a_case(live_server, "loudbear@mail.chatspace.test")

    page = new_context(phone=False).new_page()
    sign_in(page, live_server, analyst.email, analyst.password, next_code(platform, analyst))
    expect(page).to_have_url(f"{live_server.url}/queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case queue")
    page.get_by_label("Assignee").select_option("unassigned")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/queue\?.*assignee=unassigned"))  # the filter is a bookmark
    shoot(page, "01-queue")

    # The parent's follow-up call names the address: the analyst finds it from the header, with a purpose.
    page.locator("#header-search-q").fill("QuietFox@Mail.ChatSpace.test")
    page.locator("#header-search-purpose").fill("Parent's follow-up call")
    page.locator("form.header-search").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search\?"))
    shoot(page, "01b-search")
    page.get_by_role("link", name=reference).first.click()
    expect(page).to_have_url(f"{live_server.url}/cases/{case_id}")
    expect(page.locator("#case-assignee")).to_contain_text("Unassigned")

    page.get_by_role("button", name="Claim this case").click()
    expect(page.get_by_role("status").first).to_contain_text("is yours now")
    expect(page.locator("#case-assignee")).to_have_text("analyst.cases")
    expect(page.locator("#case-status")).to_contain_text("In progress")

    page.locator("summary").filter(has_text=re.compile(r"^Note$")).click()
    page.locator("#note-text").fill("Called the parent back; screenshots to follow by email.")
    page.locator("form:has(#note-text)").get_by_role("button", name="Record").click()
    expect(page.get_by_role("status").first).to_contain_text("Note recorded")
    expect(page.locator("article.log-entry").first).to_contain_text("screenshots to follow")
    shoot(page, "02-case-with-note")

    page.get_by_role("button", name="Close case").click()  # no reason chosen: the browser refuses
    expect(page.locator("#case-status")).to_contain_text("In progress")
    page.locator("#close-reason").select_option("not_in_remit")
    page.get_by_role("button", name="Close case").click()
    expect(page.get_by_role("status").first).to_contain_text("closed: Not in remit")
    expect(page.locator("#case-status")).to_contain_text("Closed: Not in remit")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    shoot(page, "03-closed")

    boss = new_context(phone=False).new_page()
    sign_in(boss, live_server, supervisor.email, supervisor.password, next_code(platform, supervisor))
    boss.goto(f"{live_server.url}/cases/{other_id}")
    boss.get_by_label("Assign to").select_option(label="analyst.cases (analyst)")
    boss.get_by_role("button", name="Assign").click()
    expect(boss.get_by_role("status").first).to_contain_text(f"{other_reference} assigned to analyst.cases")
    expect(boss.locator("#case-assignee")).to_have_text("analyst.cases")
    boss.goto(f"{live_server.url}/cases/workload")
    expect(boss.get_by_role("link", name="analyst.cases")).to_be_visible()
    shoot(boss, "04-workload")

    page.goto(f"{live_server.url}/queue?assignee=mine")
    expect(page.get_by_role("link", name=other_reference)).to_be_visible()

    with session_of(platform) as session:
        kinds = list(session.scalars(select(CaseAction.kind).where(CaseAction.case_id == case_id)
                                     .order_by(CaseAction.id)))
        assert kinds == ["assignment", "status_change", "note", "status_change"]
        reads = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "case",
                                                         AuditEvent.entity_id == str(case_id),
                                                         AuditEvent.action == "consultation")).all()
        assert reads and {r.actor for r in reads} == {f"user:{analyst.id}"}
        searches = session.scalars(select(AuditEvent).where(AuditEvent.purpose == "Parent's follow-up call")).all()
        assert len(searches) == 1 and searches[0].actor == f"user:{analyst.id}"
        assert "quietfox" not in json.dumps(searches[0].detail).lower()  # the typed value is never logged
