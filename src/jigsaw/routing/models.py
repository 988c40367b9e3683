"""Tables of routing: what each recipient organisation may receive and where its point of contact
is, and the postcode → police force area table loaded from the ONS Postcode Directory.

A recipient *is* an organisation (accounts' ``organisations`` row: name, kind, ONS code, country);
this table adds what dissemination needs to know of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow


class RecipientProfile(Base):
    __tablename__ = "recipient_profiles"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True,
                                                 autoincrement=False)
    spoc_email: Mapped[str] = mapped_column(String(320))  # the single point of contact
    max_classification: Mapped[str] = mapped_column(String(32))  # a markings.Classification
    max_tlp: Mapped[str] = mapped_column(String(16))  # a markings.Tlp
    international: Mapped[bool] = mapped_column(Boolean, default=False)
    accepts_stix: Mapped[bool] = mapped_column(Boolean, default=False)
    covers: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO countries; "*" for the rest
    postcode_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)  # other ONS codes for the same area
    priority: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PostcodeForce(Base):
    """One live unit postcode and its police force area (ONSPD/NSPL ``pfa``)."""

    __tablename__ = "postcode_force_areas"
    __table_args__ = (Index("ix_postcode_force_areas_district_pfa", "district", "pfa"),)

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)  # SW1A1AA
    district: Mapped[str] = mapped_column(String(5))  # SW1A
    pfa: Mapped[str] = mapped_column(String(9))
