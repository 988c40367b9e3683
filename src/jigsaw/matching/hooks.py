"""Matching's reactions: stored media meet the banks, and banks that grow meet stored media.

New reports are matched before linking and triage react (the manifests order the handlers), so
both read the recorded hits; no ``MediaMatched`` is published for them, since triage scores a
new report anyway. When a bank gains entries, the stored media they hit are recorded and each
report hit gets one ``MediaMatched`` (cause ``bank_entries_added``), which triage re-scores.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from jigsaw.events import BankEntriesAdded, ReportsStored, ReportStored
from jigsaw.intake.interfaces import MediaRecord
from jigsaw.matching.media_matches import match_media, match_new_entries

_MEDIA_OF = (select(MediaRecord.id).where(MediaRecord.report_id.in_(bindparam("ids", expanding=True)))
             .order_by(MediaRecord.id))


def _match_reports(session: Session, report_ids: Sequence[int]) -> None:
    for start in range(0, len(report_ids), 500):
        media_ids = list(session.scalars(_MEDIA_OF, {"ids": list(report_ids[start:start + 500])}))
        match_media(session, media_ids, publish=False)


def on_report_stored(session: Session, event: ReportStored) -> None:
    _match_reports(session, [event.report_id])


def on_reports_stored(session: Session, event: ReportsStored) -> None:
    _match_reports(session, list(event.report_ids))


def on_bank_entries_added(session: Session, event: BankEntriesAdded) -> None:
    match_new_entries(session, event.entry_ids, publish=True)
