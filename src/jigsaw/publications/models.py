"""Tables of publications: strategic threat assessments, one row per version.

The analyst's written assessment is encrypted (it may discuss cases); the counts stay clear. An
approved version keeps the figures it was approved with (``figures``, frozen at ``frozen_at``), so
it reads the same however the record changes later; editing it makes a new version
(``supersedes_id``) and the approved one becomes superseded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.security.fieldcrypt import EncryptedJSON, EncryptedText


class ThreatAssessment(Base):
    __tablename__ = "threat_assessments"
    __table_args__ = (UniqueConstraint("reference", "version", name="uq_threat_assessments_reference_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), index=True)  # STA-2025-26: shared by its versions
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("threat_assessments.id"))
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)  # a threat.Status
    sections: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("threat_assessments.sections"), default=dict)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # frozen when approved
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    classification: Mapped[str] = mapped_column(String(24), default="OFFICIAL-SENSITIVE")
    descriptor: Mapped[str | None] = mapped_column(String(16), default="PERSONAL")
    tlp: Mapped[str | None] = mapped_column(String(16), default="amber")
    handling: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_reason: Mapped[str | None] = mapped_column(EncryptedText("threat_assessments.returned_reason"))
