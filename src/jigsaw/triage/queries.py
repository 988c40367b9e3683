"""Reading triage: a report's triage, the queue, the daily digest and the monitoring figures.

Nothing here writes; auditing is left to the adapters that serve these reads, which know the
purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from jigsaw.intake.interfaces import Report, Subject
from jigsaw.platform import platform_for
from jigsaw.triage import history
from jigsaw.triage.model import Band
from jigsaw.triage.models import OverrideStatus, TriageAssessment, TriageItemRecord, TriageOverride, TriageState


@dataclass(frozen=True)
class TriageView:
    """What the report page and the API show about a report's triage."""

    state: TriageState
    assessment: TriageAssessment
    history: list[TriageAssessment]
    overrides: list[TriageOverride]
    records: list[TriageItemRecord]
    overdue: bool
    explanation: dict[str, Any]  # the current assessment's, whole (as stored it may be a delta)


def explanation_of(session: Session, assessment: TriageAssessment) -> dict[str, Any]:
    """An assessment's whole explanation: as stored, or its delta applied to its keyframe
    (:mod:`jigsaw.triage.history`)."""
    stored = assessment.explanation or {}
    if not history.is_delta(stored):
        return dict(stored)
    base = session.scalar(select(TriageAssessment.explanation).where(
        TriageAssessment.id == history.keyframe_of(stored, assessment.id)))
    return history.apply(base or {}, stored)


def triage_view(session: Session, report_id: int, *, history: bool = True) -> TriageView | None:
    state = session.get(TriageState, report_id)
    if state is None:
        return None
    assessment = session.get(TriageAssessment, state.assessment_id)
    assert assessment is not None
    past = list(session.scalars(select(TriageAssessment).where(TriageAssessment.report_id == report_id)
                                .order_by(TriageAssessment.id.desc()).limit(50))) if history else [assessment]
    overrides = list(session.scalars(select(TriageOverride).where(TriageOverride.report_id == report_id)
                                     .order_by(TriageOverride.id.desc()))) if history else []
    records = list(session.scalars(select(TriageItemRecord).where(TriageItemRecord.report_id == report_id)
                                   .order_by(TriageItemRecord.id.desc()))) if history else []
    return TriageView(state, assessment, past, overrides, records, state.due_at < datetime.now(UTC),
                      explanation_of(session, assessment))


@dataclass(frozen=True)
class DangerFacts:
    """What the duty alerts need to know of a report: its current band and whether it carries a
    danger-now escalation (nothing of what the report says)."""

    report_id: int
    reference: str
    band: str | None  # None: not assessed yet
    escalated: bool


def danger_facts(session: Session, report_ids: Iterable[int]) -> dict[int, DangerFacts]:
    """The current effective band and escalation flag of each of ``report_ids`` that exists."""
    ids = list(dict.fromkeys(report_ids))
    found: dict[int, DangerFacts] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Report.id, Report.reference, TriageState.band, Report.escalation.is_not(None))
            .outerjoin(TriageState, TriageState.report_id == Report.id)
            .where(Report.id.in_(ids[start:start + 500])))
        for rid, reference, band, escalated in rows:
            found[rid] = DangerFacts(rid, reference, band, bool(escalated))
    return found


def p0_rescored_since(session: Session, since: datetime) -> list[int]:
    """Reports now at P0 whose triage changed at or after ``since`` (what a batch just raised)."""
    return list(session.scalars(select(TriageState.report_id).where(
        TriageState.band_rank == 0, TriageState.updated_at >= since)))


def api_triage(view: TriageView | None) -> dict[str, Any] | None:
    """The ``triage`` object of ``GET /api/v1/reports/{id}``."""
    if view is None:
        return None
    state, assessment = view.state, view.assessment
    return {
        "band": state.band, "model_band": state.model_band, "due_at": state.due_at, "overdue": view.overdue,
        "score": state.score, "actionability": state.actionability, "config_version": assessment.config_version,
        "assessed_at": assessment.assessed_at, "override_pending": state.pending_override,
        "overridden": state.override_id is not None, "explanation": view.explanation,
    }


@dataclass(frozen=True)
class QueueEntry:
    id: int
    reference: str
    received_at: datetime
    source: str
    channel: str
    incident_type: str
    platform: str | None
    subjects: int
    escalated: bool
    band: str | None
    due_at: datetime | None
    score: int | None
    actionability: int | None
    overdue: bool
    overridden: bool
    pending_override: bool


