"""Index classes the signal types name: pytx ``SignalTypeIndex``-shaped, over Jigsaw's indexes.

Code written against python-threatexchange's ``SignalTypeIndex`` (``build``, ``query``, ``add``,
``add_all``, ``serialize``/``deserialize``) can use these without faiss. Entries are integers
(bank entry ids) so that serialisation stays data only: pytx pickles arbitrary entry objects,
which is exactly what lets whoever writes an index file run code on every matcher.

The fixed-size kinds wrap :class:`~jigsaw.signals.pdq.index.PdqIndex` (multi-index hashing)
and :class:`~jigsaw.signals.exact_index.ExactIndex` (sorted digests); vPDQ has its own
brute-force index in :mod:`jigsaw.signals.vpdq`.
"""

from __future__ import annotations

import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, ClassVar, Self

import numpy as np

from jigsaw.signals.digest import MD5, SHA1, SHA256
from jigsaw.signals.exact_index import ExactIndex
from jigsaw.signals.pdq.signal import PDQ

if TYPE_CHECKING:
    from jigsaw.signals.base import SignalType
    from jigsaw.signals.pdq.index import PdqIndex

__all__ = ["IndexMatch", "Md5SignalIndex", "PdqSignalIndex", "RowSignalIndex", "Sha1SignalIndex",
           "Sha256SignalIndex", "SignalIndex", "row_index_cls"]


@dataclass(frozen=True)
class IndexMatch:
    """One hit: the distance (0 for exact digests) and the entry id."""

    distance: float
    metadata: int


class SignalIndex(ABC):
    """Many hashes of one signal type, each with an integer entry, searched within a threshold."""

    signal: ClassVar[SignalType]

    def __init__(self, threshold: float | None = None) -> None:
        self.threshold = self.signal.default_threshold if threshold is None else threshold

    @classmethod
    def build(cls, entries: Iterable[tuple[str, int]]) -> Self:
        idx = cls()
        idx.add_all(entries)
        return idx

    def add(self, signal_str: str, entry: int) -> None:
        self.add_all([(signal_str, entry)])

    @abstractmethod
    def add_all(self, entries: Iterable[tuple[str, int]]) -> None: ...

    @abstractmethod
    def __len__(self) -> int: ...

    def query(self, signal_str: str) -> Sequence[IndexMatch]:
        return self.query_many([signal_str])[0]

    @abstractmethod
    def query_many(self, signals: Sequence[str]) -> list[list[IndexMatch]]: ...

    @abstractmethod
    def serialize(self, fout: BinaryIO) -> None: ...

    @classmethod
    @abstractmethod
    def deserialize(cls, fin: BinaryIO) -> Self: ...


class RowSignalIndex(SignalIndex):
    """A fixed-size signal type over a PdqIndex (by distance) or an ExactIndex (digests)."""

    def __init__(self, threshold: float | None = None) -> None:
        super().__init__(threshold)
        self._index: PdqIndex | ExactIndex = self._new()

    @classmethod
    def store_cls(cls) -> type[PdqIndex] | type[ExactIndex]:
        """The raw index class under this wrapper (what matching keeps per bank and saves)."""
        if cls.signal.by_distance:
            from jigsaw.signals.pdq.index import PdqIndex

            return PdqIndex
        return ExactIndex

    @classmethod
    def new_store(cls) -> PdqIndex | ExactIndex:
        """An empty raw index for this signal type."""
        assert cls.signal.nbytes is not None
        if cls.signal.by_distance:
            from jigsaw.signals.pdq.index import PdqIndex

            return PdqIndex()
        return ExactIndex(cls.signal.nbytes)

    def _new(self) -> PdqIndex | ExactIndex:
        return self.new_store()

    def __len__(self) -> int:
        return len(self._index)

    def add_all(self, entries: Iterable[tuple[str, int]]) -> None:
        pairs = list(entries)
        if not pairs:
            return
        rows = self.signal.to_rows([self.signal.normalise(h, allow_base64=True) for h, _ in pairs])
        self._index.add(rows, np.asarray([e for _, e in pairs], dtype=np.int64))

    def query_many(self, signals: Sequence[str]) -> list[list[IndexMatch]]:
        rows = self.signal.to_rows([self.signal.normalise(h, allow_base64=True) for h in signals])
        lims, dist, ids = self._index.search(rows, int(self.threshold))
        return [[IndexMatch(int(dist[k]), int(ids[k])) for k in range(lims[i], lims[i + 1])]
                for i in range(len(signals))]

    def serialize(self, fout: BinaryIO) -> None:
        """Write the index file format (not pickle) to a binary stream."""
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "index"
            self._index.save(path)
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    fout.write(chunk)

    @classmethod
    def deserialize(cls, fin: BinaryIO) -> Self:
        """Read a stream written by :meth:`serialize` (copied to a temporary file first; use
        ``PdqIndex.load`` on a real file to get memory-mapped loading)."""
        idx = cls()
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "index"
            with path.open("wb") as f:
                while chunk := fin.read(1 << 20):
                    f.write(chunk)
            idx._index = cls.store_cls().load(path, mmap=False)
        return idx


class PdqSignalIndex(RowSignalIndex):
    signal = PDQ


class Md5SignalIndex(RowSignalIndex):
    signal = MD5


class Sha1SignalIndex(RowSignalIndex):
    signal = SHA1


class Sha256SignalIndex(RowSignalIndex):
    signal = SHA256


def row_index_cls(signal: SignalType) -> type[RowSignalIndex]:
    """``signal``'s index class, which must hold fixed-size rows (every kind a bank takes)."""
    cls = signal.index_cls()
    if not issubclass(cls, RowSignalIndex):
        from jigsaw.signals.base import SignalError

        raise SignalError(f"{signal.name} hashes have no fixed-size index")
    return cls
