"""Media hashes for linking: series from hash banks, and the PDQ index of stored media.

Linking's writes are :mod:`jigsaw.linking.actions`, the bulk recomputation
:mod:`jigsaw.linking.rebuild`, the store the incremental algorithm runs on
:mod:`jigsaw.linking.sql_store` and the media partition :mod:`jigsaw.linking.media_groups`.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from jigsaw.intake.models import MediaRecord

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
    except Exception:  # a colleague's index mid-change must not stop intake from linking
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
