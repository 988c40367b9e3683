"""Hash matching: hash banks, the in-process bank matcher, recorded media matches, and scanning.

The indexes and the signal types they serve live in the signal kernel, :mod:`jigsaw.signals`
(``PdqIndex`` in :mod:`jigsaw.signals.pdq.index`, ``ExactIndex`` in
:mod:`jigsaw.signals.exact_index`, pytx-style wrappers in :mod:`jigsaw.signals.index`). Here:
the bank formats (:mod:`jigsaw.matching.formats`, pure), storage
(:mod:`~jigsaw.matching.storage`), the matcher (:mod:`~jigsaw.matching.service`), stored media
matched against the banks (:mod:`~jigsaw.matching.media_matches`), the CLI and HTTP routes.
"""
