"""The outbox and its sender against a real SMTP server on loopback: queued once per key, sent
once however many senders run, retried with back-off, given up on visibly, login when configured."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from jigsaw.db.engine import session_scope
from jigsaw.errors import InvalidInput
from jigsaw.mail.interfaces import SmtpConfig, SmtpUrlError, deliver_pending, enqueue, parse_smtp_url
from jigsaw.mail.models import MailStatus, OutboxMail
from jigsaw.mail.sender import retry_delay
from jigsaw.platform import Platform
from tests.alerts.conftest import configure
from tests.alerts.smtp import Credentials, Inbox, free_port, smtp_server
from tests.factories import session_of


def queue(platform: Platform, key: str, to: str = "someone@centre.example", body: str = "Hello.") -> bool:
    with session_scope(platform.engine) as session:
        return enqueue(session, to, f"Subject {key}", body, key)


def outbox(platform: Platform) -> list[OutboxMail]:
    with session_of(platform) as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


# -- the URL --------------------------------------------------------------------------------------


def test_plain_smtp_url() -> None:
    assert parse_smtp_url("smtp://127.0.0.1:1025") == SmtpConfig("127.0.0.1", 1025)
    assert parse_smtp_url("smtp://mail.centre.example").port == 25


def test_starttls_with_login() -> None:
    config = parse_smtp_url("smtp://jigsaw%40centre:p%40ss%3Aword@mail.centre.example:587?starttls=1")
    assert (config.host, config.port, config.starttls, config.implicit_tls) == ("mail.centre.example", 587, True, False)
    assert (config.username, config.password) == ("jigsaw@centre", "p@ss:word")
    assert "p@ss" not in repr(config)
    assert parse_smtp_url("smtp://u:p@mail.example?starttls=true").port == 587


def test_implicit_tls() -> None:
    config = parse_smtp_url("smtps://u:p@mail.example")
    assert (config.port, config.implicit_tls, config.starttls, config.encrypted) == (465, True, False, True)


@pytest.mark.parametrize(("url", "says"), [
    ("http://mail.example", "smtp://"),
    ("smtp://", "no host"),
    ("smtp://u:p@mail.example:25", "unencrypted"),
    ("smtps://mail.example?starttls=1", "already encrypted"),
    ("smtp://mail.example?tls=1", "unknown options"),
    ("smtp://mail.example?starttls=maybe", "must be 1 or 0"),
    ("smtp://mail.example:99999", "invalid port"),
    ("smtp://mail.example?timeout=-1", "positive"),
])
def test_unusable_urls_are_refused_saying_why(url: str, says: str) -> None:
    with pytest.raises(SmtpUrlError, match=says) as caught:
        parse_smtp_url(url)
    assert ":p@" not in str(caught.value)


def test_login_over_plain_text_only_when_asked() -> None:
    config = parse_smtp_url("smtp://u:p@127.0.0.1:1025?insecure_login=1")
    assert config.login and not config.encrypted


def test_back_off_doubles_up_to_an_hour() -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    assert retry_delay(20) == timedelta(hours=1)


# -- the outbox -----------------------------------------------------------------------------------


def test_the_same_logical_mail_is_queued_once(platform: Platform) -> None:
    assert queue(platform, "k1") is True
    assert queue(platform, "k1") is False
    assert queue(platform, "k2") is True
    rows = outbox(platform)
    assert [r.dedupe_key for r in rows] == ["k1", "k2"]
    assert len({r.message_id for r in rows}) == 2 and all(r.message_id.startswith("<") for r in rows)


def test_headers_cannot_be_injected(platform: Platform) -> None:
    with session_scope(platform.engine) as session, pytest.raises(InvalidInput):
        enqueue(session, "a@centre.example\nBcc: x@evil.example", "s", "b", "k")
    with session_scope(platform.engine) as session, pytest.raises(InvalidInput):
        enqueue(session, "a@centre.example", "s\r\nBcc: x@evil.example", "b", "k")


def test_bodies_are_encrypted_at_rest(platform: Platform) -> None:
    queue(platform, "secret", body="Body text that must not be readable in the file.")
    with platform.engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT body, recipients FROM mail_outbox").one()
    assert b"must not be readable" not in bytes(raw[0]) and b"centre.example" not in bytes(raw[1])


def test_gives_up_after_the_last_attempt_and_keeps_the_row(platform: Platform) -> None:
    configure(platform, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    queue(platform, "doomed")
    now = datetime.now(UTC)
    first = deliver_pending(platform.engine, platform.settings, now=now, max_attempts=2)
    assert (first.retrying, first.failed) == (1, 0)
    second = deliver_pending(platform.engine, platform.settings, now=now + timedelta(minutes=5), max_attempts=2)
    assert (second.retrying, second.failed) == (0, 1)
    (row,) = outbox(platform)
    assert (row.status, row.attempts) == (MailStatus.FAILED, 2) and row.last_error
    assert deliver_pending(platform.engine, platform.settings, now=now + timedelta(days=1)).failed == 0


def test_two_senders_at_once_send_each_mail_once(platform: Platform) -> None:
    inbox = Inbox(delay=0.2)  # a slow server, so the senders overlap
    for n in range(4):
        queue(platform, f"m{n}", to=f"person{n}@centre.example")
    with smtp_server(inbox) as port:
        configure(platform, smtp_url=f"smtp://127.0.0.1:{port}")
        results: list[Any] = []
        senders = [threading.Thread(target=lambda: results.append(deliver_pending(platform.engine, platform.settings)))
                   for _ in range(2)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(60)
    assert sum(r.sent for r in results) == 4
    assert sorted(r.rcpt_tos[0] for r in inbox.received) == [f"person{n}@centre.example" for n in range(4)]
    assert all(r.status == MailStatus.SENT for r in outbox(platform))


def test_login_with_the_configured_credentials(platform: Platform) -> None:
    inbox = Inbox()
    credentials = Credentials("jigsaw", "s3cret pass")
    queue(platform, "authed")
    with smtp_server(inbox, authenticator=credentials, auth_require_tls=False) as port:
        configure(platform, smtp_url=f"smtp://jigsaw:wrong@127.0.0.1:{port}?insecure_login=1")
        refused = deliver_pending(platform.engine, platform.settings)
        assert (refused.sent, refused.retrying) == (0, 1) and "535" in refused.errors[0]
        assert "wrong" not in (outbox(platform)[0].last_error or "")
        configure(platform, smtp_url=f"smtp://jigsaw:s3cret%20pass@127.0.0.1:{port}?insecure_login=1")
        accepted = deliver_pending(platform.engine, platform.settings, now=datetime.now(UTC) + timedelta(minutes=1))
        assert accepted.sent == 1
    assert set(credentials.attempts) == {b"jigsaw"} and len(inbox.received) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_a_server_that_requires_auth_refuses_an_anonymous_sender(platform: Platform) -> None:
    inbox = Inbox()
    queue(platform, "anon")
    with smtp_server(inbox, authenticator=Credentials("jigsaw", "x"), auth_require_tls=False,
                     auth_required=True) as port:
        configure(platform, smtp_url=f"smtp://127.0.0.1:{port}")
        result = deliver_pending(platform.engine, platform.settings)
    assert (result.sent, result.retrying) == (0, 1) and inbox.received == []
    assert outbox(platform)[0].status == MailStatus.QUEUED
