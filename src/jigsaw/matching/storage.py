"""Tables for hash banks and the functions that change them (the storage adapter).

* ``banks``: a named set of hashes with its provenance and its PDQ threshold.
* ``bank_entries``: one hash with its classification, unique per (bank, signal type, value),
  which is what makes a re-import change nothing.
* ``bank_imports``: one row per import (source, when, counts), the provenance of entries.
* ``media_matches``: stored report media that matched a bank entry (the record triage reads).
* ``bank_entry_removals``: an append-only log of removed entries, so that every matcher can
  drop them from its in-memory index incrementally (adds are found by ``id`` > last seen).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    select,
    tuple_,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from jigsaw.db.base import Base, UTCDateTime, utcnow
from jigsaw.errors import Conflict, InvalidInput, NotFound
from jigsaw.events import BankEntriesAdded
from jigsaw.matching.banks import EntryRecord, ParseError, ParseResult
from jigsaw.platform import publish
from jigsaw.signals import PDQ

BANK_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_BATCH = 2000


class Bank(Base):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    pdq_threshold: Mapped[int] = mapped_column(Integer, default=PDQ.default_threshold)


class BankImport(Base):
    __tablename__ = "bank_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(16))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200), default="")
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)


class BankEntry(Base):
    __tablename__ = "bank_entries"
    __table_args__ = (
        UniqueConstraint("bank_id", "signal_type", "value"),
        Index("ix_bank_entries_signal_type_id", "signal_type", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    signal_type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))
    uk_category: Mapped[str | None] = mapped_column(String(1))
    vics_category: Mapped[int | None] = mapped_column(Integer)
    series: Mapped[str | None] = mapped_column(String(200), index=True)
    victim_identified: Mapped[bool | None] = mapped_column(Boolean)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("bank_imports.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def record(self) -> EntryRecord:
        return EntryRecord(self.signal_type, self.value, self.uk_category, self.vics_category,
                           self.series, self.victim_identified, tuple(self.tags or ()))


class BankEntryRemoval(Base):
    __tablename__ = "bank_entry_removals"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer)
    bank_id: Mapped[int] = mapped_column(Integer)
    signal_type: Mapped[str] = mapped_column(String(16))
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MediaMatchRecord(Base):
    """A stored media item that matched a bank entry, with the entry's categories as they were
    when matched, so the evidence stays stable if a bank is re-graded later (written by
    :func:`jigsaw.matching.media_matches.match_media`)."""

    __tablename__ = "media_matches"
    __table_args__ = (UniqueConstraint("media_id", "bank_entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    bank_entry_id: Mapped[int] = mapped_column(Integer)  # not a foreign key: entries may be removed later
    bank: Mapped[str] = mapped_column(String(64))
    signal_type: Mapped[str] = mapped_column(String(16))
    distance: Mapped[int] = mapped_column(Integer, default=0)
    uk_category: Mapped[str | None] = mapped_column(String(1))
    vics_category: Mapped[int | None] = mapped_column(Integer)
    series: Mapped[str | None] = mapped_column(String(200))
    victim_identified: Mapped[bool | None] = mapped_column(Boolean)
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BankError(InvalidInput, ValueError):
    """A bank request that cannot be carried out (bad name, unknown or duplicate bank)."""


class UnknownBank(NotFound, BankError):
    """No bank has this name (a lookup naming it, or a write to it)."""


class BankExists(Conflict, BankError):
    """A bank of this name exists already."""


@dataclass
class ImportSummary:
    """What an import did. ``errors`` keeps every malformed record's position and reason."""

    bank: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ParseError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"bank": self.bank, "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged,
                "errors": [{"position": e.position, "reason": e.reason} for e in self.errors]}


def create_bank(session: Session, name: str, *, description: str = "", source: str = "",
                pdq_threshold: int | None = None) -> Bank:
    """Create a bank. Names are UPPER_SNAKE (as HMA requires), so HMA clients can use them."""
    if not BANK_NAME.match(name):
        raise BankError("bank names are UPPER_SNAKE_CASE: A-Z, 0-9 and _, starting with a letter")
    if session.scalar(select(Bank.id).where(Bank.name == name)) is not None:
        raise BankExists(f"bank {name} already exists")
    threshold = PDQ.default_threshold if pdq_threshold is None else pdq_threshold
    if not 0 <= threshold <= 128:
        raise BankError("pdq_threshold must be within 0..128")
    bank = Bank(name=name, description=description, source=source, pdq_threshold=threshold)
    session.add(bank)
    session.flush()
    return bank


def get_bank(session: Session, name: str) -> Bank:
    bank = session.scalar(select(Bank).where(Bank.name == name))
    if bank is None:
        raise UnknownBank(f"no bank named {name}")
    return bank


