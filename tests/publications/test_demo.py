"""The demo shows publications: an approved threat assessment with frozen figures, and an annual
review for the current year counted from the story's record."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from jigsaw.db.engine import session_scope
from jigsaw.demo.service import load_demo
from jigsaw.platform import Platform
from jigsaw.publications import service
from jigsaw.publications.models import ThreatAssessment
from jigsaw.statistics.interfaces import Period, financial_year_start


def test_the_demo_has_an_approved_assessment_and_a_review(sqlite_platform: Platform) -> None:
    with session_scope(sqlite_platform.engine) as session:
        load_demo(session, sqlite_platform.settings.data_dir, reports=20)
    with session_scope(sqlite_platform.engine) as session:
        ta = session.scalars(select(ThreatAssessment)).one()
        assert ta.status == "approved" and ta.approved_by_id != ta.created_by_id
        assert ta.figures is not None and ta.figures["reports"]["now"] > 0
        year = financial_year_start(datetime.now(UTC).date())
        r = service.build_review(session, Period.financial_year(year), public=False)
        assert {f.name: f.value for f in r.headlines}["reports_received"] > 0


def test_the_demo_history_fills_the_two_years_before_and_opens_no_case(sqlite_platform: Platform) -> None:
    from jigsaw.casework.models import CaseReport
    from jigsaw.demo.publications import HISTORY, HISTORY_MARK, load_history
    from jigsaw.intake.interfaces import Report

    with session_scope(sqlite_platform.engine) as session:
        assert load_history(session) == sum(n for _, n in HISTORY)
        assert load_history(session) == 0  # idempotent
    with session_scope(sqlite_platform.engine) as session:
        year = financial_year_start(datetime.now(UTC).date())
        for back, count in HISTORY:
            r = service.build_review(session, Period.financial_year(year - back), public=False)
            assert {f.name: f.value for f in r.headlines}["reports_received"] == count
        ids = select(Report.id).where(Report.reference.like(HISTORY_MARK + "%"))
        assert session.scalar(select(CaseReport.case_id).where(CaseReport.report_id.in_(ids)).limit(1)) is None
