"""Video: vPDQ-style frame hashes from memory, and vPDQ matching (clips, unrelated videos)."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from jigsaw.media import FrameHash, hash_bytes, match_frames, pdq
from jigsaw.media.video import frame_hashes, sniff_container
from jigsaw.media.vpdq import frames_from_signal, frames_to_signal

from .corpus import moving_shapes_frames, video_bytes


def test_one_frame_per_second_by_default(clip_mp4: bytes) -> None:
    result = hash_bytes(clip_mp4, name="clip.mp4")
    assert result.kind == "video" and result.ok
    assert result.pdq is None
    assert [f.timestamp for f in result.frames] == [float(s) for s in range(12)]
    for frame in result.frames:
        assert pdq.is_valid_hex(frame.pdq)
        assert frame.quality >= 50
    assert len({f.pdq for f in result.frames}) == 12
    doc = result.to_json_dict()
    assert doc["frames"][3] == {"timestamp": 3.0, "quality": 100, "pdq": result.frames[3].pdq}


def test_fps_is_configurable(clip_mp4: bytes) -> None:
    twice = hash_bytes(clip_mp4, fps=2).frames
    assert [f.timestamp for f in twice] == [s / 2 for s in range(24)]
    every_frame = hash_bytes(clip_mp4, fps=100).frames
    assert len(every_frame) == 120
    assert hash_bytes(clip_mp4, fps=0.25).frames[1].timestamp == 4.0


def test_frames_agree_with_pdq_of_decoded_pixels(clip_frames: list, clip_mp4: bytes) -> None:
    """A frame hash is the PDQ of that frame (after lossy encoding, so approximately)."""
    frames = hash_bytes(clip_mp4).frames
    for frame in frames[:4]:
        source = clip_frames[int(frame.timestamp * 10)]
        assert pdq.hamming(frame.pdq, pdq.pdq_hash_rgb(source).hex) <= 16


def test_subclip_matches_and_unrelated_does_not(clip_frames: list, clip_mp4: bytes) -> None:
    full = hash_bytes(clip_mp4).frames
    # A 5-second excerpt, re-encoded in another codec and container.
    excerpt = video_bytes(clip_frames[30:80], fps=10, container="webm", codec="libvpx-vp9")
    assert sniff_container(excerpt) == "matroska"
    clip = hash_bytes(excerpt, name="excerpt.webm").frames
    assert len(clip) == 5
    found = match_frames(clip, full)
    assert found.query_pct == 100.0
    assert found.index_pct == pytest.approx(100 * 5 / 12, abs=10)
    assert found.is_match()
    # The other way round, the full video is only partly in the excerpt: no match at 80%.
    assert not match_frames(full, clip).is_match()
    unrelated = hash_bytes(video_bytes(list(moving_shapes_frames(60, seed=42)), fps=10)).frames
    miss = match_frames(unrelated, full)
    assert miss.query_pct == 0.0 and not miss.is_match()


def _frame(bits: int, quality: int = 100, t: float = 0.0) -> FrameHash:
    return FrameHash(t, quality, f"{bits:064x}")


def test_match_frames_semantics() -> None:
    a = (1 << 200) - 1  # 200 bits set
    b = a ^ ((1 << 31) - 1)  # 31 bits away from a
    c = a ^ (((1 << 32) - 1) << 100)  # 32 bits from a, 63 from b
    query = [_frame(a), _frame(a, t=1), _frame(c), _frame(5, quality=10)]
    index = [_frame(b)]
    # unique & quality >= 50: {a, c}; a matches b at distance 31, c does not (63)
    result = match_frames(query, index)
    assert (result.query_pct, result.index_pct) == (50.0, 100.0)
    assert not result.is_match() and result.is_match(query_pct=50)
    assert match_frames(query, index, distance=63).query_pct == 100.0
    assert match_frames(query, index, distance=30).query_pct == 0.0
    assert match_frames(query, index, quality=101) == match_frames([], [])
    assert match_frames([], index).query_pct == 0.0


def test_dedupe_keeps_first_occurrence_as_pytx() -> None:
    low_then_high = [_frame(7, quality=10), _frame(7, quality=90)]
    assert match_frames(low_then_high, [_frame(7)]).query_pct == 0.0


def test_match_frames_many() -> None:
    rng = np.random.default_rng(0)
    hashes = [f"{int.from_bytes(rng.bytes(32), 'big'):064x}" for _ in range(300)]
    index = [FrameHash(float(i), 100, h) for i, h in enumerate(hashes)]
    query = [*index[100:150], FrameHash(0.0, 100, f"{(1 << 256) - 1:064x}")]
    result = match_frames(query, index)
    assert result.query_pct == pytest.approx(100 * 50 / 51)
    assert result.index_pct == pytest.approx(100 * 50 / 300)


def test_pytx_signal_roundtrip(clip_mp4: bytes) -> None:
    frames = hash_bytes(clip_mp4).frames
    signal = frames_to_signal(frames)
    assert signal.startswith(f'["{frames[0].pdq},100,0.000"')
    assert frames_from_signal(signal) == frames
    # pytx writes timestamps with 3 significant digits ("1e+01"); both parse.
    assert frames_from_signal(f'["{frames[0].pdq},100,1e+01"]')[0].timestamp == 10.0
    for bad in ("{}", '["zz,1,0"]', f'["{frames[0].pdq},101,0"]', "not json"):
        with pytest.raises(ValueError):
            frames_from_signal(bad)


def test_audio_only_container_is_other() -> None:
    buf = io.BytesIO()
    with av.open(buf, "w", format="matroska") as out:
        stream = out.add_stream("flac", rate=48000)
        stream.layout = "mono"
        for i in range(5):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 960), dtype=np.int16), format="s16", layout="mono"
            )
            frame.sample_rate = 48000
            frame.pts = i * 960
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    result = hash_bytes(buf.getvalue(), name="sound.mka")
    assert result.kind == "other" and result.ok


def test_frame_hashes_direct(clip_mp4: bytes) -> None:
    frames, error = frame_hashes(clip_mp4, fps=1)
    assert error is None and len(frames) == 12
    with pytest.raises(ValueError):
        frame_hashes(clip_mp4, fps=-1)
