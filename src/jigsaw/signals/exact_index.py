"""Exact-match indexes for cryptographic digests (MD5, SHA-1, SHA-256).

Same shape as :class:`jigsaw.signals.pdq.index.PdqIndex` (add / remove / search / save / load, faiss-style
``(lims, distances, ids)`` results, distances always 0) so callers treat every signal type alike.

Layout: the first 8 bytes of each digest as a big-endian ``uint64`` key, sorted, beside the full
digests and ids. Digests are uniformly distributed, so the key alone almost always decides and a
lookup is one binary search; the full digest is still compared, so a key collision cannot produce
a false match. New entries go to a dict (visible to the next query) and are merged into the
sorted arrays once it grows; removals clear an alive flag.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from jigsaw.signals.fileformat import IndexFormatError, read_arrays, write_arrays

_FILE_KIND = "jigsaw.exact_index.v1"
DIGEST_SIZES = {"md5": 16, "sha1": 20, "sha256": 32}


def _keys(digests: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(digests[:, :8]).view(">u8").reshape(-1).astype(np.uint64)


class ExactIndex:
    """Exact lookup of fixed-size digests, keyed by the digest bytes."""

    def __init__(self, digest_size: int, *, tail_max: int = 65536) -> None:
        if digest_size < 8:
            raise ValueError("digests shorter than 8 bytes are not supported")
        self.digest_size = digest_size
        self.tail_max = tail_max
        self._keys = np.zeros(0, dtype=np.uint64)
        self._digests = np.zeros((0, digest_size), dtype=np.uint8)
        self._ids = np.zeros(0, dtype=np.int64)
        self._alive = np.zeros(0, dtype=bool)
        self._n_alive = 0
        self._tail: dict[bytes, list[int]] = {}
        self._tail_n = 0

    @classmethod
    def for_signal(cls, signal_type: str) -> ExactIndex:
        """An index sized for ``md5``, ``sha1`` or ``sha256``."""
        return cls(DIGEST_SIZES[signal_type])

    def __len__(self) -> int:
        return self._n_alive + self._tail_n

    def _rows(self, digests: Any) -> np.ndarray:
        arr = np.asarray(digests)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.dtype != np.uint8 or arr.ndim != 2 or arr.shape[1] != self.digest_size:
            raise ValueError(f"digests must be a uint8 array of shape (n, {self.digest_size})")
        return arr

    def add(self, digests: Any, ids: Any) -> None:
        """Add rows; they are matchable by the next search."""
        rows = self._rows(digests)
        id_arr = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(id_arr) != len(rows):
            raise ValueError("digests and ids differ in length")
        for row, i in zip(rows, id_arr.tolist(), strict=True):
            self._tail.setdefault(row.tobytes(), []).append(i)
        self._tail_n += len(rows)
        if self._tail_n >= self.tail_max:
            self._merge()

    def remove(self, ids: Any) -> int:
        """Remove every row with one of ``ids``; returns how many rows went."""
        gone = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
        hit = np.isin(self._ids, gone) & self._alive
        removed = int(hit.sum())
        if removed:
            if not self._alive.flags.writeable:
                self._alive = self._alive.copy()
            self._alive[hit] = False
            self._n_alive -= removed
        gone_set = set(gone.tolist())
        for key in list(self._tail):
            kept = [i for i in self._tail[key] if i not in gone_set]
            removed += len(self._tail[key]) - len(kept)
            self._tail_n -= len(self._tail[key]) - len(kept)
            if kept:
                self._tail[key] = kept
            else:
                del self._tail[key]
        return removed

    def _merge(self) -> None:
        if not self._tail and self._n_alive == len(self._alive):
            return
        tail_digests = [np.frombuffer(k, np.uint8) for k, v in self._tail.items() for _ in v]
        tail_ids = [i for v in self._tail.values() for i in v]
        keep = self._alive
        digests = np.concatenate(
            [np.asarray(self._digests)[keep],
             np.asarray(tail_digests, dtype=np.uint8).reshape(-1, self.digest_size)])
        ids = np.concatenate([np.asarray(self._ids)[keep], np.asarray(tail_ids, np.int64)])
        keys = _keys(digests)
        order = np.argsort(keys, kind="stable")
        self._keys, self._digests, self._ids = keys[order], digests[order], ids[order]
        self._alive = np.ones(len(ids), dtype=bool)
        self._n_alive = len(ids)
        self._tail, self._tail_n = {}, 0

    def search(self, queries: Any, threshold: int = 0) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
        """Rows whose digest equals each query: ``(lims, distances, ids)``; ``threshold`` is
        accepted for interface symmetry and ignored (exact digests have no distance)."""
        q = self._rows(queries)
        nq = len(q)
        qk = _keys(q) if nq else np.zeros(0, np.uint64)
        lo = np.searchsorted(self._keys, qk, "left")
        hi = np.searchsorted(self._keys, qk, "right")
        counts = hi - lo
        qi = np.repeat(np.arange(nq), counts)
        rows = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)]) if (
            counts.sum()) else np.zeros(0, np.int64)
        ok = np.zeros(len(rows), dtype=bool)
        if len(rows):
            ok = np.all(np.asarray(self._digests)[rows] == q[qi], axis=1) & self._alive[rows]
        per_query: list[list[int]] = [[] for _ in range(nq)]
        for i, r in zip(qi[ok].tolist(), rows[ok].tolist(), strict=True):
            per_query[i].append(int(self._ids[r]))
        if self._tail:
            for i in range(nq):
                per_query[i].extend(self._tail.get(q[i].tobytes(), ()))
        lims = np.zeros(nq + 1, dtype=np.int64)
        np.cumsum([len(p) for p in per_query], out=lims[1:])
        ids = np.fromiter((x for p in per_query for x in p), dtype=np.int64, count=int(lims[-1]))
        return lims, np.zeros(len(ids), dtype=np.int32), ids

    def save(self, path: str | Path) -> None:
        """Write the index (format: :mod:`jigsaw.signals.fileformat`)."""
        self._merge()
        write_arrays(path, _FILE_KIND, {"digest_size": self.digest_size},
                     {"keys": self._keys, "digests": self._digests, "ids": self._ids})

    @classmethod
    def load(cls, path: str | Path, *, mmap: bool = True) -> ExactIndex:
        meta, arrays = read_arrays(Path(path), _FILE_KIND, mmap=mmap)
        idx = cls(int(meta["digest_size"]))
        n = arrays["keys"].shape[0]
        if arrays["digests"].shape != (n, idx.digest_size) or arrays["ids"].shape != (n,):
            raise IndexFormatError("exact index arrays are inconsistent")
        idx._keys, idx._digests, idx._ids = arrays["keys"], arrays["digests"], arrays["ids"]
        idx._alive = np.ones(n, dtype=bool)
        idx._n_alive = n
        return idx
