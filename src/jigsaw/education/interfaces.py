"""What other capabilities may use of the education programme: its reach between two dates, for
the annual review (children reached and settings reached are separate figures, never summed), and
the session table, read-only, for the centre's month-by-month statistics."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from jigsaw.education.models import EducationSession
from jigsaw.education.rules import AGE_BANDS
from jigsaw.education.service import Reach, reach


def children_reached(session: Session, start: date | None = None, end: date | None = None) -> int:
    """Children at sessions held from ``start`` to ``end`` (inclusive): attendances, so a child at
    two sessions counts twice, as the programme has always reported it."""
    return reach(session, start, end).children_reached


def settings_reached(session: Session, start: date | None = None, end: date | None = None) -> int:
    """Distinct schools and groups that held a session from ``start`` to ``end`` (inclusive)."""
    return reach(session, start, end).settings_reached


__all__ = ["AGE_BANDS", "EducationSession", "Reach", "children_reached", "reach", "settings_reached"]
