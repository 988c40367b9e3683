"""Tables of dissemination: packages, what they are about, their graded items, their history,
their message threads, and batches of packages approved as a set.

The four-eyes rule is held by the database as well as the service: a package (or batch) whose
approver is its author cannot be stored (``ck_packages_four_eyes``). Everything that names a
person or says what happened is encrypted; statuses, markings and dates stay clear so the queues
are read from indexes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.security.fieldcrypt import EncryptedJSON, EncryptedText


class PackageBatch(Base):
    """Packages drafted together (one per suspect of a referral batch) and approved as a set."""

    __tablename__ = "package_batches"
    __table_args__ = (CheckConstraint("approved_by_id IS NULL OR approved_by_id <> created_by_id",
                                      name="four_eyes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # BATCH-XXXX-XXXX
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Package(Base):
    __tablename__ = "packages"
    __table_args__ = (
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> created_by_id", name="four_eyes"),
        Index("ix_packages_recipient_status", "recipient_org_id", "status"),
        Index("ix_packages_status_ack_due", "status", "ack_due_at"),
        Index("ix_packages_status_action_by", "status", "action_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # PKG-XXXX-XXXX
    status: Mapped[str] = mapped_column(String(16), default="draft")  # a PackageStatus
    version: Mapped[int] = mapped_column(Integer, default=1)  # edits since it was drafted
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("package_batches.id"), index=True)
    rerouted_from_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id"))
    # Routing: the recipient, on what basis and why; the proposals and needs when last routed.
    recipient_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    route_basis: Mapped[str | None] = mapped_column(String(32))  # a routing Basis
    route_reason: Mapped[str | None] = mapped_column(EncryptedText("packages.route_reason"))  # may hold a postcode
    routing: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("packages.routing"), default=dict)
    # Markings.
    classification: Mapped[str] = mapped_column(String(32))  # a markings.Classification
    descriptor: Mapped[str | None] = mapped_column(String(16))
    tlp: Mapped[str | None] = mapped_column(String(16))
    handling: Mapped[str] = mapped_column(String(1000), default="")  # handling instructions
    # Timing.
    band: Mapped[str] = mapped_column(String(2))
    action_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stale_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the recipient first recorded an outcome (outcomes tells us): the package is acted on, not stale.
    first_outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Content.
    summary: Mapped[str] = mapped_column(EncryptedText("packages.summary"))
    evidence: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("packages.evidence"), default=dict)
    # The recipient's side.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    response_reason: Mapped[str | None] = mapped_column(EncryptedText("packages.response_reason"))


class PackageReport(Base):
    __tablename__ = "package_reports"

    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True, index=True)


class PackageSubject(Base):
    __tablename__ = "package_subjects"

    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True, index=True)


class PackageItem(Base):
    """One graded piece of intelligence (3x5x2)."""

    __tablename__ = "package_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(EncryptedText("package_items.text"))
    source_evaluation: Mapped[str] = mapped_column(String(1))
    assessment: Mapped[str] = mapped_column(String(1))
    handling: Mapped[str] = mapped_column(String(1))
    conditions: Mapped[str | None] = mapped_column(EncryptedText("package_items.conditions"))
    legacy_5x5x5: Mapped[str | None] = mapped_column(String(3))


class PackageEvent(Base):
    """One step in a package's history: who did what, when, and any comment or reason."""

    __tablename__ = "package_events"
    __table_args__ = (Index("ix_package_events_package_id_id", "package_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_label: Mapped[str] = mapped_column(String(200))
    by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    comment: Mapped[str | None] = mapped_column(EncryptedText("package_events.comment"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # statuses, markings, ids: nothing personal


class PackageMessage(Base):
    """The thread between the centre and the recipient (requests for more information)."""

    __tablename__ = "package_messages"
    __table_args__ = (Index("ix_package_messages_package_id_id", "package_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_label: Mapped[str] = mapped_column(String(200))
    by_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    text: Mapped[str] = mapped_column(EncryptedText("package_messages.text"))
