"""Most Wanted in a real browser with JavaScript off: a member of the public reads an appeal and
sends a sighting; subscribes, confirms from the mail the test's SMTP server received, gets an
alert when an appeal is published, and unsubscribes in one click."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from email.message import Message
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select

from jigsaw.appeals.models import AppealTip, Subscriber, Suppression
from jigsaw.db.engine import session_scope
from jigsaw.mail.interfaces import deliver_pending
from tests.alerts.smtp import Inbox, Received, smtp_server
from tests.appeals.helpers import make_world, publish
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.browser


def _text(message: Message, subtype: str = "plain") -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode("utf-8")
    raise AssertionError(f"no text/{subtype} part")


def _deliver(live_server: LiveServer, inbox: Inbox) -> list[Received]:
    platform = live_server.platform
    before = len(inbox.received)
    saved = platform.settings
    with smtp_server(inbox) as port:
        platform.settings = dataclasses.replace(saved, smtp_url=f"smtp://127.0.0.1:{port}")
        try:
            deliver_pending(platform.engine, platform.settings)
        finally:
            platform.settings = saved
    return inbox.received[before:]


def test_read_an_appeal_send_a_sighting_subscribe_confirm_alert_unsubscribe(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], shoot: Callable[..., Path],
) -> None:
    platform = live_server.platform
    saved = platform.settings
    platform.settings = dataclasses.replace(saved, base_url=live_server.url)
    inbox = Inbox()
    try:
        world = make_world(platform, tag=".mw-e2e")
        with httpx.Client(base_url=live_server.url) as api:
            first = publish(api, world)
            _deliver(live_server, inbox)  # nobody is subscribed yet

            context = new_context(javascript=False)
            page = context.new_page()
            page.goto(f"{live_server.url}/most-wanted")
            expect(page.get_by_role("heading", name="Most Wanted", level=1)).to_be_visible()
            expect(page.locator(".danger-banner")).to_contain_text("call 999")
            shoot(page, "01-list")
            page.get_by_role("link", name="Daniel Mercer").click()
            expect(page).to_have_url(f"{live_server.url}/most-wanted/{first['slug']}")
            expect(page.locator(".mw-warning")).to_contain_text("Do not approach")
            expect(page.locator(".mw-facts")).to_contain_text("Preston bus station")
            page.get_by_label("What did you see?").fill("Someone like him at the station café, about 8 am")
            page.get_by_label("Where? (optional)").fill("Preston")
            page.get_by_role("button", name="Send anonymously").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("your message has been sent")
            reference = page.locator("#tip-reference").inner_text()
            assert re.fullmatch(r"TIP-[A-Z0-9]{4}-[A-Z0-9]{4}", reference)
            assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}", page.locator("#tip-passphrase").inner_text())
            shoot(page, "02-sighting-sent")
            assert context.cookies() == []  # not one cookie was set, on any page
            with session_scope(platform.engine) as session:
                tip = session.scalars(select(AppealTip).where(AppealTip.reference == reference)).one()
                assert tip.owning_force_id == world.force_id

            page.goto(f"{live_server.url}/most-wanted/subscribe")
            page.get_by_label("Email address").fill("resident.e2e@example.org")
            page.get_by_label("Send me an email when").check()
            page.get_by_role("button", name="Subscribe").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
            mails = _deliver(live_server, inbox)
            assert [m.rcpt_tos for m in mails] == [["resident.e2e@example.org"]]
            confirm = re.search(r"(http\S+/most-wanted/confirm/\S+)", _text(mails[0].message))
            assert confirm
            page.goto(confirm[1])
            page.get_by_role("button", name="Yes, send me Most Wanted alerts").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("You are subscribed")
            shoot(page, "03-subscribed")

            second = publish(api, world, public={"name": "Lee Harland", "age": 36, "area_last_seen": "Bolton"})
            alerts = _deliver(live_server, inbox)
            assert [m.rcpt_tos for m in alerts] == [["resident.e2e@example.org"]]
            alert = alerts[0].message
            assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert "Lee Harland" in _text(alert) and f"/most-wanted/{second['slug']}" in _text(alert, "html")
            unsubscribe = re.search(r"Unsubscribe: (\S+)", _text(alert))
            assert unsubscribe and alert["List-Unsubscribe"] == f"<{unsubscribe[1]}>"

            page.goto(unsubscribe[1])  # the visible link: a GET shows the button and changes nothing
            with session_scope(platform.engine) as session:
                assert session.scalars(select(Subscriber.status)).all() == ["confirmed"]
            page.get_by_role("button", name="Unsubscribe").click()  # one click
            expect(page.get_by_role("heading", level=1)).to_have_text("You have unsubscribed")
            shoot(page, "04-unsubscribed")
            # A mail client's RFC 8058 one-click POST to the header's URL answers the same, again.
            assert api.post(unsubscribe[1], content=b"List-Unsubscribe=One-Click",
                            headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 200
            with session_scope(platform.engine) as session:
                assert session.scalars(select(Subscriber)).all() == []
                assert len(session.scalars(select(Suppression)).all()) == 1
            located = api.post(f"/api/v1/appeals/{second['id']}/located", headers=world.auth("analyst"))
            assert located.status_code == 200
            assert _deliver(live_server, inbox) == []  # nobody is told: the only subscriber left
            page.goto(f"{live_server.url}/most-wanted/{second['slug']}")
            expect(page.get_by_role("heading", level=1)).to_have_text("This person has been found")
    finally:
        platform.settings = saved
