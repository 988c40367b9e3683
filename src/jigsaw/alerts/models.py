"""Duty alerts: one row per report that reached P0 or carries a danger-now escalation.

The row is the alert's whole life: raised (and mailed to the duty address), acknowledged by a
named person, or escalated to the supervisors when nobody acknowledged it in time. It holds the
report's reference and band only, never what the report says.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow


class AlertReason(StrEnum):
    P0 = "p0"  # the report's band is P0
    DANGER_NOW = "danger_now"  # the report carries an escalation (someone in danger now)
    BOTH = "p0_danger_now"


REASON_LABELS = {AlertReason.P0: "P0", AlertReason.DANGER_NOW: "danger now", AlertReason.BOTH: "P0, danger now"}


class DutyAlert(Base):
    __tablename__ = "duty_alerts"
    __table_args__ = (Index("ix_duty_alerts_open", "acknowledged_at", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), unique=True)
    reference: Mapped[str] = mapped_column(String(20))
    band: Mapped[str | None] = mapped_column(String(2))  # None: escalated before triage assessed it
    reason: Mapped[str] = mapped_column(String(16))  # an AlertReason
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(320))
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(Integer)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
