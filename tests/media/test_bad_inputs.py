"""Bad input gets a clear per-file error and never an exception: truncated, corrupt,
empty, random, renamed, unreadable, oversized and decompression-bomb files."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from jigsaw.media import DecodeLimits, MediaError, NotMediaError, hash_bytes, hash_file
from jigsaw.media.image import decode_luma

from .corpus import encode, photo_like, photo_like_jpeg


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG that *declares* width x height (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def gif_header_only(width: int, height: int) -> bytes:
    """A 4x4 GIF whose logical screen is patched to declare width x height."""
    small = encode(Image.new("P", (4, 4)), "GIF")
    return small[:6] + struct.pack("<HH", width, height) + small[10:]


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    return photo_like_jpeg(640, 480, seed=5)


def _assert_exact_hashes(result, data: bytes) -> None:  # type: ignore[no-untyped-def]
    assert result.size == len(data)
    assert result.md5 == hashlib.md5(data).hexdigest()
    assert result.sha1 == hashlib.sha1(data).hexdigest()
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_truncated_jpeg(jpeg: bytes) -> None:
    data = jpeg[: len(jpeg) // 2]
    result = hash_bytes(data, name="cut.jpg")
    assert result.kind == "image"
    assert result.pdq is None
    assert result.error is not None and "truncated" in result.error
    _assert_exact_hashes(result, data)


def test_corrupt_jpeg_body(jpeg: bytes) -> None:
    data = jpeg[:400] + bytes(range(256)) * 20 + jpeg[-2:]
    result = hash_bytes(data, name="garbled.jpg")
    assert result.kind == "image"
    # libjpeg may or may not recover from garbage; either way no exception escapes
    assert (result.pdq is None) == (result.error is not None)


def test_zero_bytes() -> None:
    result = hash_bytes(b"", name="empty.jpg")
    assert result.kind == "other"
    assert result.error == "empty file (0 bytes)"
    _assert_exact_hashes(result, b"")


def test_random_bytes_are_other() -> None:
    data = np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    plain = hash_bytes(data, name="blob.bin")
    assert plain.kind == "other" and plain.ok and plain.pdq is None
    _assert_exact_hashes(plain, data)
    for name, claimed in (("photo.jpg", "image"), ("clip.mp4", "video")):
        renamed = hash_bytes(data, name=name)
        assert renamed.kind == "other"
        assert renamed.error is not None and claimed in renamed.error


def test_image_signature_without_readable_header(jpeg: bytes) -> None:
    for data in (jpeg[:20], b"\x89PNG\r\n\x1a\n" + bytes(30), b"GIF89a\x01"):
        result = hash_bytes(data, name="x")
        assert result.kind == "image"
        assert result.error is not None and "corrupt" in result.error


def test_text_is_other() -> None:
    result = hash_bytes(b"just some notes\n" * 20, name="notes.txt")
    assert result.kind == "other" and result.ok and result.frames == ()


@pytest.mark.parametrize(
    "data",
    [png_header_only(100_000, 100_000), gif_header_only(65_535, 65_535)],
    ids=["png", "gif"],
)
def test_decompression_bomb_header_is_refused(data: bytes) -> None:
    result = hash_bytes(data, name="bomb")
    assert result.kind == "image"
    assert result.error is not None and "bomb" in result.error
    assert result.pdq is None
    _assert_exact_hashes(result, data)


def test_our_pixel_cap_applies_before_decode() -> None:
    data = png_header_only(20_000, 10_000)  # 200 MP declared, 100 bytes of data
    result = hash_bytes(data)
    assert result.error is not None and "refused" in result.error
    small = encode(Image.fromarray(photo_like(300, 200, 1)), "PNG")
    capped = hash_bytes(small, limits=DecodeLimits(max_pixels=50_000))
    assert capped.error is not None and "60000" not in capped.error and "300x200" in capped.error
    assert hash_bytes(small).ok


def test_max_bytes_keeps_exact_hashes(tmp_path: Path, jpeg: bytes) -> None:
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg)
    limits = DecodeLimits(max_bytes=1000)
    for result in (hash_file(path, limits=limits), hash_bytes(jpeg, name="big.jpg", limits=limits)):
        assert result.error is not None and "too large" in result.error
        assert result.kind == "image" and result.pdq is None
        _assert_exact_hashes(result, jpeg)


def test_unreadable_paths(tmp_path: Path) -> None:
    missing = hash_file(tmp_path / "nope.jpg")
    assert missing.error is not None and "cannot read" in missing.error
    assert missing.md5 is None and missing.size is None
    folder = hash_file(tmp_path)
    assert folder.error is not None and folder.md5 is None


def test_decoder_errors_are_typed(jpeg: bytes) -> None:
    with pytest.raises(NotMediaError):
        decode_luma(b"not an image at all")
    with pytest.raises(MediaError):
        decode_luma(jpeg[:300])


def test_fps_must_be_positive(jpeg: bytes) -> None:
    with pytest.raises(ValueError):
        hash_bytes(jpeg, fps=0)


def test_truncated_video(clip_mp4: bytes) -> None:
    cut = clip_mp4[: len(clip_mp4) // 2]
    result = hash_bytes(cut, name="cut.mp4")
    assert result.kind == "video"
    assert result.error is not None
    _assert_exact_hashes(result, cut)


def test_video_signature_with_garbage() -> None:
    data = b"\x00\x00\x00\x18ftypisom" + bytes(2000)
    result = hash_bytes(data, name="x.mp4")
    assert result.kind == "video"
    assert result.error is not None and result.frames == ()
