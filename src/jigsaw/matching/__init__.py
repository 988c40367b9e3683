"""Hash matching: exact PDQ and digest indexes, hash banks, and scanning of seized media.

The index library (:class:`PdqIndex`, :class:`ExactIndex`, the pytx-style wrappers in
:mod:`jigsaw.matching.signal_index`) and the bank formats (:mod:`jigsaw.matching.formats`) are
pure: no web or database imports, so they work as a library on their own. Storage
(:mod:`~jigsaw.matching.storage`), the in-process matcher (:mod:`~jigsaw.matching.service`),
the CLI (:mod:`~jigsaw.matching.cli`) and HTTP routes (:mod:`~jigsaw.matching.routes`) are the
adapters around them.
"""

from jigsaw.matching.exact_index import ExactIndex
from jigsaw.matching.pdq_index import PdqIndex

__all__ = ["ExactIndex", "PdqIndex"]
