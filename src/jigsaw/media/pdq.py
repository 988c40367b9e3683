"""PDQ: Meta's 256-bit perceptual image hash, implemented in Jigsaw.

PDQ answers "is this picture visually the same as one we know?" where MD5 only answers
"are these the same bytes?". The algorithm (``pdq/README.md`` and ``pdq/cpp`` in
facebook/ThreatExchange):

1. luma Y = 0.299 R + 0.587 G + 0.114 B (greyscale is used as is);
2. a Jarosz tent filter: a box blur, two passes per axis, window ceil(dim / 128);
3. decimation to 64x64 by sampling window centres (a 64x64 input skips 2 and 3);
4. quality = sum of quantised neighbour gradients / 90, clamped to 0..100;
5. DCT coefficients 1..16 x 1..16 (DC dropped) as D·A·Dᵀ with a 16x64 DCT matrix;
6. bit k (k = 16 * row + column) = coefficient > median (Torben's, the lower median).

Images smaller than 5 pixels in either dimension get the all-zero hash and quality 0.

Hex form: the 256 bits as one big-endian number, 64 lowercase hex digits (the form of the
reference ``Hash256::format``, pytx and HMA). Byte form: the same number as 32 bytes,
``uint8[32]``, most significant byte first.

Given identical float luma, :func:`pdq_hash_luma` returns the reference's hash bit for bit
(see :mod:`jigsaw.media._pdqcore` for why and how).

Thresholds in common use: a match is a Hamming distance of at most
:data:`MATCH_THRESHOLD` (31); hashes with quality below :data:`QUALITY_THRESHOLD` (50) are
too unreliable to match on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from jigsaw.media import _pdqcore
from jigsaw.signals.pdq.signal import (
    HASH_BITS,
    HEX_LEN,
    MATCH_THRESHOLD,
    QUALITY_THRESHOLD,
    hamming,
    is_valid_hex,
)

__all__ = [
    "DIHEDRAL_ORDER",
    "HASH_BITS",
    "HEX_LEN",
    "MATCH_THRESHOLD",
    "MIN_HASHABLE_DIM",
    "QUALITY_THRESHOLD",
    "ZERO_HASH",
    "PdqDihedral",
    "PdqHash",
    "bytes_to_hex",
    "hamming",
    "hex_to_bytes",
    "is_valid_hex",
    "luma_from_rgb",
    "pdq_dihedral_luma",
    "pdq_dihedral_rgb",
    "pdq_hash_luma",
    "pdq_hash_rgb",
]

MIN_HASHABLE_DIM = 5
ZERO_HASH = "0" * HEX_LEN

#: The order of the 8 dihedral variants everywhere in Jigsaw (``pdq_dihedral`` in JSON),
#: the same as the reference's ``pdqDihedralHash256esFromFloatLuma`` and ``pdqhash``'s
#: ``compute_dihedral``. Each name is the transform applied to the *image*; the variant is
#: the hash the transformed image would have:
#:
#: * ``original``
#: * ``rot90``: rotated 90° anticlockwise, ``np.rot90(img, 1)``
#: * ``rot180``: rotated 180°
#: * ``rot270``: rotated 90° clockwise, ``np.rot90(img, 3)``
#: * ``flipx``: mirrored top-to-bottom (about the horizontal x axis), ``img[::-1, :]``
#: * ``flipy``: mirrored left-to-right (about the vertical y axis), ``img[:, ::-1]``
#: * ``flipplus1``: transposed (about the main diagonal), ``img.T``
#: * ``flipminus1``: anti-transposed (about the other diagonal), ``np.rot90(img, 2).T``
#:
#: Matching a query against all 8 variants of a bank image finds rotated or mirrored copies.
DIHEDRAL_ORDER: tuple[str, ...] = (
    "original",
    "rot90",
    "rot180",
    "rot270",
    "flipx",
    "flipy",
    "flipplus1",
    "flipminus1",
)

_IDX = np.arange(16)
# +1 where the (0-based) index is odd, i.e. the DCT frequency (index + 1) is even: those
# basis functions are symmetric, so mirroring keeps their sign; odd frequencies flip it.
_ODD = np.where(_IDX & 1, 1.0, -1.0).astype(np.float32)
_CHECKER = np.where((_IDX[:, None] + _IDX[None, :]) & 1, -1.0, 1.0).astype(np.float32)


@dataclass(frozen=True, slots=True)
class PdqHash:
    """A PDQ hash (64 hex digits) and its quality (0..100)."""

    hex: str
    quality: int

    def to_bytes(self) -> np.ndarray:
        """The hash as ``uint8[32]``, most significant byte first."""
        return hex_to_bytes(self.hex)


@dataclass(frozen=True, slots=True)
class PdqDihedral:
    """The 8 dihedral PDQ hashes of one image (order: :data:`DIHEDRAL_ORDER`)."""

    hashes: tuple[str, ...]
    quality: int

    @property
    def original(self) -> PdqHash:
        return PdqHash(self.hashes[0], self.quality)

    def as_dict(self) -> Mapping[str, str]:
        """Variant name -> hex hash."""
        return dict(zip(DIHEDRAL_ORDER, self.hashes, strict=True))


# --------------------------------------------------------------------------------------
# Hex and byte forms (validation and distance belong to the PDQ signal type,
# :mod:`jigsaw.signals.pdq`, and are re-exported here)


def hex_to_bytes(value: str) -> np.ndarray:
    """64 hex digits -> ``uint8[32]`` (big-endian); raises ``ValueError`` if malformed."""
    if not is_valid_hex(value):
        raise ValueError(f"not a PDQ hash (64 hex digits): {value!r}")
    return np.frombuffer(bytes.fromhex(value), dtype=np.uint8).copy()


def bytes_to_hex(value: np.ndarray | bytes | bytearray | memoryview) -> str:
    """``uint8[32]`` or 32 bytes -> 64 lowercase hex digits."""
    raw = bytes(value) if not isinstance(value, np.ndarray) else value.astype(np.uint8).tobytes()
    if len(raw) != HASH_BITS // 8:
        raise ValueError(f"a PDQ hash is 32 bytes, got {len(raw)}")
    return raw.hex()


def _bits_to_hex(coefs: np.ndarray) -> str:
    """16x16 coefficients -> hex: bit k = coefs.flat[k] > lower median."""
    flat = coefs.reshape(-1)
    median = np.partition(flat, 127)[127]
    bits = flat > median
    return np.packbits(bits[::-1]).tobytes().hex()


# --------------------------------------------------------------------------------------
# Hashing


def _prepare_luma(luma: np.ndarray) -> np.ndarray:
    arr = np.asarray(luma)
    if arr.ndim != 2:
        raise ValueError(f"luma must be a 2-D array, got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def luma_from_rgb(rgb: np.ndarray) -> np.ndarray:
    """RGB ``uint8`` (rows, cols, >=3) -> float32 luma; extra channels (alpha) are ignored.

    Computed as ``pdqhash`` does (float64 products, stored as float32), so pixels hashed
    here and by the reference binding start from identical luma.
    """
    arr = np.asarray(rgb)
    if arr.ndim != 3 or arr.shape[2] < 3:
        raise ValueError(f"rgb must have shape (rows, cols, 3 or 4), got {arr.shape}")
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    return _pdqcore.luma_from_rgb(arr)


def _coefficients(luma: np.ndarray) -> tuple[np.ndarray, int] | None:
    arr = _prepare_luma(luma)
    if arr.shape[0] < MIN_HASHABLE_DIM or arr.shape[1] < MIN_HASHABLE_DIM:
        return None
    return _pdqcore.float_pipeline(arr)


def coefficients_from_luma(luma: np.ndarray) -> tuple[np.ndarray | None, int]:
    """(16x16 DCT coefficients, quality) of a luma image; ``(None, 0)`` if under 5 px."""
    result = _coefficients(luma)
    return (None, 0) if result is None else result


def hash_from_coefficients(
    coefs: np.ndarray | None, quality: int, *, dihedral: bool = False
) -> PdqHash | PdqDihedral:
    """Bits from 16x16 DCT coefficients (``None``: the image was too small to hash)."""
    if coefs is None:
        return PdqDihedral((ZERO_HASH,) * 8, 0) if dihedral else PdqHash(ZERO_HASH, 0)
    if dihedral:
        return PdqDihedral(
            tuple(_bits_to_hex(c) for c in dihedral_coefficients(coefs)), quality
        )
    return PdqHash(_bits_to_hex(coefs), quality)


def coefficients_from_downsampled(buf: np.ndarray) -> tuple[np.ndarray, int]:
    """(16x16 DCT coefficients, quality) from an already blurred-and-decimated 64x64."""
    return _pdqcore.from_downsampled(np.ascontiguousarray(buf, dtype=np.float32))


def pdq_hash_luma(luma: np.ndarray) -> PdqHash:
    """PDQ hash of a luma image (2-D array of 0..255 values, any real dtype)."""
    result = _coefficients(luma)
    if result is None:
        return PdqHash(ZERO_HASH, 0)
    coefs, quality = result
    return PdqHash(_bits_to_hex(coefs), quality)


def dihedral_coefficients(coefs: np.ndarray) -> tuple[np.ndarray, ...]:
    """The 16x16 DCT coefficients of the 8 dihedral images, from the original's alone.

    Mirroring an image negates the odd-symmetric DCT basis functions along that axis and a
    transpose swaps the axes, so every variant is a sign pattern and/or a transpose.
    """
    a = coefs
    return (
        a,
        (a * _ODD[None, :]).T,
        a * _CHECKER,
        (a * _ODD[:, None]).T,
        a * _ODD[:, None],
        a * _ODD[None, :],
        a.T,
        (a * _CHECKER).T,
    )


def pdq_dihedral_luma(luma: np.ndarray) -> PdqDihedral:
    """The 8 dihedral PDQ hashes (order :data:`DIHEDRAL_ORDER`) of a luma image, one DCT."""
    result = _coefficients(luma)
    if result is None:
        return PdqDihedral((ZERO_HASH,) * 8, 0)
    coefs, quality = result
    return PdqDihedral(tuple(_bits_to_hex(c) for c in dihedral_coefficients(coefs)), quality)


def pdq_hash_rgb(rgb: np.ndarray) -> PdqHash:
    """PDQ hash of an RGB(A) ``uint8`` image array."""
    return pdq_hash_luma(luma_from_rgb(rgb))


def pdq_dihedral_rgb(rgb: np.ndarray) -> PdqDihedral:
    """The 8 dihedral PDQ hashes of an RGB(A) ``uint8`` image array."""
    return pdq_dihedral_luma(luma_from_rgb(rgb))
