"""Every signal type passes the conformance base; the registry lists every type."""

from __future__ import annotations

import json

import pytest

import jigsaw.signals as signals
from jigsaw.signals import MD5, PDQ, SHA1, SHA256, SIGNAL_TYPES, VPDQ, SignalError, SignalType, signal_type
from jigsaw.signals.pdq import MATCH_THRESHOLD

from .conformance import SignalTypeConformance

_PDQ_A = "f8c736c3e9a3a8c5965d15326d1e14cc5ab163fac5ea52bc3691a4cdb4a9c948"
_PDQ_B = "0" * 64
_PDQ_NEAR = _PDQ_A[:-2] + ("00" if _PDQ_A[-2:] != "00" else "ff")


class TestMd5(SignalTypeConformance):
    signal = MD5
    a, b = "0" * 32, "f" * 32
    a_spelled = " " + "0" * 32 + "\n"


class TestSha1(SignalTypeConformance):
    signal = SHA1
    a, b = "a" * 40, "b" * 40
    a_spelled = "A" * 40


class TestSha256(SignalTypeConformance):
    signal = SHA256
    a, b = "1" * 64, "2" * 64
    a_spelled = "1" * 64 + " "
    invalid = ("", "1" * 63, "g" * 64)


class TestPdq(SignalTypeConformance):
    signal = PDQ
    a, b = _PDQ_A, _PDQ_B
    a_spelled = _PDQ_A.upper()
    near = _PDQ_NEAR
    invalid = ("", "-" + "0" * 63, "0_" * 32)


def _vpdq(*pdqs: str) -> str:
    return json.dumps([f"{p},100,{i:.3f}" for i, p in enumerate(pdqs)])


class TestVpdq(SignalTypeConformance):
    signal = VPDQ
    a = _vpdq(_PDQ_A, "f" * 64)
    b = _vpdq(_PDQ_B, "0f" * 32)
    a_spelled = json.dumps([f"{_PDQ_A.upper()},100,0", f"{'F' * 64},100,1.0"])
    # no ``near``: vPDQ's distance is one-sided (the share of the query's frames found)
    invalid = ("{}", "[\"xyz\"]", "not json")


def test_registry_lists_every_type() -> None:
    conformance = {cls.signal.name for cls in (TestMd5, TestSha1, TestSha256, TestPdq, TestVpdq)}
    assert set(SIGNAL_TYPES) == conformance == {"md5", "sha1", "sha256", "pdq", "vpdq"}
    assert all(isinstance(s, SignalType) and SIGNAL_TYPES[name] is s for name, s in SIGNAL_TYPES.items())
    assert set(signals.FIXED_SIZE) == {"md5", "sha1", "sha256", "pdq"}


def test_lookup_by_alias_and_refusal() -> None:
    assert signal_type("video_md5") is MD5 and signal_type("SHA-256") is SHA256
    with pytest.raises(SignalError, match="unknown signal type 'photodna'"):
        signal_type("photodna")
    with pytest.raises(SignalError, match="known: pdq, md5, sha1, sha256"):
        signal_type("vpdq", among=signals.FIXED_SIZE)


def test_the_pdq_threshold_is_one_constant() -> None:
    from jigsaw.matching.storage import Bank
    from jigsaw.media import pdq, vpdq
    from jigsaw.signals.pdq.index import DEFAULT_THRESHOLD

    assert MATCH_THRESHOLD == 31 == PDQ.default_threshold == pdq.MATCH_THRESHOLD == DEFAULT_THRESHOLD
    assert vpdq.DISTANCE_THRESHOLD == MATCH_THRESHOLD
    assert Bank.__table__.c.pdq_threshold.default.arg == MATCH_THRESHOLD  # type: ignore[attr-defined]


def test_base64_digests_only_when_asked() -> None:
    b64 = "AAAAAAAAAAAAAAAAAAAAAA=="  # 16 zero bytes
    assert MD5.normalise(b64, allow_base64=True) == "0" * 32
    with pytest.raises(SignalError, match="expected 32 hex digits"):
        MD5.normalise(b64)
