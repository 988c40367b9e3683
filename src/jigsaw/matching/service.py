"""The in-process matcher: per-bank indexes built from the database and kept in step with it.

HMA rebuilds its whole index whenever a bank changes and ships it to matchers as a pickle, so a
new hash takes a minute or more to become matchable. Here each lookup first pulls what changed
since the last one (new entries by ascending id, removals from the removal log) and applies it
to the in-memory indexes incrementally, so a bank change is visible to the very next lookup and
the cost of staying current is one indexed query returning only the changes.

With a snapshot folder (:mod:`jigsaw.matching.snapshots`) a starting matcher maps the last
saved indexes instead of reading every entry, then pulls only what changed after them; it
saves a new snapshot by itself after every ``snapshot_after`` changes it applied.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from jigsaw.errors import InvalidInput
from jigsaw.matching import snapshots
from jigsaw.matching.media_index import StoredMediaPdq
from jigsaw.matching.storage import Bank, BankEntry, BankEntryRemoval, UnknownBank, entries_by_id
from jigsaw.platform import platform_for
from jigsaw.signals import FIXED_SIZE as SIGNAL_TYPES
from jigsaw.signals import signal_type
from jigsaw.signals.exact_index import ExactIndex
from jigsaw.signals.fileformat import IndexFormatError
from jigsaw.signals.index import row_index_cls
from jigsaw.signals.pdq.index import PdqIndex, warm_up

# Ids are assigned by sequences; on PostgreSQL a lower id can commit after a higher one.
# Re-reading this many ids below the high-water mark catches such late commits.
_LOOKBACK = 10_000
_SNAPSHOT_AFTER = 100_000  # changes applied before the matcher saves a new snapshot by itself

log = logging.getLogger(__name__)


class ThresholdTooHigh(InvalidInput, ValueError):
    """A caller asked for a wider PDQ distance than the banks it searches allow.

    Two complementary hashes are within 128 bits of every PDQ, so a wide threshold from a
    caller would list a whole bank; callers get at most each bank's own threshold."""


@dataclass(frozen=True)
class Match:
    """One bank entry that matched a query, with the metadata an analyst needs."""

    bank: str
    entry_id: int
    signal_type: str
    value: str
    distance: int
    uk_category: str | None = None
    vics_category: int | None = None
    series: str | None = None
    victim_identified: bool | None = None
    tags: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"bank": self.bank, "entry_id": self.entry_id, "signal_type": self.signal_type,
                "hash": self.value, "distance": self.distance, "uk_category": self.uk_category,
                "vics_category": self.vics_category, "series": self.series,
                "victim_identified": self.victim_identified, "tags": list(self.tags)}


Index = PdqIndex | ExactIndex


@dataclass
class _BankState:
    name: str
    enabled: bool
    pdq_threshold: int
    indexes: dict[str, Index] = field(default_factory=dict)


def _new_index(stype: str) -> Index:
    """An empty index of the class the signal type names."""
    return row_index_cls(SIGNAL_TYPES[stype]).new_store()


def _load_index(stype: str, path: Path) -> Index:
    return row_index_cls(SIGNAL_TYPES[stype]).store_cls().load(path)


