"""A conformance test base every signal type runs (python-threatexchange's
``signal_type_test_helper`` shape): subclass it, set ``signal`` and the sample values."""

from __future__ import annotations

import io
from typing import ClassVar

import pytest

from jigsaw.signals import SignalError, SignalType


class SignalTypeConformance:
    """Subclasses give ``signal``, two different valid hashes ``a``/``b`` (in canonical form),
    a spelling of ``a`` that normalises to it, invalid values, and ``near`` (within the default
    threshold of ``a`` but not equal) when the type matches by distance."""

    signal: ClassVar[SignalType]
    a: ClassVar[str]
    b: ClassVar[str]
    a_spelled: ClassVar[str]
    near: ClassVar[str | None] = None
    invalid: ClassVar[tuple[str, ...]] = ("", "not a hash", "0" * 7)

    def test_has_a_name_threshold_and_index(self) -> None:
        assert self.signal.name and self.signal.name == self.signal.name.lower()
        assert self.signal.default_threshold >= 0
        assert self.signal.index_cls().signal is self.signal

    def test_valid_values_normalise_to_themselves(self) -> None:
        for value in (self.a, self.b):
            assert self.signal.normalise(value) == value
            assert self.signal.is_valid(value)

    def test_normalisation(self) -> None:
        assert self.signal.normalise(self.a_spelled) == self.a

    @pytest.mark.parametrize("index", range(3))
    def test_invalid_values_raise_signal_error(self, index: int) -> None:
        if index >= len(self.invalid):
            return
        value = self.invalid[index]
        with pytest.raises(SignalError) as err:
            self.signal.normalise(value)
        assert str(err.value)  # says what is wrong
        assert not self.signal.is_valid(value)

    def test_distance_identity_and_symmetry(self) -> None:
        assert self.signal.distance(self.a, self.a) == 0
        assert self.signal.compare(self.a, self.a).match
        assert self.signal.distance(self.a, self.b) == self.signal.distance(self.b, self.a)
        assert self.signal.distance(self.a, self.b) > 0

    def test_threshold(self) -> None:
        assert not self.signal.compare(self.a, self.b).match
        if self.near is not None:
            d = self.signal.distance(self.a, self.near)
            assert 0 < d <= self.signal.default_threshold
            assert self.signal.compare(self.a, self.near).match
            assert not self.signal.compare(self.a, self.near, threshold=d - 1).match

    def test_index_build_query_round_trip(self) -> None:
        cls = self.signal.index_cls()
        index = cls.build([(self.a, 1), (self.b, 2)])
        assert len(index) == 2
        assert [m.metadata for m in index.query(self.a)] == [1]
        if self.near is not None:
            assert [m.metadata for m in index.query(self.near)] == [1]
        buf = io.BytesIO()
        index.serialize(buf)
        buf.seek(0)
        again = cls.deserialize(buf)
        assert len(again) == 2
        assert [m.metadata for m in again.query(self.b)] == [2]
