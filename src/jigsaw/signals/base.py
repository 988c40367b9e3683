"""What every signal type is: a kind of hash Jigsaw can validate, compare and index.

Shaped on python-threatexchange's ``SignalType`` (``signal_type/signal_base.py``): a signal type
names itself, turns an outside value into its one canonical text form or refuses it with a
:class:`SignalError` that says what is wrong, measures the distance between two hashes, says
the distance at or below which two hashes match by default, and names the index class that
searches many hashes of its kind. Everything that validates a hash or compares two hashes goes
through one of these objects (see :mod:`jigsaw.signals` for the registry).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from jigsaw.errors import InvalidInput

if TYPE_CHECKING:
    from jigsaw.signals.index import SignalIndex

__all__ = ["SignalComparison", "SignalError", "SignalType", "hex_rows"]


def hex_rows(values: Sequence[str], nbytes: int) -> np.ndarray:
    """Already-normalised hex strings as a ``uint8 (n, nbytes)`` array (the indexes' input)."""
    if not values:
        return np.zeros((0, nbytes), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(-1, nbytes)


class SignalError(InvalidInput, ValueError):
    """A hash value or signal type name that cannot be accepted; the message says why."""


@dataclass(frozen=True, slots=True)
class SignalComparison:
    """Whether two hashes match, and how far apart they are (lower is closer everywhere)."""

    match: bool
    distance: float


class SignalType(ABC):
    """One hash kind. Subclasses set ``name``, ``default_threshold`` and ``by_distance``.

    ``default_threshold`` is the largest distance that still counts as a match (0 for the
    digests, which match only when equal). ``nbytes`` is the size of the binary form for the
    fixed-size kinds the indexes store as ``uint8`` rows, ``None`` otherwise.
    """

    name: str
    default_threshold: int
    by_distance: bool
    nbytes: int | None = None

    @abstractmethod
    def normalise(self, value: str, *, allow_base64: bool = False) -> str:
        """The canonical text form of ``value``, or :class:`SignalError`.

        ``allow_base64`` accepts the base64 form some feeds (NCMEC) use for digests; callers
        that take hashes from people (intake, imports) leave it off.
        """

    def is_valid(self, value: str) -> bool:
        """Whether :meth:`normalise` (without base64) would accept ``value``."""
        try:
            self.normalise(value)
        except SignalError:
            return False
        return True

    @abstractmethod
    def distance(self, a: str, b: str) -> float:
        """How far apart two valid hashes are: 0 for equal, larger is further (symmetric
        for every built-in type except vPDQ, whose first argument is the query)."""

    def compare(self, a: str, b: str, threshold: float | None = None) -> SignalComparison:
        """Normalise both hashes and say whether they match within ``threshold`` (default:
        :attr:`default_threshold`)."""
        d = self.distance(self.normalise(a), self.normalise(b))
        limit = self.default_threshold if threshold is None else threshold
        return SignalComparison(d <= limit, float(d))

    @abstractmethod
    def hash_from_bytes(self, data: bytes) -> str | None:
        """The hash of a file's bytes; ``None`` when the content has no usable hash of this
        kind (e.g. PDQ quality below threshold). Raises ``MediaError`` for undecodable media."""

    @abstractmethod
    def index_cls(self) -> type[SignalIndex]:
        """The class that indexes many hashes of this kind (pytx's ``get_index_cls``)."""

    def to_rows(self, values: Sequence[str]) -> np.ndarray:
        """Already-normalised values as the ``uint8 (n, nbytes)`` array the indexes take."""
        if self.nbytes is None:
            raise SignalError(f"{self.name} hashes have no fixed-size binary form")
        return hex_rows(values, self.nbytes)

    def normalise_all(self, values: Iterable[str], *, allow_base64: bool = False) -> list[str]:
        return [self.normalise(v, allow_base64=allow_base64) for v in values]

    def __repr__(self) -> str:
        return f"<signal type {self.name}>"
