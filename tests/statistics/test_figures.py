"""Figures counted from a seeded year add up (on SQLite and PostgreSQL): exact totals, breakdowns,
month-by-month series that sum to the total, withdrawn records and outcome type 0 never counted,
and the financial year's edges (31 March against 1 April, in London time)."""

from __future__ import annotations

from datetime import date

from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform
from jigsaw.statistics.interfaces import (
    COUNTING_RULES,
    Period,
    headline_figures,
    monthly_series,
    records_behind,
    tallies,
)
from tests.statistics.seed import EXPECTED, seed_year

FY = Period.financial_year(2025)


def test_a_seeded_financial_year_adds_up(platform: Platform) -> None:
    seeded = seed_year(platform)
    with session_scope(platform.engine) as session:
        figures = headline_figures(session, FY)
        assert {name: f.value for name, f in figures.items()} == EXPECTED
        assert all(f.rule_id == COUNTING_RULES[name].id for name, f in figures.items())
        assert figures["reports_received"].breakdown == {
            "young_person": 2, "parent": 1, "professional": 0, "public": 0, "platform": 2, "partner_agency": 0,
            "police": 0}
        assert figures["children_safeguarded"].breakdown == {
            "removed_from_harm": 3, "protective_measure": 4, "identified_from_imagery": 2}
        assert figures["offenders_located"].breakdown == {"high_risk": 1, "other": 2}
        assert figures["disseminations"].breakdown == {"Northshire Police": 2, "Southshire Police": 1}
        assert figures["arrests"].breakdown == {"Northshire Police": 3, "Southshire Police": 1}
        outcome_types = figures["home_office_outcomes"].breakdown
        assert outcome_types["1"] == 1 and outcome_types["22"] == 1 and "0" not in outcome_types
        assert sum(outcome_types.values()) == 2

        series = monthly_series(session, "arrests", FY)
        assert [m for m, _ in series] == [date(2025, m, 1) for m in range(4, 13)] + \
            [date(2026, m, 1) for m in range(1, 4)]
        assert dict(series)[date(2025, 4, 1)] == 1  # 00:30 BST on 1 April: April in London, March in UTC
        assert dict(series)[date(2025, 6, 1)] == 2
        assert dict(series)[date(2026, 3, 1)] == 1  # 23:30 BST on 31 March: still March in London
        for name, t in tallies(session, FY).items():
            if COUNTING_RULES[name].additive_months:
                assert sum(n for _, n in t.months) == t.total, name
        # Settings by month: urn:1 in April and in May, urn:2 in March; the year's total counts urn:1 once.
        settings = dict(monthly_series(session, "settings_reached", FY))
        assert (settings[date(2025, 4, 1)], settings[date(2025, 5, 1)], settings[date(2026, 3, 1)]) == (1, 1, 1)
        assert seeded.package_id


def test_calendar_year_and_financial_year_edges(platform: Platform) -> None:
    seed_year(platform)
    with session_scope(platform.engine) as session:
        calendar = headline_figures(session, Period.calendar_year(2025))
        # 2025: the report the year before (31 Mar 2025 23:30 BST), April's, June's and December's.
        assert calendar["reports_received"].value == 4
        assert calendar["arrests"].value == 3  # April, June's two; not March 2026's
        # 2 + 1 + 4, and the child of 31 March 2025 (the year before's, in the financial year); not January 2026's.
        assert calendar["children_safeguarded"].value == 8
        march_2026 = headline_figures(session, Period.month(2026, 3))
        april_2026 = headline_figures(session, Period.month(2026, 4))
        assert march_2026["reports_received"].value == 1 and april_2026["reports_received"].value == 1
        assert march_2026["disseminations"].value == 1
        assert april_2026["arrests"].value == 1 and march_2026["arrests"].value == 1
        one_day = headline_figures(session, Period(date(2025, 4, 1), date(2025, 4, 1)))
        assert one_day["reports_received"].value == 1 and one_day["children_reached"].value == 30
        previous = headline_figures(session, FY.previous())
        assert previous["reports_received"].value == 1 and previous["victims_identified"].value == 1
        assert previous["most_wanted_located"].value == 1 and previous["children_reached"].value == 99


def test_the_records_behind_a_figure_are_the_ones_it_counts(platform: Platform) -> None:
    seed_year(platform)
    with session_scope(platform.engine) as session:
        behind = records_behind(session, "children_safeguarded", FY)
        assert sum(r.count for r in behind) == EXPECTED["children_safeguarded"]
        assert [r.day for r in behind] == sorted(r.day for r in behind)
        assert behind[0].day == date(2025, 4, 1) and behind[0].key == "removed_from_harm"
        assert all(r.reference.startswith("FORCE/") and r.href and r.href.startswith("/packages/") for r in behind)
        reports = records_behind(session, "reports_received", FY)
        assert [r.reference for r in reports] == sorted(r.reference for r in reports) and len(reports) == 5
        assert reports[0].href == f"/reports/{reports[0].id}"
        located = records_behind(session, "most_wanted_located", FY)
        assert len(located) == 1 and located[0].kind == "appeal"
        assert len(records_behind(session, "reports_received", FY, limit=2)) == 2
