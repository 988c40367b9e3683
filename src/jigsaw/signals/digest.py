"""Cryptographic digests of a file's bytes (MD5, SHA-1, SHA-256): they match only identical files.

The canonical form is lower-case hex of the digest's exact length. Base64 is accepted only when
the caller asks for it (NCMEC hash lists carry digests that way); a short, long or empty value
is refused so that it can never reach an index (HMA #1609).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import TYPE_CHECKING

from jigsaw.signals.base import SignalError, SignalType

if TYPE_CHECKING:
    from jigsaw.signals.index import SignalIndex

__all__ = ["MD5", "SHA1", "SHA256", "DigestSignal"]

_HEX = re.compile(r"^[0-9a-f]+$")


class DigestSignal(SignalType):
    """A digest of ``nbytes`` bytes computed with ``hashlib``'s ``algorithm``."""

    by_distance = False
    default_threshold = 0

    def __init__(self, name: str, algorithm: str, nbytes: int) -> None:
        self.name = name
        self.algorithm = algorithm
        self.nbytes = nbytes
        self.hex_len = nbytes * 2

    def normalise(self, value: str, *, allow_base64: bool = False) -> str:
        v = value.strip().lower()
        if allow_base64 and len(v) != self.hex_len:
            try:
                raw = base64.b64decode(value.strip(), validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) == self.nbytes:
                v = raw.hex()
        if len(v) != self.hex_len or not _HEX.match(v):
            raise SignalError(f"not a {self.name} hash: expected {self.hex_len} hex digits")
        return v

    def distance(self, a: str, b: str) -> float:
        return 0 if a == b else 1

    def hash_from_bytes(self, data: bytes) -> str | None:
        return hashlib.new(self.algorithm, data, usedforsecurity=False).hexdigest()

    def index_cls(self) -> type[SignalIndex]:
        from jigsaw.signals import index

        return {"md5": index.Md5SignalIndex, "sha1": index.Sha1SignalIndex,
                "sha256": index.Sha256SignalIndex}[self.name]


MD5 = DigestSignal("md5", "md5", 16)
SHA1 = DigestSignal("sha1", "sha1", 20)
SHA256 = DigestSignal("sha256", "sha256", 32)