class MatchingService:
    """Matches hashes against banks. Thread-safe; create one per process and share it."""

    def __init__(self, engine: Engine, *, snapshot_dir: Path | None = None,
                 snapshot_after: int = _SNAPSHOT_AFTER) -> None:
        self.engine = engine
        self.snapshot_dir = snapshot_dir
        self.snapshot_after = snapshot_after
        self._lock = threading.RLock()
        self._banks: dict[int, _BankState] = {}
        self._last_entry = 0
        self._recent: set[int] = set()
        self._last_removal = 0
        self._opened = False
        self._since_snapshot = 0
        self.pulled_entries = 0  # entries read from the database so far (diagnostics, tests)
        self.media_pdq = StoredMediaPdq()  # stored media's PDQs (near duplicates, re-matching)

    def warm(self) -> float:
        """Ready the first lookup before anyone asks: compile (or load from numba's cache) the
        PDQ search kernels and open the snapshot with what changed after it. The server calls
        this before it listens; returns the seconds it took."""
        started = time.perf_counter()
        warm_up()
        self.refresh()
        return time.perf_counter() - started

    # -- keeping in step -----------------------------------------------------------------
    def refresh(self) -> int:
        """Apply bank changes made since the last call; returns how many entries changed."""
        with self._lock, Session(self.engine) as session:
            changed = self._catch_up(session)
            if self.snapshot_dir is not None and self._since_snapshot >= self.snapshot_after:
                self._save_snapshot(session)
        return changed

    def _catch_up(self, session: Session) -> int:
        """Open the snapshot on first use, then apply bank, entry and removal changes."""
        if not self._opened:
            self._opened = True
            self._open_snapshot(session)
        present = set()
        for b in session.scalars(select(Bank)):
            present.add(b.id)
            state = self._banks.get(b.id)
            if state is None:
                self._banks[b.id] = _BankState(b.name, b.enabled, b.pdq_threshold)
            else:
                state.name, state.enabled = b.name, b.enabled
                state.pdq_threshold = b.pdq_threshold
        for gone in set(self._banks) - present:
            del self._banks[gone]
        changed = self._pull_entries(session) + self._pull_removals(session)
        self._since_snapshot += changed
        return changed

    # -- snapshots -----------------------------------------------------------------------
    def _fingerprint(self) -> str:
        return snapshots.database_fingerprint(self.engine.url.render_as_string(hide_password=True))

    def _open_snapshot(self, session: Session) -> None:
        """Start from the saved generation when there is a usable one (else from nothing)."""
        if self.snapshot_dir is None:
            return
        try:
            folder, manifest = snapshots.current_generation(self.snapshot_dir, self._fingerprint())
            if manifest.probe is not None:
                entry = session.get(BankEntry, manifest.probe[0])
                if entry is None or entry.value != manifest.probe[1]:
                    raise snapshots.SnapshotUnusable("its newest entry is not in the database")
            banks: dict[int, _BankState] = {}
            for bank_id, files in manifest.files.items():
                bank = session.get(Bank, int(bank_id))
                if bank is None:
                    continue
                state = banks[bank.id] = _BankState(bank.name, bank.enabled, bank.pdq_threshold)
                for stype, name in files.items():
                    if stype in SIGNAL_TYPES:
                        state.indexes[stype] = _load_index(stype, folder / name)
        except (snapshots.SnapshotUnusable, IndexFormatError, OSError, ValueError) as exc:
            log.info("matching: building indexes from the database (%s)", exc)
            return
        self._banks = banks
        self._last_entry, self._recent = manifest.last_entry, set(manifest.recent)
        self._last_removal = manifest.last_removal
        log.info("matching: opened snapshot %s (entries up to %d)", folder.name, manifest.last_entry)

    def save_snapshot(self) -> Path | None:
        """Bring the indexes up to date and save them as the current snapshot generation."""
        if self.snapshot_dir is None:
            return None
        with self._lock, Session(self.engine) as session:
            self._catch_up(session)
            return self._save_snapshot(session)

    def _save_snapshot(self, session: Session) -> Path:
        assert self.snapshot_dir is not None
        newest = session.get(BankEntry, self._last_entry) if self._last_entry else None
        manifest = snapshots.Manifest(
            self._fingerprint(), self._last_entry, sorted(self._recent), self._last_removal,
            (newest.id, newest.value) if newest is not None else None)

        def write_files(folder: Path) -> None:
            for bank_id, state in self._banks.items():
                for stype, index in state.indexes.items():
                    name = snapshots.index_file_name(bank_id, stype)
                    index.save(folder / name)
                    manifest.files.setdefault(str(bank_id), {})[stype] = name

        folder = snapshots.write_generation(self.snapshot_dir, manifest, write_files)
        self._since_snapshot = 0
        log.info("matching: saved snapshot %s (entries up to %d)", folder.name, self._last_entry)
        return folder

    def _pull_entries(self, session: Session) -> int:
        floor = max(self._last_entry - _LOOKBACK, 0)
        stmt = (select(BankEntry.id, BankEntry.bank_id, BankEntry.signal_type, BankEntry.value)
                .where(BankEntry.id > floor).order_by(BankEntry.id)
                .execution_options(yield_per=20_000))
        pending: dict[tuple[int, str], tuple[list[str], list[int]]] = defaultdict(
            lambda: ([], []))
        count = 0
        for entry_id, bank_id, stype, value in session.execute(stmt):
            if entry_id <= self._last_entry and entry_id in self._recent:
                continue
            values, ids = pending[(bank_id, stype)]
            values.append(value)
            ids.append(entry_id)
            self.pulled_entries += 1
            self._recent.add(entry_id)
            self._last_entry = max(self._last_entry, entry_id)
            count += 1
            if len(ids) >= 100_000:
                self._apply_adds(pending)
                pending.clear()
        self._apply_adds(pending)
        if len(self._recent) > 4 * _LOOKBACK:
            low = self._last_entry - _LOOKBACK
            self._recent = {i for i in self._recent if i > low}
        return count

    def _apply_adds(self, pending: dict[tuple[int, str], tuple[list[str], list[int]]]) -> None:
        for (bank_id, stype), (values, ids) in pending.items():
            state = self._banks.get(bank_id)
            if state is None or stype not in SIGNAL_TYPES:
                continue
            idx = state.indexes.get(stype)
            if idx is None:
                idx = state.indexes[stype] = _new_index(stype)
            idx.add(SIGNAL_TYPES[stype].to_rows(values), np.asarray(ids, np.int64))

    def _pull_removals(self, session: Session) -> int:
        rows = session.execute(
            select(BankEntryRemoval.id, BankEntryRemoval.entry_id, BankEntryRemoval.bank_id,
                   BankEntryRemoval.signal_type)
            .where(BankEntryRemoval.id > self._last_removal).order_by(BankEntryRemoval.id)
        ).all()
        gone: dict[tuple[int, str], list[int]] = defaultdict(list)
        for rid, entry_id, bank_id, stype in rows:
            gone[(bank_id, stype)].append(entry_id)
            self._last_removal = rid
        for (bank_id, stype), ids in gone.items():
            state = self._banks.get(bank_id)
            if state is not None and stype in state.indexes:
                state.indexes[stype].remove(ids)
        return len(rows)

    # -- matching ------------------------------------------------------------------------
    def indexed_entries(self) -> int:
        """Live entries across every bank's indexes."""
        with self._lock:
            return sum(len(index) for state in self._banks.values() for index in state.indexes.values())

    def bank_names(self) -> list[str]:
        with self._lock:
            return sorted(s.name for s in self._banks.values())

    def _select(self, banks: Iterable[str] | None) -> list[tuple[int, _BankState]]:
        chosen = [(i, s) for i, s in self._banks.items() if s.enabled]
        if banks is None:
            return chosen
        names = set(banks)
        known = {s.name for s in self._banks.values()}
        unknown = names - known
        if unknown:
            raise UnknownBank(f"unknown bank(s): {', '.join(sorted(unknown))}")
        return [(i, s) for i, s in chosen if s.name in names]

    def check_threshold(self, threshold: int | None, banks: Iterable[str] | None = None) -> None:
        """Refuse a caller's PDQ ``threshold`` wider than every bank it would search allows."""
        if threshold is None:
            return
        with self._lock:
            own = [state.pdq_threshold for _, state in self._select(banks)]
        if own and threshold > max(own):
            raise ThresholdTooHigh(f"threshold {threshold} is wider than the banks allow "
                                   f"(at most {max(own)}); leave it out to use each bank's own")

    def lookup_raw(
        self, stype: str, values: Sequence[str], *, banks: Iterable[str] | None = None,
        threshold: int | None = None, refresh: bool = True, within_bank_threshold: bool = False,
    ) -> list[list[tuple[str, int, int]]]:
        """Per query: ``(bank name, entry id, distance)`` hits, without touching metadata.

        ``values`` must be valid hashes of ``stype`` (see :meth:`SignalType.normalise`; base64
        digests are accepted, as in bank files). With ``within_bank_threshold`` (callers from
        outside: the HTTP routes) no bank is searched wider than its own threshold."""
        st = signal_type(stype, among=SIGNAL_TYPES)
        rows = st.to_rows(st.normalise_all(values, allow_base64=True))
        if refresh:
            self.refresh()
        out: list[list[tuple[str, int, int]]] = [[] for _ in values]
        with self._lock:
            for _, state in self._select(banks):
                idx = state.indexes.get(st.name)
                if idx is None or len(idx) == 0:
                    continue
                t = state.pdq_threshold if threshold is None else threshold
                if within_bank_threshold:
                    t = min(t, state.pdq_threshold)
                lims, dist, ids = idx.search(rows, t if st.by_distance else 0)
                for qi in range(len(values)):
                    for k in range(lims[qi], lims[qi + 1]):
                        out[qi].append((state.name, int(ids[k]), int(dist[k])))
        return out

    def lookup(
        self, stype: str, values: Sequence[str], *, banks: Iterable[str] | None = None,
        threshold: int | None = None, session: Session | None = None, refresh: bool = True,
    ) -> list[list[Match]]:
        """Per query, every matching entry with its bank metadata, nearest first."""
        raw = self.lookup_raw(stype, values, banks=banks, threshold=threshold, refresh=refresh)
        return self.describe(raw, session=session)

    def describe(self, raw: list[list[tuple[str, int, int]]], *,
                 session: Session | None = None) -> list[list[Match]]:
        """Attach entry metadata (one primary-key query for all hits)."""
        ids = {entry_id for hits in raw for _, entry_id, _ in hits}
        if not ids:
            return [[] for _ in raw]
        own = session is None
        s = Session(self.engine) if own else session
        assert s is not None
        try:
            entries = entries_by_id(s, ids)
        finally:
            if own:
                s.close()
        result: list[list[Match]] = []
        for hits in raw:
            matches = []
            for bank, entry_id, d in hits:
                e = entries.get(entry_id)
                if e is None:  # removed since the index saw it
                    continue
                matches.append(Match(bank, entry_id, e.signal_type, e.value, d, e.uk_category,
                                     e.vics_category, e.series, e.victim_identified,
                                     tuple(e.tags or ())))
            matches.sort(key=lambda m: (m.distance, m.bank, m.entry_id))
            result.append(matches)
        return result


def service_for(bind: Session | Connection | Engine) -> MatchingService:
    """The platform's one matcher (registered by the matching manifest when the platform opens):
    its indexes are large, so the HTTP routes, linking (bank series) and triage (bank matches)
    share it."""
    return platform_for(bind).find(MatchingService)
