"""Tables of outcomes: what a force reports it did with a package, and networks disrupted.

An outcome record is append-only and dated; a force corrects one by withdrawing it (with a
reason) and recording it again, so a sitrep frozen earlier can be compared with the record now.
Each record carries the force's own reference, unique per force, which makes a resubmission
harmless. Counts, stages, outcome types and flags stay clear (statistics and boards are read from
them); offences, sentences, notes and evidence are encrypted. Children are counts, not names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.security.fieldcrypt import EncryptedJSON, EncryptedText


class Outcome(Base):
    """One thing a receiving force did or found, for a package and (usually) one of its suspects."""

    __tablename__ = "outcomes"
    __table_args__ = (
        UniqueConstraint("org_id", "reference", name="uq_outcomes_org_reference"),
        CheckConstraint("count >= 1", name="count_positive"),
        CheckConstraint("home_office_outcome IS NULL OR (home_office_outcome >= 0 AND home_office_outcome <= 22)",
                        name="home_office_outcome_range"),
        Index("ix_outcomes_kind_occurred_at", "kind", "occurred_at"),
        Index("ix_outcomes_package_id_subject_id", "package_id", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # the force that recorded it
    reference: Mapped[str] = mapped_column(String(64))  # the force's own reference
    body_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the submitted fields: same reference, same body
    kind: Mapped[str] = mapped_column(String(24))  # an OutcomeKind
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)  # the suspect
    count: Mapped[int] = mapped_column(Integer, default=1)
    # Warrants: the stage this record moves the (package, suspect) warrant to.
    warrant_stage: Mapped[str | None] = mapped_column(String(16))  # a WarrantStage
    # Children safeguarded.
    category: Mapped[str | None] = mapped_column(String(24))  # a ChildCategory
    age_band: Mapped[str | None] = mapped_column(String(8))  # one of CHILD_AGE_BANDS
    victim_subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    series_id: Mapped[int | None] = mapped_column(Integer)  # linking's image series, where known
    # Charges, convictions, the crime's outcome type.
    home_office_outcome: Mapped[int | None] = mapped_column(Integer)  # 0-22; 0 is never counted
    charge_count: Mapped[int | None] = mapped_column(Integer)
    contact_offence: Mapped[bool | None] = mapped_column(Boolean)  # a conviction for contact abuse raises triage
    # Devices.
    devices_seized: Mapped[int | None] = mapped_column(Integer)
    devices_examined: Mapped[int | None] = mapped_column(Integer)
    # About the suspect.
    registered_sex_offender: Mapped[bool | None] = mapped_column(Boolean)
    position_of_trust: Mapped[bool | None] = mapped_column(Boolean)
    high_risk: Mapped[bool | None] = mapped_column(Boolean)  # a high-risk offender located
    # Offence wording, sentence, a note: encrypted.
    details: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("outcomes.details"), default=dict)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(EncryptedText("outcomes.withdrawn_reason"))


class NetworkDisruption(Base):
    """The centre's finding that a network was disrupted or dismantled, with its evidence.

    Network labels are derived (rebuilt by linking), so the record keeps the subject it was
    anchored on and the label and size the network had when it was recorded.
    """

    __tablename__ = "network_disruptions"
    __table_args__ = (Index("ix_network_disruptions_effect_occurred_at", "effect", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # NET-XXXX-XXXX
    anchor_subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    network_label: Mapped[int] = mapped_column(Integer)
    subject_count: Mapped[int] = mapped_column(Integer)
    effect: Mapped[str] = mapped_column(String(16))  # a NetworkEffect
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id"))
    evidence: Mapped[str] = mapped_column(EncryptedText("network_disruptions.evidence"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
