"""Triage's side of bank matches: match a report's media when triage scores it (adapter).

Matching owns the operation and the ``media_matches`` record
(:func:`jigsaw.matching.media_matches.match_media`); these two functions are what triage's event
handlers call before they score. They ask matching not to publish ``MediaMatched``: the
handler that calls them scores the reports itself right after, and a published event would
assess each report a second time.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from jigsaw.intake.models import MediaRecord
from jigsaw.matching import media_matches

_REPORT_MEDIA = select(MediaRecord.id).where(MediaRecord.report_id == bindparam("rid")).order_by(MediaRecord.id)


def match_report_media(session: Session, report_id: int) -> int:
    """Match every media item of ``report_id`` against the banks; returns how many new hits."""
    media_ids = list(session.scalars(_REPORT_MEDIA, {"rid": report_id}))
    return len(media_matches.match_media(session, media_ids, publish=False))


def match_new_entries(session: Session, entry_ids: Sequence[int]) -> list[int]:
    """Record stored media's matches with bank entries just added; return the reports hit."""
    return media_matches.match_new_entries(session, entry_ids, publish=False)
