"""Stored media against the hash banks: the one bank-matching operation for report media.

:func:`match_media` finds, for stored media items, every bank entry they match (equal digests
or PDQ, and PDQ within each bank's own threshold), with the entry's bank metadata; records the
new hits in ``media_matches`` with the entry's categories as they were at match time (the
evidence stays stable if a bank is re-graded later); and publishes
:class:`~jigsaw.events.MediaMatched` for each report that gained a hit. :func:`match_new_entries`
is the other direction: when a bank grows, which stored media do its new entries hit.
:func:`bank_series` answers linking's question (which series does an image belong to) from the
same matcher.

How each kind is looked up:

* equal hashes (MD5, SHA-1, SHA-256, PDQ) through SQL: **one** statement for all the media and
  all four types, each an index seek on the banks' unique (bank, signal type, value) index,
  only enabled banks, leaving out hits already recorded. It sees bank entries written earlier
  in the same transaction, and costs one round trip;
* PDQ within each bank's threshold through the process's
  :class:`~jigsaw.matching.service.MatchingService` (:func:`~jigsaw.matching.service.service_for`),
  whose indexes are kept in step with the banks (SQL cannot do distance search).

This runs on every stored report, so statements are built once at import and new hits go in
with one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from sqlalchemy import Select, Table, and_, bindparam, exists, insert, literal, select, union_all
from sqlalchemy.orm import Session

from jigsaw import platform as composed
from jigsaw.db.base import Base
from jigsaw.events import MediaMatched
from jigsaw.intake.interfaces import MediaRecord
from jigsaw.matching.service import MatchingService, service_for
from jigsaw.matching.storage import Bank, BankEntry, MediaMatchRecord
from jigsaw.signals import DIGESTS, PDQ

__all__ = ["HashSet", "MediaHit", "bank_series", "match_media", "match_new_entries", "recorded_matches"]

# Exact hits are recorded (and so listed in triage's explanation) in this order of hash type.
_EXACT = ("md5", "sha1", "sha256", "pdq")
# Linking's series lookup tries the perceptual hash first, then the digests strongest first.
_SERIES_ORDER = (PDQ.name, *(d.name for d in DIGESTS))


@dataclass(frozen=True)
class MediaHit:
    """One stored media item that matched one bank entry, with the entry's bank metadata."""

    media_id: int
    report_id: int
    entry_id: int
    bank: str
    signal_type: str
    distance: int
    uk_category: str | None
    vics_category: int | None
    series: str | None
    victim_identified: bool | None


def _table(entity: type[Base]) -> Table:
    return cast(Table, entity.__table__)


_media, _matches = _table(MediaRecord), _table(MediaMatchRecord)
_banks, _entries = _table(Bank), _table(BankEntry)


def _exact_statement() -> Select[Any]:
    """Exact hits of the given media in enabled banks that are not recorded yet.

    One branch per hash type (so each can seek the unique index by bank, type and value),
    ordered by hash type, then bank, hash value and media item.
    """
    branches = []
    for rank, stype in enumerate(_EXACT):
        recorded = exists().where(_matches.c.media_id == _media.c.id, _matches.c.bank_entry_id == _entries.c.id)
        branches.append(
            select(literal(rank).label("rank"), _entries.c.bank_id, _entries.c.value,
                   _media.c.id.label("media_id"), _media.c.report_id, _entries.c.id.label("entry_id"),
                   _banks.c.name, _entries.c.signal_type, _entries.c.uk_category, _entries.c.vics_category,
                   _entries.c.series, _entries.c.victim_identified)
            .select_from(_media)
            .join(_entries, and_(_entries.c.signal_type == stype, _entries.c.value == _media.c[stype]))
            .join(_banks, and_(_banks.c.id == _entries.c.bank_id, _banks.c.enabled.is_(True)))
            .where(_media.c.id.in_(bindparam("ids", expanding=True)), ~recorded))
    hits = union_all(*branches).subquery("hits")
    wanted = [c for c in hits.c if c.name not in ("rank", "bank_id", "value")]
    return select(*wanted).order_by(hits.c.rank, hits.c.bank_id, hits.c.value, hits.c.media_id)


