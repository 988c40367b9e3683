"""Shared fixtures for the media tests: the generated corpus and small synthetic videos."""

from __future__ import annotations

import pytest

from .corpus import CorpusItem, corpus, moving_shapes_frames, varied_corpus, video_bytes
from .pdq_reference import reference_pdq_bytes


@pytest.fixture(scope="session")
def corpus_with_reference() -> list[tuple[CorpusItem, str, int]]:
    """The >=200-image corpus, each with the reference (full decode + pdqhash) hash."""
    return [(item, *reference_pdq_bytes(item.data)) for item in corpus()]


@pytest.fixture(scope="session")
def varied_with_reference() -> list[tuple[CorpusItem, str, int]]:
    """The hard cases for the JPEG fast path (textures, text, small, odd modes), with the
    reference hash of each."""
    return [(item, *reference_pdq_bytes(item.data)) for item in varied_corpus()]


@pytest.fixture(scope="session")
def clip_frames() -> list:
    """12 seconds of 10 fps synthetic footage (RGB arrays)."""
    return list(moving_shapes_frames(120, seed=3))


@pytest.fixture(scope="session")
def clip_mp4(clip_frames: list) -> bytes:
    return video_bytes(clip_frames, fps=10)
