"""Appending to and verifying the audit log in the database.

Appends are serialised (an advisory lock on PostgreSQL; SQLite serialises writers
itself) and ``seq`` is unique, so two writers can never fork the chain: a racing insert
fails instead, and the caller's whole transaction rolls back with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select, text
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
from jigsaw.db.engine import begin_write
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
    entry = NewEntry(actor, action, entity_type, entity_id, purpose=purpose, recipient=recipient, detail=detail)
    return append_many(session, [entry])[0]


@dataclass(frozen=True)
class NewEntry:
    """One entry to append: who did what to which entity, and why (the hash is added on append)."""

    actor: Actor
    action: AuditAction
    entity_type: str
    entity_id: object | None = None
    purpose: str | None = None
    recipient: str | None = None
    detail: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class AuditEntry:
    """What was appended: the fields the hash covers, the time as stored, and the chain links."""

    fields: ChainFields
    occurred_at: datetime
    prev_hash: str
    entry_hash: str

    def row(self) -> dict[str, Any]:
        """The ``audit_events`` row (without its id)."""
        chained = {f.name: getattr(self.fields, f.name) for f in dataclass_fields(ChainFields)}
        return {**chained, "occurred_at": self.occurred_at, "prev_hash": self.prev_hash,
                "entry_hash": self.entry_hash}


def append_many(on: Session | Connection, entries: Sequence[NewEntry]) -> list[AuditEntry]:
    """Append ``entries`` to the hash chain, in order, in the caller's transaction.

    The one way anything is written to the audit log (:func:`record` appends one; the bulk
    import appends one per report it writes), so ``jigsaw audit verify`` checks every entry
    the same way. Appends are serialised by an advisory lock on PostgreSQL (SQLite serialises
    writers itself), and the entries are inserted with one statement: the log is written on
    every read of personal data, so this must stay cheap.
    """
    for entry in entries:
        if entry.action in PURPOSE_REQUIRED and not (entry.purpose and entry.purpose.strip()):
            raise MissingPurposeError(f"a {entry.action.value} entry must state its purpose")
        if entry.action is AuditAction.DISCLOSURE and not entry.recipient:
            raise MissingPurposeError("a disclosure entry must name its recipient")
    if not entries:
        return []
    dialect = on.get_bind().dialect if isinstance(on, Session) else on.dialect
    if dialect.name == "postgresql":
        on.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    else:
        begin_write(on.connection() if isinstance(on, Session) else on)
    last = on.execute(_LAST).first()
    seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
    appended: list[AuditEntry] = []
    for entry in entries:
        seq += 1
        occurred_at = datetime.now(UTC)
        fields = ChainFields(
            seq=seq,
            occurred_at=occurred_at.isoformat(),
            actor=entry.actor.label,
            organisation_id=entry.actor.organisation_id,
            action=entry.action.value,
            entity_type=entry.entity_type,
            entity_id=None if entry.entity_id is None else str(entry.entity_id),
            purpose=entry.purpose,
            recipient=entry.recipient,
            detail=dict(entry.detail or {}),
        )
        digest = entry_hash(prev_hash, fields)
        appended.append(AuditEntry(fields, occurred_at, prev_hash, digest))
        prev_hash = digest
    rows = [entry.row() for entry in appended]
    on.execute(_INSERT, rows[0] if len(rows) == 1 else rows)
    return appended


_TABLE: Table = AuditEvent.__table__  # type: ignore[assignment]
_INSERT = insert(_TABLE)
_LAST = select(_TABLE.c.seq, _TABLE.c.entry_hash).order_by(_TABLE.c.seq.desc()).limit(1)


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
