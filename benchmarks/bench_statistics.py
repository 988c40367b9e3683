"""Headline figures speed: every figure for a financial year, and for ten years, over a large record (SQLite).

    .venv/bin/python benchmarks/bench_statistics.py [--reports 100000] [--outcomes 50000] [--repeat 5]

Builds ``--reports`` reports and ``--outcomes`` outcome records (arrests, charges, children by
category, offenders located; one in twenty withdrawn) spread over two financial years with bulk
``executemany``, then times :func:`jigsaw.statistics.interfaces.headline_figures` (one grouped
query per figure: totals, breakdowns and months at once) and the records behind one figure, as
``GET /api/v1/statistics`` and the drill-down call them. Medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.accounts.service import create_organisation, create_user
from jigsaw.audit.service import Actor
from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.db.engine import session_scope
from jigsaw.dissemination.interfaces import Package
from jigsaw.intake.interfaces import Report
from jigsaw.outcomes.interfaces import Outcome
from jigsaw.statistics.interfaces import Period, headline_figures, records_behind

KINDS = (("arrest", None), ("charge", None), ("child_safeguarded", "removed_from_harm"),
         ("child_safeguarded", "protective_measure"), ("child_safeguarded", "identified_from_imagery"),
         ("offender_located", None))


def _median(run: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--outcomes", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="jigsaw-bench-statistics-"))
    platform = open_platform(Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'jigsaw.db'}"))
    rng = random.Random(7)
    start = datetime(2024, 4, 1, tzinfo=UTC)
    span = int(timedelta(days=730).total_seconds())
    sources = ("young_person", "parent", "professional", "public", "platform", "partner_agency", "police")
    with session_scope(platform.engine) as session:
        actor = Actor("bench")
        centre = create_organisation(session, actor, "Centre", OrgKind.CENTRE)
        force = create_organisation(session, actor, "Force", OrgKind.UK_FORCE)
        user = create_user(session, actor, "bench@centre.example", Role.ANALYST, centre, "bench password 12345").user
        session.flush()
        session.execute(insert(Report), [
            {"reference": f"JIG-B{i:09d}", "source": rng.choice(sources), "channel": "api",
             "incident_type": "indecent_images", "summary": "", "received_at": start + timedelta(
                 seconds=rng.randrange(span))} for i in range(args.reports)])
        package = Package(reference="PKG-BENCH", status="dispatched", created_by_id=user.id,
                          classification="OFFICIAL", band="P2", summary="", recipient_org_id=force.id,
                          dispatched_at=start)
        session.add(package)
        session.flush()
        rows = []
        for i in range(args.outcomes):
            kind, category = rng.choice(KINDS)
            when = start + timedelta(seconds=rng.randrange(span))
            rows.append({"package_id": package.id, "org_id": force.id, "reference": f"F/{i:09d}",
                         "body_digest": f"{i:064d}", "kind": kind, "occurred_at": when, "count": rng.randint(1, 3),
                         "category": category, "high_risk": rng.random() < .2, "details": {},
                         "withdrawn_at": when if rng.random() < .05 else None})
        session.execute(insert(Outcome), rows)
    year, decade = Period.financial_year(2025), Period(date(2016, 4, 1), date(2026, 3, 31))
    print(f"{args.reports:,} reports, {args.outcomes:,} outcome records")
    with session_scope(platform.engine) as session:
        for label, period in (("financial year", year), ("ten years", decade)):
            seconds = _median(lambda p=period: headline_figures(session, p), args.repeat)  # type: ignore[misc]
            print(f"headline_figures, {label}: {seconds * 1000:.0f} ms")
        seconds = _median(lambda: records_behind(session, "children_safeguarded", year), args.repeat)
        print(f"records_behind children_safeguarded, financial year (at most 5,000): {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
