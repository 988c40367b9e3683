"""Email alerts through the outbox to a real SMTP server on loopback: double opt-in, an answer that
reveals nothing, the area filter, alerts on publish and located with RFC 8058 one-click unsubscribe
(a GET never unsubscribes, a POST does, twice is fine), the suppression list, and no tracking."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from email.message import Message

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jigsaw.appeals import tokens
from jigsaw.appeals.models import Subscriber, Suppression
from jigsaw.appeals.subscriptions import Links
from jigsaw.db.engine import session_scope
from jigsaw.mail.interfaces import deliver_pending
from jigsaw.mail.models import OutboxMail
from jigsaw.platform import Platform
from tests.alerts.smtp import Inbox, Received, smtp_server
from tests.appeals.helpers import make_world, publish

BASE = "https://jigsaw.centre.example"


def parts(message: Message) -> dict[str, str]:
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_content_type()] = payload.decode("utf-8")
    return found


def deliver(platform: Platform, inbox: Inbox) -> list[Received]:
    before = len(inbox.received)
    with smtp_server(inbox) as port:
        platform.settings = dataclasses.replace(platform.settings, smtp_url=f"smtp://127.0.0.1:{port}")
        result = deliver_pending(platform.engine, platform.settings)
        platform.settings = dataclasses.replace(platform.settings, smtp_url=None)
    assert result.failed == 0 and result.retrying == 0
    return inbox.received[before:]


def subscribe(client: TestClient, email: str, regions: tuple[str, ...] = ()) -> str:
    response = client.post("/most-wanted/subscribe", data={"email": email, "consent": "yes", "regions": list(regions)})
    assert response.status_code == 200
    return response.text


def confirm_from(mail: Received, client: TestClient) -> None:
    text = parts(mail.message)["text/plain"]
    link = re.search(rf"{re.escape(BASE)}(/most-wanted/confirm/\S+)", text)
    assert link, text
    page = client.get(link[1])
    assert page.status_code == 200 and "Yes, send me" in page.text
    done = client.post(link[1])
    assert done.status_code == 200 and "You are subscribed" in done.text


@pytest.fixture
def world_and_inbox(platform: Platform) -> tuple[object, Inbox]:
    platform.settings = dataclasses.replace(platform.settings, base_url=BASE, mail_from="alerts@centre.example")
    return make_world(platform), Inbox()


def test_double_opt_in_alerts_and_one_click_unsubscribe(client: TestClient, platform: Platform,
                                                         world_and_inbox: tuple[object, Inbox]) -> None:
    world, inbox = world_and_inbox
    subscribe(client, "reader@example.org")
    subscribe(client, "londoner@example.org", ("London",))
    subscribe(client, "never.confirms@example.org")
    confirmations = deliver(platform, inbox)
    assert sorted(r.rcpt_tos[0] for r in confirmations) == ["londoner@example.org", "never.confirms@example.org",
                                                            "reader@example.org"]
    by_to = {r.rcpt_tos[0]: r for r in confirmations}
    # A GET of the confirmation link (a mail scanner) subscribes nobody.
    link = re.search(r"(/most-wanted/confirm/\S+)", parts(by_to["reader@example.org"].message)["text/plain"])
    assert link
    client.get(link[1])
    with session_scope(platform.engine) as session:
        assert session.scalar(select(func.count()).select_from(Subscriber).where(
            Subscriber.status == "confirmed")) == 0
    confirm_from(by_to["reader@example.org"], client)
    confirm_from(by_to["londoner@example.org"], client)

    appeal = publish(client, world)  # North West: the Londoner's filter leaves them out
    alerts = deliver(platform, inbox)
    assert [r.rcpt_tos for r in alerts] == [["reader@example.org"]]
    message = alerts[0].message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe_url.startswith(f"{BASE}/most-wanted/unsubscribe/")
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    assert "Daniel Mercer" in body["text/plain"] and "999" in body["text/plain"]
    assert unsubscribe_url in body["text/plain"]
    assert unsubscribe_url in body["text/html"] and f"{BASE}/most-wanted/{appeal['slug']}" in body["text/html"]
    assert "<img" not in body["text/html"].lower() and "utm_" not in body["text/html"]
    hrefs = re.findall(r'href="([^"]+)"', body["text/html"])
    assert set(hrefs) == {f"{BASE}/most-wanted/{appeal['slug']}", unsubscribe_url}  # nothing that tracks
    assert "notification" not in body["text/plain"] and "Child A" not in body["text/plain"]

    path = unsubscribe_url.removeprefix(BASE)
    shown = client.get(path)
    assert shown.status_code == 200 and "Unsubscribe" in shown.text
    with session_scope(platform.engine) as session:
        assert session.scalar(select(func.count()).select_from(Subscriber).where(
            Subscriber.status == "confirmed")) == 2  # the GET changed nothing
    one_click = client.post(path, content=b"List-Unsubscribe=One-Click",
                            headers={"content-type": "application/x-www-form-urlencoded"})
    assert one_click.status_code == 200 and "unsubscribed" in one_click.text
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # idempotent
    with session_scope(platform.engine) as session:
        assert session.scalar(select(func.count()).select_from(Suppression)) == 1
        assert session.scalar(select(func.count()).select_from(Subscriber).where(
            Subscriber.status == "confirmed")) == 1

    client.post(f"/api/v1/appeals/{appeal['id']}/located", json={"note": "arrested"}, headers=world.auth("analyst"))
    assert deliver(platform, inbox) == []  # the reader unsubscribed; the Londoner filtered North West out
    # Publish again: alerts are queued once per subscriber and appeal, never twice.
    with session_scope(platform.engine) as session:
        keys = session.scalars(select(OutboxMail.dedupe_key).where(OutboxMail.dedupe_key.like("appeal:%"))).all()
    assert len(keys) == len(set(keys)) == 1


def test_subscribing_reveals_nothing_and_is_rate_limited(client: TestClient, platform: Platform,
                                                         world_and_inbox: tuple[object, Inbox]) -> None:
    _, inbox = world_and_inbox
    first = subscribe(client, "someone@example.org")
    confirm_from(deliver(platform, inbox)[0], client)
    again = subscribe(client, "Someone@Example.org")  # already confirmed
    new = subscribe(client, "new.person@example.org")
    assert first == again == new
    later = deliver(platform, inbox)
    assert [r.rcpt_tos for r in later] == [["new.person@example.org"]]  # nothing to the confirmed address
    # One address gets at most three confirmation mails a day, whoever asks.
    for _ in range(5):
        subscribe(client, "target@example.org")
    assert len([r for r in deliver(platform, inbox) if r.rcpt_tos == ["target@example.org"]]) == 3
    subscribe(client, "ninth@example.org")
    subscribe(client, "tenth@example.org")  # ten requests from this client in the hour: the limit
    limited = client.post("/most-wanted/subscribe", data={"email": "x@example.org", "consent": "yes"})
    assert limited.status_code == 429 and "retry-after" in limited.headers
    with session_scope(platform.engine) as session:
        stored = session.scalars(select(Subscriber.email_index)).all()
        raw = session.connection().exec_driver_sql("SELECT email FROM appeal_subscribers").scalars().all()
    assert all(len(i) == 64 for i in stored)
    assert not any(b"example.org" in bytes(v) for v in raw)  # encrypted at rest


def test_bad_input_and_bad_tokens(client: TestClient, platform: Platform,
                                  world_and_inbox: tuple[object, Inbox]) -> None:
    no_consent = client.post("/most-wanted/subscribe", data={"email": "a@example.org"})
    assert no_consent.status_code == 422 and "Tick the box" in no_consent.text
    bad = client.post("/most-wanted/subscribe", data={"email": "not an address", "consent": "yes"})
    assert bad.status_code == 422 and "Enter an email address" in bad.text
    assert client.post("/most-wanted/confirm/forged").status_code == 400
    assert client.post("/most-wanted/unsubscribe/forged").status_code == 400
    links = Links.of(platform)
    token = tokens.confirm_token(links.key, 1, "abc")
    with pytest.raises(tokens.TokenRefused) as refused:
        tokens.read_confirm_token(links.key, token, max_age=timedelta(seconds=-1))
    assert refused.value.expired
    # An unsubscribe token is never accepted as a confirmation, nor the other way round.
    with pytest.raises(tokens.TokenRefused):
        tokens.read_confirm_token(links.key, tokens.unsubscribe_token(links.key, 1, "abc"))
    with pytest.raises(tokens.TokenRefused):
        tokens.read_unsubscribe_token(links.key, token)
