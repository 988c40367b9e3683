"""Exact range search over 256-bit PDQ hashes, with incremental adds and removes.

Shape of the index (an LSM-style set of immutable *segments* plus a small mutable *tail*):

* A **segment** holds its hashes as an ``(n, 4)`` uint64 array, **sorted by chunk 0**, so the
  first multi-index table is only a directory (bucket start offsets) and its candidates are read
  sequentially. Each further table is a directory plus postings (row numbers sorted by that
  chunk's value, 3 bytes each below 2**24 rows, else 4), built with a counting sort in O(n).
  Directories are stored as a uint32 checkpoint every 32 buckets plus a uint8 (or wider, if
  needed) offset per bucket. Ids are stored as ``uint32`` offsets from a base when they fit
  (they do for database keys), else ``int64``. Removals clear a bit in an alive bitmap (1 bit
  per hash), so they cost nothing at query time.
* The **tail** takes new hashes. It is searched by brute force, so an added hash is matchable by
  the very next query; when it passes ``tail_max`` rows it becomes a segment, and segments of
  similar size are merged (size-tiered), so there are O(log n) of them and no full rebuild
  per add.

Segments below ``flat_max`` rows are brute-forced (cheaper than probing for small n). The chunk
width is picked from the segment size (about ``log2(n) - 1`` bits) so that a probe's bucket holds
a handful of rows and the directories stay a small fraction of the hash array.

Search results follow faiss ``range_search``: ``lims`` (Q+1), then ``distances`` and ``ids`` with
query ``i``'s hits at ``lims[i]:lims[i+1]``. Every row within the threshold is returned
(distance <= threshold, like pytx's ``PDQIndex`` at 31).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numba
import numpy as np

from jigsaw.signals.fileformat import IndexFormatError, read_arrays, write_arrays
from jigsaw.signals.pdq import _kernels as K
from jigsaw.signals.pdq.signal import HASH_BYTES, MATCH_THRESHOLD

DEFAULT_THRESHOLD = MATCH_THRESHOLD
_FILE_KIND = "jigsaw.pdq_index.v1"


def _as_hash_rows(hashes: Any) -> np.ndarray:
    """Accept ``(n, 32)`` uint8 (the faiss shape) and return ``(n, 4)`` uint64 words."""
    arr = np.asarray(hashes)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.dtype != np.uint8 or arr.ndim != 2 or arr.shape[1] != HASH_BYTES:
        raise ValueError(f"hashes must be a uint8 array of shape (n, {HASH_BYTES})")
    return np.ascontiguousarray(arr).view("<u8").reshape(-1, 4)


def _words_to_bytes(words: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(words).view(np.uint8).reshape(-1, HASH_BYTES)


@lru_cache(maxsize=256)
def _masks(width: int, radius: int) -> np.ndarray:
    """Every XOR mask of ``width`` bits with at most ``radius`` bits set, lightest first."""
    out = [0]
    for k in range(1, radius + 1):
        for bits in itertools.combinations(range(width), k):
            out.append(sum(1 << b for b in bits))
    return np.asarray(out, dtype=np.uint32)


def _n_masks(width: int, radius: int) -> int:
    return sum(math.comb(width, k) for k in range(radius + 1))


def chunk_layout(n: int) -> np.ndarray:
    """Chunk widths for a segment of ``n`` rows: about ``log2(n) - 1`` bits each, covering all
    256 bits (wider chunks first so the sorted table 0 is the most selective).

    Wider chunks are faster at some memory cost; the measurements that chose this width are in
    BENCHMARKS.md ("Chunk width of the multi-index")."""
    target = min(24, max(12, int(math.log2(max(n, 2))) - 1))
    m = max(HASH_BYTES * 8 // target, 1)
    base, extra = divmod(256, m)
    return np.asarray([base + 1] * extra + [base] * (m - extra), dtype=np.int64)


def radii_for(threshold: int, m: int) -> np.ndarray:
    """Per-table search radii with ``sum(r + 1) == threshold + 1`` (the pigeonhole bound).
    A radius of -1 means the table is not probed (small thresholds need fewer tables)."""
    q, rem = divmod(threshold + 1, m)
    radii = np.full(m, q - 1, dtype=np.int64)
    radii[:rem] += 1
    return radii


@dataclass
class _Segment:
    """An immutable block of hashes with its multi-index tables (see module docstring)."""

    words: np.ndarray  # (n, 4) uint64, sorted by chunk 0 when tables exist
    ids: np.ndarray  # (n,) uint32 offsets from ids_base, or int64 with ids_base 0
    ids_base: int
    alive: np.ndarray  # (ceil(n/8),) uint8 bitmap, writable
    widths: np.ndarray  # (m,) int64; empty for a flat (brute-force) segment
    coarse: np.ndarray  # uint32 directory checkpoints, one per 32 buckets (+1) per table
    dirs: np.ndarray  # per-bucket offsets from the checkpoint (2**w + 1 per table), u8/u16/u32
    postings: np.ndarray  # uint8: row numbers of tables 1..m-1, posting_bytes each, little-endian
    n_alive: int = field(default=0)

    @property
    def n(self) -> int:
        return int(self.words.shape[0])

    @property
    def flat(self) -> bool:
        return self.widths.shape[0] == 0

    @property
    def starts(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.widths)[:-1]]).astype(np.int64)

    @property
    def coarse_off(self) -> np.ndarray:
        sizes = (np.int64(1) << (self.widths - K.DIR_BLOCK_SHIFT)) + 1
        return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)

    @property
    def dir_off(self) -> np.ndarray:
        sizes = (np.int64(1) << self.widths) + 1
        return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)

    @property
    def posting_bytes(self) -> int:
        """3 while a segment has fewer than 2**24 rows (a quarter less memory than uint32), else 4."""
        entries = max(self.widths.shape[0] - 1, 0) * self.n
        return self.postings.shape[0] // entries if entries else 4

    @property
    def post_off(self) -> np.ndarray:
        m = self.widths.shape[0]
        return (np.maximum(np.arange(m, dtype=np.int64) - 1, 0) * self.n).astype(np.int64)

    def ids_of(self, positions: np.ndarray) -> np.ndarray:
        return np.asarray(self.ids[positions], dtype=np.int64) + self.ids_base

    def all_ids(self) -> np.ndarray:
        return np.asarray(self.ids, dtype=np.int64) + self.ids_base

    def alive_mask(self) -> np.ndarray:
        return np.unpackbits(self.alive, bitorder="little")[: self.n].astype(bool)

    @classmethod
    def build(cls, words: np.ndarray, ids: np.ndarray, flat_max: int) -> _Segment:
        n = int(words.shape[0])
        ids = np.asarray(ids, dtype=np.int64)
        base = int(ids.min()) if n else 0
        if n and int(ids.max()) - base < 2**32:
            ids_store: np.ndarray = (ids - base).astype(np.uint32)
        else:
            ids_store, base = ids.copy(), 0
        alive = np.full((n + 7) // 8, 0xFF, dtype=np.uint8)
        if n % 8:
            alive[-1] = (1 << (n % 8)) - 1
        if n <= flat_max:
            return cls(np.ascontiguousarray(words), ids_store, base, alive, np.zeros(0, np.int64),
                       np.zeros(0, np.uint32), np.zeros(0, np.uint8), np.zeros(0, np.uint8), n)
        widths = chunk_layout(n)
        starts = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.int64)
        # Table 0: sort the rows themselves by chunk 0; its directory is all it needs.
        order, dir0 = K.counting_sort(K.chunk_values(words, 0, int(widths[0])),
                                      1 << int(widths[0]))
        words = np.ascontiguousarray(words[order])
        ids_store = ids_store[order]
        dirs = [dir0]
        pw = 3 if n <= 1 << 24 else 4
        by_row = np.empty((max(len(widths) - 1, 0) * n, pw), dtype=np.uint8)
        for j in range(1, len(widths)):
            keys = K.chunk_values(words, int(starts[j]), int(widths[j]))
            order_j, dir_j = K.counting_sort(keys, 1 << int(widths[j]))
            by_row[(j - 1) * n : j * n] = order_j.astype("<u4").view(np.uint8).reshape(n, 4)[:, :pw]
            dirs.append(dir_j)
        postings = by_row.reshape(-1)
        coarse, fine = _compress_directories(dirs)
        return cls(words, ids_store, base, alive, widths, coarse, fine, postings, n)

    def search(self, queries: np.ndarray, threshold: int, parallel: bool) -> tuple[
        np.ndarray, np.ndarray, np.ndarray
    ]:
        """Returns (lims, positions, distances) for this segment."""
        flat, m = self.flat, self.widths.shape[0]
        if flat:
            masks, mask_lo, mask_hi = (np.zeros(1, np.uint32), np.zeros(1, np.int64),
                                       np.zeros(1, np.int64))
            radii = np.zeros(1, np.int64)
            starts = widths = dir_off = post_off = coarse_off = np.zeros(1, np.int64)
        else:
            radii = radii_for(threshold, m)
            widths, starts = self.widths, self.starts
            flat = _probe_cost(widths, radii, self.n) > self.n // 2
            masks, mask_lo, mask_hi = _mask_table(widths, radii) if not flat else (
                np.zeros(1, np.uint32), np.zeros(m, np.int64), np.zeros(m, np.int64))
            dir_off, post_off, coarse_off = self.dir_off, self.post_off, self.coarse_off
        args = (queries, self.words, starts, widths, radii, masks, mask_lo, mask_hi, self.coarse,
                coarse_off, self.dirs, dir_off, self.postings, post_off, np.int64(self.posting_bytes),
                self.alive, np.int64(threshold), flat)
        if not parallel:
            return K.mih_search_serial(*args)
        cap = 16
        counts, slot_pos, slot_dist = K.mih_search_parallel(*args, cap)
        over = np.nonzero(counts > cap)[0]
        lims = np.zeros(len(queries) + 1, dtype=np.int64)
        np.cumsum(counts, out=lims[1:])
        take = np.arange(cap)[None, :] < np.minimum(counts, cap)[:, None]
        if len(over) == 0:
            return lims, slot_pos[take], slot_dist[take]
        # Rerun the few queries with many hits on one thread, then stitch everything together.
        _, redo_pos, redo_dist = K.mih_search_serial(queries[over], *args[1:])
        pos = np.empty(lims[-1], dtype=np.int64)
        dist = np.empty(lims[-1], dtype=np.int32)
        small = counts <= cap
        dst = np.repeat(small, counts)
        pos[dst] = slot_pos[take & small[:, None]]
        dist[dst] = slot_dist[take & small[:, None]]
        pos[~dst] = redo_pos
        dist[~dst] = redo_dist
        return lims, pos, dist

    def remove(self, sorted_ids: np.ndarray) -> int:
        removed = int(K.mark_removed(self.ids, np.int64(self.ids_base), sorted_ids, self.alive))
        self.n_alive -= removed
        return removed

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}words": self.words, f"{prefix}ids": self.ids,
                f"{prefix}alive": self.alive, f"{prefix}widths": self.widths,
                f"{prefix}coarse": self.coarse, f"{prefix}dirs": self.dirs,
                f"{prefix}postings": self.postings}


def _compress_directories(dirs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Split flat uint32 directories into checkpoints every 32 buckets plus per-bucket offsets
    in the narrowest unsigned type that holds them (uint8 for random data)."""
    step = 1 << K.DIR_BLOCK_SHIFT
    coarse, fine = [], []
    for d in dirs:
        c = d[::step].copy()
        coarse.append(c)
        fine.append(d - np.repeat(c, step)[: len(d)])
    top = max(int(f.max(initial=0)) for f in fine) if fine else 0
    dtype = np.uint8 if top <= 0xFF else np.uint16 if top <= 0xFFFF else np.uint32
    return np.concatenate(coarse), np.concatenate(fine).astype(dtype)


