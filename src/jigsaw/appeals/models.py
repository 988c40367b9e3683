"""Tables of Most Wanted: appeals, their approvals and history, the photo, tips, subscribers and
the suppression list.

What an appeal says (public fields, justification, notes) is encrypted: before publication it is
personal data about a person the public has not been told of, and the justification never becomes
public. The photo is stored in the database (never on disk) and its row is deleted when the appeal
ends. Tips keep no IP address, no cookie and nothing about the tipster but what they wrote (which
goes into intake as a report). Subscribers' addresses are encrypted and found by blind index.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.security.fieldcrypt import EncryptedJSON, EncryptedText


class Appeal(Base):
    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_status_review_by", "status", "review_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # MW-XXXX-XXXX, staff-facing
    slug: Mapped[str] = mapped_column(String(16), unique=True)  # the public address: neutral, never the name
    status: Mapped[str] = mapped_column(String(32), default="draft")  # an AppealStatus
    reason: Mapped[str] = mapped_column(String(32))  # an AppealReason
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id", ondelete="SET NULL"), index=True)
    owning_force_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    region: Mapped[str] = mapped_column(String(40))
    public: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("appeals.public"))
    justification: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("appeals.justification"))
    review_by: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_note: Mapped[str | None] = mapped_column(EncryptedText("appeals.end_note"))


class AppealApproval(Base):
    """One supervisor's approval of one submission (cleared if the appeal goes back to draft)."""

    __tablename__ = "appeal_approvals"
    __table_args__ = (UniqueConstraint("appeal_id", "approver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(EncryptedText("appeal_approvals.note"))


class AppealEvent(Base):
    """The appeal's history: every change, approval, publication and takedown, signed and timed."""

    __tablename__ = "appeal_events"
    __table_args__ = (Index("ix_appeal_events_appeal_id_id", "appeal_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_label: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(EncryptedText("appeal_events.note"))


class AppealPhoto(Base):
    """The re-encoded, metadata-free photo of a published appeal's subject (one per appeal)."""

    __tablename__ = "appeal_photos"

    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AppealTip(Base):
    """An anonymous sighting: its reference, the argon2 hash of its passphrase, and the force it goes to."""

    __tablename__ = "appeal_tips"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # TIP-XXXX-XXXX
    passphrase_hash: Mapped[str] = mapped_column(String(200))
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)
    owning_force_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(32), default="received")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AppealTipReport(Base):
    """The intake reports a tip made: the first sighting and each follow-up."""

    __tablename__ = "appeal_tip_reports"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    tip_id: Mapped[int] = mapped_column(ForeignKey("appeal_tips.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Subscriber(Base):
    """Someone who asked for Most Wanted alerts by email (double opt-in)."""

    __tablename__ = "appeal_subscribers"
    __table_args__ = (Index("ix_appeal_subscribers_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(EncryptedText("appeal_subscribers.email"))
    email_index: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # a SubscriberStatus
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every region
    consent_version: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32), default="web_form")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # confirmed: the consent's evidence
    token_nonce: Mapped[str] = mapped_column(String(32))  # in every link; a new one voids the old links
    confirmations_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_confirmation_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Suppression(Base):
    """An address that unsubscribed (or bounced): never mailed an alert again unless it opts in afresh.
    Kept by blind index only, and never purged."""

    __tablename__ = "appeal_suppressions"

    email_index: Mapped[str] = mapped_column(String(64), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(String(32))
