"""Tables of the education programme: deliverers, sessions and surveys.

A deliverer's name and email are encrypted (they are people); sessions and surveys hold counts,
never a child's name. ``setting_key`` is stored so settings reached is a ``COUNT(DISTINCT)``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.security.fieldcrypt import EncryptedText


class Deliverer(Base):
    __tablename__ = "education_deliverers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(EncryptedText("education_deliverers.name"))
    email: Mapped[str | None] = mapped_column(EncryptedText("education_deliverers.email"))
    organisation: Mapped[str] = mapped_column(String(200))  # the school, force or charity they work for
    role: Mapped[str] = mapped_column(String(32))  # a DelivererRole
    course: Mapped[str] = mapped_column(String(200))
    trained_on: Mapped[date] = mapped_column(Date)
    conduct_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")  # a DelivererStatus
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EducationSession(Base):
    __tablename__ = "education_sessions"
    __table_args__ = (Index("ix_education_sessions_held_on", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverer_id: Mapped[int] = mapped_column(ForeignKey("education_deliverers.id"), index=True)
    setting_name: Mapped[str] = mapped_column(String(200))
    setting_type: Mapped[str] = mapped_column(String(32))  # a SettingType
    setting_urn: Mapped[str | None] = mapped_column(String(20))  # e.g. the DfE school number
    setting_key: Mapped[str] = mapped_column(String(300))
    area: Mapped[str] = mapped_column(String(40))
    held_on: Mapped[date] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(32))  # a SessionFormat (never an assembly)
    children: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # age band -> count
    children_total: Mapped[int] = mapped_column(Integer, default=0)
    parents: Mapped[int] = mapped_column(Integer, default=0)
    professionals: Mapped[int] = mapped_column(Integer, default=0)
    resource: Mapped[str] = mapped_column(String(200))
    resource_version: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Survey(Base):
    __tablename__ = "education_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    instrument: Mapped[str] = mapped_column(Text)
    fieldwork_start: Mapped[date] = mapped_column(Date)
    fieldwork_end: Mapped[date] = mapped_column(Date)
    population: Mapped[str] = mapped_column(String(200))
    sample_size: Mapped[int] = mapped_column(Integer)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # measure, count, base, share, wording
    caveats: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
