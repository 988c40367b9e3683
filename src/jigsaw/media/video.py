"""Video frame hashing compatible with vPDQ, decoded from memory with PyAV.

vPDQ (``vpdq/cpp`` in facebook/ThreatExchange) hashes a video as a bag of frames: decode
every frame, keep frame numbers ``0, m, 2m, ...`` with ``m = int(seconds_per_hash *
frame_rate)`` (at least 1), convert each kept frame to RGB and PDQ-hash it, recording
``timestamp = frame_number / frame_rate``. We do the same, with ``fps`` = frames kept per
second (``seconds_per_hash = 1 / fps``), so our frame hashes line up with vPDQ's and with
hashes exchanged through pytx's ``vpdq`` signal type.

Safety:

* Bytes are read from an ``io.BytesIO``; PyAV never sees a path, and any attempt by a
  demuxer to open a second resource (playlists, external references) is refused.
* Containers are recognised by their signature and opened with that demuxer named
  explicitly, so FFmpeg's probing cannot turn a text file into a "video" or a playlist.
* Declared frame size is checked against :attr:`DecodeLimits.max_pixels` before decoding
  and the number of decoded frames is capped.
"""

from __future__ import annotations

import io
from typing import Any

import av
import av.error

from jigsaw.media import pdq
from jigsaw.media.errors import DEFAULT_LIMITS, DecodeLimits, MediaError, NotMediaError
from jigsaw.media.model import FrameHash

__all__ = ["frame_hashes", "sniff_container"]

_ASF_GUID = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_IMAGE_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis")


def sniff_container(data: bytes) -> str | None:
    """The FFmpeg demuxer for a video container recognised by its signature, or None."""
    head = data[:16]
    if head[4:8] == b"ftyp":
        return None if head[8:12] in _IMAGE_BRANDS else "mov"
    if head[4:8] in _QUICKTIME_ATOMS:
        return "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if head.startswith(b"FLV\x01"):
        return "flv"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(_ASF_GUID):
        return "asf"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "mpeg"
    if len(data) > 376 and data[0] == data[188] == data[376] == 0x47:
        return "mpegts"
    return None


def _refuse_nested_open(url: str, flags: int, options: dict[str, Any]) -> Any:
    raise OSError(f"refused to open {url!r}: only the file itself is read")


def frame_hashes(
    data: bytes, *, fps: float = 1.0, limits: DecodeLimits = DEFAULT_LIMITS
) -> tuple[tuple[FrameHash, ...], str | None]:
    """vPDQ frame hashes of a video held in memory.

    Returns ``(frames, error)``: ``error`` is None on success; if decoding fails part-way
    the frames hashed so far are returned with the reason, because a truncated video
    still says something. Raises :class:`NotMediaError` for bytes that are not a
    recognised video (including containers with no video stream, e.g. audio files) and
    :class:`MediaError` if the container cannot be opened at all.
    """
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    fmt = sniff_container(data)
    if fmt is None:
        raise NotMediaError("not a recognised video container")
    try:
        container = av.open(
            io.BytesIO(data), mode="r", format=fmt, io_open=_refuse_nested_open
        )
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"corrupt video: {exc}") from exc
    with container:
        if not container.streams.video:
            raise NotMediaError("container has no video stream")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > limits.max_pixels:
            raise MediaError(
                f"refused: video declares {width}x{height} frames, over the "
                f"{limits.max_pixels / 1e6:g} MP limit"
            )
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        frame_rate = float(rate) if rate else 0.0
        if frame_rate <= 0:
            frame_rate = 25.0  # no usable rate declared; vPDQ would divide by zero
        every = max(1, int((1.0 / fps) * frame_rate))
        stream.thread_type = "AUTO"
        return _decode(container, stream, every, frame_rate, limits)


def _decode(
    container: Any, stream: Any, every: int, frame_rate: float, limits: DecodeLimits
) -> tuple[tuple[FrameHash, ...], str | None]:
    frames: list[FrameHash] = []
    index = 0
    try:
        for frame in container.decode(stream):
            if index >= limits.max_video_frames:
                return tuple(frames), (
                    f"stopped after {limits.max_video_frames} frames (limit)"
                )
            if index % every == 0:
                h = pdq.pdq_hash_rgb(frame.to_ndarray(format="rgb24"))
                frames.append(FrameHash(index / frame_rate, h.quality, h.hex))
            index += 1
    except (av.error.FFmpegError, OSError, ValueError, MemoryError) as exc:
        if not frames:
            raise MediaError(f"corrupt video: {exc}") from exc
        return tuple(frames), f"video decoding stopped after {index} frames: {exc}"
    if index == 0:
        raise MediaError("corrupt video: no decodable frames")
    return tuple(frames), None
