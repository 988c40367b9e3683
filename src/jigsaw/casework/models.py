"""Tables of case work: cases, the reports in each, and each case's actions log.

A report belongs to at most one case (``case_reports.report_id`` is unique). Everything an
analyst writes is encrypted: notes and requests name people.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.security.fieldcrypt import EncryptedJSON, EncryptedText


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_status_assignee", "status", "assignee_id"),
                      Index("ix_cases_queue", "band_rank", "due_at", "status"),
                      Index("ix_cases_updated_at", "updated_at"),
                      Index("ix_cases_opened_at", "opened_at"),
                      Index("ix_cases_due_at", "due_at", "status"),
                      Index("ix_cases_danger", "escalated", "band_rank", "due_at", "status"),
                      Index("ix_cases_unassigned", "assignee_id", "band_rank", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # CASE-XXXX-XXXX
    status: Mapped[str] = mapped_column(String(32), default="new")  # a CaseStatus
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason: Mapped[str | None] = mapped_column(String(32))  # a CloseReason
    close_explanation: Mapped[str | None] = mapped_column(EncryptedText("cases.close_explanation"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    new_information: Mapped[bool] = mapped_column(Boolean, default=False)  # a report joined since last look
    # The most urgent of its reports' triage (band, its rank, the earliest due time, any danger-now
    # escalation), kept here so the queue filters and sorts on one indexed table.
    band: Mapped[str | None] = mapped_column(String(2))
    band_rank: Mapped[int | None] = mapped_column(Integer)  # UNASSESSED_RANK when no report has a band
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CaseReport(Base):
    __tablename__ = "case_reports"

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by: Mapped[str] = mapped_column(String(200))  # "system" when linking joined it
    new_information: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseAction(Base):
    """One entry in a case's chronological log: typed, timed and signed."""

    __tablename__ = "case_actions"
    __table_args__ = (Index("ix_case_actions_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))  # an ActionKind
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_label: Mapped[str] = mapped_column(String(200))
    text: Mapped[str | None] = mapped_column(EncryptedText("case_actions.text"))
    # Structured fields of the kind (a preservation request's platform, a comms-data request's
    # reference, purpose, necessity, proportionality, identifier, seen-at, status, result…).
    details: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("case_actions.details"), default=dict)
    # A preservation request's expiry, in clear so lapsing requests are found by an index.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str | None] = mapped_column(String(32))
    superseded_by_id: Mapped[int | None] = mapped_column(Integer)
