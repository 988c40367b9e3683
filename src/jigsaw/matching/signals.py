"""Signal types (the hash kinds a bank can hold) and the normalisation of their text form.

Names follow python-threatexchange and HMA (``pdq``, ``md5``, ...) so that hash lists written for
those tools import unchanged. Every value is stored as lower-case hex of a fixed length; anything
else is rejected at the door, so a short or empty upstream value (HMA #1609) cannot reach an index.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

import numpy as np

from jigsaw.errors import InvalidInput


@dataclass(frozen=True)
class SignalType:
    """A hash kind: its name, its size in bytes, and whether it matches by distance."""

    name: str
    nbytes: int
    by_distance: bool
    default_threshold: int = 0


PDQ = SignalType("pdq", 32, by_distance=True, default_threshold=31)
MD5 = SignalType("md5", 16, by_distance=False)
SHA1 = SignalType("sha1", 20, by_distance=False)
SHA256 = SignalType("sha256", 32, by_distance=False)

SIGNAL_TYPES: dict[str, SignalType] = {s.name: s for s in (PDQ, MD5, SHA1, SHA256)}

# Names other tools use for the same things (HMA's video_md5 is an MD5 of the file bytes).
ALIASES = {
    "pdq": "pdq", "image/pdq": "pdq", "pdq_hash": "pdq",
    "md5": "md5", "video_md5": "md5", "image/md5": "md5", "video/md5": "md5",
    "sha1": "sha1", "sha-1": "sha1", "image/sha1": "sha1",
    "sha256": "sha256", "sha-256": "sha256",
}

_HEX = re.compile(r"^[0-9a-f]+$")


class SignalError(InvalidInput, ValueError):
    """A hash value or signal type that cannot be accepted."""


def signal_type(name: str) -> SignalType:
    """Look up a signal type by name or alias (case-insensitive)."""
    canonical = ALIASES.get(name.strip().lower())
    if canonical is None:
        raise SignalError(f"unknown signal type {name!r} (known: {', '.join(SIGNAL_TYPES)})")
    return SIGNAL_TYPES[canonical]


def normalize(stype: SignalType, value: str) -> str:
    """Lower-case hex of exactly the right length. Base64 is accepted for the digests because
    some feeds (NCMEC) carry them that way."""
    v = value.strip().lower()
    if stype.name != "pdq" and len(v) != stype.nbytes * 2:
        try:
            raw = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) == stype.nbytes:
            v = raw.hex()
    if len(v) != stype.nbytes * 2 or not _HEX.match(v):
        raise SignalError(f"not a {stype.name} hash: expected {stype.nbytes * 2} hex digits")
    return v


def to_bytes(stype: SignalType, value: str) -> bytes:
    return bytes.fromhex(normalize(stype, value))


def hex_rows(values: list[str], nbytes: int) -> np.ndarray:
    """Already-normalised hex strings as a uint8 ``(n, nbytes)`` array for the indexes."""
    if not values:
        return np.zeros((0, nbytes), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(-1, nbytes)
