"""Tables of triage: configurations, assessments (the full history), the current queue position,
analysts' item records, overrides, and bank matches of report media.

* ``triage_configs``: each proposed configuration with its text, hash, proposer and approver.
* ``triage_assessments``: append-only history; every re-score adds a row with its trigger,
  the configuration version and its explanation: whole, or a delta against the report's latest
  whole one (:mod:`jigsaw.triage.history`; read it with ``queries.explanation_of``).
* ``triage_state``: one row per report, the current effective band and due time, denormalised
  so the queue is one indexed scan in (band rank, due time, actionability) order.
* ``triage_item_records``: what analysts recorded about a subject, yes/no/unknown with evidence.
* ``triage_overrides``: a person's decision to change a band, with a reason code and text;
  lowering from P0/P1 stays pending until a different supervisor approves it.
* ``media_matches`` (defined by matching, :class:`jigsaw.matching.storage.MediaMatchRecord`):
  report media that matched a bank entry, with the entry's categories as they were when matched.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.matching.interfaces import MediaMatchRecord as MediaMatchRecord  # matching writes it; triage reads it
from jigsaw.security.fieldcrypt import EncryptedText


class ConfigStatus(StrEnum):
    """Where a configuration version is in change control (``triage_configs.status``)."""

    PROPOSED = "proposed"  # stored and checked, waiting for a second person
    APPROVED = "approved"  # the newest approved one is in force
    RETIRED = "retired"  # approved once, replaced by a later approval
    REJECTED = "rejected"


class OverrideStatus(StrEnum):
    """Where a person's band change is (``triage_overrides.status``)."""

    APPLIED = "applied"  # in force without approval (raising, or lowering P2/P3)
    PENDING = "pending"  # lowering a P0/P1 case: waits for a different supervisor
    APPROVED = "approved"  # a pending downgrade a supervisor approved: in force
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # replaced by a newer request, or by new, more urgent information


IN_FORCE = (OverrideStatus.APPLIED, OverrideStatus.APPROVED)
"""Override statuses that set the effective band."""


class TriageConfigVersion(Base):
    __tablename__ = "triage_configs"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # a ConfigStatus
    proposed_by: Mapped[str] = mapped_column(String(200))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(String(2000))


class TriageAssessment(Base):
    __tablename__ = "triage_assessments"
    __table_args__ = (Index("ix_triage_assessments_report_id_id", "report_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    trigger: Mapped[str] = mapped_column(String(64))
    config_version: Mapped[str] = mapped_column(String(64))
    band: Mapped[str] = mapped_column(String(2))
    score: Mapped[int] = mapped_column(Integer)
    actionability: Mapped[int] = mapped_column(Integer)
    worst_band: Mapped[str] = mapped_column(String(2))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)


class TriageState(Base):
    __tablename__ = "triage_state"
    __table_args__ = (
        Index("ix_triage_state_queue", "band_rank", "due_at", "actionability"),
        Index("ix_triage_state_due_at", "due_at"),
    )

    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    assessment_id: Mapped[int] = mapped_column(Integer)
    model_band: Mapped[str] = mapped_column(String(2))
    band: Mapped[str] = mapped_column(String(2))  # effective: after any override in force
    band_rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    actionability: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    override_id: Mapped[int | None] = mapped_column(Integer)
    pending_override: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the model saw at the latest assessment (:meth:`jigsaw.triage.scoring.Scorer.view`): a
    # linked report whose view a new report leaves unchanged is not re-assessed. NULL: re-assess.
    view_digest: Mapped[str | None] = mapped_column(String(64))


class TriageItemRecord(Base):
    __tablename__ = "triage_item_records"
    __table_args__ = (Index("ix_triage_item_records_subject_item", "subject_id", "item_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(8))
    evidence: Mapped[str] = mapped_column(EncryptedText("triage_item_records.evidence"))  # may name people
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_by_user_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TriageOverride(Base):
    __tablename__ = "triage_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int] = mapped_column(Integer)
    from_band: Mapped[str] = mapped_column(String(2))
    to_band: Mapped[str] = mapped_column(String(2))
    reason_code: Mapped[str] = mapped_column(String(64))
    reason_text: Mapped[str] = mapped_column(EncryptedText("triage_overrides.reason_text"))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_by_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), index=True)  # an OverrideStatus
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_by_user_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(EncryptedText("triage_overrides.decision_note"))
