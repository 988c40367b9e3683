"""Errors and limits shared by the decoders.

Bad input is normal in this work: seized devices hold truncated downloads, renamed files,
zero-byte placeholders and, occasionally, files crafted to exhaust a scanner's memory. The
decoders turn each of these into a :class:`MediaError` whose message is safe to show to an
analyst, so a batch can record it against the file and move on.
"""

from __future__ import annotations

from dataclasses import dataclass

from jigsaw.errors import InvalidInput

__all__ = ["DEFAULT_LIMITS", "DecodeLimits", "MediaError", "NotMediaError"]


class MediaError(InvalidInput):
    """The input looks like an image or video but cannot be decoded (safely)."""


class NotMediaError(MediaError):
    """The input is not a recognised image or video at all."""


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    """Resource caps applied before and during decoding.

    ``max_pixels`` is checked against the dimensions a file *declares* in its header,
    before any pixel is decoded, so a 100,000 x 100,000 PNG of a few kilobytes (a
    "decompression bomb") is refused without allocating anything. Pillow's own
    ``DecompressionBombError`` is also reported as an error.

    ``max_bytes`` bounds how much of a file is held in memory for decoding; bigger files
    still get their exact hashes (streamed) but no perceptual hash.

    ``max_video_frames`` bounds how many frames of one video are decoded.
    """

    max_pixels: int = 100_000_000
    max_bytes: int = 2 * 1024**3
    max_video_frames: int = 2_000_000


DEFAULT_LIMITS = DecodeLimits()
