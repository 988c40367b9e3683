"""The signal kernel: every hash kind Jigsaw knows, and the one registry of them.

Shaped on python-threatexchange's ``signal_type`` package: one :class:`SignalType` per kind
(``md5``, ``sha1``, ``sha256`` in :mod:`~jigsaw.signals.digest`, ``pdq`` in
:mod:`jigsaw.signals.pdq`, ``vpdq`` in :mod:`~jigsaw.signals.vpdq`), each validating and
normalising its values, measuring distance, carrying its default threshold and naming its index
class. Intake, the report imports, the hash banks, matching, linking and triage all validate
and compare through these objects; adding a kind (TMK, PhotoDNA) is one class and one line in
:data:`SIGNAL_TYPES`.

This package sits below every capability: it may use numpy, numba and :mod:`jigsaw.media`'s
hashing code (imported lazily, since media imports the PDQ constants from here), never a
database, web framework or capability package.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from jigsaw.signals.base import SignalComparison, SignalError, SignalType, hex_rows
from jigsaw.signals.digest import MD5, SHA1, SHA256, DigestSignal
from jigsaw.signals.pdq.signal import PDQ, PdqSignal
from jigsaw.signals.vpdq import VPDQ, VpdqSignal

__all__ = [
    "ALIASES", "DIGESTS", "FIXED_SIZE", "MD5", "PDQ", "SHA1", "SHA256", "SIGNAL_TYPES", "VPDQ", "DigestSignal",
    "PdqSignal", "SignalComparison", "SignalError", "SignalType", "VpdqSignal", "hex_rows", "signal_type",
]

#: Every signal type by name: the one registry.
SIGNAL_TYPES: Mapping[str, SignalType] = MappingProxyType({s.name: s for s in (PDQ, MD5, SHA1, SHA256, VPDQ)})

#: The kinds with a fixed-size binary form, which the row indexes (and so the banks) hold.
FIXED_SIZE: Mapping[str, SignalType] = MappingProxyType(
    {n: s for n, s in SIGNAL_TYPES.items() if s.nbytes is not None})

#: The digests, in the order a lookup of one media item tries them.
DIGESTS: tuple[DigestSignal, ...] = (SHA256, SHA1, MD5)

#: Names other tools use for the same kinds (HMA's ``video_md5`` is an MD5 of the file bytes;
#: CyberTipline and VICS write ``SHA-256``, ``SHA1``...).
ALIASES: Mapping[str, str] = MappingProxyType({
    "pdq": "pdq", "image/pdq": "pdq", "pdq_hash": "pdq",
    "md5": "md5", "video_md5": "md5", "image/md5": "md5", "video/md5": "md5",
    "sha1": "sha1", "sha-1": "sha1", "image/sha1": "sha1",
    "sha256": "sha256", "sha-256": "sha256",
    "vpdq": "vpdq", "video/vpdq": "vpdq",
})


def signal_type(name: str, *, among: Mapping[str, SignalType] = SIGNAL_TYPES) -> SignalType:
    """The signal type called ``name`` or one of its aliases (case-insensitive), else
    :class:`SignalError` listing the known ones. ``among`` narrows the choice (the banks
    take only :data:`FIXED_SIZE` kinds)."""
    canonical = ALIASES.get(name.strip().lower())
    if canonical is None or canonical not in among:
        raise SignalError(f"unknown signal type {name!r} (known: {', '.join(among)})")
    return among[canonical]
