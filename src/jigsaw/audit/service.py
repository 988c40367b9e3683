"""Appending to and verifying the audit log in the database.

Appends are serialised (an advisory lock on PostgreSQL; SQLite serialises writers
itself) and ``seq`` is unique, so two writers can never fork the chain: a racing insert
fails instead, and the caller's whole transaction rolls back with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, insert, select, text
from sqlalchemy.orm import Session

from jigsaw.audit.chain import (
    GENESIS_HASH,
    PURPOSE_REQUIRED,
    AuditAction,
    ChainFields,
    StoredEntry,
    VerifyResult,
    entry_hash,
    verify_chain,
)
from jigsaw.audit.models import AuditEvent
from jigsaw.errors import InvalidInput

_PG_LOCK_KEY = 0x4A49_4753  # "JIGS"


@dataclass(frozen=True)
class Actor:
    """Who did something: a staff user, an API token, a public reporter or the system."""

    label: str
    organisation_id: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls("system")


class MissingPurposeError(InvalidInput, ValueError):
    pass


def record(
    session: Session,
    actor: Actor,
    action: AuditAction,
    entity_type: str,
    entity_id: object | None = None,
    *,
    purpose: str | None = None,
    recipient: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction; it commits or rolls back with the work."""
    if action in PURPOSE_REQUIRED and not (purpose and purpose.strip()):
        raise MissingPurposeError(f"a {action.value} entry must state its purpose")
    if action is AuditAction.DISCLOSURE and not recipient:
        raise MissingPurposeError("a disclosure entry must name its recipient")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.execute(_LAST).first()
    prev_seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
    occurred_at = datetime.now(UTC)
    fields = ChainFields(
        seq=prev_seq + 1,
        occurred_at=occurred_at.isoformat(),
        actor=actor.label,
        organisation_id=actor.organisation_id,
        action=action.value,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        purpose=purpose,
        recipient=recipient,
        detail=dict(detail or {}),
    )
    entry = AuditEntry(
        seq=fields.seq, occurred_at=occurred_at, actor=fields.actor, organisation_id=fields.organisation_id,
        action=fields.action, entity_type=fields.entity_type, entity_id=fields.entity_id, purpose=purpose,
        recipient=recipient, detail=fields.detail, prev_hash=prev_hash, entry_hash=entry_hash(prev_hash, fields),
    )
    # A Core insert: the log is written on every read of personal data, so it must be cheap.
    session.execute(_INSERT, asdict(entry))
    return entry


_TABLE: Table = AuditEvent.__table__  # type: ignore[assignment]
_INSERT = insert(_TABLE)
_LAST = select(_TABLE.c.seq, _TABLE.c.entry_hash).order_by(_TABLE.c.seq.desc()).limit(1)


@dataclass(frozen=True)
class AuditEntry:
    """What was appended (the row as written)."""

    seq: int
    occurred_at: datetime
    actor: str
    organisation_id: int | None
    action: str
    entity_type: str
    entity_id: str | None
    purpose: str | None
    recipient: str | None
    detail: Mapping[str, Any]
    prev_hash: str
    entry_hash: str


def _fields_of(event: AuditEvent) -> ChainFields:
    return ChainFields(
        seq=event.seq,
        occurred_at=event.occurred_at.astimezone(UTC).isoformat(),
        actor=event.actor,
        organisation_id=event.organisation_id,
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        purpose=event.purpose,
        recipient=event.recipient,
        detail=event.detail or {},
    )


def stored_entries(session: Session) -> Iterator[StoredEntry]:
    """Entries in insertion order (by row id), so a reordering shows up as a broken chain."""
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=2000)):
        yield StoredEntry(_fields_of(event), event.prev_hash, event.entry_hash)


def verify(session: Session, expect_head: tuple[int, str] | None = None) -> VerifyResult:
    return verify_chain(list(stored_entries(session)) if expect_head else stored_entries(session), expect_head)
