"""A child presses a platform's Report Abuse button on a phone, and an analyst sees where it came from."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from jigsaw.accounts.button_keys import decode_key, issue_button_key
from jigsaw.accounts.button_link import link_query
from jigsaw.accounts.models import Organisation
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.db.engine import session_scope
from jigsaw.intake.models import Report
from tests.e2e.conftest import LiveServer
from tests.e2e.test_analyst_browser import sign_in
from tests.factories import ACTOR, make_org, make_staff, next_code, session_of

pytestmark = pytest.mark.browser

Shoot = Callable[..., Path]


def a_platform_with_a_button(live_server: LiveServer, name: str) -> tuple[int, bytes]:
    org_id = make_org(live_server.platform, name, OrgKind.PLATFORM)
    with session_scope(live_server.platform.engine) as session:
        org = session.get(Organisation, org_id)
        assert org is not None
        return org_id, decode_key(issue_button_key(session, ACTOR, org).key)


def signed_link(live_server: LiveServer, key: bytes, org_id: int, account: str) -> str:
    return f"{live_server.url}/report/from/{org_id}?{urlencode(link_query(key, org_id, account, int(time.time())))}"


def answer_as_a_child(page: Page, shoot: Shoot, *, expect_prefilled: tuple[str, str] | None) -> str:
    """Go through the form as a 12-year-old would on a phone; the reference shown at the end."""
    page.get_by_role("link", name="Start now").tap()
    page.get_by_label("I'm under 18", exact=True).tap()
    page.get_by_role("button", name="Continue").tap()
    page.get_by_label("It happened to me", exact=True).tap()
    page.get_by_role("button", name="Continue").tap()
    page.get_by_label("How old are you?").fill("12")
    page.get_by_role("button", name="Continue").tap()
    page.get_by_label("Someone asked me to send nude or sexual pictures", exact=True).tap()
    page.get_by_role("button", name="Continue").tap()
    page.get_by_label("Tell us what happened").fill("He keeps asking me for a picture and says he'll give me coins.")
    page.get_by_role("button", name="Continue").tap()
    platform_box = page.get_by_label("App, game or website (optional)")
    account_box = page.get_by_label("Their username or name on it (optional)")
    if expect_prefilled:
        expect(platform_box).to_have_value(expect_prefilled[0])
        expect(account_box).to_have_value(expect_prefilled[1])
        expect(page.locator("main")).to_contain_text("Report button")
    else:
        expect(platform_box).to_have_value("")
        expect(account_box).to_have_value("")
        platform_box.fill("Snapchat")
    shoot(page, "where")
    page.get_by_role("button", name="Continue").tap()
    page.get_by_role("button", name="Continue").tap()  # when: not sure
    page.get_by_label("No", exact=True).tap()  # not in danger right now
    page.get_by_role("button", name="Continue").tap()
    page.get_by_label("Email address").fill("kid@example.com")
    page.get_by_role("button", name="Continue").tap()
    page.get_by_label("Email", exact=True).tap()
    page.get_by_role("group", name="Can we leave a message?").get_by_label("No", exact=True).tap()
    page.get_by_role("button", name="Continue").tap()
    expect(page).to_have_title(re.compile(r"^Check your answers"))
    page.get_by_role("button", name="Send report").tap()
    expect(page).to_have_title(re.compile(r"^Report sent"))
    return page.locator("[data-reference]").inner_text().strip()


def test_a_child_reports_through_a_signed_button_and_the_analyst_sees_the_platform_and_account(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], shoot: Shoot,
) -> None:
    org_id, key = a_platform_with_a_button(live_server, "PixelPlay (button e2e)")
    page = new_context(javascript=False).new_page()  # the form needs no JavaScript
    page.goto(signed_link(live_server, key, org_id, "sly_fox_12"))
    expect(page).to_have_url(f"{live_server.url}/report")
    expect(page.locator("main")).to_contain_text("You pressed Report on PixelPlay (button e2e)")
    expect(page.get_by_role("link", name="Exit this page")).to_be_visible()
    expect(page.get_by_text("If you or someone else is in danger right now, call")).to_be_visible()
    path = shoot(page, "start")
    shutil.copyfile(path, "/tmp/button-start.png")
    reference = answer_as_a_child(page, shoot, expect_prefilled=("PixelPlay (button e2e)", "sly_fox_12"))
    with session_of(live_server.platform) as session:
        report = session.scalar(select(Report).where(Report.reference == reference))
        assert report is not None and (report.entry_route, report.entry_org_id) == ("button", org_id)
        report_id = report.id

    centre = make_org(live_server.platform, "Centre (button e2e)", OrgKind.CENTRE)
    analyst = make_staff(live_server.platform, "analyst.button@centre.example", Role.ANALYST, centre)
    desk = new_context(phone=False).new_page()
    sign_in(desk, live_server, analyst.email, analyst.password, next_code(live_server.platform, analyst))
    desk.goto(f"{live_server.url}/reports/{report_id}")
    expect(desk.locator("main")).to_contain_text("PixelPlay (button e2e)'s Report Abuse button")
    expect(desk.locator("main")).to_contain_text("sly_fox_12")
    path = shoot(desk, "analyst-report")
    shutil.copyfile(path, "/tmp/button-analyst.png")


def test_a_tampered_link_opens_the_plain_form(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], shoot: Shoot,
) -> None:
    org_id, key = a_platform_with_a_button(live_server, "ChatterBox (button e2e)")
    link = signed_link(live_server, key, org_id, "sly_fox_12").replace("sly_fox_12", "innocent_kid")
    page = new_context().new_page()
    page.goto(link)
    expect(page).to_have_url(f"{live_server.url}/report")
    expect(page.locator("main")).not_to_contain_text("You pressed Report")
    expect(page.locator("body")).not_to_contain_text("innocent_kid")
    reference = answer_as_a_child(page, shoot, expect_prefilled=None)
    with session_of(live_server.platform) as session:
        report = session.scalar(select(Report).where(Report.reference == reference))
        assert report is not None and (report.entry_route, report.entry_org_id) == ("web_form", None)
