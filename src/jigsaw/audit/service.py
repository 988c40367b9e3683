"""Appending to and verifying the audit log in the database.

Appends are serialised (an advisory lock on PostgreSQL; the write lock, taken before the
head is read, on SQLite) and ``seq`` is unique, so two writers can never fork the chain: a
racing insert fails instead, and the caller's whole transaction rolls back with it. Entries
logged on a session are appended when it commits, so the lock is held only for the append.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from jigsaw.audit.chain import (
    GENESIS_HASH,
    MAX_PURPOSE_CHARS,
    PURPOSE_REQUIRED,
    SWITCH_OVER_ID,
    SWITCH_OVER_TYPE,
    AuditAction,
    ChainFields,
    StoredEntry,
    VerifyResult,
    entry_hash,
    key_id,
    switch_over_detail,
    verify_chain,
)
from jigsaw.audit.models import AuditEvent
from jigsaw.db.bulk import connection, insert_rows
from jigsaw.db.engine import begin_write
from jigsaw.errors import InvalidInput, Unavailable
from jigsaw.platform import platform_for

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
) -> None:
    """Log one entry in the caller's transaction; it commits or rolls back with the work.

    The entry is checked now (a missing purpose refuses the work at once) and appended to
    the chain when the transaction commits (:func:`defer`): the append serialises every
    writer of the log, so it is done as late as possible, not for the rest of the work.
    """
    defer(session, [NewEntry(actor, action, entity_type, entity_id, purpose=purpose, recipient=recipient,
                             detail=detail)])


_PENDING = "jigsaw_audit_pending"


def defer(session: Session, entries: Sequence[NewEntry]) -> None:
    """Append ``entries`` to the chain just before ``session`` commits, in the order logged.

    Appending takes the chain's lock (an advisory lock on PostgreSQL, the write lock on
    SQLite) until commit, so taken at commit it is held for the insert alone, not while the
    transaction links, triages or waits on anything: a killed or slow transaction blocks no
    one else's audited work. Inside a savepoint the entries are appended at once instead, so
    rolling the savepoint back takes them with it. A rolled-back transaction drops them.
    """
    for entry in entries:
        _check(entry)
    if not entries:
        return
    if session.in_nested_transaction():
        append_many(session, entries)
        return
    session.info.setdefault(_PENDING, []).extend(entries)


def pending(session: Session) -> list[NewEntry]:
    """Entries logged in ``session``'s transaction and not yet appended (they are at commit)."""
    return list(session.info.get(_PENDING, ()))


@sa_event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    entries = session.info.pop(_PENDING, None)
    if entries:
        append_many(session, entries)


@sa_event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction ended without committing (a commit took them)
        session.info.pop(_PENDING, None)


