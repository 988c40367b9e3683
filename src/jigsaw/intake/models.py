"""Tables for reports, the subjects and identifiers they name, and media records.

Everything that could identify a reporter or a victim, or that a reporter wrote, is an
:class:`EncryptedText` column. Identifier values are encrypted too and joined through a
blind index. Media records hold hashes and metadata only, never bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.security.fieldcrypt import EncryptedJSON, EncryptedText


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("submitted_by_org_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    source: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    submitted_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    submitted_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)  # found by search (CyberTipline ids)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    incident_type: Mapped[str] = mapped_column(String(64))
    incident_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    platform: Mapped[str | None] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(EncryptedText("reports.summary"))
    escalation: Mapped[str | None] = mapped_column(EncryptedText("reports.escalation"))
    reporter_name: Mapped[str | None] = mapped_column(EncryptedText("reports.reporter_name"))
    reporter_email: Mapped[str | None] = mapped_column(EncryptedText("reports.reporter_email"))
    reporter_phone: Mapped[str | None] = mapped_column(EncryptedText("reports.reporter_phone"))
    status: Mapped[str] = mapped_column(String(32), default="new")
    # How a public report reached the form ("web_form", or "button" with the platform whose
    # Report Abuse button the reporter pressed); null for the other channels.
    entry_route: Mapped[str | None] = mapped_column(String(32), index=True)
    entry_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Structured flags from the source (e.g. NCMEC incident annotations, "escalate to high priority").
    annotations: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Everything else the source sent that has no column of its own, kept verbatim.
    source_data: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("reports.source_data"), default=dict)

    subjects: Mapped[list[Subject]] = relationship(
        back_populates="report", order_by="Subject.id", cascade="all, delete-orphan"
    )
    media: Mapped[list[MediaRecord]] = relationship(order_by="MediaRecord.id", cascade="all, delete-orphan")
    lines_of_enquiry: Mapped[list[LineOfEnquiry]] = relationship(
        order_by="LineOfEnquiry.id", cascade="all, delete-orphan"
    )


class LineOfEnquiry(Base):
    """One thing to investigate that a report gives rise to, usually one per reported person."""

    __tablename__ = "lines_of_enquiry"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(EncryptedText("lines_of_enquiry.title"))  # may name people
    status: Mapped[str] = mapped_column(String(32), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Subject(Base):
    """A person or account as one report describes them (linking joins them across reports)."""

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    name: Mapped[str | None] = mapped_column(EncryptedText("subjects.name"))
    description: Mapped[str | None] = mapped_column(EncryptedText("subjects.description"))
    age: Mapped[int | None] = mapped_column(Integer)

    report: Mapped[Report] = relationship(back_populates="subjects")
    observations: Mapped[list[Observation]] = relationship(
        back_populates="subject", order_by="Observation.id", cascade="all, delete-orphan"
    )


class IdentifierRecord(Base):
    """One canonical identifier, stored once; ``blind_index`` joins it without the plaintext."""

    __tablename__ = "identifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str | None] = mapped_column(String(200))
    blind_index: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[str] = mapped_column(EncryptedText("identifiers.value"))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Observation(Base):
    """An identifier seen in a report, for a subject, in a role, at a time."""

    __tablename__ = "observations"
    __table_args__ = (Index("ix_observations_identifier_report", "identifier_id", "report_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier_id: Mapped[int] = mapped_column(ForeignKey("identifiers.id"))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    port: Mapped[int | None] = mapped_column(Integer)

    identifier: Mapped[IdentifierRecord] = relationship(lazy="joined")
    subject: Mapped[Subject | None] = relationship(back_populates="observations")


class MediaRecord(Base):
    """Hashes and metadata of one media item in a report. Never the bytes."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id", ondelete="SET NULL"), index=True)
    md5: Mapped[str | None] = mapped_column(String(32), index=True)
    sha1: Mapped[str | None] = mapped_column(String(40), index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdq: Mapped[str | None] = mapped_column(String(64), index=True)
    pdq_quality: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int | None] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(EncryptedText("media.filename"))
    uk_category: Mapped[str | None] = mapped_column(String(1))  # Sentencing Council A/B/C
    vics_category: Mapped[int | None] = mapped_column(Integer)  # VICS 0-4 (0 = uncategorised)
    series: Mapped[str | None] = mapped_column(String(200), index=True)
    victim_identified: Mapped[bool | None] = mapped_column(Boolean)
    # File annotations, industry classification, EXIF details: encrypted, they can identify people.
    annotations: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("media.annotations"), default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PublicDraft(Base):
    """A public reporter's answers between pages, encrypted, deleted on submit or exit.

    Kept server-side so the browser's back button works (no re-POSTs), and nothing a child
    typed sits in URLs, history or cookies on a shared device. Expires after an idle period.
    """

    __tablename__ = "public_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_digest: Mapped[str] = mapped_column(String(64), unique=True)
    answers: Mapped[str] = mapped_column(EncryptedText("public_drafts.answers"))  # JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
