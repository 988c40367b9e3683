"""The outbox: every mail Jigsaw sends is first a row here, written in the transaction of the
work that caused it, so a mail server that is down loses nothing.

``status`` is ``queued`` until the server accepts the mail (``sent``) or the attempts run out
(``failed``, kept and visible). ``dedupe_key`` names the logical mail ("duty alert 12 to the
duty address"), so asking twice queues it once; ``message_id`` is the Message-ID header, fixed
when queued, so a receiver can recognise a repeat (see :mod:`jigsaw.mail.sender`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.security.fieldcrypt import EncryptedJSON, EncryptedText


class MailStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class OutboxMail(Base):
    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipients: Mapped[list[str]] = mapped_column(EncryptedJSON("mail_outbox.recipients"))
    subject: Mapped[str] = mapped_column(EncryptedText("mail_outbox.subject"))
    body: Mapped[str] = mapped_column(EncryptedText("mail_outbox.body"))
    # An HTML alternative of the body, and extra headers (List-Unsubscribe…): both optional, both
    # encrypted (an unsubscribe link identifies its subscriber).
    html: Mapped[str | None] = mapped_column(EncryptedText("mail_outbox.html"))
    headers: Mapped[dict[str, str] | None] = mapped_column(EncryptedJSON("mail_outbox.headers"))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.QUEUED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