def list_banks(session: Session) -> list[tuple[Bank, dict[str, int]]]:
    """Every bank with its entry counts per signal type."""
    from sqlalchemy import func

    counts: dict[int, dict[str, int]] = {}
    rows = session.execute(select(BankEntry.bank_id, BankEntry.signal_type, func.count())
                           .group_by(BankEntry.bank_id, BankEntry.signal_type))
    for bank_id, st, n in rows:
        counts.setdefault(bank_id, {})[st] = n
    banks = session.scalars(select(Bank).order_by(Bank.name)).all()
    return [(b, counts.get(b.id, {})) for b in banks]


def _metadata(rec: EntryRecord) -> dict[str, Any]:
    return {"uk_category": rec.uk_category, "vics_category": rec.vics_category,
            "series": rec.series, "victim_identified": rec.victim_identified,
            "tags": list(rec.tags)}


def import_entries(
    session: Session, bank: Bank, results: Iterable[ParseResult], *, source: str,
    fmt: str, imported_by: str = "",
) -> ImportSummary:
    """Upsert parsed entries into ``bank``; malformed records are collected, not fatal.

    Entries are keyed by (signal type, value): one already present with the same metadata is
    *unchanged*, with different metadata *updated*; so importing a file twice changes nothing.
    """
    summary = ImportSummary(bank=bank.name)
    log = BankImport(bank_id=bank.id, source=source[:500], format=fmt,
                     imported_by=imported_by[:200])
    session.add(log)
    session.flush()
    batch: dict[tuple[str, str], EntryRecord] = {}
    for r in results:
        if isinstance(r, ParseError):
            summary.errors.append(r)
            continue
        batch[r.key] = r  # within one file, the later record for a hash wins
        if len(batch) >= _BATCH:
            _upsert(session, bank.id, log.id, batch, summary)
            batch = {}
    if batch:
        _upsert(session, bank.id, log.id, batch, summary)
    log.added, log.updated, log.unchanged = summary.added, summary.updated, summary.unchanged
    log.errors = len(summary.errors)
    return summary


def _upsert(session: Session, bank_id: int, import_id: int,
            batch: dict[tuple[str, str], EntryRecord], summary: ImportSummary) -> None:
    existing = {
        (e.signal_type, e.value): e
        for e in session.scalars(select(BankEntry).where(
            BankEntry.bank_id == bank_id,
            tuple_(BankEntry.signal_type, BankEntry.value).in_(list(batch)),
        ))
    }
    new_rows = []
    for key, rec in batch.items():
        old = existing.get(key)
        meta = _metadata(rec)
        if old is None:
            new_rows.append(BankEntry(bank_id=bank_id, signal_type=rec.signal_type,
                                      value=rec.value, import_id=import_id, **meta))
        elif old.record() == rec:
            summary.unchanged += 1
        else:
            for k, v in meta.items():
                setattr(old, k, v)
            summary.updated += 1
    session.add_all(new_rows)
    session.flush()
    summary.added += len(new_rows)
    if new_rows:
        publish(session, BankEntriesAdded(tuple(e.id for e in new_rows)))


def add_entry(session: Session, bank: Bank, rec: EntryRecord, *, source: str = "api") -> tuple[
    BankEntry, bool
]:
    """Add one entry (or find the existing one). Returns (entry, created)."""
    old = session.scalar(select(BankEntry).where(
        BankEntry.bank_id == bank.id, BankEntry.signal_type == rec.signal_type,
        BankEntry.value == rec.value))
    if old is not None:
        return old, False
    entry = BankEntry(bank_id=bank.id, signal_type=rec.signal_type, value=rec.value,
                      **_metadata(rec))
    session.add(entry)
    session.flush()
    publish(session, BankEntriesAdded((entry.id,)))
    return entry, True


def remove_entries(session: Session, entry_ids: Sequence[int]) -> int:
    """Delete entries and log the removals, so matchers drop them from their indexes."""
    entries = session.scalars(select(BankEntry).where(BankEntry.id.in_(list(entry_ids)))).all()
    for e in entries:
        session.add(BankEntryRemoval(entry_id=e.id, bank_id=e.bank_id, signal_type=e.signal_type))
        session.delete(e)
    session.flush()
    return len(entries)


def iter_entries(session: Session, bank: Bank) -> Iterator[EntryRecord]:
    """Every entry of a bank in insertion order, streamed (for exports)."""
    stmt = select(BankEntry).where(BankEntry.bank_id == bank.id).order_by(BankEntry.id)
    for e in session.scalars(stmt.execution_options(yield_per=5000)):
        yield e.record()


def entries_by_id(session: Session, ids: Iterable[int]) -> dict[int, BankEntry]:
    wanted = sorted(set(ids))
    out: dict[int, BankEntry] = {}
    for i in range(0, len(wanted), 900):
        for e in session.scalars(select(BankEntry).where(BankEntry.id.in_(wanted[i:i + 900]))):
            out[e.id] = e
    return out
