"""Every stored media PDQ in one index per matcher, for "which stored media look like this?".

Linking asks it for an image's near duplicates among stored media, and matching asks it which
stored media a bank's new PDQ entries hit. It is topped up by id from the caller's session on
each use, so media written earlier in the same transaction are found. Hits are candidates:
callers re-check them against the stored hash (:func:`near` does), so an id reused after a
rolled-back insert can never produce a false match; a row committed late out of id order can
be missed until the next ``networks rebuild`` (documented limitation).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from jigsaw.intake.interfaces import MediaRecord
from jigsaw.signals import PDQ
from jigsaw.signals.index import row_index_cls

_NEW_PDQS = (select(MediaRecord.id, MediaRecord.pdq)
             .where(MediaRecord.id > bindparam("high"), MediaRecord.pdq.is_not(None)).order_by(MediaRecord.id))


class StoredMediaPdq:
    """The PDQ index of stored media (one per :class:`~jigsaw.matching.service.MatchingService`)."""

    def __init__(self) -> None:
        self.index = row_index_cls(PDQ).new_store()
        self.high_water = 0
        self.lock = threading.Lock()

    def refresh(self, session: Session) -> None:
        rows: Sequence[Any] = session.connection().execute(_NEW_PDQS, {"high": self.high_water}).all()
        if rows:
            self.index.add(PDQ.to_rows([str(r[1]) for r in rows]), np.asarray([r[0] for r in rows], np.int64))
            self.high_water = rows[-1][0]

    def search(self, session: Session, pdqs: Sequence[str], threshold: int) -> list[list[int]]:
        """Per query PDQ, the ids of stored media indexed within ``threshold`` (candidates)."""
        with self.lock:
            self.refresh(session)
            lims, _dist, ids = self.index.search(PDQ.to_rows(list(pdqs)), threshold=threshold)
        return [sorted(set(ids[lims[i]:lims[i + 1]].tolist())) for i in range(len(pdqs))]

    def near(self, session: Session, pdq: str, threshold: int) -> list[int]:
        """Ids of stored media indexed within ``threshold`` of ``pdq`` (candidates: re-check)."""
        return self.search(session, [pdq], threshold)[0]
