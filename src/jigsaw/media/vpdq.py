"""vPDQ matching: how much of one video's frames appear in another.

vPDQ treats a video as a bag of PDQ frame hashes (``vpdq/README.md``; pytx's
``vpdq_brute_matcher``). To compare a query video Q with an indexed video C:

1. drop repeated frames (identical hash; the first occurrence is kept), then frames with
   quality below ``quality`` (default 50);
2. a Q frame matches if some C frame is within Hamming ``distance`` (default 31);
3. ``query_pct`` = matched Q frames / remaining Q frames x 100, and symmetrically
   ``index_pct`` for C in Q.

pytx calls it a match when ``query_pct >= 80`` and ``index_pct >= 0``: most of the query
appears in the indexed video, however long the latter is, so clips cut from a known video
are found. Unlike pytx we return 0 (rather than dividing by zero) when no frame survives
the quality filter.

The serialised form :func:`frames_to_signal` / :func:`frames_from_signal` is pytx's
``VpdqCompactFeature`` list (``["<pdq hex>,<quality>,<timestamp>", ...]`` as JSON), so
hashes can be exchanged with HMA and ThreatExchange.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jigsaw.media import pdq
from jigsaw.media.model import FrameHash
from jigsaw.signals.pdq.signal import MATCH_THRESHOLD, QUALITY_THRESHOLD
from jigsaw.signals.vpdq import INDEX_MATCH_PCT, QUERY_MATCH_PCT

__all__ = [
    "DISTANCE_THRESHOLD",
    "INDEX_MATCH_PCT",
    "QUALITY_THRESHOLD",
    "QUERY_MATCH_PCT",
    "VpdqMatch",
    "frames_from_signal",
    "frames_to_signal",
    "match_frames",
]

DISTANCE_THRESHOLD = MATCH_THRESHOLD  # frame to frame: PDQ's one match threshold


@dataclass(frozen=True, slots=True)
class VpdqMatch:
    """Share (0..100) of the query's frames found in the index video, and vice versa."""

    query_pct: float
    index_pct: float

    def is_match(
        self, query_pct: float = QUERY_MATCH_PCT, index_pct: float = INDEX_MATCH_PCT
    ) -> bool:
        """vPDQ's decision with pytx's default thresholds (80% of query, 0% of index)."""
        return self.query_pct >= query_pct and self.index_pct >= index_pct


def _prepare(frames: Sequence[FrameHash], quality: int) -> np.ndarray:
    """Dedupe (first occurrence wins, as pytx), drop low quality -> (n, 4) uint64."""
    seen: set[str] = set()
    kept: list[bytes] = []
    for frame in frames:
        key = frame.pdq.lower()
        if key in seen:
            continue
        seen.add(key)
        if frame.quality >= quality:
            kept.append(pdq.hex_to_bytes(key).tobytes())
    if not kept:
        return np.zeros((0, 4), dtype=np.uint64)
    return np.frombuffer(b"".join(kept), dtype=">u8").astype(np.uint64).reshape(-1, 4)


def _matched(a: np.ndarray, b: np.ndarray, distance: int) -> int:
    """How many rows of ``a`` have some row of ``b`` within ``distance`` bits."""
    if len(a) == 0 or len(b) == 0:
        return 0
    count = 0
    step = max(1, 4_000_000 // max(1, len(b)))  # bound the (step, len(b), 4) temporary
    for start in range(0, len(a), step):
        block = a[start : start + step]
        dist = np.bitwise_count(block[:, None, :] ^ b[None, :, :]).sum(axis=2)
        count += int((dist <= distance).any(axis=1).sum())
    return count


def match_frames(
    query: Sequence[FrameHash],
    index: Sequence[FrameHash],
    distance: int = DISTANCE_THRESHOLD,
    quality: int = QUALITY_THRESHOLD,
) -> VpdqMatch:
    """Compare two videos' frame hashes the way vPDQ does (see the module notes)."""
    q = _prepare(query, quality)
    c = _prepare(index, quality)
    query_pct = _matched(q, c, distance) * 100.0 / len(q) if len(q) else 0.0
    index_pct = _matched(c, q, distance) * 100.0 / len(c) if len(c) else 0.0
    return VpdqMatch(query_pct, index_pct)


def frames_to_signal(frames: Sequence[FrameHash]) -> str:
    """Serialise frame hashes as pytx's vPDQ signal string (JSON list of compact strings)."""
    return json.dumps([f"{f.pdq},{f.quality},{f.timestamp:.3f}" for f in frames])


def frames_from_signal(signal: str) -> tuple[FrameHash, ...]:
    """Parse a pytx vPDQ signal string; raises ``ValueError`` if malformed."""
    try:
        items = json.loads(signal or "[]")
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid vPDQ signal: {exc}") from exc
    if not isinstance(items, list):
        raise ValueError("invalid vPDQ signal: expected a JSON list")
    out = []
    for item in items:
        parts = str(item).split(",")
        if len(parts) != 3 or not pdq.is_valid_hex(parts[0]):
            raise ValueError(f"invalid vPDQ feature: {item!r}")
        quality, timestamp = int(parts[1]), float(parts[2])
        if not 0 <= quality <= 100 or timestamp < 0:
            raise ValueError(f"invalid vPDQ feature: {item!r}")
        out.append(FrameHash(timestamp, quality, parts[0].lower()))
    return tuple(out)
