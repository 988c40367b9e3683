"""PDQ as a signal type: validation, distance, THE match threshold, and the index.

* :mod:`jigsaw.signals.pdq.signal`: :data:`MATCH_THRESHOLD`, :func:`hamming`, :class:`PdqSignal`;
* :mod:`jigsaw.signals.pdq.index`: :class:`~jigsaw.signals.pdq.index.PdqIndex`, exact range
  search over millions of hashes (imported on first use: it compiles numba kernels).
"""

from jigsaw.signals.pdq.signal import (
    HASH_BITS,
    HASH_BYTES,
    HEX_LEN,
    MATCH_THRESHOLD,
    PDQ,
    QUALITY_THRESHOLD,
    PdqSignal,
    hamming,
    is_valid_hex,
)

__all__ = ["HASH_BITS", "HASH_BYTES", "HEX_LEN", "MATCH_THRESHOLD", "PDQ", "QUALITY_THRESHOLD", "PdqSignal",
           "hamming", "is_valid_hex"]
