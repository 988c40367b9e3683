"""Linking against the database: per-report updates, the bulk rebuild, merges and unmerges.

:func:`link_report` is called after a report is stored, in the same transaction, so a report and
its links commit or roll back together. :func:`rebuild` recomputes everything from observations
and media in bulk (numpy + a compiled union-find), and must give exactly the same labels.

Identifier values are never joined on: joins go through ``identifiers.id``. Plaintext is decrypted
in memory only to classify a value the first time it is seen (known-shared list) and to derive its
fuzzy likeness keys, which are stored as blind indexes.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.intake.models import IdentifierRecord, MediaRecord, Observation, Subject
from jigsaw.linking import fuzzy
from jigsaw.linking.graph import (
    Key,
    communities,
    encode_keys,
    key_counts,
    label_partition,
    pair_edges,
    unique_counts,
)
from jigsaw.linking.incremental import Touched, add_subjects, recompute, union
from jigsaw.linking.models import LinkIdentifier, LinkLikeness, LinkMedia, LinkSubject, SubjectMerge
from jigsaw.linking.rules import LinkingConfig, config_from_env, joins, known_shared_reason
from jigsaw.security.fieldcrypt import active_cipher

log = logging.getLogger(__name__)
PDQ_THRESHOLD = 31
_CHUNK = 900  # ids per IN (...) list: under SQLite's variable limit on every version


def _exec(session: Session, stmt: Any, params: Any = None) -> Any:
    """Run a Core statement on the session's connection: no ORM bookkeeping or autoflush, which
    dominate the cost of the dozen small indexed queries a report needs."""
    conn = session.connection()
    return conn.execute(stmt) if params is None else conn.execute(stmt, params)


def _scalars(session: Session, stmt: Any) -> Any:
    return _exec(session, stmt).scalars()


def _scalar(session: Session, stmt: Any) -> Any:
    return _exec(session, stmt).scalar()


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# -- bank series --------------------------------------------------------------------------

@dataclass(frozen=True)
class MediaHashes:
    md5: str | None
    sha1: str | None
    sha256: str | None
    pdq: str | None


BankSeries = tuple[str | None, bool | None]  # (series name, victim identified)
BankLookup = Callable[[Sequence[MediaHashes]], list[BankSeries]]


def no_banks(items: Sequence[MediaHashes]) -> list[BankSeries]:
    return [(None, None)] * len(items)


def matching_bank_lookup(engine: Engine) -> BankLookup:
    """Series from hash-bank matches (PDQ within each bank's threshold, or an equal hash).

    Uses :class:`jigsaw.matching.service.MatchingService`, which keeps its indexes in step
    with the banks incrementally; the process shares one service per engine
    (:func:`jigsaw.matching.service.service_for`). If the service
    fails (the matching library is being changed), :func:`simple_bank_lookup` answers instead.
    """
    from jigsaw.matching.service import service_for

    service = service_for(engine)
    fallback = simple_bank_lookup(engine)
    current = False  # one lookup serves a whole batch: the banks are brought up to date once

    def lookup(items: Sequence[MediaHashes]) -> list[BankSeries]:
        nonlocal current
        out: list[BankSeries] = [(None, None)] * len(items)
        try:
            if not current:
                service.refresh()
                current = True
            for stype in ("pdq", "sha256", "sha1", "md5"):
                todo = [i for i, m in enumerate(items) if out[i][0] is None and getattr(m, stype)]
                if not todo:
                    continue
                found = service.lookup(stype, [getattr(items[i], stype) for i in todo], refresh=False)
                for i, matches in zip(todo, found, strict=True):
                    named = [m for m in matches if m.series]
                    if named:
                        out[i] = (named[0].series, named[0].victim_identified)
        except Exception:
            log.warning("MatchingService lookup failed; using the simple bank lookup", exc_info=True)
            return fallback(items)
        return out

    return lookup


def simple_bank_lookup(engine: Engine, threshold: int = PDQ_THRESHOLD) -> BankLookup:
    """Series of bank entries that carry one: equal hashes, or PDQ within ``threshold``.

    Reads only entries with a series (a small part of most banks) into memory on each call.
    """
    from jigsaw.matching.storage import BankEntry

    def lookup(items: Sequence[MediaHashes]) -> list[BankSeries]:
        with Session(engine) as session:
            entries = session.execute(select(BankEntry.signal_type, BankEntry.value, BankEntry.series,
                                             BankEntry.victim_identified).where(BankEntry.series.is_not(None))).all()
        exact = {(e.signal_type, e.value.lower()): (e.series, e.victim_identified) for e in entries}
        pdqs = [e for e in entries if e.signal_type == "pdq"]
        index = BruteForcePdq()
        if pdqs:
            index.add(_pdq_bytes([e.value.lower() for e in pdqs]), np.arange(len(pdqs), dtype=np.int64))
        out: list[BankSeries] = []
        for m in items:
            found: BankSeries = (None, None)
            for stype in ("sha256", "sha1", "md5", "pdq"):
                value = getattr(m, stype)
                if value and (stype, value.lower()) in exact:
                    found = exact[(stype, value.lower())]
                    break
            if found[0] is None and m.pdq and pdqs:
                lims, dist, hits = index.search(_pdq_bytes([m.pdq.lower()]), threshold)
                if lims[1] > 0:
                    best = int(hits[int(np.argmin(dist))])
                    found = (pdqs[best].series, pdqs[best].victim_identified)
            out.append(found)
        return out

    return lookup


# -- the media PDQ index ------------------------------------------------------------------

def _pdq_bytes(hexes: Sequence[str]) -> np.ndarray:
    if not hexes:
        return np.zeros((0, 32), np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(-1, 32)


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


class BruteForcePdq:
    """Exact Hamming range search by brute force (numpy popcount): the fallback when
    :class:`jigsaw.matching.PdqIndex` is unavailable or fails. Same ``add``/``search`` shape."""

    def __init__(self) -> None:
        self.words = np.zeros((0, 4), np.uint64)
        self.ids = np.zeros(0, np.int64)

    def add(self, hashes: np.ndarray, ids: np.ndarray) -> None:
        words = np.ascontiguousarray(hashes, np.uint8).reshape(-1, 32).view(np.uint64)
        self.words = np.concatenate([self.words, words])
        self.ids = np.concatenate([self.ids, np.asarray(ids, np.int64)])

    def search(self, queries: np.ndarray, threshold: int = PDQ_THRESHOLD) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        q = np.ascontiguousarray(queries, np.uint8).reshape(-1, 32).view(np.uint64)
        lims, dists, hits = [0], [], []
        for row in q:
            d = np.bitwise_count(self.words ^ row).sum(axis=1)
            sel = np.nonzero(d <= threshold)[0]
            dists.append(d[sel])
            hits.append(self.ids[sel])
            lims.append(lims[-1] + len(sel))
        empty = np.zeros(0, np.int64)
        return (np.asarray(lims, np.int64), np.concatenate(dists) if dists else empty,
                np.concatenate(hits) if hits else empty)


def pdq_index() -> Any:
    """The matching library's PDQ index when it is present and works, else :class:`BruteForcePdq`."""
    try:
        from jigsaw.matching import PdqIndex

        probe = PdqIndex()
        probe.add(np.zeros((1, 32), np.uint8), np.zeros(1, np.int64))
        probe.search(np.zeros((1, 32), np.uint8), threshold=PDQ_THRESHOLD)
        return PdqIndex()
    except Exception:  # a matching index that cannot search must not stop intake from linking
        log.warning("jigsaw.matching.PdqIndex unavailable; using brute-force PDQ search", exc_info=True)
        return BruteForcePdq()


class _MediaPdq:
    """Every stored media PDQ in one :class:`PdqIndex` per engine, topped up by id on each use.

    Hits are re-checked against the stored hash, so an id reused after a rolled-back insert can
    never produce a false match; a row committed late out of id order can be missed until the
    next ``networks rebuild`` (documented limitation).
    """

    def __init__(self) -> None:
        self.index = pdq_index()
        self.high_water = 0
        self.lock = threading.Lock()

    def refresh(self, session: Session) -> None:
        rows = _exec(session, select(MediaRecord.id, MediaRecord.pdq).where(
            MediaRecord.id > self.high_water, MediaRecord.pdq.is_not(None)).order_by(MediaRecord.id)).all()
        if rows:
            self.index.add(_pdq_bytes([str(r[1]) for r in rows]), np.asarray([r[0] for r in rows], np.int64))
            self.high_water = rows[-1][0]

    def near(self, session: Session, pdq: str, threshold: int) -> list[int]:
        with self.lock:
            self.refresh(session)
            lims, _dist, ids = self.index.search(_pdq_bytes([pdq]), threshold=threshold)
        return sorted(set(ids[lims[0]:lims[1]].tolist()))


_pdq_indexes: weakref.WeakKeyDictionary[Engine, _MediaPdq] = weakref.WeakKeyDictionary()


def _media_pdq(session: Session) -> _MediaPdq:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    found = _pdq_indexes.get(engine)
    if found is None:
        found = _pdq_indexes[engine] = _MediaPdq()
    return found


# -- the database as a NetworkStore ---------------------------------------------------------

# Holders and holder counts of many keys in one statement each ("expanding" IN lists are cached
# once compiled). Counts are taken in the database so that a hub's thousands of holders are
# never fetched just to be counted.
_ids: Any = bindparam("ids", expanding=True)
_IDENT_HOLDERS = (select(Observation.identifier_id, Observation.subject_id).distinct()
                  .where(Observation.identifier_id.in_(_ids), Observation.subject_id.is_not(None)))
_IDENT_COUNTS = (select(Observation.identifier_id, func.count(Observation.subject_id.distinct()))
                 .where(Observation.identifier_id.in_(_ids), Observation.subject_id.is_not(None))
                 .group_by(Observation.identifier_id))
_GROUP_HOLDERS = (select(LinkMedia.image_group, MediaRecord.subject_id).distinct()
                  .join(MediaRecord, MediaRecord.id == LinkMedia.media_id)
                  .where(LinkMedia.image_group.in_(_ids), MediaRecord.subject_id.is_not(None)))
_GROUP_COUNTS = (select(LinkMedia.image_group, func.count(MediaRecord.subject_id.distinct()))
                 .join(MediaRecord, MediaRecord.id == LinkMedia.media_id)
                 .where(LinkMedia.image_group.in_(_ids), MediaRecord.subject_id.is_not(None))
                 .group_by(LinkMedia.image_group))

class SqlNetworkStore:
    """:class:`jigsaw.linking.incremental.NetworkStore` over the linking tables.

    The batched lookups take one ``IN (...)`` query per kind of key. :func:`link_report` primes
    :attr:`counts` and :attr:`reasons` with what it has just read or written, so that
    :func:`~jigsaw.linking.incremental.add_subjects` does not ask again; those primes are only
    valid until observations or image groups change, so a store lives for one report.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.counts: dict[Key, int] = {}    # primed holder counts
        self.reasons: dict[Key, str | None] = {}  # primed known-shared reasons (None: none)

    def holders(self, key: Key) -> set[int]:
        return self.holders_many([key]).get(key, set())

    def holders_many(self, keys: Collection[Key]) -> dict[Key, set[int]]:
        out: dict[Key, set[int]] = defaultdict(set)
        for kind, stmt in (("i", _IDENT_HOLDERS), ("g", _GROUP_HOLDERS)):
            ids = sorted({k[1] for k in keys if k[0] == kind})
            for part in _chunks(ids):
                for ident, subject in _exec(self.session, stmt, {"ids": list(part)}):
                    out[(kind, ident)].add(subject)
        return dict(out)

    def holder_counts(self, keys: Collection[Key]) -> dict[Key, int]:
        out = {k: self.counts[k] for k in keys if k in self.counts}
        for kind, stmt in (("i", _IDENT_COUNTS), ("g", _GROUP_COUNTS)):
            ids = sorted({k[1] for k in keys if k[0] == kind and k not in out})
            for part in _chunks(ids):
                out.update(((kind, ident), n) for ident, n in _exec(self.session, stmt, {"ids": list(part)}))
        return out

    def shared_reason(self, key: Key) -> str | None:
        return self.shared_reasons([key]).get(key)

    def shared_reasons(self, keys: Collection[Key]) -> dict[Key, str]:
        known = {k: self.reasons[k] for k in keys if k in self.reasons}
        todo = sorted({k[1] for k in keys if k[0] == "i" and k not in known})
        for part in _chunks(todo):
            known.update((("i", i), r) for i, r in _exec(self.session, _REASONS, {"ids": list(part)}))
        return {k: r for k, r in known.items() if r is not None}

    def labels(self, subjects: Iterable[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for part in _chunks(sorted(set(subjects))):
            out.update(_exec(self.session, select(LinkSubject.subject_id, LinkSubject.network_id)
                                            .where(LinkSubject.subject_id.in_(part))).all())
        return out

    def add_labels(self, labels: dict[int, int]) -> None:
        _exec(self.session, insert(LinkSubject), [{"subject_id": s, "network_id": n} for s, n in labels.items()])

    def set_labels(self, labels: dict[int, int]) -> None:
        existing = self.labels(labels)
        new_rows = {s: n for s, n in labels.items() if s not in existing}
        if new_rows:
            self.add_labels(new_rows)
        changed = [{"s": s, "n": n} for s, n in labels.items() if s in existing and existing[s] != n]
        if changed:
            table = LinkSubject.__table__
            assert isinstance(table, Table)
            stmt = (update(table).where(table.c.subject_id == bindparam("s"))
                    .values(network_id=bindparam("n"), community=None))
            _exec(self.session, stmt, changed)

    def relabel(self, old: set[int], new: int) -> None:
        for part in _chunks(sorted(old)):
            _exec(self.session, update(LinkSubject).where(LinkSubject.network_id.in_(part))
                                 .values(network_id=new, community=None))

    def members(self, labels: set[int]) -> set[int]:
        out: set[int] = set()
        for part in _chunks(sorted(labels)):
            out.update(_scalars(self.session, select(LinkSubject.subject_id).where(LinkSubject.network_id.in_(part))))
        return out

    def keys_of(self, subjects: set[int]) -> list[tuple[int, Key]]:
        out: list[tuple[int, Key]] = []
        for part in _chunks(sorted(subjects)):
            for s, i in _exec(self.session, select(Observation.subject_id, Observation.identifier_id)
                                             .where(Observation.subject_id.in_(part))):
                if s is not None:
                    out.append((s, ("i", i)))
            for s, g in _exec(self.session,
                    select(MediaRecord.subject_id, LinkMedia.image_group)
                    .join(LinkMedia, LinkMedia.media_id == MediaRecord.id)
                    .where(MediaRecord.subject_id.in_(part))):
                if s is not None:
                    out.append((s, ("g", g)))
        return out

    def merge_pairs(self, subjects: set[int]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for part in _chunks(sorted(subjects)):
            out.extend(_exec(self.session, select(SubjectMerge.subject_a, SubjectMerge.subject_b).where(
                SubjectMerge.unmerged_at.is_(None),
                SubjectMerge.subject_a.in_(part))).all())
        return [(a, b) for a, b in out if b in subjects]


# -- per report ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LinkResult:
    report_id: int
    subjects: int
    networks_changed: int
    media: int


IdentifierRow = tuple[int, str, str, str | None]  # (id, type, canonical value, platform)


def _identifier_rows(session: Session, where: Any, limit: int | None = None) -> Any:
    """``(id, type, value, platform)`` of identifiers, the value decrypted by its column type."""
    return _exec(session, select(IdentifierRecord.id, IdentifierRecord.type, IdentifierRecord.value,
                                 IdentifierRecord.platform).where(where).order_by(IdentifierRecord.id).limit(limit))


def classify_identifiers(
    session: Session, rows: Iterable[IdentifierRow], config: LinkingConfig,
) -> dict[int, str | None]:
    """First sight of identifiers: known-shared check and likeness keys, in memory only.

    Writes one ``link_identifiers`` row per identifier (count 0: the caller sets it) and the
    likeness keys of usernames, in one multi-row insert per table.
    """
    reasons: dict[int, str | None] = {}
    likeness: list[dict[str, Any]] = []
    cipher = None
    for ident_id, type_, value, platform in rows:
        reasons[ident_id] = known_shared_reason(type_, value, platform, config)
        if type_ == "username" and platform:
            cipher = cipher or active_cipher()
            keys = {cipher.blind_index(f"likeness|{k}") for k in fuzzy.likeness_keys(platform, value)}
            likeness.extend({"identifier_id": ident_id, "key_hash": k} for k in sorted(keys))
    if reasons:
        _exec(session, insert(LinkIdentifier), [{"identifier_id": i, "subject_count": 0, "shared_reason": r}
                                                for i, r in reasons.items()])
    if likeness:
        _exec(session, insert(LinkLikeness), likeness)
    return reasons


def classify_identifier(session: Session, identifier: IdentifierRecord, config: LinkingConfig) -> str | None:
    """:func:`classify_identifiers` for one identifier."""
    row = (identifier.id, identifier.type, identifier.value, identifier.platform)
    return classify_identifiers(session, [row], config)[identifier.id]


# The report's own holdings, and those of its subjects through any report (a subject's
# observations normally all come with its report; the second arm keeps "holders minus the
# report's subjects" exact even if one does not).
_OWN_OBSERVATIONS = (select(Observation.report_id, Observation.identifier_id, Observation.subject_id)
                     .where((Observation.report_id == bindparam("report"))
                            | Observation.subject_id.in_(bindparam("subjects", expanding=True)))
                     .where(Observation.subject_id.is_not(None)))
_REPORT_SUBJECTS = select(Subject.id).where(Subject.report_id == bindparam("report")).order_by(Subject.id)
_REPORT_MEDIA = (select(MediaRecord.id, MediaRecord.subject_id, MediaRecord.md5, MediaRecord.sha1, MediaRecord.sha256,
                        MediaRecord.pdq, MediaRecord.series)
                 .where(MediaRecord.report_id == bindparam("report")).order_by(MediaRecord.id))
_REASONS = select(LinkIdentifier.identifier_id, LinkIdentifier.shared_reason).where(
    LinkIdentifier.identifier_id.in_(bindparam("ids", expanding=True)))
_SET_COUNT = (update(LinkIdentifier).where(LinkIdentifier.identifier_id == bindparam("i"))
              .values(subject_count=bindparam("n")))


def link_report(
    session: Session, report_id: int, actor: Actor | None = None, *,
    config: LinkingConfig | None = None, banks: BankLookup | None = None,
) -> LinkResult:
    """Link a just-stored report into networks and series; call it in the storing transaction.

    ``banks`` resolves bank series for media (default: none; the web app and CLI pass
    :func:`matching_bank_lookup`). Records one COMBINATION audit entry.

    Runs on every report intake, so it is kept to about twenty statements whatever the report's
    size: one per kind of lookup, with ``IN`` lists, never one per identifier or media item.
    """
    config = config or config_from_env()
    banks = banks or no_banks
    store = SqlNetworkStore(session)
    subjects = list(_exec(session, _REPORT_SUBJECTS, {"report": report_id}).scalars())
    new = set(subjects)
    touched: dict[Key, set[int]] = defaultdict(set)  # key -> holder counts before this report

    own = _exec(session, _OWN_OBSERVATIONS, {"report": report_id, "subjects": subjects}).all()
    ident_ids = sorted({i for r, i, _ in own if r == report_id})
    if ident_ids:
        reasons: dict[int, str | None] = {}
        for part in _chunks(ident_ids):
            reasons.update(_exec(session, _REASONS, {"ids": list(part)}).all())
        unseen = [i for i in ident_ids if i not in reasons]
        if unseen:
            reasons.update(classify_identifiers(session, _identifier_rows(session, IdentifierRecord.id.in_(unseen)),
                                                config))
        store.reasons.update((("i", i), r) for i, r in reasons.items())
        counts = store.holder_counts([("i", i) for i in ident_ids])
        store.counts.update(counts)
        mine: dict[int, set[int]] = defaultdict(set)
        for _r, i, subject in own:
            if subject in new:
                mine[i].add(subject)
        for i in ident_ids:
            touched[("i", i)].add(counts[("i", i)] - len(mine[i]))
        _exec(session, _SET_COUNT, [{"i": i, "n": counts[("i", i)]} for i in ident_ids])

    media_rows = _exec(session, _REPORT_MEDIA, {"report": report_id}).all()
    found = banks([MediaHashes(m.md5, m.sha1, m.sha256, m.pdq) for m in media_rows]) if media_rows else []
    moved: dict[int, int] = {}  # image group label -> the label its group was merged into
    for m, (bank_series, bank_victim) in zip(media_rows, found, strict=True):
        group, befores, stale = _group_media(session, store, m, bank_series, bank_victim, new)
        touched[("g", group)].update(befores)
        moved.update(dict.fromkeys(stale, group))
    session.flush()
    # Image groups touched early in the report may have been merged into later ones.
    final: dict[Key, tuple[int, ...]] = {}
    for key, befores in touched.items():
        if key[0] == "g":
            key = ("g", _follow(moved, key[1]))
        final[key] = tuple(sorted(set(final.get(key, ())) | befores))
    changed = add_subjects(store, subjects, [Touched(k, b) for k, b in final.items()], config)
    session.flush()
    if actor is not None:
        record(session, actor, AuditAction.COMBINATION, "report", report_id, detail={
            "linked_subjects": len(subjects), "media": len(media_rows), "networks_changed": len(changed)})
    return LinkResult(report_id, len(subjects), len(changed), len(media_rows))


def _follow(moved: dict[int, int], group: int) -> int:
    """Image group labels only ever move down to a smaller label; follow one to where it is now."""
    while group in moved:
        group = moved[group]
    return group


def _group_media(
    session: Session, store: SqlNetworkStore, m: Any, bank_series: str | None, bank_victim: bool | None,
    new_subjects: set[int],
) -> tuple[int, set[int], set[int]]:
    """Put one media item into its image group and series; returns the group, the holder counts
    (before this report) of the groups it merged, and the group labels it merged away."""
    hashes = [col == getattr(m, col.key) for col in (MediaRecord.md5, MediaRecord.sha1, MediaRecord.sha256,
                                                     MediaRecord.pdq) if getattr(m, col.key)]
    candidates: set[int] = set()
    if hashes:
        candidates.update(_scalars(session, select(LinkMedia.image_group).join(
            MediaRecord, MediaRecord.id == LinkMedia.media_id).where(or_(*hashes))))
    if m.pdq:
        near = [i for i in _media_pdq(session).near(session, m.pdq, PDQ_THRESHOLD) if i != m.id]
        for part in _chunks(near):
            for media_id, group, pdq in _exec(session,
                    select(LinkMedia.media_id, LinkMedia.image_group, MediaRecord.pdq)
                    .join(MediaRecord, MediaRecord.id == LinkMedia.media_id).where(LinkMedia.media_id.in_(part))):
                if pdq and hamming(pdq, m.pdq) <= PDQ_THRESHOLD and media_id != m.id:
                    candidates.add(group)
    holders = store.holders_many([("g", g) for g in candidates]) if candidates else {}
    befores = {len(holders.get(("g", g), set()) - new_subjects) for g in candidates}
    group = min(candidates | {m.id})
    names = {n for n in (m.series, bank_series) if n}
    series_candidates: set[int] = set()
    for part in _chunks(sorted(candidates)):
        series_candidates.update(_scalars(session, select(LinkMedia.series_id).where(LinkMedia.image_group.in_(part))))
    for name in names:
        series_candidates.update(_scalars(session, select(LinkMedia.series_id).join(
            MediaRecord, MediaRecord.id == LinkMedia.media_id).where(MediaRecord.series == name)))
        series_candidates.update(_scalars(session, select(LinkMedia.series_id).where(LinkMedia.bank_series == name)))
    series = min(series_candidates | {m.id})
    _exec(session, insert(LinkMedia), [{"media_id": m.id, "image_group": group, "series_id": series,
                                        "bank_series": bank_series, "bank_victim_identified": bank_victim}])
    stale = candidates - {group}
    for part in _chunks(sorted(stale)):
        _exec(session, update(LinkMedia).where(LinkMedia.image_group.in_(part)).values(image_group=group))
    for part in _chunks(sorted(series_candidates - {series})):
        _exec(session, update(LinkMedia).where(LinkMedia.series_id.in_(part)).values(series_id=series))
    return group, befores, stale


# -- merges ---------------------------------------------------------------------------------

class MergeError(ValueError):
    pass


def merge_subjects(session: Session, actor: Actor, a: int, b: int, reason: str,
                   config: LinkingConfig | None = None) -> SubjectMerge:
    """An analyst says subjects ``a`` and ``b`` are the same person: joined, with provenance."""
    if a == b:
        raise MergeError("a subject cannot be merged with itself")
    if not reason.strip():
        raise MergeError("say why the two subjects are the same person")
    if session.get(Subject, a) is None or session.get(Subject, b) is None:
        raise MergeError("no such subject")
    lo, hi = sorted((a, b))
    existing = session.scalar(select(SubjectMerge).where(SubjectMerge.subject_a == lo, SubjectMerge.subject_b == hi,
                                                         SubjectMerge.unmerged_at.is_(None)))
    if existing is not None:
        raise MergeError("these subjects are already merged")
    merge = SubjectMerge(subject_a=lo, subject_b=hi, reason=reason.strip(), merged_by=actor.label)
    session.add(merge)
    session.flush()
    store = SqlNetworkStore(session)
    missing = {s: s for s in (lo, hi) if s not in store.labels((lo, hi))}
    if missing:
        store.set_labels(missing)
    network = union(store, {lo, hi})
    record(session, actor, AuditAction.COMBINATION, "subject_merge", merge.id,
           detail={"subjects": [lo, hi], "network": network, "action": "merge"})
    return merge


def unmerge_subjects(session: Session, actor: Actor, merge_id: int, reason: str,
                     config: LinkingConfig | None = None) -> SubjectMerge:
    """Undo a merge: the record stays (who merged, who unmerged, when and why)."""
    merge = session.get(SubjectMerge, merge_id)
    if merge is None or merge.unmerged_at is not None:
        raise MergeError("no such active merge")
    if not reason.strip():
        raise MergeError("say why the merge is undone")
    merge.unmerged_at = datetime.now(UTC)
    merge.unmerged_by = actor.label
    merge.unmerge_reason = reason.strip()
    session.flush()
    store = SqlNetworkStore(session)
    labels = set(store.labels((merge.subject_a, merge.subject_b)).values())
    result = recompute(store, labels, config or config_from_env())
    record(session, actor, AuditAction.ALTERATION, "subject_merge", merge.id,
           detail={"subjects": [merge.subject_a, merge.subject_b], "networks": sorted(result), "action": "unmerge"})
    return merge


# -- bulk -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RebuildResult:
    subjects: int
    networks: int  # with two or more subjects
    media: int
    series: int
    seconds: dict[str, float]


def _row_chunks(session: Session, sql: str) -> Iterator[Sequence[Any]]:
    """The rows of ``sql`` from the DB-API cursor, 200,000 at a time (no tuples piling up)."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(200_000):
            yield chunk
    finally:
        cursor.close()


def _fetch(session: Session, sql: str, cols: int) -> list[np.ndarray]:
    """Integer columns of a query as numpy arrays, read in chunks (5M rows without tuples piling up)."""
    parts = [np.asarray(chunk, dtype=np.int64).reshape(-1, cols) for chunk in _row_chunks(session, sql)]
    arr = np.concatenate(parts) if parts else np.zeros((0, cols), np.int64)
    return [arr[:, i] for i in range(cols)]


_HIGH = 4294967296  # 2**32: two non-negative 32-bit ids packed into one int64


def _fetch_pairs(session: Session, table: str, high: str, low: str, where: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Two non-negative integer columns (database ``Integer``, so under 2**31) read packed into one
    int64 per row by the database: a 1-tuple per row costs the driver about half a 2-tuple, and
    millions of rows are read this way on every rebuild."""
    sql = f"SELECT CAST({high} AS BIGINT) * {_HIGH} + {low} FROM {table} {where}"  # noqa: S608 - fixed names
    parts = [np.fromiter((r[0] for r in chunk), np.int64, len(chunk)) for chunk in _row_chunks(session, sql)]
    packed = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return packed >> 32, packed & (_HIGH - 1)


def _bulk_execute(session: Session, sql: str, rows: Iterable[tuple[Any, ...]]) -> int:
    """``executemany`` on the DB-API cursor in batches of 50,000 (``?`` marks in ``sql`` are
    turned into the driver's); no ORM or SQLAlchemy parameter processing per row."""
    conn = session.connection()
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    batch: list[tuple[Any, ...]] = []
    done = 0
    cursor = conn.connection.cursor()
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= 50_000:
                cursor.executemany(sql, batch)
                done += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            done += len(batch)
    finally:
        cursor.close()
    return done


def _bulk_insert(session: Session, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    marks = ", ".join(["?"] * len(columns))
    return _bulk_execute(session, f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608


def _in_sorted(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.isin(values, keys)`` for sorted unique non-negative ``keys``, without the sort of all
    ``values`` that ``isin`` does: a lookup table when ids are dense, else a binary search."""
    if len(keys) == 0 or len(values) == 0:
        return np.zeros(len(values), bool)
    top = int(max(keys[-1], values.max()))
    if int(values.min()) >= 0 and top < 4 * (len(values) + len(keys)) + (1 << 20):
        table = np.zeros(top + 1, bool)
        table[keys] = True
        return table[values]
    pos = np.minimum(np.searchsorted(keys, values), len(keys) - 1)
    return keys[pos] == values


def _classify_unseen(session: Session, config: LinkingConfig) -> int:
    """Classify every identifier that has no ``link_identifiers`` row yet; returns how many.

    ``link_report`` classifies identifiers as they arrive, so usually only ids above the highest
    classified one are new: when the classified rows number exactly the identifiers up to that
    id (the foreign key keeps them a subset), only ``id > high-water`` is read, an index range.
    Otherwise (reports stored with linking paused) the gaps are found by comparing both id lists
    in numpy, never with a ``NOT IN`` over millions of rows.
    """
    high = session.scalar(select(func.max(LinkIdentifier.identifier_id))) or 0
    n_done = session.scalar(select(func.count()).select_from(LinkIdentifier)) or 0
    n_below = session.scalar(select(func.count()).select_from(IdentifierRecord)
                             .where(IdentifierRecord.id <= high)) or 0
    done = 0
    if n_done != n_below:
        (all_ids,) = _fetch(session, "SELECT id FROM identifiers", 1)
        (classified,) = _fetch(session, "SELECT identifier_id FROM link_identifiers", 1)
        gaps = np.setdiff1d(all_ids, classified).tolist()
        for part in _chunks(gaps, _CHUNK):
            done += len(classify_identifiers(session, _identifier_rows(session, IdentifierRecord.id.in_(part)),
                                             config))
        high = int(all_ids.max()) if len(all_ids) else 0
    while True:  # keyset pages: no cursor stays open while the pages are written
        rows = _identifier_rows(session, IdentifierRecord.id > high, limit=5000).all()
        if not rows:
            return done
        done += len(classify_identifiers(session, [tuple(r) for r in rows], config))
        high = rows[-1][0]


def rebuild(
    session: Session, actor: Actor | None = None, *, config: LinkingConfig | None = None,
    banks: BankLookup | None = None, reclassify: bool = False, with_communities: bool = True,
) -> RebuildResult:
    """Recompute every network and series from observations and media, in bulk.

    Gives the same labels as applying :func:`link_report` report by report (tested). Merges
    are kept: they are analyst decisions, not derived data. Only rows whose value changed are
    written back, so a rebuild over links kept current by :func:`link_report` writes little.
    """
    import time

    config = config or config_from_env()
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()

    # Identifiers: classify the ones never seen (or all, after the known-shared list changed).
    if reclassify:
        session.execute(delete(LinkLikeness))
        session.execute(delete(LinkIdentifier))
    _classify_unseen(session, config)
    (shared_ids,) = _fetch(session, "SELECT identifier_id FROM link_identifiers WHERE shared_reason IS NOT NULL", 1)
    seconds["classify"] = time.perf_counter() - t0

    t = time.perf_counter()
    (subject_ids,) = _fetch(session, "SELECT id FROM subjects", 1)
    obs_s, obs_i = _fetch_pairs(session, "observations", "subject_id", "identifier_id", "WHERE subject_id IS NOT NULL")
    seconds["load_observations"] = time.perf_counter() - t

    t = time.perf_counter()
    media = _load_media(session)
    seconds["load_media"] = time.perf_counter() - t
    t = time.perf_counter()
    bank_of, known_media = _bank_series_for(session, media, banks or no_banks)
    groups, series = _media_partitions(media, bank_of)
    seconds["media_groups"] = time.perf_counter() - t

    t = time.perf_counter()
    # Keys that join: identifiers within the cap and not known-shared; image groups within the cap.
    ikeys, icounts = key_counts(obs_s, obs_i)
    i_ok = ikeys[(icounts <= config.fan_out_cap) & ~_in_sorted(ikeys, unique_counts(shared_ids)[0])]
    has_subject = media["subject"] >= 0
    g_s, g_g = media["subject"][has_subject], groups[has_subject]
    gkeys, gcounts = key_counts(g_s, g_g)
    g_ok = gkeys[gcounts <= config.fan_out_cap]
    keep_i = _in_sorted(obs_i, i_ok)
    keep_g = _in_sorted(g_g, g_ok)
    node = np.concatenate([obs_s[keep_i], g_s[keep_g]])
    key = np.concatenate([encode_keys(1, obs_i[keep_i]), encode_keys(2, g_g[keep_g])])
    merges = session.execute(select(SubjectMerge.subject_a, SubjectMerge.subject_b)
                             .where(SubjectMerge.unmerged_at.is_(None))).all()
    part = label_partition(subject_ids, node, key,
                           np.asarray([a for a, _ in merges], np.int64), np.asarray([b for _, b in merges], np.int64))
    seconds["components"] = time.perf_counter() - t

    t = time.perf_counter()
    community = np.full(len(part.ids), -1, np.int64)
    if with_communities:
        _communities(part, node, key, community, config)
    seconds["communities"] = time.perf_counter() - t

    t = time.perf_counter()
    written = _write_subjects(session, part.ids, part.labels, community)
    written += _write_counts(session, ikeys, icounts)
    written += _write_media(session, media["id"], groups, series, bank_of, known_media)
    seconds["write"] = time.perf_counter() - t
    seconds["rows_written"] = float(written)
    seconds["total"] = time.perf_counter() - t0
    sizes = unique_counts(part.labels)[1]
    n_series = len(unique_counts(series)[0])
    if actor is not None:
        record(session, actor, AuditAction.COMBINATION, "networks", None, detail={
            "action": "rebuild", "subjects": len(part.ids), "media": len(media["id"])})
    return RebuildResult(len(part.ids), int((sizes >= 2).sum()), len(media["id"]), n_series, seconds)


def _delete_ids(session: Session, table: str, column: str, ids: np.ndarray) -> int:
    return _bulk_execute(session, f"DELETE FROM {table} WHERE {column} = ?",  # noqa: S608 - fixed names
                         ((i,) for i in ids.tolist()))


def _write_subjects(session: Session, ids: np.ndarray, labels: np.ndarray, community: np.ndarray) -> int:
    """Write only the ``link_subjects`` rows that differ from what is stored (``ids`` sorted)."""
    old_net, old_ids = _fetch_pairs(session, "link_subjects", "network_id", "subject_id")
    order = np.argsort(old_ids)
    old_ids, old_net = old_ids[order], old_net[order]
    old_com = np.full(len(old_ids), -1, np.int64)
    c_ids, c_val = _fetch(session, "SELECT subject_id, community FROM link_subjects WHERE community IS NOT NULL", 2)
    old_com[np.searchsorted(old_ids, c_ids)] = c_val
    written = _delete_ids(session, "link_subjects", "subject_id", np.setdiff1d(old_ids, ids, assume_unique=True))
    stored = _in_sorted(ids, old_ids)
    fresh = ~stored
    written += _bulk_insert(session, "link_subjects", ("subject_id", "network_id", "community"), (
        (s, n, None if c < 0 else c) for s, n, c in
        zip(ids[fresh].tolist(), labels[fresh].tolist(), community[fresh].tolist(), strict=True)))
    at = np.searchsorted(old_ids, ids[stored])
    differs = (old_net[at] != labels[stored]) | (old_com[at] != community[stored])
    written += _bulk_execute(session, "UPDATE link_subjects SET network_id = ?, community = ? WHERE subject_id = ?", (
        (n, None if c < 0 else c, s) for s, n, c in
        zip(ids[stored][differs].tolist(), labels[stored][differs].tolist(), community[stored][differs].tolist(),
            strict=True)))
    return written


def _write_counts(session: Session, ikeys: np.ndarray, icounts: np.ndarray) -> int:
    """Write only the ``link_identifiers.subject_count`` values that changed.

    Only non-zero stored counts are read (through the ``subject_count`` index); an identifier no
    longer observed goes back to 0. Every identifier already has its row (classified above).
    """
    old_count, old_ids = _fetch_pairs(session, "link_identifiers", "subject_count", "identifier_id",
                                      "WHERE subject_count > 0")
    new_packed = (icounts.astype(np.int64) << 32) | ikeys
    changed = np.setdiff1d(new_packed, (old_count << 32) | old_ids, assume_unique=True)
    gone = np.setdiff1d(old_ids, ikeys, assume_unique=True)
    return _bulk_execute(session, "UPDATE link_identifiers SET subject_count = ? WHERE identifier_id = ?",
                         [*zip((changed >> 32).tolist(), (changed & (_HIGH - 1)).tolist(), strict=True),
                          *((0, i) for i in gone.tolist())])


def _write_media(session: Session, ids: np.ndarray, groups: np.ndarray, series: np.ndarray,
                 bank_of: list[BankSeries], known: dict[int, tuple[int, int]]) -> int:
    """Write only new or changed ``link_media`` rows (bank series of stored rows never change here)."""
    gone = np.setdiff1d(np.fromiter(known, np.int64, len(known)), ids)
    written = _delete_ids(session, "link_media", "media_id", gone)
    inserts, updates = [], []
    for m, g, s, b in zip(ids.tolist(), groups.tolist(), series.tolist(), bank_of, strict=True):
        if m not in known:
            inserts.append((m, g, s, b[0], b[1]))
        elif known[m] != (g, s):
            updates.append((g, s, m))
    written += _bulk_insert(session, "link_media", ("media_id", "image_group", "series_id", "bank_series",
                                                    "bank_victim_identified"), inserts)
    return written + _bulk_execute(session, "UPDATE link_media SET image_group = ?, series_id = ? WHERE media_id = ?",
                                   updates)


def _load_media(session: Session) -> dict[str, Any]:
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute("SELECT id, coalesce(subject_id, -1), report_id, md5, sha1, sha256, pdq, series "
                       "FROM media ORDER BY id")
        rows = cursor.fetchall()
    finally:
        cursor.close()
    cols = list(zip(*rows, strict=True)) if rows else [()] * 8
    return {
        "id": np.asarray(cols[0], np.int64), "subject": np.asarray(cols[1], np.int64),
        "report": np.asarray(cols[2], np.int64), "md5": list(cols[3]), "sha1": list(cols[4]),
        "sha256": list(cols[5]), "pdq": list(cols[6]), "series": list(cols[7]),
    }


def _bank_series_for(
    session: Session, media: dict[str, Any], banks: BankLookup,
) -> tuple[list[BankSeries], dict[int, tuple[int, int]]]:
    """Bank series already resolved for a media item are kept; only new items are looked up.

    Also returns each stored row's ``(image_group, series_id)``, for the write-back to compare.
    """
    known: dict[int, BankSeries] = {}
    stored: dict[int, tuple[int, int]] = {}
    for m, g, s, b, v in session.execute(select(LinkMedia.media_id, LinkMedia.image_group, LinkMedia.series_id,
                                                LinkMedia.bank_series, LinkMedia.bank_victim_identified)):
        known[m] = (b, v)
        stored[m] = (g, s)
    ids = media["id"].tolist()
    todo = [i for i, m in enumerate(ids) if m not in known]
    found = banks([MediaHashes(media["md5"][i], media["sha1"][i], media["sha256"][i], media["pdq"][i])
                   for i in todo]) if todo else []
    out = [known.get(m, (None, None)) for m in ids]
    for i, value in zip(todo, found, strict=True):
        out[i] = value
    return out, stored


def media_partitions(
    ids: np.ndarray, hashes: Sequence[Sequence[str | None]], pdqs: Sequence[str | None],
    names: Sequence[Sequence[str | None]], threshold: int = PDQ_THRESHOLD,
) -> tuple[np.ndarray, np.ndarray]:
    """Image groups (equal hash or PDQ within ``threshold``) and series (groups joined by name).

    Pure apart from the PDQ index; labels are the smallest media id, as in :func:`link_report`.
    """
    if len(ids) > 1 and not bool(np.all(np.diff(ids) > 0)):
        raise ValueError("media ids must be unique and sorted")
    nodes, keys = [], []
    for kind, column in enumerate(hashes):
        present = [(i, h) for i, h in enumerate(column) if h]
        if present:
            idx, values = zip(*present, strict=True)
            _, code = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
            nodes.append(ids[np.asarray(idx)])
            keys.append(encode_keys(kind + 1, code.reshape(-1)))
    pu: list[np.ndarray] = []
    pv: list[np.ndarray] = []
    with_pdq = [(i, p) for i, p in enumerate(pdqs) if p]
    if with_pdq:
        pos, values = zip(*with_pdq, strict=True)
        unique, first, inverse = np.unique(np.asarray(values, dtype=object).astype(str), return_index=True,
                                           return_inverse=True)
        # Equal PDQs are joined through a key; near ones through pairs between distinct values.
        nodes.append(ids[np.asarray(pos)])
        keys.append(encode_keys(9, inverse.reshape(-1)))
        if len(unique) > 1:
            index = pdq_index()
            hashes_u8 = _pdq_bytes(list(unique))
            index.add(hashes_u8, np.arange(len(unique), dtype=np.int64))
            lims, _d, hits = index.search(hashes_u8, threshold=threshold)
            src = np.repeat(np.arange(len(unique)), np.diff(lims))
            keep = hits != src
            rep = ids[np.asarray(pos)[first]]  # one media id per distinct PDQ
            pu.append(rep[src[keep]])
            pv.append(rep[hits[keep]])
    node = np.concatenate(nodes) if nodes else np.zeros(0, np.int64)
    key = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    groups = label_partition(ids, node, key,
                             np.concatenate(pu) if pu else None, np.concatenate(pv) if pv else None).labels
    # Series: image groups, also joined by any series name their media carry.
    s_nodes, s_keys = [ids], [encode_keys(1, groups)]
    named = [(i, nm) for i, row in enumerate(names) for nm in row if nm]
    if named:
        idx, values = zip(*named, strict=True)
        _, code = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
        s_nodes.append(ids[np.asarray(idx)])
        s_keys.append(encode_keys(2, code.reshape(-1)))
    series = label_partition(ids, np.concatenate(s_nodes), np.concatenate(s_keys)).labels
    return groups, series


def _media_partitions(media: dict[str, Any], bank_of: list[BankSeries]) -> tuple[np.ndarray, np.ndarray]:
    names = [(media["series"][i], bank_of[i][0]) for i in range(len(media["id"]))]
    return media_partitions(media["id"], [media["md5"], media["sha1"], media["sha256"]], media["pdq"], names)


def _communities(part: Any, node: np.ndarray, key: np.ndarray, out: np.ndarray, config: LinkingConfig) -> None:
    """Leiden communities for every network of at least ``community_min_size`` subjects."""
    labels, sizes = unique_counts(part.labels)
    big = labels[(sizes >= config.community_min_size) & (sizes <= 50_000)]
    if len(big) == 0:
        return
    position = {int(s): i for i, s in enumerate(part.ids.tolist())}
    label_of = part.labels[np.searchsorted(part.ids, node)]
    for lab in big.tolist():
        mask = label_of == lab
        holdings: dict[int, list[int]] = defaultdict(list)
        for s, k in zip(node[mask].tolist(), key[mask].tolist(), strict=True):
            holdings[s].append(k)
        members = part.ids[part.labels == lab].tolist()
        edges = [(e.a, e.b) for e in pair_edges(holdings)]
        for s, c in communities(members, edges).items():
            out[position[s]] = c


def joining_keys(session: Session, subjects: Iterable[int], config: LinkingConfig) -> dict[int, list[Key]]:
    """Each subject's keys that join (for drawing edges): capped and known-shared ones left out."""
    store = SqlNetworkStore(session)
    pairs = store.keys_of(set(subjects))
    verdict: dict[Key, bool] = {}
    out: dict[int, list[Key]] = defaultdict(list)
    for s, k in pairs:
        if k not in verdict:
            verdict[k] = joins(len(store.holders(k)), store.shared_reason(k), config)
        if verdict[k]:
            out[s].append(k)
    return out
