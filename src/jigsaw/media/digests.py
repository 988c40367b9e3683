"""Exact hashes: MD5, SHA-1 and SHA-256 in a single pass over the bytes.

All three are still needed: hash lists from NCMEC, IWF, CAID and partner forces come in
any of them. MD5 and SHA-1 are used as identifiers here, not for security, which is why
they are created with ``usedforsecurity=False`` (this also keeps them available on
FIPS-mode Pythons).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["CHUNK_SIZE", "Digests", "digest_bytes", "digest_stream"]

#: Read size when streaming a file that is too big to hold in memory.
CHUNK_SIZE = 1 << 20


@dataclass(frozen=True, slots=True)
class Digests:
    """Hex digests and size of one byte string."""

    size: int
    md5: str
    sha1: str
    sha256: str


class _Hasher:
    """MD5 + SHA-1 + SHA-256 fed together, so a stream is read once."""

    def __init__(self) -> None:
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha1 = hashlib.sha1(usedforsecurity=False)
        self._sha256 = hashlib.sha256()
        self._size = 0

    def update(self, chunk: bytes | bytearray | memoryview) -> None:
        self._md5.update(chunk)
        self._sha1.update(chunk)
        self._sha256.update(chunk)
        self._size += len(chunk)

    def result(self) -> Digests:
        return Digests(
            self._size, self._md5.hexdigest(), self._sha1.hexdigest(), self._sha256.hexdigest()
        )


def digest_bytes(data: bytes | bytearray | memoryview) -> Digests:
    """MD5, SHA-1 and SHA-256 of bytes already in memory."""
    hasher = _Hasher()
    hasher.update(data)
    return hasher.result()


def digest_stream(stream: BinaryIO, chunk_size: int = CHUNK_SIZE) -> Digests:
    """MD5, SHA-1 and SHA-256 of a binary stream, read once in chunks to its end."""
    hasher = _Hasher()
    while chunk := stream.read(chunk_size):
        hasher.update(chunk)
    return hasher.result()
