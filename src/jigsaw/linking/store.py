"""Media hashes for linking: series from the hash banks, and the PDQ index of stored media.

Both come from matching (:func:`jigsaw.matching.media_matches.bank_series` and the matcher's
:class:`~jigsaw.matching.media_index.StoredMediaPdq`). Linking's writes are
:mod:`jigsaw.linking.actions`, the bulk recomputation :mod:`jigsaw.linking.rebuild`, the store
the incremental algorithm runs on :mod:`jigsaw.linking.sql_store` and the media partition
:mod:`jigsaw.linking.media_groups`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from jigsaw.matching.interfaces import StoredMediaPdq, bank_series, service_for
from jigsaw.signals import PDQ
from jigsaw.signals.index import row_index_cls
from jigsaw.signals.pdq.index import PdqIndex

log = logging.getLogger(__name__)
# -- bank series and the media PDQ index (both matching's) --------------------------------

@dataclass(frozen=True)
class MediaHashes:
    md5: str | None
    sha1: str | None
    sha256: str | None
    pdq: str | None


BankSeries = tuple[str | None, bool | None]  # (series name, victim identified)
BankLookup = Callable[[Sequence[MediaHashes]], list[BankSeries]]


def no_banks(items: Sequence[MediaHashes]) -> list[BankSeries]:
    return [(None, None)] * len(items)


def matching_bank_lookup(bind: Session | Engine) -> BankLookup:
    """Series from hash-bank matches (PDQ within each bank's threshold, or an equal hash),
    answered by :func:`jigsaw.matching.media_matches.bank_series` with the platform's matcher.
    One lookup serves a whole batch: the banks are brought up to date once."""
    service = service_for(bind)
    current = False

    def lookup(items: Sequence[MediaHashes]) -> list[BankSeries]:
        nonlocal current
        out = bank_series(service, items, refresh=not current)
        current = True
        return out

    return lookup


def _pdq_bytes(hexes: Sequence[str]) -> np.ndarray:
    return PDQ.to_rows(hexes)


def pdq_index() -> PdqIndex:
    """An empty PDQ index (the class the PDQ signal type names)."""
    index = row_index_cls(PDQ).new_store()
    assert isinstance(index, PdqIndex)
    return index


def _media_pdq(session: Session) -> StoredMediaPdq:
    """The stored-media PDQ index of the matcher for this session's database."""
    return service_for(session).media_pdq
