"""What outcomes tell the capabilities composed before them, through the hooks they declare:
triage's monitor (bands against outcomes, and the time from dispatch to first action) and case
work's closing "with the outcome" (what was recorded). Counted from live records only: a
withdrawn record counts nowhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jigsaw.dissemination.interfaces import Package
from jigsaw.outcomes import rules
from jigsaw.outcomes.kinds import KIND_LABELS, OutcomeKind
from jigsaw.outcomes.models import Outcome
from jigsaw.outcomes.service import outcomes_for_reports

BANDS = ("P0", "P1", "P2", "P3")
# The monitor's columns: what validates a band locally (research: bands against outcomes).
_COLUMNS = ((OutcomeKind.ARREST, "arrests"), (OutcomeKind.CHARGE, "charged"),
            (OutcomeKind.CHILD_SAFEGUARDED, "children_safeguarded"),
            (OutcomeKind.NO_FURTHER_ACTION, "no_further_action"))


def band_rows(session: Session) -> list[dict[str, Any]] | None:
    """One row per band *at dissemination* (the package's band when it was sent, never the report's band
    now): packages sent, those with an outcome, the outcomes counted, and the median time from dispatch
    to the force's first recorded action. None while no outcome is recorded."""
    live = Outcome.withdrawn_at.is_(None)
    if session.scalar(select(func.count()).select_from(Outcome).where(live)) == 0:
        return None
    sent = dict(session.execute(select(Package.band, func.count()).where(Package.dispatched_at.is_not(None))
                                .group_by(Package.band)).all())
    sums: dict[tuple[str, str], int] = {}
    for band, kind, n in session.execute(select(Package.band, Outcome.kind, func.sum(Outcome.count))
                                         .join(Package, Package.id == Outcome.package_id).where(live)
                                         .group_by(Package.band, Outcome.kind)):
        sums[(band, kind)] = int(n or 0)
    waits: dict[str, list[timedelta]] = {}
    for band, dispatched_at, first in session.execute(
            select(Package.band, Package.dispatched_at, func.min(Outcome.occurred_at))
            .join(Package, Package.id == Outcome.package_id).where(live, Package.dispatched_at.is_not(None))
            .group_by(Package.id, Package.band, Package.dispatched_at)):
        if first is None or dispatched_at is None:
            continue
        first_at = first if first.tzinfo else first.replace(tzinfo=dispatched_at.tzinfo)  # SQLite's MIN drops the zone
        waits.setdefault(band, []).append(max(first_at - dispatched_at, timedelta(0)))
    rows = []
    for band in BANDS:
        row: dict[str, Any] = {"band": band, "packages_sent": sent.get(band, 0),
                               "with_outcome": len(waits.get(band, []))}
        for kind, column in _COLUMNS:
            row[column] = sums.get((band, kind.value), 0)
        row["median_dispatch_to_first_action"] = rules.describe_hours(rules.median_hours(waits.get(band, [])))
        rows.append(row)
    return rows


def case_outcome_lines(session: Session, report_ids: Sequence[int]) -> list[str]:
    """What a case closing with its outcome records: "PKG-…: arrest 1, child safeguarded 2"."""
    by_package: dict[str, list[str]] = {}
    for reference, kind, n in outcomes_for_reports(session, report_ids):
        by_package.setdefault(reference, []).append(f"{KIND_LABELS.get(kind, kind).lower()} {n}")
    return [f"{reference}: {', '.join(parts)}" for reference, parts in by_package.items()]
