"""What other capabilities may use of triage: a report's triage as the API shows it, and the
current band of many reports at once (search results, lists)."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.triage.models import TriageState
from jigsaw.triage.queries import api_triage, triage_view
from jigsaw.triage.schemas import TriageOut


def bands_for_reports(session: Session, report_ids: Iterable[int]) -> dict[int, str]:
    """The effective band of each of ``report_ids`` (reports not yet assessed are left out)."""
    ids = sorted(set(report_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(select(TriageState.report_id, TriageState.band)
                               .where(TriageState.report_id.in_(ids[start:start + 500])))
        found.update((report_id, band) for report_id, band in rows)
    return found


__all__ = ["TriageOut", "api_triage", "bands_for_reports", "triage_view"]
