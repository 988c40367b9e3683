"""Matching a report's media against the hash banks, recorded in ``media_matches`` (adapter).

The matching capability matches hashes on request but keeps no record of which *report* media
matched which bank entry, and publishes no ``MediaMatched`` event yet. Triage needs both, so this
adapter does the report side: when a report is stored it looks up each media item's hashes and
stores the hits with the bank entry's categories as they were at match time (the evidence stays
stable if a bank is re-graded later).

Two ways to look up, the same result shape:

* exact hashes (MD5, SHA-1, SHA-256, PDQ) through SQL: **one** statement for all of a report's
  media and all four hash types, each an index seek on the banks' unique (bank, signal type,
  value) index, only enabled banks, leaving out hits already recorded. Always available, no
  process state, and it sees bank entries written earlier in the same transaction;
* PDQ within each bank's distance threshold, through the process's in-process
  :class:`jigsaw.matching.service.MatchingService` for this database
  (:func:`jigsaw.matching.service.service_for`), shared with the HTTP routes and linking.

Why not the in-process service for exact hashes too: each of its lookups first pulls bank changes
(it re-reads the newest 10,000 entry ids to catch late commits) and then reads the hits' metadata,
so it costs more round trips and rows than the single indexed statement here; it earns its keep
for PDQ distance search, which SQL cannot do.

This runs on every stored report, so statements are built once at import and new hits go in
with one ``executemany``.

Extension point: replace :func:`match_report_media` (or publish ``MediaMatched`` after writing
``media_matches``) and triage follows unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, insert, literal, select, union_all
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from jigsaw.intake.models import MediaRecord
from jigsaw.matching.service import service_for
from jigsaw.triage.models import MediaMatchRecord, table_of

_EXACT = ("md5", "sha1", "sha256", "pdq")


@dataclass(frozen=True)
class Hit:
    media_id: int
    entry_id: int
    bank: str
    signal_type: str
    distance: int
    uk_category: str | None
    vics_category: int | None
    series: str | None
    victim_identified: bool | None


_media, _matches = table_of(MediaRecord), table_of(MediaMatchRecord)


def _exact_statement() -> Select[Any] | None:
    """Exact hits of one report's media in enabled banks that are not recorded yet, or None
    when the matching capability is not part of this composition.

    One branch per hash type (so each can seek the unique index by bank, type and value). Hits
    are recorded, and so listed in the explanation, by hash type (md5, sha1, sha256, pdq), then
    bank, hash value and media item: the order the per-type lookups this replaces produced.
    """
    try:
        from jigsaw.matching.storage import Bank, BankEntry
    except ImportError:  # matching not installed in this composition
        return None
    banks, entries = table_of(Bank), table_of(BankEntry)
    branches = []
    for rank, stype in enumerate(_EXACT):
        recorded = exists().where(_matches.c.media_id == _media.c.id, _matches.c.bank_entry_id == entries.c.id)
        branches.append(
            select(literal(rank).label("rank"), entries.c.bank_id, entries.c.value, _media.c.id.label("media_id"),
                   entries.c.id.label("entry_id"),
                   banks.c.name, entries.c.signal_type, entries.c.uk_category, entries.c.vics_category,
                   entries.c.series, entries.c.victim_identified)
            .select_from(_media)
            .join(entries, and_(entries.c.signal_type == stype, entries.c.value == _media.c[stype]))
            .join(banks, and_(banks.c.id == entries.c.bank_id, banks.c.enabled.is_(True)))
            .where(_media.c.report_id == bindparam("rid"), ~recorded))
    hits = union_all(*branches).subquery("hits")
    wanted = [c for c in hits.c if c.name not in ("rank", "bank_id", "value")]
    return select(*wanted).order_by(hits.c.rank, hits.c.bank_id, hits.c.value, hits.c.media_id)


_EXACT_HITS = _exact_statement()
_PDQ_MEDIA = select(_media.c.id, _media.c.pdq).where(_media.c.report_id == bindparam("rid"),
                                                     _media.c.pdq.is_not(None)).order_by(_media.c.id)
_RECORDED = select(_matches.c.media_id, _matches.c.bank_entry_id).where(_matches.c.report_id == bindparam("rid"))
_INSERT = insert(_matches)


def match_report_media(session: Session, report_id: int) -> int:
    """Look up every media hash of ``report_id`` in the banks; store new hits. Returns how many."""
    hits: list[Hit] = []
    if _EXACT_HITS is not None:
        hits = [Hit(m, e, bank, stype, 0, uk, vics, series, victim)
                for m, e, bank, stype, uk, vics, series, victim in session.execute(_EXACT_HITS, {"rid": report_id})]
    hits += _pdq_hits(session, report_id)
    if not hits:
        return 0
    now = datetime.now(UTC)
    session.execute(_INSERT, [
        {"media_id": h.media_id, "report_id": report_id, "bank_entry_id": h.entry_id, "bank": h.bank,
         "signal_type": h.signal_type, "distance": h.distance, "uk_category": h.uk_category,
         "vics_category": h.vics_category, "series": h.series, "victim_identified": h.victim_identified,
         "matched_at": now} for h in hits])
    return len(hits)


def _pdq_hits(session: Session, report_id: int) -> list[Hit]:
    """Near PDQ matches through the process's MatchingService (exact ones are already found),
    less those already recorded for the report."""
    with_pdq: Sequence[Any] = session.execute(_PDQ_MEDIA, {"rid": report_id}).all()
    if not with_pdq:
        return []
    bind = session.get_bind()
    service = service_for(bind if isinstance(bind, Engine) else bind.engine)
    raw = service.lookup_raw("pdq", [value for _, value in with_pdq])
    described = service.describe(raw, session=session)
    near = [Hit(media_id, m.entry_id, m.bank, m.signal_type, m.distance, m.uk_category, m.vics_category, m.series,
                m.victim_identified)
            for (media_id, _), matches in zip(with_pdq, described, strict=True) for m in matches if m.distance > 0]
    if not near:
        return []
    known = {(m, e) for m, e in session.execute(_RECORDED, {"rid": report_id})}
    fresh = {(h.media_id, h.entry_id): h for h in near if (h.media_id, h.entry_id) not in known}
    return list(fresh.values())



def match_new_entries(session: Session, entry_ids: Sequence[int]) -> list[int]:
    """Record matches between stored media and bank entries just added; return the reports hit.

    Runs when a bank grows, so old cases meet new intelligence. It works in the caller's
    transaction (the in-process matcher cannot see entries that are not committed yet): equal
    digests by indexed lookups, PDQ within the bank's threshold by a chunked scan of stored PDQs
    against the few new entries.
    """
    from jigsaw.matching.storage import Bank, BankEntry

    entries = session.execute(
        select(BankEntry.id, BankEntry.signal_type, BankEntry.value, Bank.name, Bank.pdq_threshold,
               BankEntry.uk_category, BankEntry.vics_category, BankEntry.series, BankEntry.victim_identified)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .where(BankEntry.id.in_(list(entry_ids)), Bank.enabled.is_(True))
    ).all()
    found: dict[tuple[int, int], tuple[int, Hit]] = {}
    for stype in _EXACT:
        by_value = {e.value: e for e in entries if e.signal_type == stype}
        column = getattr(MediaRecord, stype)
        values = list(by_value)
        for start in range(0, len(values), 500):
            rows = session.execute(select(MediaRecord.id, MediaRecord.report_id, column)
                                   .where(column.in_(values[start:start + 500])))
            for media_id, report_id, value in rows:
                e = by_value[value]
                found[(media_id, e.id)] = (report_id, Hit(media_id, e.id, e.name, stype, 0, e.uk_category,
                                                          e.vics_category, e.series, e.victim_identified))
    pdq_entries = [e for e in entries if e.signal_type == "pdq"]
    if pdq_entries:
        for media_id, report_id, entry, distance in _near_pdq(session, pdq_entries):
            found.setdefault((media_id, entry.id), (report_id, Hit(
                media_id, entry.id, entry.name, "pdq", distance, entry.uk_category, entry.vics_category,
                entry.series, entry.victim_identified)))
    if not found:
        return []
    media_ids = sorted({m for m, _ in found})
    recorded = {(m, e) for m, e in session.execute(
        select(_matches.c.media_id, _matches.c.bank_entry_id).where(_matches.c.media_id.in_(media_ids)))}
    fresh = [(rid, h) for key, (rid, h) in found.items() if key not in recorded]
    if fresh:
        now = datetime.now(UTC)
        session.execute(_INSERT, [
            {"media_id": h.media_id, "report_id": rid, "bank_entry_id": h.entry_id, "bank": h.bank,
             "signal_type": h.signal_type, "distance": h.distance, "uk_category": h.uk_category,
             "vics_category": h.vics_category, "series": h.series, "victim_identified": h.victim_identified,
             "matched_at": now} for rid, h in fresh])
    return sorted({rid for rid, _ in fresh})


def _near_pdq(session: Session, entries: Sequence[Any]) -> list[tuple[int, int, Any, int]]:
    """(media id, report id, entry, distance) for stored PDQs within each entry's bank threshold."""
    import numpy as np

    targets = np.frombuffer(b"".join(bytes.fromhex(e.value) for e in entries), dtype=np.uint8).reshape(-1, 32)
    thresholds = np.array([e.pdq_threshold for e in entries])
    hits: list[tuple[int, int, Any, int]] = []
    rows = session.execute(select(MediaRecord.id, MediaRecord.report_id, MediaRecord.pdq)
                           .where(MediaRecord.pdq.is_not(None)).execution_options(yield_per=50_000))
    for chunk in rows.partitions():
        media = np.frombuffer(b"".join(bytes.fromhex(p or "") for _, _, p in chunk), dtype=np.uint8).reshape(-1, 32)
        distances = np.bitwise_count(media[:, None, :] ^ targets[None, :, :]).sum(axis=2)
        for row, col in zip(*np.nonzero(distances <= thresholds[None, :]), strict=True):
            media_id, report_id, _ = chunk[row]
            hits.append((media_id, report_id, entries[col], int(distances[row, col])))
    return hits
