"""Queueing mail, and reading the outbox's state (never the bodies)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import make_msgid

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jigsaw.db.base import table_of
from jigsaw.errors import InvalidInput
from jigsaw.mail.models import MailStatus, OutboxMail

_outbox_t = table_of(OutboxMail)
MESSAGE_ID_DOMAIN = "jigsaw.invalid"  # a Message-ID needs a domain; this one can never be anyone's


def enqueue(session: Session, to: Sequence[str] | str, subject: str, body: str, dedupe_key: str, *,
            now: datetime | None = None) -> bool:
    """Queue one mail in the caller's transaction; ``False`` if ``dedupe_key`` was queued before.

    The insert skips a duplicate key in the database itself (``ON CONFLICT DO NOTHING``), so
    two transactions racing to queue the same logical mail leave one row and neither fails.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    recipients = [r.strip() for r in recipients if r and r.strip()]
    if not recipients:
        raise InvalidInput("a mail needs at least one recipient")
    if any("\n" in r or "\r" in r for r in recipients) or "\n" in subject or "\r" in subject:
        raise InvalidInput("mail headers cannot contain line breaks")
    if not dedupe_key or len(dedupe_key) > 200:
        raise InvalidInput("a mail needs a dedupe key of at most 200 characters")
    now = now or datetime.now(UTC)
    values = {"recipients": recipients, "subject": subject, "body": body, "dedupe_key": dedupe_key,
              "message_id": make_msgid(domain=MESSAGE_ID_DOMAIN), "status": MailStatus.QUEUED.value,
              "created_at": now, "attempts": 0, "next_attempt_at": now}
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (insert(_outbox_t).values(values).on_conflict_do_nothing(index_elements=["dedupe_key"])
                 .returning(_outbox_t.c.id))
    return session.scalar(statement) is not None


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox row as the CLI lists it: where it is, not what it says."""

    id: int
    status: str
    recipients: int
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None
    dedupe_key: str


def outbox_entries(session: Session, *, limit: int = 100) -> list[OutboxEntry]:
    """The newest outbox rows first."""
    rows = session.execute(
        select(OutboxMail.id, OutboxMail.status, OutboxMail.recipients, OutboxMail.created_at, OutboxMail.attempts,
               OutboxMail.next_attempt_at, OutboxMail.sent_at, OutboxMail.last_error, OutboxMail.dedupe_key)
        .order_by(OutboxMail.id.desc()).limit(limit))
    return [OutboxEntry(r[0], r[1], len(r[2]), *r[3:]) for r in rows]

def status_counts(session: Session) -> dict[str, int]:
    """How many mails are queued, sent and failed."""
    counts = {s.value: 0 for s in MailStatus}
    for status, n in session.execute(select(OutboxMail.status, func.count()).group_by(OutboxMail.status)):
        counts[status] = n
    return counts
