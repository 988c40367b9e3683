"""Outcomes in the browser, with JavaScript off: the force's liaison officer opens a package sent to
Kent, records a warrant executed, an arrest and two children safeguarded (in two categories); the
centre's analyst sees them on the package page, read-only, on the board of the operation the package
is a target of, and in the centre's statistics for the month. Headless Chromium, the real app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from jigsaw.accounts.models import Organisation
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.service import Actor
from jigsaw.db.engine import session_scope
from jigsaw.intake.domain import IdentifierDraft, ReportDraft, SubjectDraft
from jigsaw.intake.service import submit_report
from jigsaw.operations import service as operations
from jigsaw.outcomes.kinds import ChildCategory, WarrantStage
from jigsaw.outcomes.models import Outcome
from jigsaw.routing import service as routing
from jigsaw.statistics.interfaces import Period, headline_figures
from tests.dissemination.conftest import SAMPLE, dispatched_package, principal_of
from tests.e2e.conftest import LiveServer
from tests.e2e.test_analyst_browser import sign_in
from tests.factories import make_org, make_staff, next_code

pytestmark = pytest.mark.browser


def _kent(live_server: LiveServer) -> int:
    with session_scope(live_server.platform.engine) as session:
        kent = session.scalar(select(Organisation.id).where(Organisation.name == "Kent Police"))
        if kent is None:  # another browser test may have seeded the recipients already
            routing.seed_recipients(session, Actor("e2e"))
            with SAMPLE.open(encoding="utf-8") as lines:
                routing.load_directory(session, Actor("e2e"), lines)
            routing.set_contact(session, Actor("e2e"), "Kent Police", email="referrals@kent.police.test")
            kent = session.scalar(select(Organisation.id).where(Organisation.name == "Kent Police"))
    assert kent is not None
    return kent


def _record(page: Page, kind: str, reference: str, when: str, **fields: str) -> None:
    form = page.locator(f"#form-{kind}")
    page.locator("#outcome-forms details").filter(has=form).locator("summary").click()
    form.get_by_label("Your reference").fill(reference)
    form.get_by_label("When").fill(when)
    for label, value in fields.items():
        target = form.get_by_label(label.replace("_", " "), exact=False)
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    form.locator("button[type=submit]").click()
    expect(page.get_by_role("status").first).to_contain_text(reference)


def test_a_force_records_an_arrest_and_two_children_and_the_centre_sees_them(
        live_server: LiveServer, new_context: Callable[..., BrowserContext], shoot: Callable[..., Path]) -> None:
    platform = live_server.platform
    centre = make_org(platform, "National centre (outcomes e2e)", OrgKind.CENTRE)
    analyst = make_staff(platform, "analyst.outcomes@centre.example", Role.ANALYST, centre)
    supervisor = make_staff(platform, "supervisor.outcomes@centre.example", Role.SUPERVISOR, centre)
    liaison = make_staff(platform, "liaison.outcomes@kent.police.test", Role.FORCE_LIAISON, _kent(live_server))
    suspect = SubjectDraft(role="suspect", identifiers=(
        IdentifierDraft(type="email", value="quietoak@mail.chatspace.test"),
        IdentifierDraft(type="postal_address", value="3 Castle Street, Rochester, ME1 1AB")))
    draft = ReportDraft(source="platform", incident_type="image_request", platform="ChatSpace",
                        summary="Account asked two children for images.", subjects=(suspect,))
    with session_scope(platform.engine) as session:
        report_id = submit_report(session, draft, Actor("e2e")).report.id
    package_id = dispatched_package(platform, [report_id], liaison.organisation_id, analyst, supervisor)
    with session_scope(platform.engine) as session:
        operation = operations.create_operation(
            session, principal_of(platform, analyst), name="Medway dawn", objectives="Warrants at referred addresses.",
            starts_at=datetime(2026, 11, 20, tzinfo=UTC), ends_at=datetime(2026, 11, 22, tzinfo=UTC))
        operations.add_targets(session, principal_of(platform, analyst), operation.id,
                               [operations.TargetSpec(package_id, None)])
        operation_id = operation.id

    page = new_context(javascript=False, phone=False).new_page()
    sign_in(page, live_server, liaison.email, liaison.password, next_code(platform, liaison))
    page.goto(f"{live_server.url}/inbox/packages/{package_id}")
    expect(page.locator("#no-outcomes")).to_be_visible()
    _record(page, "warrant", "KENT/OP/1", "2026-11-20T06:00", Stage="applied")
    _record(page, "warrant", "KENT/OP/2", "2026-11-20T09:00", Stage="granted")
    _record(page, "warrant", "KENT/OP/3", "2026-11-21T06:05", Stage="executed")
    _record(page, "arrest", "KENT/OP/4", "2026-11-21T06:20")
    _record(page, "child_safeguarded", "KENT/OP/5", "2026-11-21T07:00", How="removed_from_harm")
    _record(page, "child_safeguarded", "KENT/OP/6", "2026-11-21T07:00", How="protective_measure")
    rows = page.locator("#outcomes-list tbody tr")
    expect(rows).to_have_count(6)
    expect(page.locator("#warrants")).to_contain_text("executed")
    expect(page.locator("#outcomes-list")).to_contain_text("Removed from harm")
    expect(page.locator("#outcomes-list")).to_contain_text("Protective measure")
    shoot(page, "outcomes-force")
    with session_scope(platform.engine) as session:
        kinds = sorted(session.scalars(select(Outcome.kind).where(Outcome.package_id == package_id)))
    assert kinds == ["arrest", "child_safeguarded", "child_safeguarded", "warrant", "warrant", "warrant"]

    centre_page = new_context(javascript=False, phone=False).new_page()
    sign_in(centre_page, live_server, analyst.email, analyst.password, next_code(platform, analyst))
    centre_page.goto(f"{live_server.url}/packages/{package_id}")
    expect(centre_page.locator("#outcomes-list tbody tr")).to_have_count(6)
    expect(centre_page.locator("#outcome-forms")).to_have_count(0)
    shoot(centre_page, "outcomes-centre")

    # The operation's board: Kent's row counts the arrest and both children, by category.
    centre_page.goto(f"{live_server.url}/operations/{operation_id}")
    cells = centre_page.locator("#board tbody tr").filter(has_text="Kent Police").locator("td")
    stages, categories = len(WarrantStage), len(ChildCategory)
    arrests_at = 2 + stages  # targets, warrants (all), one per stage, then arrests
    children_at = arrests_at + 3  # after arrests, voluntary interviews and devices
    expect(cells.nth(0)).to_have_text("1")
    expect(cells.nth(arrests_at)).to_have_text("1")
    expect(cells.nth(children_at)).to_have_text("2")
    assert [cells.nth(children_at + 1 + i).inner_text() for i in range(categories)].count("1") == 2
    shoot(centre_page, "outcomes-operation-board")

    # The centre's statistics for November 2026: the figures the record gives, the force's included.
    with session_scope(platform.engine) as session:
        figures = headline_figures(session, Period.month(2026, 11))
    assert figures["arrests"].value >= 1 and figures["children_safeguarded"].value >= 2
    centre_page.goto(f"{live_server.url}/statistics?from=2026-11-01&to=2026-11-30")
    expect(centre_page.locator("#value-arrests")).to_have_text(f"{figures['arrests'].value:,}")
    expect(centre_page.locator("#value-children_safeguarded")).to_have_text(
        f"{figures['children_safeguarded'].value:,}")
    assert centre_page.locator("script").count() == 0 and centre_page.locator("svg").count() >= 1
    shoot(centre_page, "outcomes-statistics")