def _probe_cost(widths: np.ndarray, radii: np.ndarray, n: int) -> int:
    """Rough work of a multi-index probe (probes + expected candidates), to fall back to a
    linear scan when a large threshold would make probing slower than brute force."""
    cost = 0.0
    for w, r in zip(widths.tolist(), radii.tolist(), strict=True):
        if r >= 0:
            probes = _n_masks(w, min(r, w))
            cost += probes * (2 + n / float(1 << w))
    return int(cost)


def _mask_table(widths: np.ndarray, radii: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray]:
    parts, lo, hi, at = [], [], [], 0
    for w, r in zip(widths.tolist(), radii.tolist(), strict=True):
        mk = _masks(w, min(r, w)) if r >= 0 else np.zeros(0, np.uint32)
        parts.append(mk)
        lo.append(at)
        at += len(mk)
        hi.append(at)
    return (np.concatenate(parts) if parts else np.zeros(1, np.uint32),
            np.asarray(lo, np.int64), np.asarray(hi, np.int64))


class PdqIndex:
    """Exact Hamming range search over PDQ hashes; see the module docstring for the design.

    >>> idx = PdqIndex()
    >>> idx.add(hashes, ids)              # uint8 (n, 32), int64 (n,)
    >>> lims, distances, ids = idx.search(queries, threshold=31)
    """

    def __init__(self, *, tail_max: int = 8192, flat_max: int = 16384,
                 merge_ratio: int = 4) -> None:
        self.tail_max = tail_max
        self.flat_max = flat_max
        self.merge_ratio = merge_ratio
        self._segments: list[_Segment] = []
        self._tail_words = np.zeros((0, 4), dtype=np.uint64)
        self._tail_ids = np.zeros(0, dtype=np.int64)
        self._tail_n = 0

    # -- size and contents ---------------------------------------------------------------
    def __len__(self) -> int:
        return sum(s.n_alive for s in self._segments) + self._tail_n

    @property
    def segment_sizes(self) -> list[int]:
        """Row counts of the immutable segments (for diagnostics and tests)."""
        return [s.n for s in self._segments]

    def nbytes(self) -> int:
        """Bytes held by the index arrays (mapped or in memory)."""
        total = self._tail_words.nbytes + self._tail_ids.nbytes
        for s in self._segments:
            total += sum(a.nbytes for a in s.arrays("").values())
        return total

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live (hash, id) pair, as uint8 (n, 32) and int64 (n,)."""
        words, ids = [], []
        for s in self._segments:
            keep = s.alive_mask()
            words.append(np.asarray(s.words)[keep])
            ids.append(s.all_ids()[keep])
        words.append(self._tail_words[: self._tail_n])
        ids.append(self._tail_ids[: self._tail_n])
        return _words_to_bytes(np.concatenate(words)), np.concatenate(ids)

    # -- mutation ------------------------------------------------------------------------
    def add(self, hashes: Any, ids: Any) -> None:
        """Add rows; they are matchable by the next search. Ids need not be unique."""
        words = _as_hash_rows(hashes)
        id_arr = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(id_arr) != len(words):
            raise ValueError("hashes and ids differ in length")
        if len(words) >= self.tail_max:
            self._flush_tail()
            self._push_segment(_Segment.build(words.copy(), id_arr, self.flat_max))
            return
        need = self._tail_n + len(words)
        if need > len(self._tail_words):
            cap = max(need, 2 * len(self._tail_words), 256)
            self._tail_words = np.resize(self._tail_words, (cap, 4))
            self._tail_ids = np.resize(self._tail_ids, cap)
        self._tail_words[self._tail_n : need] = words
        self._tail_ids[self._tail_n : need] = id_arr
        self._tail_n = need
        if self._tail_n >= self.tail_max:
            self._flush_tail()

    def remove(self, ids: Any) -> int:
        """Remove every row carrying one of ``ids``; returns how many rows went."""
        sorted_ids = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
        removed = sum(s.remove(sorted_ids) for s in self._segments)
        if self._tail_n:
            keep = ~np.isin(self._tail_ids[: self._tail_n], sorted_ids)
            kept = int(keep.sum())
            removed += self._tail_n - kept
            self._tail_words[:kept] = self._tail_words[: self._tail_n][keep]
            self._tail_ids[:kept] = self._tail_ids[: self._tail_n][keep]
            self._tail_n = kept
        return removed

    def compact(self) -> None:
        """Merge everything into one segment, dropping removed rows (e.g. before saving)."""
        self._flush_tail()
        if len(self._segments) > 1 or any(s.n_alive < s.n for s in self._segments):
            self._segments = [self._merge(self._segments)] if self._segments else []
            self._segments = [s for s in self._segments if s.n]

    def _flush_tail(self) -> None:
        if self._tail_n == 0:
            return
        seg = _Segment.build(self._tail_words[: self._tail_n].copy(),
                             self._tail_ids[: self._tail_n].copy(), self.flat_max)
        self._tail_n = 0
        self._push_segment(seg)

    def _push_segment(self, seg: _Segment) -> None:
        self._segments.append(seg)
        self._segments.sort(key=lambda s: -s.n_alive)
        # Size-tiered merging keeps O(log n) segments: merge the smallest two while the
        # smaller is a sizeable fraction of the next.
        while (len(self._segments) > 1
               and self._segments[-1].n_alive * self.merge_ratio >= self._segments[-2].n_alive):
            b, a = self._segments.pop(), self._segments.pop()
            self._segments.append(self._merge([a, b]))
            self._segments.sort(key=lambda s: -s.n_alive)

    def _merge(self, segs: list[_Segment]) -> _Segment:
        words, ids = [], []
        for s in segs:
            keep = s.alive_mask()
            words.append(np.asarray(s.words)[keep])
            ids.append(s.all_ids()[keep])
        return _Segment.build(np.concatenate(words), np.concatenate(ids), self.flat_max)

    # -- search --------------------------------------------------------------------------
    def search(self, queries: Any, threshold: int = DEFAULT_THRESHOLD, *,
               parallel: bool | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every row within ``threshold`` bits of each query: ``(lims, distances, ids)``.

        ``parallel=None`` uses every numba thread for batches of 64+ queries and the calling
        thread otherwise (a thread pool costs more than it saves on a handful of queries).
        """
        if not 0 <= threshold <= 256:
            raise ValueError("threshold must be within 0..256")
        q = _as_hash_rows(queries)
        nq = len(q)
        if parallel is None:
            parallel = nq >= 64 and numba.get_num_threads() > 1
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for s in self._segments:
            if s.n_alive == 0:
                continue
            lims, pos, dist = s.search(q, threshold, parallel)
            parts.append((lims, dist, s.ids_of(pos)))
        if self._tail_n:
            tail = self._tail_words[: self._tail_n]
            alive = np.full((self._tail_n + 7) // 8, 0xFF, dtype=np.uint8)
            z = np.zeros(1, np.int64)
            u32 = np.zeros(1, np.uint32)
            lims, pos, dist = K.mih_search_serial(
                q, tail, z, z, z, u32, z, z, u32, z, np.zeros(1, np.uint8), z, np.zeros(4, np.uint8), z,
                np.int64(4), alive, np.int64(threshold), True)
            parts.append((lims, dist, self._tail_ids[pos]))
        return _combine(parts, nq)

    # -- persistence ---------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the index (format: :mod:`jigsaw.signals.fileformat`). The tail is flushed
        into a segment first so that a load never has to build anything."""
        self._flush_tail()
        arrays: dict[str, np.ndarray] = {}
        seg_meta = []
        for i, s in enumerate(self._segments):
            arrays.update(s.arrays(f"s{i}_"))
            seg_meta.append({"ids_base": s.ids_base, "n_alive": s.n_alive})
        meta = {"segments": seg_meta, "tail_max": self.tail_max, "flat_max": self.flat_max,
                "merge_ratio": self.merge_ratio, "hash_bytes": HASH_BYTES}
        write_arrays(path, _FILE_KIND, meta, arrays)

    @classmethod
    def load(cls, path: str | Path, *, mmap: bool = True) -> PdqIndex:
        """Open a saved index. With ``mmap`` (default) the arrays are mapped, not read: load
        time is independent of size and the page cache is shared between processes."""
        meta, arrays = read_arrays(Path(path), _FILE_KIND, mmap=mmap)
        idx = cls(tail_max=int(meta["tail_max"]), flat_max=int(meta["flat_max"]),
                  merge_ratio=int(meta["merge_ratio"]))
        for i, sm in enumerate(meta["segments"]):
            p = f"s{i}_"
            seg = _Segment(
                words=arrays[p + "words"], ids=arrays[p + "ids"], ids_base=int(sm["ids_base"]),
                alive=np.array(arrays[p + "alive"]),  # writable copy: n/8 bytes
                # a few bytes, copied so the kernels see one array type whatever the file
                widths=np.array(arrays[p + "widths"], dtype=np.int64),
                coarse=arrays[p + "coarse"], dirs=arrays[p + "dirs"],
                postings=_posting_bytes_view(arrays[p + "postings"]),
                n_alive=int(sm["n_alive"]),
            )
            if not seg.words.flags.writeable:
                # A flat segment's (empty) tables are read as plain arrays: freeze them like the
                # mapped ones, so a search compiles to the signature warm_up() prepared.
                seg.coarse, seg.dirs, seg.postings = (_frozen(a, True) if a.flags.writeable else a
                                                      for a in (seg.coarse, seg.dirs, seg.postings))
            _check_segment(seg)
            idx._segments.append(seg)
        return idx


_WARMED: list[float] = []


def warm_up() -> float:
    """Compile (or load from numba's on-disk cache) every kernel signature a search uses, so the
    first real lookup answers at full speed. Returns the seconds it took; later calls in the same
    process return at once.

    The signatures: a search over a tail (flat), over in-memory segments (writable arrays) and
    over memory-mapped ones (read-only arrays, as :meth:`PdqIndex.load` gives), with uint8, uint16
    and uint32 directories, on one thread and on all of them, plus the build and removal kernels.
    On a fresh install this costs a one-off compile (about a minute on a 2-core machine); numba
    caches the result beside the package, so every later process loads it in about a second.
    The hashes are random numbers made here; nothing is read or written but numba's cache.
    """
    if _WARMED:
        return 0.0
    import time

    started = time.perf_counter()
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 256, (600, HASH_BYTES), dtype=np.uint8)
    raw_queries = np.concatenate([hashes[:70], rng.integers(0, 256, (2, HASH_BYTES), dtype=np.uint8)])
    queries = _as_hash_rows(raw_queries)
    idx = PdqIndex(tail_max=1 << 20)
    idx.add(hashes[:40], np.arange(40))
    idx.search(raw_queries[:1])  # the tail
    built = _Segment.build(_as_hash_rows(hashes), np.arange(len(hashes)), flat_max=0)
    flat = _Segment.build(_as_hash_rows(hashes[:50]), np.arange(50), flat_max=1 << 20)
    built.remove(np.asarray([1], dtype=np.int64))
    for dtype in (np.uint8, np.uint16, np.uint32):
        for readonly in (False, True):
            for seg in (built, flat):
                variant = _Segment(
                    words=_frozen(seg.words, readonly), ids=seg.ids, ids_base=seg.ids_base,
                    alive=seg.alive.copy(), widths=seg.widths, coarse=_frozen(seg.coarse, readonly),
                    dirs=_frozen(seg.dirs.astype(dtype), readonly),
                    postings=_frozen(seg.postings, readonly), n_alive=seg.n_alive)
                for parallel in (False, True):
                    variant.search(queries if parallel else queries[:1], DEFAULT_THRESHOLD, parallel)
                if dtype is np.uint8:
                    variant.ids = _frozen(seg.ids, readonly)
                    variant.remove(np.asarray([2], dtype=np.int64))
    _WARMED.append(time.perf_counter() - started)
    return _WARMED[0]


def _frozen(array: np.ndarray, readonly: bool) -> np.ndarray:
    out = np.array(array)
    out.setflags(write=not readonly)
    return out


def _posting_bytes_view(postings: np.ndarray) -> np.ndarray:
    """Files written before 3-byte postings hold uint32 ones: the same bytes, 4 per posting."""
    return postings.view(np.uint8) if postings.dtype == np.dtype("<u4") else postings


def _check_segment(seg: _Segment) -> None:
    """Refuse a file whose arrays disagree in shape. Values are not scanned (that would cost
    a pass over every page at load); instead the kernels clamp bucket ranges and skip row
    numbers beyond the segment, so a corrupt or hostile file cannot make them read outside
    their arrays."""
    n = seg.n
    ok = seg.words.ndim == 2 and seg.words.shape[1] == 4 and seg.ids.shape == (n,)
    ok = ok and seg.alive.shape == ((n + 7) // 8,)
    u = np.dtype
    ok = ok and seg.words.dtype == u("<u8") and seg.ids.dtype in (u("<u4"), u("<i8"))
    ok = ok and seg.alive.dtype == u("u1") and seg.postings.dtype == u("u1")
    ok = ok and seg.coarse.dtype == u("<u4") and seg.dirs.dtype in (u("u1"), u("<u2"), u("<u4"))
    if seg.widths.shape[0]:
        ok = ok and int(seg.widths.sum()) == 256 and int(seg.widths.max()) <= 32
        ok = ok and int(seg.widths.min()) > K.DIR_BLOCK_SHIFT
        ok = ok and seg.dirs.shape[0] == int(((np.int64(1) << seg.widths) + 1).sum())
        ok = ok and seg.coarse.shape[0] == int(
            ((np.int64(1) << (seg.widths - K.DIR_BLOCK_SHIFT)) + 1).sum())
        ok = ok and seg.postings.shape[0] in ((len(seg.widths) - 1) * n * 3, (len(seg.widths) - 1) * n * 4)
    if not ok:
        raise IndexFormatError("index segment arrays are inconsistent")


def _combine(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], nq: int) -> tuple[
    np.ndarray, np.ndarray, np.ndarray
]:
    if not parts:
        return np.zeros(nq + 1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int64)
    if len(parts) == 1:
        lims, dist, ids = parts[0]
        return lims, np.asarray(dist, np.int32), np.asarray(ids, np.int64)
    counts = sum(np.diff(p[0]) for p in parts)
    lims = np.zeros(nq + 1, dtype=np.int64)
    np.cumsum(counts, out=lims[1:])
    dist = np.empty(lims[-1], dtype=np.int32)
    ids = np.empty(lims[-1], dtype=np.int64)
    fill = lims[:-1].copy()
    for plims, pdist, pids in parts:
        c = np.diff(plims)
        # destination of each hit: its query's fill pointer plus its rank within the query
        rank = np.arange(plims[-1]) - np.repeat(plims[:-1], c)
        dst = np.repeat(fill, c) + rank
        dist[dst] = pdist
        ids[dst] = pids
        fill += c
    return lims, dist, ids
