"""Queueing mail, and reading the outbox's state (never the bodies)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import make_msgid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jigsaw.db.base import table_of
from jigsaw.db.bulk import bulk_execute
from jigsaw.errors import InvalidInput
from jigsaw.mail.models import MailStatus, OutboxMail

_outbox_t = table_of(OutboxMail)
MESSAGE_ID_DOMAIN = "jigsaw.invalid"  # a Message-ID needs a domain; this one can never be anyone's


EXTRA_HEADERS = frozenset({"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id"})
"""The headers a caller may add to a mail (the sender writes the others itself)."""


@dataclass(frozen=True)
class Mail:
    """One mail to queue: ``html`` is an optional HTML alternative of ``body``, ``headers`` extra
    headers from :data:`EXTRA_HEADERS` (RFC 2369 / RFC 8058 list headers)."""

    to: Sequence[str] | str
    subject: str
    body: str
    dedupe_key: str
    html: str | None = None
    headers: Mapping[str, str] | None = None


def _row(mail: Mail, now: datetime) -> dict[str, Any]:
    recipients = [mail.to] if isinstance(mail.to, str) else list(mail.to)
    recipients = [r.strip() for r in recipients if r and r.strip()]
    if not recipients:
        raise InvalidInput("a mail needs at least one recipient")
    if any("\n" in r or "\r" in r for r in recipients) or "\n" in mail.subject or "\r" in mail.subject:
        raise InvalidInput("mail headers cannot contain line breaks")
    if not mail.dedupe_key or len(mail.dedupe_key) > 200:
        raise InvalidInput("a mail needs a dedupe key of at most 200 characters")
    headers = dict(mail.headers or {})
    for name, value in headers.items():
        if name not in EXTRA_HEADERS:
            raise InvalidInput(f"a mail cannot set the header {name!r}")
        if "\n" in value or "\r" in value:
            raise InvalidInput("mail headers cannot contain line breaks")
    return {"recipients": recipients, "subject": mail.subject, "body": mail.body, "html": mail.html,
            "headers": headers or None, "dedupe_key": mail.dedupe_key,
            "message_id": make_msgid(domain=MESSAGE_ID_DOMAIN), "status": MailStatus.QUEUED.value,
            "created_at": now, "attempts": 0, "next_attempt_at": now}


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(_outbox_t).on_conflict_do_nothing(index_elements=["dedupe_key"])


def enqueue(session: Session, to: Sequence[str] | str, subject: str, body: str, dedupe_key: str, *,
            now: datetime | None = None, html: str | None = None,
            headers: Mapping[str, str] | None = None) -> bool:
    """Queue one mail in the caller's transaction; ``False`` if ``dedupe_key`` was queued before.

    The insert skips a duplicate key in the database itself (``ON CONFLICT DO NOTHING``), so
    two transactions racing to queue the same logical mail leave one row and neither fails.
    """
    values = _row(Mail(to, subject, body, dedupe_key, html, headers), now or datetime.now(UTC))
    return session.scalar(_insert(session).values(values).returning(_outbox_t.c.id)) is not None


_COLUMNS = ("recipients", "subject", "body", "html", "headers", "dedupe_key", "message_id", "status", "created_at",
            "attempts", "next_attempt_at")


def enqueue_many(session: Session, mails: Iterable[Mail], *, now: datetime | None = None,
                 batch: int = 5_000) -> int:
    """Queue many mails in the caller's transaction (an alert to every subscriber), ``batch`` rows
    per ``executemany``; a mail whose ``dedupe_key`` was queued before is skipped by the database.
    Returns how many were offered (skipped duplicates included: the database does not say which).

    This is the hot path of a fan-out: the columns' own bind processors (encryption included) are
    applied here and the rows go to the driver directly, without SQLAlchemy's per-row work, so the
    stored values are exactly what :func:`enqueue` stores.
    """
    now = now or datetime.now(UTC)
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    processors = [_outbox_t.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in _COLUMNS]
    when = processors[_COLUMNS.index("created_at")]
    bound_now = when(now) if when else now
    fixed = {"created_at": bound_now, "next_attempt_at": bound_now}
    # Fixed names from the table definition, quoted by the dialect; every value is bound.
    sql = (f"INSERT INTO {quote(_outbox_t.name)} ({', '.join(quote(c) for c in _COLUMNS)}) "  # noqa: S608
           f"VALUES ({', '.join('?' for _ in _COLUMNS)}) ON CONFLICT (dedupe_key) DO NOTHING")

    def rows() -> Iterator[tuple[Any, ...]]:
        for mail in mails:
            values = _row(mail, now)
            out = []
            for name, processor in zip(_COLUMNS, processors, strict=True):
                if name in fixed:
                    out.append(fixed[name])
                    continue
                value = values[name]
                out.append(processor(value) if processor is not None and value is not None else value)
            yield tuple(out)

    return bulk_execute(session, sql, rows(), batch=batch)


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