def triage_queue(session: Session, *, limit: int = 50, offset: int = 0, now: datetime | None = None
                 ) -> tuple[list[QueueEntry], int]:
    """Assessed reports by band, then due time, then actionability; unassessed ones after them.

    Returns the page and the number of reports (for the pager). Counting is what made the first
    page slow on a large store, so it is kept to the minimum: ``count(*)`` of reports (SQLite
    answers that from its smallest index; ``count(reports.id)`` read the whole table), and the
    assessed reports are counted only when a page runs past them and that number cannot be
    told from the page itself (a page that ends early ends exactly where they do).
    """
    now = now or datetime.now(UTC)
    subjects = (select(func.count(Subject.id)).where(Subject.report_id == Report.id)
                .correlate(Report).scalar_subquery())
    columns = (Report.id, Report.reference, Report.received_at, Report.source, Report.channel, Report.incident_type,
               Report.platform, subjects, Report.escalation.is_not(None))
    total = session.scalar(select(func.count()).select_from(Report)) or 0
    rows = session.execute(
        select(*columns, TriageState.band, TriageState.due_at, TriageState.score, TriageState.actionability,
               TriageState.override_id.is_not(None), TriageState.pending_override)
        .join(TriageState, TriageState.report_id == Report.id)
        .order_by(TriageState.band_rank, TriageState.due_at, TriageState.actionability.desc(), Report.id)
        .limit(limit).offset(offset)).all()
    entries = [_entry(tuple(r[:9]), r[9], r[10], r[11], r[12], r[10] < now, bool(r[13]), bool(r[14])) for r in rows]
    if len(entries) < limit:
        if entries or offset == 0:
            assessed = offset + len(entries)
        else:
            assessed = session.scalar(select(func.count()).select_from(TriageState)) or 0
        if total > assessed:
            rest = session.execute(
                select(*columns).where(~select(TriageState.report_id).where(TriageState.report_id == Report.id)
                                       .exists())
                .order_by(Report.received_at.desc(), Report.id.desc())
                .limit(limit - len(entries)).offset(max(0, offset - assessed))).all()
            entries.extend(_entry(tuple(r), None, None, None, None, False, False, False) for r in rest)
    return entries, total


def _entry(report: tuple[Any, ...], *triage: Any) -> QueueEntry:
    return QueueEntry(*report, *triage)


# -- digest and monitoring ----------------------------------------------------------------------------


