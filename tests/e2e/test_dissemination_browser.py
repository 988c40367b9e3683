"""A package in the browser: an analyst makes it from a case (routed by postcode) and submits it; the
author cannot approve; a second person, a supervisor, approves it (dispatched); the force's liaison
officer lands on the inbox, opens it, acknowledges and accepts it. Headless Chromium, the real app."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select

from jigsaw.accounts.models import Organisation
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.service import Actor, verify
from jigsaw.casework.models import Case, CaseReport
from jigsaw.db.engine import session_scope
from jigsaw.dissemination.models import Package
from jigsaw.intake.domain import IdentifierDraft, ReportDraft, SubjectDraft
from jigsaw.intake.service import submit_report
from jigsaw.routing import service as routing
from tests.dissemination.conftest import SAMPLE
from tests.e2e.conftest import LiveServer
from tests.e2e.test_analyst_browser import sign_in
from tests.factories import make_org, make_staff, next_code, session_of

pytestmark = pytest.mark.browser


def _case_with_an_address(live_server: LiveServer) -> tuple[int, str]:
    suspect = SubjectDraft(role="suspect", name="Dan Example", identifiers=(
        IdentifierDraft(type="email", value="darkfern@mail.chatspace.test"),
        IdentifierDraft(type="postal_address", value="14 Castle Street, Rochester, ME1 1AB")))
    draft = ReportDraft(source="platform", incident_type="online_grooming", platform="ChatSpace",
                        summary="Account groomed a 12-year-old and sent its address.", subjects=(suspect,))
    with session_scope(live_server.platform.engine) as session:
        report_id = submit_report(session, draft, Actor("e2e")).report.id
    with session_of(live_server.platform) as session:
        case = session.scalars(select(Case).join(CaseReport, CaseReport.case_id == Case.id)
                               .where(CaseReport.report_id == report_id)).one()
        return case.id, case.reference


def test_analyst_supervisor_and_force_liaison(live_server: LiveServer, new_context: Callable[..., BrowserContext],
                                             shoot: Callable[..., Path]) -> None:
    platform = live_server.platform
    centre = make_org(platform, "National centre (dissemination e2e)", OrgKind.CENTRE)
    analyst = make_staff(platform, "analyst.packages@centre.example", Role.ANALYST, centre)
    supervisor = make_staff(platform, "supervisor.packages@centre.example", Role.SUPERVISOR, centre)
    with session_scope(platform.engine) as session:
        routing.seed_recipients(session, Actor("e2e"))
        with SAMPLE.open(encoding="utf-8") as lines:
            routing.load_directory(session, Actor("e2e"), lines)
        routing.set_contact(session, Actor("e2e"), "Kent Police", email="referrals@kent.police.test")
        kent = session.scalar(select(Organisation.id).where(Organisation.name == "Kent Police"))
    assert kent is not None
    liaison = make_staff(platform, "liaison.packages@kent.police.test", Role.FORCE_LIAISON, kent)
    case_id, case_reference = _case_with_an_address(live_server)

    # The analyst: from the case to a draft, routed by the postcode, then submitted.
    page = new_context(phone=False).new_page()
    sign_in(page, live_server, analyst.email, analyst.password, next_code(platform, analyst))
    page.goto(f"{live_server.url}/cases/{case_id}")
    page.locator("#make-package").click()
    expect(page).to_have_url(re.compile(rf"/packages/new\?case={case_reference}"))
    page.locator("#summary").fill("Suspect groomed a 12-year-old on ChatSpace; address in Rochester.")
    page.get_by_label("TLP 2.0 (international partners need one)").select_option("amber")
    page.get_by_role("button", name="Draft the package").click()
    expect(page.get_by_role("status").first).to_contain_text("drafted")
    expect(page.locator("#package-status")).to_have_text("Draft")
    expect(page.locator("#package-recipient")).to_contain_text("Kent Police (E23000032)")
    expect(page.locator(".proposal.chosen")).to_contain_text("ME1 1AB")
    expect(page.locator("#marking-top")).to_have_text("OFFICIAL-SENSITIVE PERSONAL · TLP:AMBER")
    expect(page.locator("#marking-bottom")).to_have_text("OFFICIAL-SENSITIVE PERSONAL · TLP:AMBER")
    shoot(page, "01-draft")
    package_url = page.url
    page.locator("#submit-package").click()
    expect(page.locator("#package-status")).to_have_text("Awaiting approval")
    expect(page.locator("#approve-package")).to_have_count(0)  # an analyst has no approve button

    # The supervisor approves: the package is dispatched.
    page = new_context(phone=False).new_page()
    sign_in(page, live_server, supervisor.email, supervisor.password, next_code(platform, supervisor))
    page.goto(f"{live_server.url}/packages?status=submitted")
    page.get_by_role("link", name=re.compile(r"^PKG-")).first.click()
    expect(page).to_have_url(package_url)
    page.locator("#approve-package").click()
    expect(page.get_by_role("status").first).to_contain_text("Approved and dispatched")
    expect(page.locator("#package-status")).to_have_text("Dispatched")
    shoot(page, "02-dispatched")

    # The force liaison lands on the inbox, opens the package, acknowledges and accepts it.
    page = new_context(phone=False).new_page()
    sign_in(page, live_server, liaison.email, liaison.password, next_code(platform, liaison))
    expect(page).to_have_url(f"{live_server.url}/inbox")
    expect(page.locator(".banner").first).to_contain_text("acknowledge receipt")
    page.get_by_role("link", name=re.compile(r"^PKG-")).click()
    expect(page.locator("#package-status")).to_contain_text("acknowledge receipt")
    expect(page.locator("#package-summary")).to_contain_text("groomed a 12-year-old")
    expect(page.locator("#marking-top")).to_have_text("OFFICIAL-SENSITIVE PERSONAL · TLP:AMBER")
    expect(page.get_by_text(case_reference)).to_have_count(0)  # none of the centre's own references
    page.locator("#acknowledge-package").click()
    expect(page.locator("#package-status")).to_have_text("Acknowledged by the force")
    page.locator("#message-text").fill("Received; allocating to our POLIT team.")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator(".thread .message").first).to_contain_text("POLIT team")
    page.locator("#accept-package").click()
    expect(page.locator("#package-status")).to_have_text("Accepted by the force")
    shoot(page, "03-accepted")
    # The force cannot open the centre's pages.
    response = page.goto(f"{live_server.url}/cases/{case_id}")
    assert response is not None and response.status == 403

    with session_of(platform) as session:
        package = session.scalars(select(Package).order_by(Package.id.desc())).first()
        assert package is not None and package.status == "accepted"
        assert package.approved_by_id == supervisor.id and package.created_by_id == analyst.id
        assert verify(session).ok