_EXACT_HITS = _exact_statement()
_PDQ_MEDIA = (select(_media.c.id, _media.c.report_id, _media.c.pdq)
              .where(_media.c.id.in_(bindparam("ids", expanding=True)), _media.c.pdq.is_not(None))
              .order_by(_media.c.id))
_RECORDED = select(_matches.c.media_id, _matches.c.bank_entry_id).where(
    _matches.c.media_id.in_(bindparam("ids", expanding=True)))
_INSERT = insert(_matches)


def match_media(session: Session, media_ids: Sequence[int], *, publish: bool = True) -> list[MediaHit]:
    """Match stored media against the banks; record and return the hits not recorded before.

    With ``publish`` (default) one :class:`~jigsaw.events.MediaMatched` per report that gained
    a hit is published in the caller's transaction. Matching's own handler for new reports passes
    ``publish=False``: triage scores a new report right after (its handlers run after matching's).
    """
    ids = list(dict.fromkeys(media_ids))
    if not ids:
        return []
    hits = [MediaHit(m, r, e, bank, stype, 0, uk, vics, series, victim)
            for m, r, e, bank, stype, uk, vics, series, victim in session.execute(_EXACT_HITS, {"ids": ids})]
    hits += _near_pdq_hits(session, ids)
    _record(session, hits, publish=publish)
    return hits


def recorded_matches(session: Session, report_id: int) -> dict[int, list[MediaMatchRecord]]:
    """Per media item of the report, its recorded bank matches: exact ones first, then the
    nearest, each with the bank, categories and series as they were when it matched."""
    out: dict[int, list[MediaMatchRecord]] = {}
    for m in session.scalars(select(MediaMatchRecord).where(MediaMatchRecord.report_id == report_id)
                             .order_by(MediaMatchRecord.media_id, MediaMatchRecord.distance, MediaMatchRecord.id)):
        out.setdefault(m.media_id, []).append(m)
    return out


def _near_pdq_hits(session: Session, ids: list[int]) -> list[MediaHit]:
    """Near PDQ matches through the matcher (equal ones come from SQL), less those recorded."""
    with_pdq: Sequence[Any] = session.execute(_PDQ_MEDIA, {"ids": ids}).all()
    if not with_pdq:
        return []
    service = service_for(session)
    raw = service.lookup_raw(PDQ.name, [value for _, _, value in with_pdq])
    described = service.describe(raw, session=session)
    near = [MediaHit(media_id, report_id, m.entry_id, m.bank, m.signal_type, m.distance, m.uk_category,
                     m.vics_category, m.series, m.victim_identified)
            for (media_id, report_id, _), matches in zip(with_pdq, described, strict=True)
            for m in matches if m.distance > 0]
    if not near:
        return []
    known = {(m, e) for m, e in session.execute(_RECORDED, {"ids": sorted({h.media_id for h in near})})}
    fresh = {(h.media_id, h.entry_id): h for h in near if (h.media_id, h.entry_id) not in known}
    return list(fresh.values())


def _record(session: Session, hits: Sequence[MediaHit], *, publish: bool, cause: str = "media_matched") -> None:
    if not hits:
        return
    now = datetime.now(UTC)
    session.execute(_INSERT, [{**{k: v for k, v in asdict(h).items() if k != "entry_id"},
                               "bank_entry_id": h.entry_id, "matched_at": now} for h in hits])
    if publish:
        for report_id in dict.fromkeys(h.report_id for h in hits):
            composed.publish(session, MediaMatched(report_id, cause))


