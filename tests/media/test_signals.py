"""The signal-type registry: md5, sha1, sha256, pdq, vpdq, and room for more."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from jigsaw.media import hash_bytes, pdq
from jigsaw.media.errors import NotMediaError
from jigsaw.media.signals import (
    SignalComparison,
    SignalType,
    get_signal_type,
    register_signal_type,
    signal_types,
)

from .corpus import photo_like_jpeg


def test_builtins_registered() -> None:
    assert set(signal_types()) >= {"md5", "sha1", "sha256", "pdq", "vpdq"}
    for signal in signal_types().values():
        assert isinstance(signal, SignalType)
    with pytest.raises(KeyError, match="known"):
        get_signal_type("photodna")


def test_exact_signals() -> None:
    data = b"benign bytes"
    for name in ("md5", "sha1", "sha256"):
        signal = get_signal_type(name)
        value = signal.hash_from_bytes(data)
        assert value == hashlib.new(name, data).hexdigest()
        assert signal.compare(value, value.upper()) == SignalComparison(True, 0.0)
        assert not signal.compare(value, signal.hash_from_bytes(b"other") or "").match
        with pytest.raises(ValueError):
            signal.validate("xyz")


def test_pdq_signal() -> None:
    signal = get_signal_type("pdq")
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
    assert signal.validate(value.upper()) == value


def test_vpdq_signal(clip_mp4: bytes) -> None:
    signal = get_signal_type("vpdq")
    value = signal.hash_from_bytes(clip_mp4)
    assert value is not None
    assert signal.validate(value) == value
    same = signal.compare(value, value)
    assert same == SignalComparison(True, 0.0)


def test_register_a_new_signal_type() -> None:
    @dataclass(frozen=True)
    class Length:
        name: str = "test_length"

        def validate(self, value: str) -> str:
            return str(int(value))

        def hash_from_bytes(self, data: bytes) -> str | None:
            return str(len(data))

        def compare(self, a: str, b: str) -> SignalComparison:
            d = abs(int(a) - int(b))
            return SignalComparison(d == 0, float(d))

    register_signal_type(Length())
    try:
        assert get_signal_type("test_length").hash_from_bytes(b"abc") == "3"
        with pytest.raises(ValueError):
            register_signal_type(Length())
        register_signal_type(Length(), replace=True)
    finally:
        from jigsaw.media import signals

        signals._REGISTRY.pop("test_length", None)
    assert get_signal_type("pdq").threshold == pdq.MATCH_THRESHOLD  # type: ignore[attr-defined]
