"""The appeal photo: the one image Jigsaw ever keeps, and only of a wanted adult.

Staff upload it; it is decoded in memory, re-encoded from its pixels alone (so EXIF, GPS, XMP,
ICC profiles, comments and anything appended to the file are gone), scaled to at most
:data:`MAX_SIDE` pixels a side, and stored in the database, never on disk. It is deleted when
the appeal ends. Nothing here touches the file system.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from jigsaw.errors import InvalidInput

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_INPUT_PIXELS = 40_000_000
MAX_SIDE = 800
MAX_STORED_BYTES = 400 * 1024
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MEDIA_TYPE = "image/jpeg"


class PhotoRefused(InvalidInput, ValueError):
    """The upload is not a usable photo (the message says why)."""


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    width: int
    height: int
    sha256: str
    media_type: str = MEDIA_TYPE


def reencode(upload: bytes) -> CleanPhoto:
    """``upload`` decoded and written again as a plain baseline JPEG with no metadata."""
    if not upload:
        raise PhotoRefused("the photo is empty")
    if len(upload) > MAX_UPLOAD_BYTES:
        raise PhotoRefused(f"the photo is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(upload)) as source:
                if source.format not in ACCEPTED_FORMATS:
                    raise PhotoRefused("a photo is a JPEG, PNG or WebP image")
                if source.width * source.height > MAX_INPUT_PIXELS:
                    raise PhotoRefused("the photo has too many pixels")
                source.load()
                upright = ImageOps.exif_transpose(source)  # honour the camera's rotation, then drop the tag
                rgb = upright.convert("RGB")
    except PhotoRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:
        raise PhotoRefused("the file could not be read as an image") from exc
    rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image from the pixels alone: no info dictionary, no EXIF, no ICC profile can follow.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    for quality in (85, 70, 55):
        out = io.BytesIO()
        clean.save(out, format="JPEG", quality=quality, optimize=True)
        data = out.getvalue()
        if len(data) <= MAX_STORED_BYTES:
            return CleanPhoto(data, clean.width, clean.height, hashlib.sha256(data).hexdigest())
    raise PhotoRefused("the photo could not be made small enough")
