"""Where a report's subjects and media sit in linking: the network and series each one is in.

The report page links every subject to its network and every media item to its series; these
are the few indexed reads it needs (never the whole neighbourhood). :func:`adopt_bank_series`
is the other half of "a bank grew": media that just matched a bank entry naming a series take
that series name, and the series carrying it join, so the series page shows the old report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from jigsaw.db.bulk import chunks, execute, scalars
from jigsaw.intake.interfaces import MediaRecord
from jigsaw.linking.models import LinkMedia, LinkSubject
from jigsaw.matching.interfaces import MediaMatchRecord


@dataclass(frozen=True)
class NetworkRef:
    """A subject's network: its label and how many subjects it holds."""

    network_id: int
    subjects: int


@dataclass(frozen=True)
class SeriesRef:
    """A media item's series, as the series page shows it (a known name or a recurring image)."""

    series_id: int
    names: tuple[str, ...]
    reports: int


def subject_networks(session: Session, subject_ids: Sequence[int]) -> dict[int, NetworkRef]:
    """Per linked subject id, its network (subjects not linked yet are left out)."""
    of: dict[int, int] = {}
    for part in chunks(sorted(set(subject_ids))):
        of.update((s, n) for s, n in execute(session, select(LinkSubject.subject_id, LinkSubject.network_id)
                                             .where(LinkSubject.subject_id.in_(part))))
    sizes: dict[int, int] = {}
    for part in chunks(sorted(set(of.values()))):
        sizes.update((n, c) for n, c in execute(session, select(LinkSubject.network_id, func.count())
                                                .where(LinkSubject.network_id.in_(part))
                                                .group_by(LinkSubject.network_id)))
    return {s: NetworkRef(n, sizes.get(n, 1)) for s, n in of.items()}


def media_series(session: Session, media_ids: Sequence[int]) -> dict[int, SeriesRef]:
    """Per media id, its series where the series page would show one: named by a bank or the
    source, or seen in more than one report (imagery seen once is not a series yet)."""
    of: dict[int, int] = {}
    for part in chunks(sorted(set(media_ids))):
        of.update((m, s) for m, s in execute(session, select(LinkMedia.media_id, LinkMedia.series_id)
                                             .where(LinkMedia.media_id.in_(part))))
    names: dict[int, set[str]] = defaultdict(set)
    reports: dict[int, set[int]] = defaultdict(set)
    for part in chunks(sorted(set(of.values()))):
        for series_id, report_id, own, bank in execute(session, select(
                LinkMedia.series_id, MediaRecord.report_id, MediaRecord.series, LinkMedia.bank_series)
                .join(MediaRecord, MediaRecord.id == LinkMedia.media_id).where(LinkMedia.series_id.in_(part))):
            reports[series_id].add(report_id)
            names[series_id].update(n for n in (own, bank) if n)
    out: dict[int, SeriesRef] = {}
    for media_id, series_id in of.items():
        if names[series_id] or len(reports[series_id]) > 1:
            out[media_id] = SeriesRef(series_id, tuple(sorted(names[series_id])), len(reports[series_id]))
    return out


def adopt_bank_series(session: Session, report_id: int) -> int:
    """The report's linked media that have a recorded bank match naming a series, and no bank
    series yet, take it (exact matches first, then the nearest); each such series joins the
    series already carrying that name. Returns how many media changed.

    Reads matching's recorded hits (``media_matches``), so it agrees with the report page and
    with triage, which read the same records.
    """
    rows = execute(session, select(MediaMatchRecord.media_id, MediaMatchRecord.series,
                                   MediaMatchRecord.victim_identified, LinkMedia.series_id)
                   .join(LinkMedia, LinkMedia.media_id == MediaMatchRecord.media_id)
                   .where(MediaMatchRecord.report_id == report_id, MediaMatchRecord.series.is_not(None),
                          LinkMedia.bank_series.is_(None))
                   .order_by(MediaMatchRecord.media_id, MediaMatchRecord.distance, MediaMatchRecord.id)).all()
    chosen: dict[int, tuple[str, bool | None, int]] = {}
    for media_id, name, victim, series_id in rows:
        chosen.setdefault(media_id, (name, victim, series_id))
    for media_id, (name, victim, series_id) in chosen.items():
        execute(session, update(LinkMedia).where(LinkMedia.media_id == media_id)
                .values(bank_series=name, bank_victim_identified=victim))
        joined = {series_id}
        joined.update(scalars(session, select(LinkMedia.series_id).where(LinkMedia.bank_series == name)))
        joined.update(scalars(session, select(LinkMedia.series_id).join(
            MediaRecord, MediaRecord.id == LinkMedia.media_id).where(MediaRecord.series == name)))
        target = min(joined)
        for part in chunks(sorted(joined - {target})):
            execute(session, update(LinkMedia).where(LinkMedia.series_id.in_(part)).values(series_id=target))
    return len(chosen)
