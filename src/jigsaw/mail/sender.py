"""Delivering the outbox over SMTP: due mails are claimed one at a time, sent, and marked sent
in the same transaction, so two senders never send the same row.

Claiming: on PostgreSQL the row is read ``FOR UPDATE SKIP LOCKED`` (another sender skips it and
goes on); on SQLite the claim is a write, which takes the database's one write lock, so senders
(and other writers) wait for each other for as long as one mail takes to hand over. The lock is
held while the SMTP server is spoken to and released by the commit that marks the row sent.

The one residual window is a crash (or a lost connection to the database) after the server has
accepted the mail and before that commit: the row is still queued and is sent again on the next
run. The mail carries the Message-ID fixed when it was queued, so the receiving system sees the
same Message-ID twice and can recognise the repeat. That is the whole at-least-once window; no
other path sends a row twice.

A failure (server down, refused, timed out) is recorded on the row with the next attempt time
backing off exponentially; after :data:`MAX_ATTEMPTS` the row is marked failed and stays in the
outbox for someone to see (``jigsaw mail outbox``).
"""

from __future__ import annotations

import email.policy
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from jigsaw.config import Settings
from jigsaw.db.engine import session_scope
from jigsaw.mail.models import MailStatus, OutboxMail
from jigsaw.mail.smtpurl import SmtpConfig, parse_smtp_url

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
BATCH = 200


@dataclass
class DeliveryResult:
    """What one run did: ``sent`` accepted by the server, ``retrying`` failed and rescheduled,
    ``failed`` gave up on, ``waiting`` still queued because no SMTP server is configured."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 30 s, 1 min, 2 min… at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def deliver_pending(bind: Engine | Session, settings: Settings, *, now: datetime | None = None,
                    max_attempts: int = MAX_ATTEMPTS) -> DeliveryResult:
    """Send every queued mail that is due. Without ``settings.smtp_url`` nothing is sent.

    Each mail gets its own transaction (given a session, its engine is used: the caller's
    transaction is left alone).
    """
    engine = bind.get_bind().engine if isinstance(bind, Session) else bind
    now = now or datetime.now(UTC)
    with session_scope(engine) as session:
        due = list(session.scalars(
            select(OutboxMail.id).where(OutboxMail.status == MailStatus.QUEUED, OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.id).limit(BATCH)))
    result = DeliveryResult()
    if not settings.smtp_url:
        result.waiting = len(due)
        return result
    config = parse_smtp_url(settings.smtp_url)
    connection = _Connection(config)
    try:
        for mail_id in due:
            _deliver_one(engine, mail_id, connection, settings, now, max_attempts, result)
    finally:
        connection.close()
    return result


def _deliver_one(engine: Engine, mail_id: int, connection: _Connection, settings: Settings, now: datetime,
                 max_attempts: int, result: DeliveryResult) -> None:
    with session_scope(engine) as session:
        mail = _claim(session, mail_id, now)
        if mail is None:
            return  # sent, failed or being sent by another sender since the list was read
        try:
            connection.send(_message(mail, settings.mail_from, now), settings.mail_from, mail.recipients)
        except (OSError, smtplib.SMTPException) as exc:
            connection.close()
            error = _describe(exc)
            mail.attempts += 1
            mail.last_error = error
            if mail.attempts >= max_attempts:
                mail.status = MailStatus.FAILED
                result.failed += 1
            else:
                mail.next_attempt_at = now + retry_delay(mail.attempts)
                result.retrying += 1
            result.errors.append(f"mail {mail_id}: {error}")
            return
        mail.attempts += 1
        mail.status = MailStatus.SENT
        mail.sent_at = now
        mail.last_error = connection.last_refused
        result.sent += 1
    # Leaving the block commits: the row is sent as soon as the server has it.


def _claim(session: Session, mail_id: int, now: datetime) -> OutboxMail | None:
    """Lock the queued, due row ``mail_id`` for this transaction, or ``None`` if it is not available."""
    pending = (OutboxMail.id == mail_id, OutboxMail.status == MailStatus.QUEUED, OutboxMail.next_attempt_at <= now)
    if session.get_bind().dialect.name == "postgresql":
        return session.scalar(select(OutboxMail).where(*pending).with_for_update(skip_locked=True))
    # SQLite: a write first takes the write lock; a sender that got here first has committed by then.
    touched = session.execute(update(OutboxMail).where(*pending).values(attempts=OutboxMail.attempts)
                              .execution_options(synchronize_session=False))
    if not touched.rowcount:  # type: ignore[attr-defined]
        return None
    return session.scalar(select(OutboxMail).where(OutboxMail.id == mail_id).execution_options(populate_existing=True))


# RFC 5322's own line limit: a List-Unsubscribe URL must reach the client whole, not folded or
# RFC 2047-encoded (the default policy folds at 78 and encodes a long unbreakable value).
_POLICY = email.policy.default.clone(max_line_length=998)


def _message(mail: OutboxMail, sender: str, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = ", ".join(mail.recipients)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at or now)
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    for name, value in (mail.headers or {}).items():
        message[name] = value
    message.set_content(mail.body)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")  # multipart/alternative: text first, then HTML
    return message


def _describe(exc: BaseException) -> str:
    """A short error for the outbox row (never the password: smtplib does not echo it)."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{type(exc).__name__} {exc.smtp_code}: {text}"[:1000]
    return f"{type(exc).__name__}: {exc}"[:1000]


class _Connection:
    """One SMTP session, opened on first use and reused for the run's mails."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.last_refused: str | None = None
        self.unreachable: OSError | smtplib.SMTPException | None = None

    def _open(self) -> smtplib.SMTP:
        config = self.config
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if config.implicit_tls:
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        try:
            smtp.ehlo()
            if config.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if config.username is not None:
                smtp.login(config.username, config.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> None:
        if self.unreachable is not None:
            raise self.unreachable  # the server could not be reached this run: don't wait on it per mail
        if self.smtp is None:
            try:
                self.smtp = self._open()
            except (OSError, smtplib.SMTPException) as exc:
                self.unreachable = exc
                raise
        refused = self.smtp.send_message(message, from_addr=sender, to_addrs=recipients)
        # Some recipients accepted: the mail is sent (sending again would repeat it to them).
        self.last_refused = (f"refused by the server for: {', '.join(sorted(refused))}" if refused else None)

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None