def digest(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Overdue work and work due by the end of today (UTC), by band: the daily digest."""
    now = now or datetime.now(UTC)
    end_of_day = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    rows = session.execute(
        select(TriageState.report_id, Report.reference, TriageState.band, TriageState.due_at,
               TriageState.pending_override)
        .join(Report, Report.id == TriageState.report_id)
        .where(TriageState.due_at < end_of_day)
        .order_by(TriageState.band_rank, TriageState.due_at)).all()
    out: dict[str, Any] = {"generated_at": now.isoformat(), "overdue": {b.value: [] for b in Band},
                           "due_today": {b.value: [] for b in Band}}
    for report_id, reference, band, due, pending in rows:
        entry = {"report_id": report_id, "reference": reference, "band": band, "due_at": due.isoformat(),
                 "hours_overdue": round((now - due).total_seconds() / 3600, 1) if due < now else 0.0,
                 "pending_override": bool(pending)}
        out["overdue" if due < now else "due_today"][band].append(entry)
    return out


def monitoring(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Counts per band, overdue, override rates by band and analyst, and outcomes when recorded."""
    now = now or datetime.now(UTC)
    per_band = _pairs(session.execute(select(TriageState.band, func.count()).group_by(TriageState.band)).all())
    overdue = _pairs(session.execute(select(TriageState.band, func.count()).where(TriageState.due_at < now)
                                   .group_by(TriageState.band)).all())
    model_counts = _pairs(session.execute(select(TriageState.model_band, func.count())
                                        .group_by(TriageState.model_band)).all())
    overridden = _pairs(session.execute(
        select(TriageOverride.from_band, func.count(func.distinct(TriageOverride.report_id)))
        .group_by(TriageOverride.from_band)).all())
    bands = []
    for band in Band:
        n = model_counts.get(band.value, 0)
        o = overridden.get(band.value, 0)
        bands.append({"band": band.value, "current": per_band.get(band.value, 0),
                      "overdue": overdue.get(band.value, 0), "model": n, "overridden": o,
                      "override_rate": (o / n) if n else None})
    analysts = []
    for who, total, lowered, pending, rejected in session.execute(
        select(TriageOverride.requested_by, func.count(),
               func.sum(_lowered_case()), func.sum(_status_case(OverrideStatus.PENDING)),
               func.sum(_status_case(OverrideStatus.REJECTED)))
        .group_by(TriageOverride.requested_by).order_by(func.count().desc())):
        analysts.append({"analyst": who, "overrides": total, "lowered": int(lowered or 0),
                         "pending": int(pending or 0), "rejected": int(rejected or 0)})
    assessed_by = _pairs(session.execute(
        select(TriageItemRecord.recorded_by, func.count(func.distinct(TriageItemRecord.report_id)))
        .group_by(TriageItemRecord.recorded_by)).all())
    for row in analysts:
        worked = assessed_by.get(row["analyst"], 0)
        row["reports_worked"] = worked
        row["override_rate"] = (row["overrides"] / worked) if worked else None
    pending = list(session.scalars(select(TriageOverride).where(TriageOverride.status == OverrideStatus.PENDING)
                                   .order_by(TriageOverride.requested_at)))
    return {"generated_at": now, "bands": bands, "analysts": analysts, "pending": pending,
            "total": sum(per_band.values()), "overdue_total": sum(overdue.values()),
            "outcomes": band_outcomes(session)}


def _lowered_case() -> Any:
    return case((TriageOverride.to_band > TriageOverride.from_band, 1), else_=0)


def _status_case(status: OverrideStatus) -> Any:
    return case((TriageOverride.status == status, 1), else_=0)




@dataclass(frozen=True)
class BandOutcomes:
    """Bands against outcomes, computed by the capability that records outcomes (composed after
    triage, so it registers this on the platform when it opens rather than being imported).

    ``rows(session)`` returns one row per band at dissemination, or None when nothing is recorded.
    """

    rows: Callable[[Session], list[dict[str, Any]] | None]


def band_outcomes(session: Session) -> list[dict[str, Any]] | None:
    """Bands against outcomes (child safeguarded, arrest, no further action), for local validation:
    each band *at dissemination* (never the current one, to avoid hindsight) with what forces
    recorded and how long they took to first act. None while no outcome is recorded (the page says so)."""
    try:
        source = platform_for(session).find(BandOutcomes)
    except LookupError:
        return None
    return source.rows(session)


def _pairs(rows: Iterable[Any]) -> dict[Any, Any]:
    """Two-column rows as a dict (first column -> second)."""
    return {row[0]: row[1] for row in rows}


@dataclass(frozen=True)
class ReportTriage:
    """What case work needs of one report's triage: its effective band and when it is due."""

    report_id: int
    band: str | None
    band_rank: int | None
    due_at: datetime | None
    overdue: bool
    escalated: bool


def report_triage(session: Session, report_ids: Iterable[int], *, now: datetime | None = None
                  ) -> dict[int, ReportTriage]:
    """Band, rank, due time, overdue and danger-now escalation for each of ``report_ids``, in
    one indexed query per 500 ids (reports never assessed have no band)."""
    now = now or datetime.now(UTC)
    ids = sorted(set(report_ids))
    found: dict[int, ReportTriage] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Report.id, TriageState.band, TriageState.band_rank, TriageState.due_at,
                   Report.escalation.is_not(None))
            .outerjoin(TriageState, TriageState.report_id == Report.id)
            .where(Report.id.in_(ids[start:start + 500])))
        for rid, band, rank, due, escalated in rows:
            found[rid] = ReportTriage(rid, band, rank, due, due is not None and due < now, bool(escalated))
    return found


def report_explanations(session: Session, report_ids: Iterable[int]) -> dict[int, tuple[str, dict[str, Any]]]:
    """The effective band and the current assessment's explanation of each assessed report, in one
    query per 500 ids (a dissemination package quotes them; a batch reads a thousand at once)."""
    ids = sorted(set(report_ids))
    found: dict[int, tuple[str, dict[str, Any]]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(TriageState.report_id, TriageState.band, TriageAssessment.explanation)
            .join(TriageAssessment, TriageAssessment.id == TriageState.assessment_id)
            .where(TriageState.report_id.in_(ids[start:start + 500])))
        for rid, band, explanation in rows:
            found[rid] = (band, explanation or {})
    return found
