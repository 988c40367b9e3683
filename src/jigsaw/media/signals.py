"""Signal types: the one extension point for "a kind of hash Jigsaw can compute and compare".

Modelled on python-threatexchange's ``SignalType`` + ``BytesHasher``, trimmed to what the
rest of Jigsaw needs. Hash banks, imports and matching look signal types up by ``name``
(the same names as pytx: ``md5``, ``pdq``, ``vpdq``...), so adding, say, a TMK or a
PhotoDNA signal means writing one small class and calling :func:`register_signal_type`.

A signal type:

* ``name``: unique lower_snake name, used in hash lists, the database and the API;
* ``validate(value)``: the normalised form of a hash string, or ``ValueError``;
* ``hash_from_bytes(data)``: the hash of a file's bytes; ``None`` when the content has
  no usable hash of this type (e.g. PDQ quality below threshold); raises
  :class:`~jigsaw.media.errors.MediaError` if the bytes cannot be decoded;
* ``compare(a, b)``: a :class:`SignalComparison`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from jigsaw.media import image, pdq, video, vpdq
from jigsaw.media.errors import DEFAULT_LIMITS, DecodeLimits

__all__ = [
    "ExactSignal",
    "PdqSignal",
    "SignalComparison",
    "SignalType",
    "VpdqSignal",
    "get_signal_type",
    "register_signal_type",
    "signal_types",
]


@dataclass(frozen=True, slots=True)
class SignalComparison:
    """Whether two hashes match, and how far apart they are.

    ``distance`` is 0/1 for exact hashes, the Hamming distance for PDQ, and
    ``100 - query_pct`` for vPDQ (lower is closer everywhere).
    """

    match: bool
    distance: float


@runtime_checkable
class SignalType(Protocol):
    """What every signal type provides (see the module notes)."""

    @property
    def name(self) -> str: ...

    def validate(self, value: str) -> str: ...

    def hash_from_bytes(self, data: bytes) -> str | None: ...

    def compare(self, a: str, b: str) -> SignalComparison: ...


@dataclass(frozen=True, slots=True)
class ExactSignal:
    """A cryptographic digest of the bytes: matches only identical files."""

    name: str
    algorithm: str
    hex_len: int

    def validate(self, value: str) -> str:
        value = value.strip().lower()
        if not re.fullmatch(rf"[0-9a-f]{{{self.hex_len}}}", value):
            raise ValueError(f"not a {self.name} hash: {value!r}")
        return value

    def hash_from_bytes(self, data: bytes) -> str | None:
        return hashlib.new(self.algorithm, data, usedforsecurity=False).hexdigest()

    def compare(self, a: str, b: str) -> SignalComparison:
        same = self.validate(a) == self.validate(b)
        return SignalComparison(same, 0.0 if same else 1.0)


@dataclass(frozen=True, slots=True)
class PdqSignal:
    """PDQ: match within ``threshold`` bits; hashes under ``quality_threshold`` are unusable."""

    name: str = "pdq"
    threshold: int = pdq.MATCH_THRESHOLD
    quality_threshold: int = pdq.QUALITY_THRESHOLD
    limits: DecodeLimits = DEFAULT_LIMITS

    def validate(self, value: str) -> str:
        value = value.strip().lower()
        if not pdq.is_valid_hex(value):
            raise ValueError(f"not a PDQ hash: {value!r}")
        return value

    def hash_from_bytes(self, data: bytes) -> str | None:
        result = image.pdq_from_image_bytes(data, limits=self.limits)
        return result.hex if result.quality >= self.quality_threshold else None

    def compare(self, a: str, b: str) -> SignalComparison:
        distance = pdq.hamming(self.validate(a), self.validate(b))
        return SignalComparison(distance <= self.threshold, float(distance))


@dataclass(frozen=True, slots=True)
class VpdqSignal:
    """vPDQ: a video's frame hashes, in pytx's serialised form; bag-of-frames matching."""

    name: str = "vpdq"
    fps: float = 1.0
    distance: int = vpdq.DISTANCE_THRESHOLD
    quality: int = vpdq.QUALITY_THRESHOLD
    query_pct: float = vpdq.QUERY_MATCH_PCT
    index_pct: float = vpdq.INDEX_MATCH_PCT
    limits: DecodeLimits = DEFAULT_LIMITS

    def validate(self, value: str) -> str:
        return vpdq.frames_to_signal(vpdq.frames_from_signal(value))

    def hash_from_bytes(self, data: bytes) -> str | None:
        frames, _error = video.frame_hashes(data, fps=self.fps, limits=self.limits)
        return vpdq.frames_to_signal(frames) if frames else None

    def compare(self, a: str, b: str) -> SignalComparison:
        """``a`` is the query, ``b`` the indexed video."""
        result = vpdq.match_frames(
            vpdq.frames_from_signal(a), vpdq.frames_from_signal(b), self.distance, self.quality
        )
        return SignalComparison(
            result.is_match(self.query_pct, self.index_pct), 100.0 - result.query_pct
        )


_REGISTRY: dict[str, SignalType] = {}


def register_signal_type(signal: SignalType, *, replace: bool = False) -> SignalType:
    """Make a signal type available by name; refuses to shadow one unless ``replace``."""
    if signal.name in _REGISTRY and not replace:
        raise ValueError(f"signal type {signal.name!r} is already registered")
    _REGISTRY[signal.name] = signal
    return signal


def get_signal_type(name: str) -> SignalType:
    """The registered signal type called ``name``; ``KeyError`` lists the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown signal type {name!r}; known: {sorted(_REGISTRY)}") from None


def signal_types() -> Mapping[str, SignalType]:
    """All registered signal types by name (a read-only snapshot)."""
    return dict(_REGISTRY)


_BUILTINS: tuple[Callable[[], SignalType], ...] = (
    lambda: ExactSignal("md5", "md5", 32),
    lambda: ExactSignal("sha1", "sha1", 40),
    lambda: ExactSignal("sha256", "sha256", 64),
    PdqSignal,
    VpdqSignal,
)
for _make in _BUILTINS:
    register_signal_type(_make())
