"""An analyst opens a subject's network: the graph is drawn, nodes are named by what an analyst
recognises (an identifier, not a row id), and an edge opens its evidence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.service import Actor
from jigsaw.db.engine import session_scope
from jigsaw.imports import service, synthetic
from jigsaw.imports.sources import Document
from jigsaw.intake.models import Report, Subject
from tests.e2e.conftest import LiveServer
from tests.e2e.test_analyst_browser import sign_in
from tests.factories import make_org, make_staff, next_code

pytestmark = pytest.mark.browser

SHARED = b"7700 900301"  # the same mobile number (example.com emails never join; screen names differ by platform)


def _two_referrals_sharing_a_phone(live_server: LiveServer) -> int:
    first, second = synthetic.report_xml(930001), synthetic.report_xml(930002)
    second = second.replace(b"7700 900302", SHARED)
    actor = Actor("e2e-import")
    with session_scope(live_server.platform.engine) as session:
        org_id, org_name = service.resolve_organisation(session, actor, None, "cybertip")
    summary = service.import_cybertip(live_server.platform.engine,
                                      [Document("930001.xml", first), Document("930002.xml", second)],
                                      service.ImportOptions(org_id, org_name, actor, workers=1))
    assert summary.imported == 2
    with session_scope(live_server.platform.engine) as session:
        subject_id = session.scalar(select(Subject.id).join(Report, Report.id == Subject.report_id).where(
            Report.external_id == "cybertip:930001", Subject.role == "suspect").order_by(Subject.id))
    assert subject_id is not None
    return int(subject_id)


def test_network_graph_names_subjects_and_opens_edge_evidence(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], shoot: Callable[..., Path],
) -> None:
    org = make_org(live_server.platform, "National centre (network e2e)", OrgKind.CENTRE)
    analyst = make_staff(live_server.platform, "analyst.network@centre.example", Role.ANALYST, org)
    subject_id = _two_referrals_sharing_a_phone(live_server)
    page = new_context(phone=False).new_page()
    sign_in(page, live_server, analyst.email, analyst.password, next_code(live_server.platform, analyst))
    expect(page).to_have_url(f"{live_server.url}/queue")

    page.goto(f"{live_server.url}/networks/subject/{subject_id}")
    graph = page.locator("svg[role=img]")
    expect(graph).to_be_visible()
    labels = graph.locator("text")
    expect(labels).to_have_count(2)
    expect(labels.first).not_to_have_text(str(subject_id))
    assert all("@" in text for text in labels.all_text_contents())  # named by email or account
    shoot(page, "network-01-graph")

    edge = graph.locator("line[tabindex='0']").first
    edge.focus()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("+447700900301")
    shoot(page, "network-02-evidence")