def match_new_entries(session: Session, entry_ids: Sequence[int], *, publish: bool = True) -> list[int]:
    """Record matches between stored media and bank entries just added; return the reports hit.

    Runs when a bank grows, so old cases meet new intelligence. It works in the caller's
    transaction (the matcher's bank indexes cannot see entries that are not committed yet):
    equal digests by indexed lookups, PDQ within the bank's threshold through the stored-media
    PDQ index, each candidate re-checked against its stored hash.
    """
    entries = session.execute(
        select(BankEntry.id, BankEntry.signal_type, BankEntry.value, Bank.name, Bank.pdq_threshold,
               BankEntry.uk_category, BankEntry.vics_category, BankEntry.series, BankEntry.victim_identified)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .where(BankEntry.id.in_(list(entry_ids)), Bank.enabled.is_(True))
    ).all()
    found: dict[tuple[int, int], MediaHit] = {}
    for stype in _EXACT:
        by_value = {e.value: e for e in entries if e.signal_type == stype}
        column = getattr(MediaRecord, stype)
        values = list(by_value)
        for start in range(0, len(values), 500):
            rows = session.execute(select(MediaRecord.id, MediaRecord.report_id, column)
                                   .where(column.in_(values[start:start + 500])))
            for media_id, report_id, value in rows:
                e = by_value[value]
                found[(media_id, e.id)] = MediaHit(media_id, report_id, e.id, e.name, stype, 0, e.uk_category,
                                                   e.vics_category, e.series, e.victim_identified)
    pdq_entries = [e for e in entries if e.signal_type == PDQ.name]
    for media_id, report_id, entry, distance in _stored_near(session, pdq_entries):
        found.setdefault((media_id, entry.id), MediaHit(
            media_id, report_id, entry.id, entry.name, PDQ.name, distance, entry.uk_category, entry.vics_category,
            entry.series, entry.victim_identified))
    if not found:
        return []
    recorded = {(m, e) for m, e in session.execute(_RECORDED, {"ids": sorted({m for m, _ in found})})}
    fresh = [h for key, h in found.items() if key not in recorded]
    _record(session, fresh, publish=publish, cause="bank_entries_added")
    return sorted({h.report_id for h in fresh})


def _stored_near(session: Session, entries: Sequence[Any]) -> list[tuple[int, int, Any, int]]:
    """(media id, report id, entry, distance) for stored PDQs within each entry's bank
    threshold, in media then entry order."""
    if not entries:
        return []
    index = service_for(session).media_pdq
    out: list[tuple[int, int, Any, int]] = []
    for entry in entries:
        for part in _chunks(index.near(session, entry.value, entry.pdq_threshold)):
            for media_id, report_id, pdq in session.execute(
                    select(MediaRecord.id, MediaRecord.report_id, MediaRecord.pdq).where(MediaRecord.id.in_(part))):
                d = PDQ.distance(pdq, entry.value) if pdq else None
                if d is not None and d <= entry.pdq_threshold:
                    out.append((media_id, report_id, entry, int(d)))
    order = {e.id: i for i, e in enumerate(entries)}
    out.sort(key=lambda t: (t[0], order[t[2].id]))
    return out


def _chunks(items: list[int], size: int = 900) -> list[list[int]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


class HashSet(Protocol):
    """A media item's hashes as linking holds them (any of them may be missing)."""

    @property
    def md5(self) -> str | None: ...
    @property
    def sha1(self) -> str | None: ...
    @property
    def sha256(self) -> str | None: ...
    @property
    def pdq(self) -> str | None: ...


def bank_series(service: MatchingService, items: Sequence[HashSet], *,
                refresh: bool = True) -> list[tuple[str | None, bool | None]]:
    """Per item, the series (and whether its victim is identified) of the nearest matching bank
    entry that names one: PDQ first (within each bank's threshold), then SHA-256, SHA-1, MD5.

    ``refresh=False`` skips bringing the matcher up to date (a batch refreshes once).
    """
    out: list[tuple[str | None, bool | None]] = [(None, None)] * len(items)
    if refresh:
        service.refresh()
    for stype in _SERIES_ORDER:
        todo = [i for i, m in enumerate(items) if out[i][0] is None and getattr(m, stype)]
        if not todo:
            continue
        found = service.lookup(stype, [getattr(items[i], stype) for i in todo], refresh=False)
        for i, matches in zip(todo, found, strict=True):
            named = [m for m in matches if m.series]
            if named:
                out[i] = (named[0].series, named[0].victim_identified)
    return out
