"""Tables of operations: the operation, its participating forces, its targets, its sitreps (the
figures frozen at a cut-off) and the revisions logged against them.

The objectives are encrypted (they can name people and places); names, statuses, dates and
counts stay clear, so the board is read from indexes. A target is a package (or one suspect of
it) allocated to a force; its warrant stage is never stored here, it is read from the outcomes
the force records, so the board and the record cannot disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.security.fieldcrypt import EncryptedText


class Operation(Base):
    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # OP-XXXX-XXXX
    name: Mapped[str] = mapped_column(String(120))  # the operation's code name (Tharsley), not a person
    lead_id: Mapped[int] = mapped_column(ForeignKey("users.id"))  # the coordinating officer
    coordinating_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    objectives: Mapped[str] = mapped_column(EncryptedText("operations.objectives"))
    status: Mapped[str] = mapped_column(String(16), default="planning", index=True)  # an OperationStatus
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("package_batches.id"))  # made from this batch
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OperationForce(Base):
    """A force (or partner agency) taking part: it sees the board's rows of its own targets."""

    __tablename__ = "operation_forces"

    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OperationTarget(Base):
    """A package (or one suspect of it, ``subject_id``) allocated to a force, due by ``action_by``
    (or the operation's end). A package is targeted whole or suspect by suspect, never both, so
    no outcome is counted twice."""

    __tablename__ = "operation_targets"
    __table_args__ = (
        UniqueConstraint("operation_id", "package_id", "subject_id", name="uq_operation_targets_package_subject"),
        Index("ix_operation_targets_operation_id_org_id", "operation_id", "org_id"),
        Index("ix_operation_targets_package_id", "package_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"))
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # the force it is allocated to
    action_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Sitrep(Base):
    """The board's figures frozen at ``cutoff_at``: by force (keyed by organisation id) and in total."""

    __tablename__ = "operation_sitreps"
    __table_args__ = (UniqueConstraint("operation_id", "number", name="uq_operation_sitreps_operation_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the operation
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # {"rows": {org_id|"total": {figure: n}}, "names": {org_id: name}}: counts and force names only.
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SitrepRevision(Base):
    """A frozen figure that later records changed: outcomes recorded after the cut-off about what
    happened before it, or withdrawn since."""

    __tablename__ = "operation_sitrep_revisions"
    __table_args__ = (Index("ix_operation_sitrep_revisions_sitrep_id_id", "sitrep_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitrep_id: Mapped[int] = mapped_column(ForeignKey("operation_sitreps.id", ondelete="CASCADE"))
    row: Mapped[str] = mapped_column(String(16))  # a force's organisation id, or "total"
    figure: Mapped[str] = mapped_column(String(40))  # a key of rules.FIGURE_LABELS
    before: Mapped[int] = mapped_column(Integer)
    after: Mapped[int] = mapped_column(Integer)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
