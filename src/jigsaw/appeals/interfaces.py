"""What other capabilities may use of Most Wanted: the tips each force should receive (for
dissemination's inbox), marking one passed on, and the counts the annual review may report
(the appeal table, read-only, lets the centre's statistics count appeals located by date)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jigsaw.appeals.lifecycle import REGIONS, AppealStatus
from jigsaw.appeals.models import Appeal, AppealTip
from jigsaw.appeals.tips import TipRef, mark_passed, tips


def tips_for_force(session: Session, force_id: int) -> list[TipRef]:
    """Every sighting sent for the appeals ``force_id`` owns, newest first, with its intake reports."""
    return tips(session, force_id=force_id)


def appeal_counts(session: Session) -> dict[str, int]:
    """How many appeals are in each status (the annual review reports published and located)."""
    found = {s.value: 0 for s in AppealStatus}
    for status, n in session.execute(select(Appeal.status, func.count()).group_by(Appeal.status)):
        found[status] = n
    found["tips"] = session.scalar(select(func.count()).select_from(AppealTip)) or 0
    return found


__all__ = ["REGIONS", "Appeal", "AppealStatus", "TipRef", "appeal_counts", "mark_passed", "tips_for_force"]
