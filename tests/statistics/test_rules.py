"""Periods and counting rules (pure), and a property test against an exact reference: for random
outcome records, every month's count is the records London dates to it, and the months add up."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from jigsaw.db.engine import session_scope
from jigsaw.errors import InvalidInput, NotFound
from jigsaw.outcomes.interfaces import Outcome
from jigsaw.platform import Platform
from jigsaw.statistics.interfaces import COUNTING_RULES, RULES_BY_ID, Period, monthly_series, tallies
from jigsaw.statistics.rules import MAX_SPAN_DAYS, financial_year_start, next_month, rule_for
from tests.statistics.seed import outcome, seed_year

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 12, 2)


def test_financial_and_calendar_years() -> None:
    fy = Period.financial_year(2025)
    assert (fy.start, fy.end, fy.name, fy.label) == (date(2025, 4, 1), date(2026, 3, 31), "2025/26",
                                                      "financial year 2025/26")
    assert Period.financial_year(1999).name == "1999/00"
    assert Period.parse_financial_year("2025/26") == fy == Period.parse_financial_year("2025-26")
    assert Period.calendar_year(2024).days == 366 and Period.calendar_year(2024).label == "2024"
    assert Period.month(2024, 2).end == date(2024, 2, 29) and Period.month(2024, 2).label == "February 2024"
    assert len(fy.months()) == 12 and fy.months()[0] == date(2025, 4, 1) and fy.months()[-1] == date(2026, 3, 1)
    assert date(2026, 3, 31) in fy and date(2026, 4, 1) not in fy and date(2025, 3, 31) not in fy
    assert fy.previous() == Period.financial_year(2024)
    assert Period.calendar_year(2025).previous() == Period.calendar_year(2024)
    assert financial_year_start(date(2026, 3, 31)) == 2025 and financial_year_start(date(2026, 4, 1)) == 2026


def test_parsing_from_and_to() -> None:
    assert Period.parse(None, None, TODAY) == Period.financial_year(2026)
    parsed = Period.parse("2025-04-01", "2026-03-31", TODAY)
    assert parsed.name == "2025/26" and parsed.label == "financial year 2025/26"
    assert Period.parse("2025-01-01", "2025-12-31", TODAY).label == "2025"
    assert Period.parse("2025-06-03", "2025-06-09", TODAY).label == "2025-06-03 to 2025-06-09"
    assert Period.parse("2026-05-01", None, TODAY).end == TODAY  # open-ended: up to today, within the year
    assert Period.parse(None, "2025-06-30", TODAY).start == date(2025, 4, 1)


@pytest.mark.parametrize(("start", "end", "field"), [
    ("2025-13-01", None, "from"), ("yesterday", None, "from"), ("2025-1-1", None, "from"),
    (None, "2025-02-30", "to"), ("2025-06-01", "2025-05-31", "from"), ("2000-01-01", "2025-12-31", "to"),
])
def test_bad_periods_name_the_field_and_never_echo_it(start: str | None, end: str | None, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Period.parse(start, end, TODAY)
    message = str(refused.value)
    assert message.startswith(f"{field}:")
    assert all(part not in message for part in (start, end) if part)


@given(start=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)), span=st.integers(0, MAX_SPAN_DAYS - 1))
def test_any_period_parses_back_and_its_months_cover_it(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    period = Period.parse(start.isoformat(), end.isoformat(), TODAY)
    assert (period.start, period.end, period.days) == (start, end, span + 1)
    months = period.months()
    assert months[0] == start.replace(day=1) and months[-1] == end.replace(day=1)
    assert all(b == next_month(a) for a, b in itertools.pairwise(months))


def test_the_longest_period() -> None:
    start = date(2016, 1, 1)
    assert Period(start, start + timedelta(days=MAX_SPAN_DAYS - 1)).days == MAX_SPAN_DAYS
    with pytest.raises(InvalidInput):
        Period(start, start + timedelta(days=MAX_SPAN_DAYS))


def test_every_figure_has_a_written_rule_with_a_stable_unique_id() -> None:
    assert len(RULES_BY_ID) == len(COUNTING_RULES)
    for name in ("reports_received", "disseminations", "arrests", "children_safeguarded", "networks_dismantled",
                 "offenders_located", "victims_identified", "most_wanted_located", "children_reached",
                 "settings_reached"):
        rule = COUNTING_RULES[name]
        assert rule.id.startswith("JS-STAT-") and rule.version >= 1
        assert rule.counts and rule.excludes and rule.date_basis and rule.text.startswith("Counts ")
    assert "prevalence" in COUNTING_RULES["reports_received"].caveat or \
        "not a measure" in COUNTING_RULES["reports_received"].caveat
    assert "type 0" in COUNTING_RULES["home_office_outcomes"].excludes
    assert "withdrawn" in COUNTING_RULES["arrests"].excludes
    assert not COUNTING_RULES["settings_reached"].additive_months
    with pytest.raises(NotFound):
        rule_for("typed_in_figure")


@pytest.fixture
def store(sqlite_platform: Platform) -> Iterator[tuple[Platform, int, int]]:
    seeded = seed_year(sqlite_platform)
    yield sqlite_platform, seeded.package_id, seeded.force_a


START = datetime(2025, 1, 1, tzinfo=UTC)
records = st.lists(st.tuples(st.integers(0, 900 * 24 * 4), st.integers(1, 5), st.booleans()), max_size=25)
periods = st.tuples(st.integers(0, 700), st.integers(0, 200))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=records, window=periods)
def test_months_are_the_records_london_dates_to_them(store: tuple[Platform, int, int],
                                                     records: list[tuple[int, int, bool]],
                                                     window: tuple[int, int]) -> None:
    platform, package_id, force = store
    period = Period(date(2025, 1, 1) + timedelta(days=window[0]),
                    date(2025, 1, 1) + timedelta(days=window[0] + window[1]))
    with session_scope(platform.engine) as session:
        session.execute(delete(Outcome).where(Outcome.kind == "arrest"))
        expected: dict[date, int] = {m: 0 for m in period.months()}
        for quarter_hours, count, withdrawn in records:
            when = START + timedelta(minutes=15 * quarter_hours)
            outcome(session, package_id, force, "arrest", when, count=count, withdrawn=withdrawn)
            day = when.astimezone(LONDON).date()
            if not withdrawn and day in period:
                expected[day.replace(day=1)] += count
        series = monthly_series(session, "arrests", period)
        assert series == sorted(expected.items())
        assert tallies(session, period, ["arrests"])["arrests"].total == sum(expected.values())
