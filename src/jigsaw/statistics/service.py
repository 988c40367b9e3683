"""Counting the headline figures from the record: one grouped query per figure.

Each figure is a *source*: the table it counts, the date that puts a record in a period, what
each record weighs (one, or the ``count`` a force recorded), what it is broken down by, and
which records are excluded (withdrawn outcomes, type-0 crime outcomes). One query groups a
source by month and by breakdown key at once, so the total, the breakdown and the month-by-month
series are the same numbers added up differently and can never disagree.

Months are Europe/London months. The database is asked to bucket each record by comparing its
timestamp with the UTC instants at which each month begins in London (a ``CASE`` over the
boundaries), which reads the same on SQLite and PostgreSQL, and needs no time-zone support in
either. Listing the records behind a figure is an audited consultation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from jigsaw.accounts.models import Organisation
from jigsaw.appeals.interfaces import Appeal, AppealStatus
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.dissemination.interfaces import Package
from jigsaw.education.interfaces import EducationSession
from jigsaw.intake.interfaces import Report
from jigsaw.outcomes.interfaces import NOT_YET_ASSIGNED, NetworkDisruption, NetworkEffect, Outcome, OutcomeKind
from jigsaw.statistics.rules import COUNTING_RULES, Figure, Period, next_month, rule_for, zero_filled

LONDON = ZoneInfo("Europe/London")
_Expr = ColumnElement[Any] | InstrumentedAttribute[Any]
MAX_RECORDS = 5_000
"""The most records one drill-down lists (a figure's rows are counted in full; the list says when it stops)."""


def london_midnight(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in Europe/London."""
    return datetime.combine(day, time.min, LONDON).astimezone(UTC)


def london_day(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


@dataclass(frozen=True)
class _Source:
    """What one figure counts. ``when`` is a timestamp column, or a date column (``dated``)."""

    entity: Any
    when: Any
    weight: _Expr | None  # summed per record; None counts records
    key: _Expr | None  # the breakdown; None for none
    where: tuple[ColumnElement[bool], ...]
    kind: str  # what the drill-down calls a record
    ref: _Expr  # its reference
    href: Callable[[Any], str | None]  # the staff page of a record, from its row
    link_id: _Expr | None = None  # the id the href is built from, if not the record's own
    joins: tuple[tuple[Any, ColumnElement[bool]], ...] = ()
    dated: bool = False
    distinct_keys: bool = False  # count distinct keys (settings reached), not weights
    key_names: Callable[[Any], str] | None = None
    ref_prefix: str = ""  # a record without a reference of its own is named by its id


def _live_outcomes(kind: OutcomeKind, *extra: ColumnElement[bool]) -> tuple[ColumnElement[bool], ...]:
    """Outcome records of ``kind`` that still stand: a withdrawn record never counts."""
    return (Outcome.kind == kind.value, Outcome.withdrawn_at.is_(None), *extra)


def _outcome_source(kind: OutcomeKind, *extra: ColumnElement[bool], key: _Expr | None = None,
                    joins: tuple[tuple[Any, ColumnElement[bool]], ...] = ()) -> _Source:
    return _Source(Outcome, Outcome.occurred_at, Outcome.count, key, _live_outcomes(kind, *extra), "outcome",
                   Outcome.reference, lambda pid: f"/packages/{pid}", link_id=Outcome.package_id, joins=joins)


_FORCE = ((Organisation, Organisation.id == Outcome.org_id),)


def _sources() -> dict[str, _Source]:
    high_risk = case((Outcome.high_risk.is_(True), literal("high_risk")), else_=literal("other"))
    return {
        "reports_received": _Source(Report, Report.received_at, None, Report.source, (), "report", Report.reference,
                                    lambda rid: f"/reports/{rid}"),
        "disseminations": _Source(
            Package, Package.dispatched_at, None, func.coalesce(Organisation.name, literal("no recipient")),
            (Package.dispatched_at.is_not(None),), "package", Package.reference, lambda pid: f"/packages/{pid}",
            joins=((Organisation, Organisation.id == Package.recipient_org_id),)),
        "arrests": _outcome_source(OutcomeKind.ARREST, key=Organisation.name, joins=_FORCE),
        "charges": _outcome_source(OutcomeKind.CHARGE, key=Organisation.name, joins=_FORCE),
        "home_office_outcomes": _Source(
            Outcome, Outcome.occurred_at, None, Outcome.home_office_outcome,
            (Outcome.withdrawn_at.is_(None), Outcome.home_office_outcome.is_not(None),
             Outcome.home_office_outcome != NOT_YET_ASSIGNED),
            "outcome", Outcome.reference, lambda pid: f"/packages/{pid}", link_id=Outcome.package_id,
            key_names=str),
        "children_safeguarded": _outcome_source(
            OutcomeKind.CHILD_SAFEGUARDED, key=func.coalesce(Outcome.category, literal("not_categorised"))),
        "victims_identified": _outcome_source(OutcomeKind.CHILD_SAFEGUARDED,
                                              Outcome.category == "identified_from_imagery"),
        "networks_dismantled": _Source(
            NetworkDisruption, NetworkDisruption.occurred_at, None, None,
            (NetworkDisruption.effect == NetworkEffect.DISMANTLED.value,), "network_disruption",
            NetworkDisruption.reference, lambda _id: None),
        "networks_disrupted": _Source(
            NetworkDisruption, NetworkDisruption.occurred_at, None, None,
            (NetworkDisruption.effect == NetworkEffect.DISRUPTED.value,), "network_disruption",
            NetworkDisruption.reference, lambda _id: None),
        "offenders_located": _outcome_source(OutcomeKind.OFFENDER_LOCATED, key=high_risk),
        "high_risk_offenders_located": _outcome_source(OutcomeKind.OFFENDER_LOCATED, Outcome.high_risk.is_(True)),
        "most_wanted_located": _Source(
            Appeal, Appeal.ended_at, None, None,
            (Appeal.status == AppealStatus.LOCATED.value, Appeal.ended_at.is_not(None)), "appeal", Appeal.reference,
            lambda aid: f"/appeals/{aid}"),
        "children_reached": _Source(
            EducationSession, EducationSession.held_on, EducationSession.children_total, None, (), "education_session",
            EducationSession.id, lambda _id: None, dated=True, ref_prefix="session "),
        "settings_reached": _Source(
            EducationSession, EducationSession.held_on, None, EducationSession.setting_key, (), "education_session",
            EducationSession.id, lambda _id: None, dated=True, distinct_keys=True, ref_prefix="session "),
    }


_SOURCES: dict[str, _Source] | None = None


def source(name: str) -> _Source:
    global _SOURCES
    if _SOURCES is None:
        _SOURCES = _sources()
    rule_for(name)  # an unknown figure is refused by the rules, in their words
    return _SOURCES[name]


def _bounds(src: _Source, period: Period) -> tuple[list[Any], Any, Any]:
    """The month boundaries after each of the period's months (in the column's terms), and the
    period's first and after-last values."""
    months = period.months()
    ends = [min(next_month(m), _after(period.end)) for m in months]
    if src.dated:
        return ends, period.start, _after(period.end)
    return [london_midnight(e) for e in ends], london_midnight(period.start), london_midnight(_after(period.end))


def _after(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def _in_period(src: _Source, period: Period) -> tuple[ColumnElement[bool], ...]:
    _, start, stop = _bounds(src, period)
    return (src.when >= start, src.when < stop, *src.where)


def _with_joins(stmt: Select[Any], src: _Source) -> Select[Any]:
    stmt = stmt.select_from(src.entity)
    for target, onclause in src.joins:
        stmt = stmt.outerjoin(target, onclause)
    return stmt


@dataclass(frozen=True)
class Tally:
    """One figure for a period: its total, its breakdown and its months (first day → count)."""

    name: str
    total: int
    breakdown: dict[str, int]
    months: list[tuple[date, int]]

    def figure(self) -> Figure:
        rule = COUNTING_RULES[self.name]
        return Figure(self.name, self.total, rule.id, rule.label, dict(self.breakdown))


_BUCKETS: dict[tuple[int, Period], ColumnElement[int]] = {}


def _bucket(src: _Source, period: Period) -> ColumnElement[int]:
    """A record's month as an index into ``period.months()``: the first month whose end it is
    before. Built once per date column and period (figures share columns; building a ten-year
    CASE of 120 comparisons costs more than running it), keyed by the column's identity."""
    cache_key = (id(src.when), period)
    found = _BUCKETS.get(cache_key)
    if found is None:
        ends, _, _ = _bounds(src, period)
        whens = [(src.when < end, i) for i, end in enumerate(ends[:-1])] or [(src.when < ends[0], 0)]
        found = case(*whens, else_=len(ends) - 1)
        if len(_BUCKETS) > 256:
            _BUCKETS.clear()
        _BUCKETS[cache_key] = found
    return found


def tally(session: Session, name: str, period: Period) -> Tally:
    """The figure ``name`` for ``period``, from one query grouped by month and breakdown key."""
    src = source(name)
    bucket = _bucket(src, period)
    key = src.key if src.key is not None else literal("")
    weight = func.coalesce(func.sum(src.weight), 0) if src.weight is not None else func.count()
    rows = session.execute(
        _with_joins(select(bucket, key, weight), src).where(*_in_period(src, period)).group_by(bucket, key)
    ).all()
    months = period.months()
    per_month = dict.fromkeys(months, 0)
    breakdown: dict[str, int] = {}
    if src.distinct_keys:
        keys: set[Any] = set()
        for index, k, _n in rows:
            per_month[months[int(index)]] += 1
            keys.add(k)
        total = len(keys)
    else:
        for index, k, n in rows:
            per_month[months[int(index)]] += int(n)
            if src.key is not None and k is not None:
                label = src.key_names(k) if src.key_names else str(k)
                breakdown[label] = breakdown.get(label, 0) + int(n)
        total = sum(per_month.values())
    rule = COUNTING_RULES[name]
    if rule.breakdown and src.key is not None and not src.distinct_keys:
        # The rule's own keys always appear (a zero is a finding); others follow, largest first.
        ordered = {k: breakdown.pop(k, 0) for k in rule.breakdown}
        ordered.update(sorted(breakdown.items(), key=lambda kv: (-kv[1], kv[0])))
        if "not_categorised" in ordered and ordered["not_categorised"] == 0:
            del ordered["not_categorised"]
        breakdown = ordered
    elif src.key is not None and not src.distinct_keys:
        breakdown = dict(sorted(breakdown.items(), key=lambda kv: (-kv[1], kv[0])))
    return Tally(name, total, breakdown, zero_filled(period, per_month))


def tallies(session: Session, period: Period, names: Sequence[str] | None = None) -> dict[str, Tally]:
    return {name: tally(session, name, period) for name in (names or list(COUNTING_RULES))}


@dataclass(frozen=True)
class RecordRef:
    """One record behind a figure: what it is, its reference, its day and what it adds. References,
    dates and counts only: no names, no free text."""

    kind: str
    id: int
    reference: str
    day: date
    count: int
    key: str | None
    href: str | None


def records_behind(session: Session, name: str, period: Period, *, limit: int = MAX_RECORDS) -> list[RecordRef]:
    """The records the figure ``name`` counts for ``period``, oldest first (at most ``limit``).

    Not audited here: :func:`consult_records` is the audited read the routes use."""
    src = source(name)
    id_col = src.entity.id
    link = src.link_id if src.link_id is not None else id_col
    key = src.key if src.key is not None else literal(None)
    weight = src.weight if src.weight is not None else literal(1)
    rows = session.execute(
        _with_joins(select(id_col, src.ref, src.when, weight, key, link), src)
        .where(*_in_period(src, period)).order_by(src.when, id_col).limit(max(1, limit))
    ).all()
    out = []
    for rid, ref, when, n, k, link_value in rows:
        day = when if src.dated else london_day(when)
        label = None if k is None else (src.key_names(k) if src.key_names else str(k))
        out.append(RecordRef(src.kind, int(rid), f"{src.ref_prefix}{ref}", day, int(n or 0), label,
                             src.href(link_value)))
    return out


def consult_records(session: Session, actor: Actor, name: str, period: Period, *, purpose: str,
                    limit: int = MAX_RECORDS) -> tuple[list[RecordRef], bool]:
    """The records behind a figure (at most ``limit``, and whether more stand behind it), the listing
    logged as a consultation with its purpose: its references each lead to personal data."""
    limit = max(1, min(limit, MAX_RECORDS))
    found = records_behind(session, name, period, limit=limit + 1)
    truncated = len(found) > limit
    found = found[:limit]
    record(session, actor, AuditAction.CONSULTATION, "statistics_figure", name, purpose=purpose,
           detail={"from": period.start.isoformat(), "to": period.end.isoformat(), "records": len(found),
                   "rule_id": COUNTING_RULES[name].id})
    return found, truncated


def headline_figures(session: Session, period: Period) -> dict[str, Figure]:
    """Every headline figure for ``period``, in the rules' order, each with its rule id and breakdown."""
    return {name: t.figure() for name, t in tallies(session, period).items()}


def monthly_series(session: Session, name: str, period: Period) -> list[tuple[date, int]]:
    """The figure ``name`` month by month (first day of each month → count), every month shown."""
    return tally(session, name, period).months
