"""Hashing through the signal types: each computes the same hash as ``hash_bytes``."""

from __future__ import annotations

import hashlib

import pytest

from jigsaw.media import hash_bytes
from jigsaw.media.errors import NotMediaError
from jigsaw.signals import SIGNAL_TYPES, SignalComparison, signal_type

from .corpus import photo_like_jpeg


def test_exact_signals() -> None:
    data = b"benign bytes"
    for name in ("md5", "sha1", "sha256"):
        signal = signal_type(name)
        value = signal.hash_from_bytes(data)
        assert value == hashlib.new(name, data).hexdigest()
        assert signal.compare(value, value.upper()) == SignalComparison(True, 0.0)
        assert not signal.compare(value, signal.hash_from_bytes(b"other") or "").match
        with pytest.raises(ValueError):
            signal.normalise("xyz")


def test_pdq_signal() -> None:
    signal = SIGNAL_TYPES["pdq"]
    a = photo_like_jpeg(640, 480, seed=1)
    value = signal.hash_from_bytes(a)
    assert value == hash_bytes(a).pdq
    assert value is not None
    near = value[:-1] + ("0" if value[-1] != "0" else "1")
    result = signal.compare(value, near)
    assert result.match and 1 <= result.distance <= 4
    far = signal.hash_from_bytes(photo_like_jpeg(640, 480, seed=2))
    assert far is not None and not signal.compare(value, far).match
    with pytest.raises(NotMediaError):
        signal.hash_from_bytes(b"plain text")
    assert signal.normalise(value.upper()) == value


def test_vpdq_signal(clip_mp4: bytes) -> None:
    signal = SIGNAL_TYPES["vpdq"]
    value = signal.hash_from_bytes(clip_mp4)
    assert value is not None
    assert signal.normalise(value) == value
    assert signal.compare(value, value) == SignalComparison(True, 0.0)
