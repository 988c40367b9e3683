"""The appeal photo is re-encoded from its pixels: no EXIF, GPS, comment or ICC survives, it is
scaled down, and anything that is not a reasonable image is refused. Pictures are drawn here."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from jigsaw.appeals.photo import MAX_SIDE, PhotoRefused, reencode
from tests.appeals.helpers import synthetic_jpeg


def test_metadata_is_gone_and_the_picture_is_scaled() -> None:
    upload = synthetic_jpeg((2400, 1800))
    with Image.open(io.BytesIO(upload)) as original:
        assert original.getexif().get(0x010F) == "SecretCam"  # the test image really carries EXIF
    clean = reencode(upload)
    assert b"SecretCam" not in clean.data and b"Acacia" not in clean.data and b"private comment" not in clean.data
    assert b"Exif" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == MAX_SIDE and (clean.width, clean.height) == stored.size
        assert len(stored.getexif()) == 0
        assert "exif" not in stored.info and "icc_profile" not in stored.info and "comment" not in stored.info


def test_png_and_webp_are_accepted_and_become_jpeg() -> None:
    for fmt in ("PNG", "WEBP"):
        clean = reencode(synthetic_jpeg((300, 200), fmt=fmt))
        assert clean.media_type == "image/jpeg" and (clean.width, clean.height) == (300, 200)


def _huge_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of ``width`` x ``height`` that compresses to almost nothing (a pixel bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height, 9))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize(("upload", "why"), [
    (b"", "empty"),
    (b"%PDF-1.4 not an image", "could not be read"),
    (synthetic_jpeg((50, 50), exif=False, fmt="GIF"), "JPEG, PNG or WebP"),
    (b"\xff\xd8\xff" + b"\x00" * (6 * 1024 * 1024), "over 5 MB"),
])
def test_refused_uploads(upload: bytes, why: str) -> None:
    with pytest.raises(PhotoRefused, match=why):
        reencode(upload)


def test_a_pixel_bomb_is_refused_before_it_is_decoded() -> None:
    with pytest.raises(PhotoRefused, match=r"pixels|could not be read"):
        reencode(_huge_png(10_000, 10_000))
