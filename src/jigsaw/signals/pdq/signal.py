"""The PDQ signal type: 256-bit perceptual image hashes compared by Hamming distance.

This module owns :data:`MATCH_THRESHOLD`, the one PDQ match threshold in Jigsaw (31 bits, the
value of pytx, HMA and the reference implementation); banks may set their own per bank, but
every default comes from here. The canonical text form is 64 lower-case hex digits (the
256 bits as one big-endian number); the byte form is the same number as 32 bytes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from jigsaw.signals.base import SignalError, SignalType

if TYPE_CHECKING:
    from jigsaw.signals.index import SignalIndex

__all__ = [
    "HASH_BITS",
    "HASH_BYTES",
    "HEX_LEN",
    "MATCH_THRESHOLD",
    "PDQ",
    "QUALITY_THRESHOLD",
    "PdqSignal",
    "hamming",
    "is_valid_hex",
]

HASH_BITS = 256
HASH_BYTES = 32
HEX_LEN = 64
MATCH_THRESHOLD = 31
QUALITY_THRESHOLD = 50

_HEX = re.compile(r"^[0-9a-fA-F]{64}$")

HashLike = str | bytes | bytearray | memoryview | np.ndarray


def is_valid_hex(value: str) -> bool:
    """True for exactly 64 hex digits (either case), nothing else (no sign, space or ``_``)."""
    return bool(_HEX.match(value)) and value.isascii()


def _as_int(value: HashLike) -> int:
    if isinstance(value, str):
        if not is_valid_hex(value):
            raise SignalError(f"not a PDQ hash (64 hex digits): {value!r}")
        return int(value, 16)
    raw = bytes(value) if not isinstance(value, np.ndarray) else value.astype(np.uint8).tobytes()
    if len(raw) != HASH_BYTES:
        raise SignalError(f"a PDQ hash is 32 bytes, got {len(raw)}")
    return int.from_bytes(raw, "big")


def hamming(a: HashLike, b: HashLike) -> int:
    """Hamming distance (0..256) between two PDQ hashes in hex or 32-byte form."""
    return (_as_int(a) ^ _as_int(b)).bit_count()


class PdqSignal(SignalType):
    """PDQ: a match is a Hamming distance of at most ``threshold``; hashes whose quality is
    below ``quality_threshold`` are too unreliable to compute a signal from."""

    name = "pdq"
    by_distance = True
    nbytes = HASH_BYTES

    def __init__(self, threshold: int = MATCH_THRESHOLD, quality_threshold: int = QUALITY_THRESHOLD) -> None:
        self.default_threshold = threshold
        self.quality_threshold = quality_threshold

    @property
    def threshold(self) -> int:
        return self.default_threshold

    def normalise(self, value: str, *, allow_base64: bool = False) -> str:
        """64 lower-case hex digits. ``allow_base64`` changes nothing: no feed sends PDQ so."""
        v = value.strip()
        if not is_valid_hex(v):
            raise SignalError(f"not a pdq hash: expected {HEX_LEN} hex digits")
        return v.lower()

    def distance(self, a: str, b: str) -> float:
        return hamming(a, b)

    def hash_from_bytes(self, data: bytes) -> str | None:
        from jigsaw.media import image

        result = image.pdq_from_image_bytes(data)
        return result.hex if result.quality >= self.quality_threshold else None

    def index_cls(self) -> type[SignalIndex]:
        from jigsaw.signals.index import PdqSignalIndex

        return PdqSignalIndex


PDQ = PdqSignal()
