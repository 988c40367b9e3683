"""The vPDQ signal type: a video's frame PDQs in pytx's serialised form, bag-of-frames matching.

The distance is ``100 - query_pct`` (the share of the query's frames found in the other video),
so lower is closer as for every other type; a match also needs ``index_pct`` of the other
video's frames, as in pytx. The frame-level PDQ threshold is PDQ's :data:`MATCH_THRESHOLD`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, BinaryIO, Self

from jigsaw.signals.base import SignalComparison, SignalError, SignalType
from jigsaw.signals.index import IndexMatch, SignalIndex
from jigsaw.signals.pdq.signal import MATCH_THRESHOLD, QUALITY_THRESHOLD

if TYPE_CHECKING:
    from jigsaw.media.model import FrameHash

__all__ = ["VPDQ", "VpdqIndex", "VpdqSignal"]

QUERY_MATCH_PCT = 80.0
INDEX_MATCH_PCT = 0.0


def _frames(value: str) -> tuple[FrameHash, ...]:
    from jigsaw.media import vpdq

    try:
        return vpdq.frames_from_signal(value)
    except ValueError as exc:
        raise SignalError(str(exc)) from exc


class VpdqSignal(SignalType):
    """vPDQ with pytx's default decision: 80 % of the query's frames, 0 % of the index's."""

    name = "vpdq"
    by_distance = True

    def __init__(self, *, fps: float = 1.0, frame_distance: int = MATCH_THRESHOLD,
                 quality: int = QUALITY_THRESHOLD, query_pct: float = QUERY_MATCH_PCT,
                 index_pct: float = INDEX_MATCH_PCT) -> None:
        self.fps, self.frame_distance, self.quality = fps, frame_distance, quality
        self.query_pct, self.index_pct = query_pct, index_pct
        self.default_threshold = int(100 - query_pct)

    def normalise(self, value: str, *, allow_base64: bool = False) -> str:
        from jigsaw.media import vpdq

        return vpdq.frames_to_signal(_frames(value))

    def _match(self, a: str, b: str) -> tuple[float, float]:
        from jigsaw.media import vpdq

        result = vpdq.match_frames(_frames(a), _frames(b), self.frame_distance, self.quality)
        return result.query_pct, result.index_pct

    def distance(self, a: str, b: str) -> float:
        """``a`` is the query, ``b`` the indexed video."""
        return 100.0 - self._match(a, b)[0]

    def compare(self, a: str, b: str, threshold: float | None = None) -> SignalComparison:
        query_pct, index_pct = self._match(a, b)
        needed = self.query_pct if threshold is None else 100.0 - threshold
        return SignalComparison(query_pct >= needed and index_pct >= self.index_pct, 100.0 - query_pct)

    def hash_from_bytes(self, data: bytes) -> str | None:
        from jigsaw.media import video, vpdq

        frames, _error = video.frame_hashes(data, fps=self.fps)
        return vpdq.frames_to_signal(frames) if frames else None

    def index_cls(self) -> type[SignalIndex]:
        return VpdqIndex


VPDQ = VpdqSignal()


class VpdqIndex(SignalIndex):
    """Every video compared with the query (vPDQ banks are small; pytx's index is also a scan
    at its core). Serialised as JSON: data only."""

    signal = VPDQ

    def __init__(self, threshold: float | None = None) -> None:
        super().__init__(threshold)
        self._entries: list[tuple[str, int]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def add_all(self, entries: Iterable[tuple[str, int]]) -> None:
        self._entries.extend((self.signal.normalise(s), int(e)) for s, e in entries)

    def query_many(self, signals: Sequence[str]) -> list[list[IndexMatch]]:
        out = []
        for query in signals:
            hits = []
            for value, entry in self._entries:
                c = self.signal.compare(query, value, self.threshold)
                if c.match:
                    hits.append(IndexMatch(c.distance, entry))
            out.append(sorted(hits, key=lambda m: (m.distance, m.metadata)))
        return out

    def serialize(self, fout: BinaryIO) -> None:
        fout.write(json.dumps(self._entries).encode())

    @classmethod
    def deserialize(cls, fin: BinaryIO) -> Self:
        idx = cls()
        idx.add_all((str(s), int(e)) for s, e in json.loads(fin.read()))
        return idx
