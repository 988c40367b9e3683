"""Periods and the written counting rules of the centre's headline figures (pure: no web,
database or OS).

Every figure the centre publishes ("131 children protected", "297 arrests") is counted from
the record for a period, never typed in, and quoted with the id of the rule it was counted by,
so a reader can see exactly what it includes and a later change of rule shows as a new
version. A period is a run of whole Europe/London days, both ends included: the centre's year
runs April to March (a financial year), and a report received at 00:30 BST on 1 April belongs
to the new year even though it is still 31 March in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

from jigsaw.errors import InvalidInput, NotFound

MAX_SPAN_DAYS = 3_653
"""The longest period one request may ask for: ten years (a decade's series is ten periods)."""

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


@dataclass(frozen=True, order=True)
class Period:
    """Whole Europe/London days from ``start`` to ``end``, both included."""

    start: date
    end: date
    name: str | None = field(default=None, compare=False)  # "2025/26", "2025", "April 2025"

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise InvalidInput("from: the period's first day is after its last ('to')")
        if (self.end - self.start).days + 1 > MAX_SPAN_DAYS:
            raise InvalidInput(f"to: a period is at most {MAX_SPAN_DAYS:,} days (ten years)")

    @classmethod
    def calendar_year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), str(year))

    @classmethod
    def financial_year(cls, start_year: int) -> Period:
        """1 April ``start_year`` to 31 March the year after, named as the centre writes it: "2025/26"."""
        return cls(date(start_year, 4, 1), date(start_year + 1, 3, 31), f"{start_year}/{(start_year + 1) % 100:02d}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        return cls(first, next_month(first) - timedelta(days=1), f"{_MONTHS[month - 1]} {year}")

    @classmethod
    def parse_financial_year(cls, text: str) -> Period:
        """ "2025/26" (or "2025-26") as a financial year; the second part must be the year after."""
        cleaned = text.strip().replace("-", "/")
        first, sep, second = cleaned.partition("/")
        if not (sep and first.isdigit() and len(first) == 4 and second.isdigit() and len(second) == 2):
            raise InvalidInput("year: a financial year is written YYYY/YY, e.g. 2025/26")
        start_year = int(first)
        if (start_year + 1) % 100 != int(second):
            raise InvalidInput("year: the second part of a financial year is the year after the first")
        return cls.financial_year(start_year)

    @classmethod
    def parse(cls, from_text: str | None, to_text: str | None, today: date) -> Period:
        """``from``/``to`` as given in a query (``YYYY-MM-DD``); by default the financial year
        ``today`` falls in. Errors name the field and never repeat what was sent."""
        if not (from_text or "").strip() and not (to_text or "").strip():
            return cls.financial_year(financial_year_start(today))
        start = _day(from_text, "from")
        end = _day(to_text, "to")
        if start is None:
            assert end is not None
            start = date(financial_year_start(end), 4, 1)
        if end is None:
            end = max(start, min(today, date(financial_year_start(start) + 1, 3, 31)))
        return cls(start, end, _known_name(start, end))

    @property
    def label(self) -> str:
        """How a page or a caption names it: the financial or calendar year's name, or the two dates."""
        if self.name and "/" in self.name:
            return f"financial year {self.name}"
        if self.name:
            return self.name
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches, in order (its chart's columns)."""
        out: list[date] = []
        month = self.start.replace(day=1)
        while month <= self.end:
            out.append(month)
            month = next_month(month)
        return out

    def previous(self) -> Period:
        """The period of the same length just before (the prior year, for a year)."""
        if self.name and "/" in self.name:
            return Period.financial_year(self.start.year - 1)
        if self.name and self.name.isdigit():
            return Period.calendar_year(self.start.year - 1)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def _day(text: str | None, name: str) -> date | None:
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    try:
        if len(cleaned) != 10:
            raise ValueError
        return date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(f"{name}: not a date; write it YYYY-MM-DD") from None


def _known_name(start: date, end: date) -> str | None:
    if start.month == 4 and start.day == 1 and end == date(start.year + 1, 3, 31):
        return Period.financial_year(start.year).name
    if start.month == 1 and start.day == 1 and end == date(start.year, 12, 31):
        return str(start.year)
    if start.day == 1 and end == next_month(start) - timedelta(days=1):
        return Period.month(start.year, start.month).name
    return None


def next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def financial_year_start(day: date) -> int:
    """The calendar year in which the financial year holding ``day`` began (April to March)."""
    return day.year if day.month >= 4 else day.year - 1


def month_label(first: date) -> str:
    """A chart's column label: "Apr 2025"."""
    return f"{_MONTHS[first.month - 1][:3]} {first.year}"


def zero_filled(period: Period, counts: Mapping[date, int]) -> list[tuple[date, int]]:
    """Every month of the period in order with its count, months with nothing shown as 0."""
    return [(month, int(counts.get(month, 0))) for month in period.months()]


# --- the counting rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class CountingRule:
    """How one headline figure is counted, in words a reader of the annual review can check."""

    id: str  # stable: quoted beside every figure; a changed rule gets a new version, not a new meaning
    name: str  # the figure's key in the API
    label: str
    counts: str  # what is counted
    excludes: str  # what is not
    date_basis: str  # which date puts a record in a period
    version: int = 1
    caveat: str = ""
    breakdown: tuple[str, ...] = ()  # the keys it is broken down by, where it is
    additive_months: bool = True  # whether the month-by-month series adds up to the total

    @property
    def text(self) -> str:
        parts = [f"Counts {self.counts}.", f"Does not count {self.excludes}.", f"Dated by {self.date_basis}."]
        if self.caveat:
            parts.append(self.caveat)
        return " ".join(parts)


@dataclass(frozen=True)
class Figure:
    """A headline figure counted for a period, with the rule it was counted by."""

    name: str
    value: int
    rule_id: str
    label: str
    breakdown: dict[str, int] = field(default_factory=dict)


_WITHDRAWN = "records a force has withdrawn (a corrected record is withdrawn and recorded again, so it counts once)"

_RULES = (
    CountingRule(
        "JS-STAT-REPORTS-1", "reports_received", "Reports received",
        counts="every report the centre received (public form, Report Abuse buttons, partner API, imports), "
               "once each, broken down by who made it (the report's source)",
        excludes="sightings of a Most Wanted appeal sent as tips, or lines added to a report after it arrived",
        date_basis="the day the centre received the report (Europe/London)",
        caveat="Reports are not a measure of how common abuse is, and do not count victims: one incident may be "
               "reported many times, and most abuse is never reported.",
        breakdown=("young_person", "parent", "professional", "public", "platform", "partner_agency", "police"),
    ),
    CountingRule(
        "JS-STAT-DISSEM-1", "disseminations", "Packages disseminated",
        counts="intelligence packages dispatched to a receiving force or agency, once each, by recipient",
        excludes="drafts, packages awaiting approval or approved but not yet sent; a package re-routed to another "
                 "force is a new package and counts again",
        date_basis="the day the package was dispatched",
    ),
    CountingRule(
        "JS-STAT-ARRESTS-1", "arrests", "Arrests",
        counts="people arrested, as recorded by receiving forces against the centre's packages (each arrest record "
               "counts the number of people it records, usually one)",
        excludes=f"voluntary interviews, warrants without an arrest, and {_WITHDRAWN}",
        date_basis="the day of the arrest",
    ),
    CountingRule(
        "JS-STAT-CHARGES-1", "charges", "People charged",
        counts="people charged or summonsed, from the forces' charge records (each counts the people it records)",
        excludes=f"the number of offences on a charge sheet, and {_WITHDRAWN}",
        date_basis="the day of the charge",
    ),
    CountingRule(
        "JS-STAT-HOOUTCOMES-1", "home_office_outcomes", "Crime outcomes assigned",
        counts="crime outcomes assigned by forces, by Home Office outcome type 1 to 22",
        excludes=f"type 0 (not yet assigned), which is shown in tables but never counted, and {_WITHDRAWN}",
        date_basis="the day the outcome was recorded as occurring",
        breakdown=tuple(str(n) for n in range(1, 23)),
    ),
    CountingRule(
        "JS-STAT-CHILDREN-1", "children_safeguarded", "Children safeguarded or protected",
        counts="children safeguarded or protected, as forces record them, in three categories counted "
               "separately: removed from harm; a protective measure (bail conditions, a warning to parents, a "
               "protection plan); identified from abuse imagery. The headline is their sum",
        excludes=f"children merely named in a report, and {_WITHDRAWN}",
        date_basis="the day the child was safeguarded",
        caveat="A child is counted once per record; a child safeguarded twice in separate enquiries counts twice.",
        breakdown=("removed_from_harm", "protective_measure", "identified_from_imagery"),
    ),
    CountingRule(
        "JS-STAT-VICTIMS-1", "victims_identified", "Victims identified from imagery",
        counts="children identified from abuse imagery: the children-safeguarded records in the category "
               "'identified from imagery'",
        excludes="the hash banks' 'victim identified' flags (they carry no date, so cannot be put in a period), "
                 f"children removed from harm or protected without imagery, and {_WITHDRAWN}",
        date_basis="the day the force recorded the child safeguarded",
    ),
    CountingRule(
        "JS-STAT-NETWORKS-1", "networks_dismantled", "Networks dismantled",
        counts="offender networks the centre has recorded as dismantled, with its evidence, once per finding",
        excludes="networks recorded as disrupted only, and networks found by link analysis without a finding",
        date_basis="the day the network was dismantled",
    ),
    CountingRule(
        "JS-STAT-NETWORKS-DISRUPTED-1", "networks_disrupted", "Networks disrupted",
        counts="offender networks the centre has recorded as disrupted (not dismantled), once per finding",
        excludes="networks recorded as dismantled (a network disrupted then dismantled counts once in each figure)",
        date_basis="the day of the disruption",
    ),
    CountingRule(
        "JS-STAT-LOCATED-1", "offenders_located", "Offenders located",
        counts="offenders located by receiving forces from the centre's packages, split by whether the force "
               "recorded the offender as high risk",
        excludes=f"people arrested without a locate record, and {_WITHDRAWN}",
        date_basis="the day the offender was located",
        breakdown=("high_risk", "other"),
    ),
    CountingRule(
        "JS-STAT-LOCATED-HIGHRISK-1", "high_risk_offenders_located", "High-risk offenders located",
        counts="offenders located whom the force recorded as high risk",
        excludes=f"offenders located without the high-risk flag, and {_WITHDRAWN}",
        date_basis="the day the offender was located",
    ),
    CountingRule(
        "JS-STAT-MOSTWANTED-1", "most_wanted_located", "Most Wanted located",
        counts="Most Wanted appeals ended because the person was located",
        excludes="appeals withdrawn or expired, and appeals still published",
        date_basis="the day the appeal was ended as located",
    ),
    CountingRule(
        "JS-STAT-EDU-CHILDREN-1", "children_reached", "Children reached by education sessions",
        counts="children attending the programme's sessions (attendances: a child at two sessions counts twice)",
        excludes="parents and professionals (counted separately), and assemblies (never recorded)",
        date_basis="the day the session was held",
        caveat="Reported separately from settings reached; the two are never added together.",
    ),
    CountingRule(
        "JS-STAT-EDU-SETTINGS-1", "settings_reached", "Settings reached by education sessions",
        counts="distinct schools and groups that held at least one session",
        excludes="repeat sessions at the same setting (a setting counts once in the period)",
        date_basis="the day the session was held",
        caveat="Month by month, a setting counts once in each month it held a session, so the months can add up "
               "to more than the period's total. Never added to children reached.",
        additive_months=False,
    ),
)

COUNTING_RULES: Mapping[str, CountingRule] = MappingProxyType({rule.name: rule for rule in _RULES})
"""Every headline figure's rule, by the figure's name, in the order pages list them."""

RULES_BY_ID: Mapping[str, CountingRule] = MappingProxyType({rule.id: rule for rule in _RULES})


def rule_for(name: str) -> CountingRule:
    """The rule of the figure ``name``; an unknown figure is not found (and never echoed)."""
    try:
        return COUNTING_RULES[name]
    except KeyError:
        raise NotFound("figure: not one of the centre's headline figures (see /api/v1/statistics/rules)") from None


def iter_rules() -> Iterator[CountingRule]:
    return iter(_RULES)
