"""The Report Abuse pages in a real browser, on a phone-sized screen, with and without JavaScript."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select

from jigsaw.intake.models import PublicDraft, Report
from jigsaw.intake.public import EXIT_URL
from tests.e2e.conftest import LiveServer
from tests.factories import session_of

pytestmark = pytest.mark.browser

Shoot = Callable[..., Path]
NewContext = Callable[..., BrowserContext]


def continue_(page: Page, *, touch: bool) -> None:
    button = page.get_by_role("button", name="Continue")
    if touch:
        button.tap()
    else:
        button.click()


def choose(page: Page, label: str, *, touch: bool) -> None:
    option = page.get_by_label(label, exact=True)
    if touch:
        option.tap()
    else:
        option.check()
    expect(option).to_be_checked()


def phone_390(page: Page) -> None:
    """A common phone today (390 by 844 CSS pixels)."""
    page.set_viewport_size({"width": 390, "height": 844})


def also_to_tmp(shoot: Shoot) -> Shoot:
    """Screenshots kept in /tmp/publicform-*.png as well, to look at by eye."""
    def take(page: Page, name: str, *, full_page: bool = True) -> Path:
        path = shoot(page, name, full_page=full_page)
        shutil.copyfile(path, f"/tmp/publicform-{name}.png")
        return path
    return take


def draft_count(live_server: LiveServer) -> int:
    with session_of(live_server.platform) as session:
        return session.scalar(select(func.count(PublicDraft.id))) or 0


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_child_reports_on_a_phone(live_server: LiveServer, new_context: NewContext, shoot: Shoot,
                                    javascript: bool) -> None:
    page = new_context(javascript=javascript).new_page()
    phone_390(page)
    if javascript:
        shoot = also_to_tmp(shoot)
    touch = javascript  # taps with JavaScript on; plain clicks and keys with it off
    page.goto(f"{live_server.url}/report")
    expect(page.get_by_text("If you or someone else is in danger right now, call")).to_be_visible()
    expect(page.get_by_role("link", name="Exit this page")).to_be_visible()
    shoot(page, "01-start")
    page.get_by_role("link", name="Start now").click()

    expect(page).to_have_title(re.compile(r"^Who are you\?"))
    choose(page, "I'm under 18", touch=touch)
    shoot(page, "02-who")
    continue_(page, touch=touch)

    expect(page).to_have_title(re.compile(r"^Did this happen to you\?"))
    choose(page, "It happened to me", touch=touch)
    shoot(page, "02a-whose")
    continue_(page, touch=touch)

    expect(page).to_have_title(re.compile(r"^How old are you\?"))
    continue_(page, touch=touch)  # a child's own age is needed
    expect(page.get_by_role("alert")).to_contain_text("Enter your age, like 13")
    page.get_by_label("How old are you?").fill("13")
    shoot(page, "02b-age")
    continue_(page, touch=touch)

    choose(page, "Someone is threatening to share pictures of me", touch=touch)
    shoot(page, "03-what")
    continue_(page, touch=touch)

    continue_(page, touch=touch)  # nothing typed yet: an error, shown at the top and by the box
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("Write what happened in the box")
    shoot(page, "04-details-error")
    box = page.get_by_label("Tell us what happened")
    box.click()
    page.keyboard.type("He said he would share my photos with my class unless I sent more.")
    if javascript:
        expect(page.locator("#summary-count")).to_contain_text("characters left")
    shoot(page, "05-details")
    continue_(page, touch=touch)

    page.get_by_label("App, game or website (optional)").fill("Snapchat")
    page.get_by_label("Their username or name on it (optional)").fill("@bad_guy99")
    shoot(page, "06-where")
    continue_(page, touch=touch)

    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill("2025")
    shoot(page, "07-when")
    continue_(page, touch=touch)

    choose(page, "Yes", touch=touch)
    shoot(page, "08-danger")
    continue_(page, touch=touch)
    expect(page.get_by_text("Call 999 now")).to_be_visible()
    page.get_by_label("What is happening right now?").fill("He says he is outside my school.")
    shoot(page, "09-danger-now")
    continue_(page, touch=touch)

    page.get_by_label("Your name (optional)").fill("Sam")
    page.get_by_label("Email address").fill("sam@example.com")
    page.get_by_label("Email address").press("Enter")  # submitting with the keyboard

    expect(page).to_have_title(re.compile(r"^Contacting you safely"))
    choose(page, "Email", touch=touch)
    page.get_by_label("When is it safe to contact you? (optional)").fill("After school")
    page.get_by_role("group", name="Can we leave a message?").get_by_label("No", exact=True).check()
    shoot(page, "09a-safe-contact")
    continue_(page, touch=touch)
    expect(page).to_have_title(re.compile(r"^Check your answers"))
    expect(page.locator(".summary-list")).to_contain_text("Someone is threatening to share pictures of me")
    shoot(page, "10-check")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    exit_box = page.get_by_role("link", name="Exit this page").bounding_box()
    assert exit_box is not None and 0 <= exit_box["y"] < 60, "Exit this page should stay at the top"
    shoot(page, "10-check-scrolled", full_page=False)
    page.get_by_role("button", name="Send report").click()

    expect(page).to_have_title(re.compile(r"^Report sent"))
    expect(page.locator("main")).to_contain_text("Childline")
    expect(page.locator("body")).not_to_contain_text("Adults can call")  # a child's wording kept
    reference = page.locator("[data-reference]").inner_text().strip()
    assert re.fullmatch(r"JIG-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    shoot(page, "11-done")
    with session_of(live_server.platform) as session:
        report = session.scalar(select(Report).where(Report.reference == reference))
        assert report is not None
        assert (report.source, report.channel, report.incident_type) == ("young_person", "public_form", "sextortion")
        assert report.escalation == "He says he is outside my school."
        assert report.reporter_name == "Sam"
        assert [(s.name, s.age) for s in report.subjects if s.role == "victim"] == [("Sam", 13)]
        assert report.source_data["safe_contact"] == {"how": "email", "when": "After school", "leave_message": False}
    page.go_back()  # the back button after sending shows no answers and resubmits nothing
    expect(page.locator("body")).not_to_contain_text("outside my school")


def start_a_draft(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/report/who")
    page.get_by_label("I'm under 18", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/report/who-it-happened-to")
    assert draft_count(live_server) >= 1


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_exit_this_page_leaves_and_deletes_the_answers(live_server: LiveServer, new_context: NewContext,
                                                        javascript: bool) -> None:
    page = new_context(javascript=javascript).new_page()
    before = draft_count(live_server)
    start_a_draft(page, live_server)
    with page.expect_request(EXIT_URL):
        page.get_by_role("link", name="Exit this page").click()
    expect(page).to_have_title("Weather")
    assert draft_count(live_server) == before
    if javascript:  # location.replace: Back does not return to the page that was left
        page.go_back()
        assert not page.url.endswith("/report/who-it-happened-to")
        expect(page.get_by_label("I'm under 18", exact=True)).not_to_be_checked()


def test_pressing_shift_three_times_exits_but_typing_capitals_does_not(
    live_server: LiveServer, new_context: NewContext, shoot: Shoot,
) -> None:
    page = new_context(phone=False).new_page()
    start_a_draft(page, live_server)
    shoot(page, "desktop-what", full_page=False)
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_contain_text("Exit this page")  # the first thing after the skip link
    page.get_by_label("It happened to me", exact=True).focus()
    for key in ("Shift+I", "Shift+M", "Shift+T"):
        page.keyboard.press(key)
    page.wait_for_timeout(100)
    assert page.url.endswith("/report/who-it-happened-to")
    with page.expect_request(EXIT_URL):
        for _ in range(3):
            page.keyboard.press("Shift")
    expect(page).to_have_title("Weather")
