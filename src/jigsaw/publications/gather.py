"""Counting what the annual review breaks down and the threat assessment trends, from the record.

Headline figures come from :mod:`jigsaw.statistics` (never counted here a second way). What
statistics does not count is counted here, with the same date basis (the Europe/London day of the
record) and the same exclusions: reports broken down by platform, incident type, country and who
reported, each split into referrals and informational reports; convictions for the funnel; and the
threat assessment's counts by platform, threat area and victim age band. Counts only: no report's
contents are read, so nothing here is personal data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation
from jigsaw.intake.interfaces import Observation, Report, Subject, SubjectRole
from jigsaw.outcomes.interfaces import Outcome, OutcomeKind
from jigsaw.publications import review, threat
from jigsaw.statistics.interfaces import Period, financial_year_start

LONDON = ZoneInfo("Europe/London")
HOME_COUNTRY = "GB"
NOT_KNOWN = "Not known"


def bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the period's whole Europe/London days, as statistics counts them."""
    start = datetime.combine(period.start, time.min, LONDON).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time.min, LONDON).astimezone(UTC)
    return start, end


@dataclass
class ReportCounts:
    """Reports in a period: each breakdown maps a key to [referrals, informational]."""

    total: int = 0
    by: dict[str, dict[str, list[int]]] = field(default_factory=lambda: {k: {} for k, _ in review.BREAKDOWNS})
    areas: Counter[str] = field(default_factory=Counter)
    platforms: Counter[str] = field(default_factory=Counter)
    victims_by_age: Counter[str] = field(default_factory=Counter)

    def add(self, breakdown: str, key: str, kind: str) -> None:
        cell = self.by[breakdown].setdefault(key, [0, 0])
        cell[review.KINDS.index(kind)] += 1

    @property
    def referrals(self) -> int:
        return sum(v[0] for v in self.by["reporter"].values())

    @property
    def informational(self) -> int:
        return sum(v[1] for v in self.by["reporter"].values())


def report_counts(session: Session, period: Period) -> ReportCounts:
    start, end = bounds(period)
    suspect = exists().where(Subject.report_id == Report.id, Subject.role == SubjectRole.SUSPECT.value)
    identifier = exists().where(Observation.report_id == Report.id)
    rows = session.execute(
        select(Report.id, Report.source, Report.platform, Report.incident_type, Report.annotations,
               Organisation.country, suspect, identifier)
        .outerjoin(Organisation, Organisation.id == Report.submitted_by_org_id)
        .where(Report.received_at >= start, Report.received_at < end)).all()
    out = ReportCounts()
    for _rid, source, platform, incident, marks, country, has_suspect, has_identifier in rows:
        flags = [str(a) for a in (marks or [])]
        kind = review.classify(has_suspect=bool(has_suspect), has_identifier=bool(has_identifier),
                               flagged_informational="informational" in flags)
        out.total += 1
        out.add("reporter", source, kind)
        out.add("platform", platform or NOT_KNOWN, kind)
        out.add("incident_type", incident, kind)
        out.add("country", country or HOME_COUNTRY, kind)
        out.areas[threat.threat_area(incident, flags)] += 1
        out.platforms[platform or NOT_KNOWN] += 1
    ages = session.execute(
        select(Subject.age).join(Report, Report.id == Subject.report_id)
        .where(Subject.role == SubjectRole.VICTIM.value, Report.received_at >= start, Report.received_at < end))
    for (age,) in ages:
        out.victims_by_age[threat.age_band(age)] += 1
    return out


def convictions(session: Session, period: Period) -> int:
    """People convicted (``JS-PUB-CONVICTIONS-1``): conviction records not withdrawn, by their day."""
    start, end = bounds(period)
    found = session.scalar(select(func.coalesce(func.sum(Outcome.count), 0)).where(
        Outcome.kind == OutcomeKind.CONVICTION.value, Outcome.withdrawn_at.is_(None),
        Outcome.occurred_at >= start, Outcome.occurred_at < end))
    return int(found or 0)


def first_year_with_data(session: Session) -> int | None:
    """The financial year of the earliest report: where a figure's series begins."""
    first = session.scalar(select(func.min(Report.received_at)))
    if first is None:
        return None
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    day: date = first.astimezone(LONDON).date()
    return financial_year_start(day)
