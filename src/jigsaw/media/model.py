"""The result types of media hashing: what Jigsaw keeps about a file instead of the file.

A :class:`MediaHashes` holds hashes and metadata only, never pixels, so it can be stored,
logged, exported and shown freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["FrameHash", "Kind", "MediaHashes"]

Kind = Literal["image", "video", "other"]


@dataclass(frozen=True, slots=True)
class FrameHash:
    """The PDQ hash of one sampled video frame, as vPDQ records it.

    ``timestamp`` is in seconds from the start (vPDQ's ``frame number / frame rate``),
    ``quality`` is PDQ quality 0..100 and ``pdq`` is 64 hex digits.
    """

    timestamp: float
    quality: int
    pdq: str

    def to_json_dict(self) -> dict[str, Any]:
        return {"timestamp": round(self.timestamp, 3), "quality": self.quality, "pdq": self.pdq}


@dataclass(frozen=True, slots=True)
class MediaHashes:
    """Everything Jigsaw computes about one file.

    * ``path``: the file's path, or the ``name`` given to ``hash_bytes`` (may be None).
    * ``size``, ``md5``, ``sha1``, ``sha256``: size in bytes and lowercase hex digests;
      None only when the file could not be read at all (``error`` says why).
    * ``kind``: "image", "video" or "other" (anything not recognised as media; it still
      has its exact hashes).
    * ``pdq`` / ``pdq_quality``: images only; 64 hex digits and 0..100.
    * ``pdq_dihedral``: images hashed with ``dihedral=True``; 8 hex hashes in the order
      of :data:`jigsaw.media.pdq.DIHEDRAL_ORDER` (original, rot90, rot180, rot270,
      flipx, flipy, flipplus1, flipminus1).
    * ``frames``: videos only; vPDQ frame hashes in time order.
    * ``error``: why perceptual hashing (or reading) failed, for an analyst to read;
      None when all went well. A failed file keeps whatever was computed.
    """

    path: str | None
    size: int | None
    md5: str | None
    sha1: str | None
    sha256: str | None
    kind: Kind
    pdq: str | None = None
    pdq_quality: int | None = None
    pdq_dihedral: tuple[str, ...] | None = None
    frames: tuple[FrameHash, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True if nothing went wrong."""
        return self.error is None

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the fields above; ``pdq_dihedral`` only when computed,
        ``frames`` only for videos (a list of {timestamp, quality, pdq})."""
        out: dict[str, Any] = {
            "path": self.path,
            "size": self.size,
            "kind": self.kind,
            "md5": self.md5,
            "sha1": self.sha1,
            "sha256": self.sha256,
            "pdq": self.pdq,
            "pdq_quality": self.pdq_quality,
        }
        if self.pdq_dihedral is not None:
            out["pdq_dihedral"] = list(self.pdq_dihedral)
        if self.kind == "video":
            out["frames"] = [f.to_json_dict() for f in self.frames]
        out["error"] = self.error
        return out
