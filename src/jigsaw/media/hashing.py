"""``hash_file`` and ``hash_bytes``: every hash Jigsaw keeps about one file, never raising.

A file is read once into memory (or streamed, if it is larger than
:attr:`DecodeLimits.max_bytes`), its exact hashes are taken, and then it is recognised
by content, not by name:

* an image in a supported format -> ``kind="image"``, PDQ (and optionally the 8 dihedral
  variants) -> :mod:`jigsaw.media.image`;
* a video container with a video stream -> ``kind="video"``, vPDQ frame hashes ->
  :mod:`jigsaw.media.video`;
* anything else -> ``kind="other"`` with exact hashes only. That is not an error, except
  when the name claims to be media (``.jpg``, ``.mp4``...) or the file is empty: those
  get an ``error`` so renamed or broken files stand out.

Problems with one file never raise: they are recorded in ``MediaHashes.error`` so a batch
over a seized device carries on. Only invalid arguments (e.g. ``fps <= 0``) raise.
"""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

from jigsaw.media import image, video
from jigsaw.media.digests import Digests, digest_bytes, digest_stream
from jigsaw.media.errors import DEFAULT_LIMITS, DecodeLimits, MediaError, NotMediaError
from jigsaw.media.model import Kind, MediaHashes

__all__ = ["hash_bytes", "hash_file"]

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".gif", ".bmp", ".dib", ".tif",
     ".tiff", ".webp", ".ppm", ".pgm", ".pbm", ".ico", ".jp2", ".j2k", ".avif", ".heic",
     ".heif", ".mpo"}
)  # fmt: skip
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".m4v", ".mov", ".3gp", ".3g2", ".mkv", ".webm", ".avi", ".flv", ".ogv",
     ".wmv", ".asf", ".mpg", ".mpeg", ".ts", ".mts", ".m2ts", ".vob"}
)  # fmt: skip


def _claimed_kind(name: str | None) -> Kind:
    suffix = Path(name).suffix.lower() if name else ""
    if suffix in IMAGE_EXTENSIONS:
        return "image"
    if suffix in VIDEO_EXTENSIONS:
        return "video"
    return "other"


def _check_fps(fps: float) -> None:
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps!r}")


def _perceptual(
    data: bytes,
    digests: Digests,
    name: str | None,
    *,
    dihedral: bool,
    fps: float,
    limits: DecodeLimits,
) -> MediaHashes:
    base = _with_digests(name, digests, kind="other")
    if digests.size == 0:
        return replace(base, error="empty file (0 bytes)")
    # Images first: Pillow identifies them from the header without decoding.
    try:
        if dihedral:
            variants = image.pdq_dihedral_from_image_bytes(data, limits=limits)
            return replace(
                base,
                kind="image",
                pdq=variants.hashes[0],
                pdq_quality=variants.quality,
                pdq_dihedral=variants.hashes,
            )
        single = image.pdq_from_image_bytes(data, limits=limits)
        return replace(base, kind="image", pdq=single.hex, pdq_quality=single.quality)
    except NotMediaError:
        pass
    except MediaError as exc:
        return replace(base, kind="image", error=str(exc))
    try:
        frames, error = video.frame_hashes(data, fps=fps, limits=limits)
        return replace(base, kind="video", frames=frames, error=error)
    except NotMediaError:
        pass
    except MediaError as exc:
        return replace(base, kind="video", error=str(exc))
    claimed = _claimed_kind(name)
    if claimed != "other":
        suffix = Path(name or "").suffix
        return replace(
            base,
            kind="other",
            error=f"named {suffix} but the content is not a recognised {claimed}",
        )
    return base


def hash_bytes(
    data: bytes,
    *,
    name: str | None = None,
    dihedral: bool = False,
    fps: float = 1.0,
    limits: DecodeLimits = DEFAULT_LIMITS,
) -> MediaHashes:
    """Hash bytes already in memory (an upload, an archive member).

    ``name`` is recorded as ``path`` and only used to flag media-named non-media.
    ``dihedral`` adds the 8 PDQ orientation variants for images; ``fps`` is how many
    video frames per second are hashed (vPDQ default 1).
    """
    _check_fps(fps)
    digests = digest_bytes(data)
    if len(data) > limits.max_bytes:
        return _too_large(name, digests, limits)
    try:
        return _perceptual(data, digests, name, dihedral=dihedral, fps=fps, limits=limits)
    except MemoryError:
        return _with_digests(
            name, digests, kind=_claimed_kind(name), error="out of memory while decoding"
        )


def hash_file(
    path: str | os.PathLike[str],
    *,
    dihedral: bool = False,
    fps: float = 1.0,
    limits: DecodeLimits = DEFAULT_LIMITS,
) -> MediaHashes:
    """Hash a file: exact hashes always, PDQ for images, vPDQ frame hashes for videos.

    The file is only read (once); nothing is written anywhere. Never raises for a bad or
    unreadable file: see ``MediaHashes.error``.
    """
    _check_fps(fps)
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                return _unreadable(name, "not a regular file")
            if info.st_size > limits.max_bytes:
                return _too_large(name, digest_stream(fh), limits)
            data = fh.read()
    except OSError as exc:
        return _unreadable(name, f"cannot read file: {exc.strerror or exc}")
    return hash_bytes(data, name=name, dihedral=dihedral, fps=fps, limits=limits)


def _with_digests(
    name: str | None, digests: Digests, *, kind: Kind, error: str | None = None
) -> MediaHashes:
    return MediaHashes(
        path=name,
        size=digests.size,
        md5=digests.md5,
        sha1=digests.sha1,
        sha256=digests.sha256,
        kind=kind,
        error=error,
    )


def _too_large(name: str | None, digests: Digests, limits: DecodeLimits) -> MediaHashes:
    return _with_digests(
        name,
        digests,
        kind=_claimed_kind(name),
        error=f"too large to decode ({digests.size} bytes > {limits.max_bytes} byte limit); "
        "exact hashes only",
    )


def _unreadable(name: str, reason: str) -> MediaHashes:
    return MediaHashes(
        path=name, size=None, md5=None, sha1=None, sha256=None, kind="other", error=reason
    )