def _check(entry: NewEntry) -> None:
    if entry.purpose is not None and len(entry.purpose) > MAX_PURPOSE_CHARS:
        raise MissingPurposeError(f"a purpose is at most {MAX_PURPOSE_CHARS} characters")
    if entry.recipient is not None and len(entry.recipient) > 200:
        raise MissingPurposeError("a recipient is at most 200 characters")
    if entry.action in PURPOSE_REQUIRED and not (entry.purpose and entry.purpose.strip()):
        raise MissingPurposeError(f"a {entry.action.value} entry must state its purpose")
    if entry.action is AuditAction.DISCLOSURE and not entry.recipient:
        raise MissingPurposeError("a disclosure entry must name its recipient")


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

    The one way anything is written to the audit log (:func:`record` and :func:`defer` call
    it at commit), so ``jigsaw audit verify`` checks every entry
    the same way. Appends are serialised by an advisory lock on PostgreSQL (SQLite serialises
    writers itself), and the entries are inserted with one statement: the log is written on
    every read of personal data, so this must stay cheap.
    """
    for entry in entries:
        _check(entry)
    if not entries:
        return []
    dialect = on.get_bind().dialect if isinstance(on, Session) else on.dialect
    if dialect.name == "postgresql":
        on.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    else:
        begin_write(on.connection() if isinstance(on, Session) else on)
    key = _key_of(on)
    last = on.execute(_LAST).first()
    seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS_HASH)
    chain_key = _chain_key_id(on)
    if key is None and chain_key is not None:
        raise AuditKeyMissing("the audit chain is keyed: set JIGSAW_AUDIT_KEY or JIGSAW_AUDIT_KEY_FILE to write to it "
                              "(an unkeyed entry would break it)")
    if chain_key is not None:
        entries = [entry for entry in entries if not _is_switch_over(entry)]  # keyed already: once is enough
        if not entries:
            return []
    if chain_key is None and key is not None and not _is_switch_over(entries[0]):
        # The first entry under a key switches the chain over: it and all after it are keyed.
        entries = [NewEntry(Actor.system(), AuditAction.ADMINISTRATION, SWITCH_OVER_TYPE, SWITCH_OVER_ID,
                            detail=switch_over_detail(key)), *entries]
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
        digest = entry_hash(prev_hash, fields, key)
        appended.append(AuditEntry(fields, occurred_at, prev_hash, digest))
        prev_hash = digest
    rows = [entry.row() for entry in appended]
    if len(rows) == 1:
        on.execute(_INSERT, rows[0])
    else:  # a batch (an import appends thousands): one executemany without per-row SQLAlchemy work
        insert_rows(connection(on), _TABLE, _COLUMNS, [tuple(row[c] for c in _COLUMNS) for row in rows])
    return appended


def _is_switch_over(entry: NewEntry) -> bool:
    return entry.entity_type == SWITCH_OVER_TYPE and entry.entity_id == SWITCH_OVER_ID


def ensure_keyed(session: Session) -> bool:
    """Switch the chain over to the platform's audit key now, if it is not yet keyed (at start-up,
    so that ``jigsaw audit verify`` finds it keyed before anything else is logged). True if keyed."""
    key = _key_of(session)
    if key is None:
        return False
    defer(session, [NewEntry(Actor.system(), AuditAction.ADMINISTRATION, SWITCH_OVER_TYPE, SWITCH_OVER_ID,
                             detail=switch_over_detail(key))])
    return True


class AuditKeyMissing(Unavailable, RuntimeError):
    """The chain is keyed and this process has no key (or another one): nothing may be appended."""




def _engine_of(on: Session | Connection) -> Engine:
    bind = on.get_bind() if isinstance(on, Session) else on
    return bind.engine if isinstance(bind, Connection) else bind


def _key_of(on: Session | Connection) -> bytes | None:
    try:
        return platform_for(_engine_of(on)).audit_key
    except LookupError:  # an engine no platform owns (a migration, a test's own engine)
        return None


def _chain_key_id(on: Session | Connection) -> str | None:
    """The id of the key the chain is keyed with, or None while it is unkeyed (read under the lock:
    one indexed row, the latest switch-over entry)."""
    row = on.execute(_LAST_SWITCH_OVER).first()
    if row is None:
        return None
    recorded = str((row[0] or {}).get("key_id"))
    key = _key_of(on)
    if key is not None and recorded != key_id(key):
        raise AuditKeyMissing(f"the audit chain is keyed with key {recorded}, not the configured key {key_id(key)}")
    return recorded


_TABLE: Table = AuditEvent.__table__  # type: ignore[assignment]
_INSERT = insert(_TABLE)
_COLUMNS = tuple(c.name for c in _TABLE.columns if c.name != "id")
_LAST = select(_TABLE.c.seq, _TABLE.c.entry_hash).order_by(_TABLE.c.seq.desc()).limit(1)
_LAST_SWITCH_OVER = (select(_TABLE.c.detail).where(_TABLE.c.entity_id == SWITCH_OVER_ID,
                                                   _TABLE.c.entity_type == SWITCH_OVER_TYPE)
                     .order_by(_TABLE.c.seq.desc()).limit(1))


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


def verify(session: Session, expect_head: tuple[int, str] | None = None, *,
           checkpoints: Sequence[tuple[int, str]] = ()) -> VerifyResult:
    """Verify the whole chain with the platform's audit key, against a recorded head and checkpoints."""
    return verify_chain(stored_entries(session), expect_head, key=_key_of(session), checkpoints=checkpoints)
