"""pytx-style wrappers: ``SignalTypeIndex``-like classes over Jigsaw's indexes.

Code written against python-threatexchange's ``SignalTypeIndex`` (``build``, ``query``, ``add``,
``add_all``, ``serialize``/``deserialize``) can use these without pulling in faiss. Entries are
integers (bank entry ids) so that serialisation stays data-only: pytx pickles arbitrary entry
objects, which is exactly what lets a database writer run code on every matcher.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from jigsaw.matching.exact_index import ExactIndex
from jigsaw.matching.pdq_index import PdqIndex
from jigsaw.matching.signals import MD5, PDQ, SHA1, SHA256, SignalType, hex_rows, normalize


@dataclass(frozen=True)
class IndexMatch:
    """One hit: the Hamming distance (0 for exact digests) and the entry id."""

    distance: int
    metadata: int


class _SignalIndex:
    signal: SignalType = PDQ

    def __init__(self, threshold: int | None = None) -> None:
        self.threshold = self.signal.default_threshold if threshold is None else threshold
        self._index: PdqIndex | ExactIndex = (
            PdqIndex() if self.signal.by_distance else ExactIndex(self.signal.nbytes))

    @classmethod
    def build(cls, entries: Iterable[tuple[str, int]]) -> _SignalIndex:
        idx = cls()
        idx.add_all(entries)
        return idx

    def __len__(self) -> int:
        return len(self._index)

    def add(self, signal_str: str, entry: int) -> None:
        self.add_all([(signal_str, entry)])

    def add_all(self, entries: Iterable[tuple[str, int]]) -> None:
        pairs = list(entries)
        if not pairs:
            return
        rows = hex_rows([normalize(self.signal, h) for h, _ in pairs], self.signal.nbytes)
        self._index.add(rows, np.asarray([e for _, e in pairs], dtype=np.int64))

    def query(self, signal_str: str) -> Sequence[IndexMatch]:
        return self.query_many([signal_str])[0]

    def query_many(self, signals: Sequence[str]) -> list[list[IndexMatch]]:
        rows = hex_rows([normalize(self.signal, h) for h in signals], self.signal.nbytes)
        lims, dist, ids = self._index.search(rows, self.threshold)
        return [[IndexMatch(int(dist[k]), int(ids[k])) for k in range(lims[i], lims[i + 1])]
                for i in range(len(signals))]

    def serialize(self, fout: BinaryIO) -> None:
        """Write the index file format (not pickle) to a binary stream."""
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "index"
            self._index.save(path)
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    fout.write(chunk)

    @classmethod
    def deserialize(cls, fin: BinaryIO) -> _SignalIndex:
        """Read a stream written by :meth:`serialize` (copied to a temporary file first; use
        ``PdqIndex.load`` on a real file to get memory-mapped loading)."""
        idx = cls()
        fd, name = tempfile.mkstemp()
        try:
            with os.fdopen(fd, "wb") as f:
                while chunk := fin.read(1 << 20):
                    f.write(chunk)
            loader = PdqIndex if cls.signal.by_distance else ExactIndex
            idx._index = loader.load(name, mmap=False)
        finally:
            os.unlink(name)
        return idx


class PdqSignalIndex(_SignalIndex):
    signal = PDQ


class Md5SignalIndex(_SignalIndex):
    signal = MD5


class Sha1SignalIndex(_SignalIndex):
    signal = SHA1


class Sha256SignalIndex(_SignalIndex):
    signal = SHA256
