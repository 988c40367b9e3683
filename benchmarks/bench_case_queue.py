"""Case queue speed: one page of the queue over a large store of cases (SQLite).

    .venv/bin/python benchmarks/bench_case_queue.py [--cases 200000] [--repeat 5]

Builds ``--cases`` cases on the migrated schema with bulk ``executemany`` (half of them closed,
bands spread evenly, act-by times from 100 hours ago to 1000 hours ahead, one in a hundred
escalated), then times :func:`jigsaw.casework.queue.case_queue` for the default queue and each
filter and sort, as the page and ``GET /api/v1/cases`` call it. The median of ``--repeat`` runs
is printed per query.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.bootstrap import open_platform
from jigsaw.casework.models import Case
from jigsaw.casework.queue import case_queue, parse_filters
from jigsaw.config import Settings
from jigsaw.db.engine import session_scope

QUERIES: tuple[dict[str, str], ...] = (
    {}, {"band": "P0"}, {"danger": "1"}, {"overdue": "1"}, {"sort": "updated"}, {"sort": "received"},
    {"assignee": "unassigned", "band": "P1"}, {"page": "50"},
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="jigsaw-bench-cases-"))
    platform = open_platform(Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'jigsaw.db'}"))
    rng = random.Random(7)
    now = datetime.now(UTC)
    statuses = ("new", "in_progress", "awaiting_information", "closed", "closed", "closed")
    rows = []
    for i in range(args.cases):
        rank = rng.randrange(4)
        rows.append({"reference": f"CASE-{i:09d}", "status": rng.choice(statuses), "opened_at": now,
                     "updated_at": now - timedelta(minutes=i), "band": f"P{rank}", "band_rank": rank,
                     "due_at": now + timedelta(hours=rng.randint(-100, 1000)), "escalated": rng.random() < .01,
                     "new_information": False})
    with session_scope(platform.engine) as session:
        session.execute(insert(Case), rows)
    principal = Principal(organisation_id=1, organisation_kind=OrgKind.CENTRE, user_id=1, role=Role.ANALYST)
    print(f"{args.cases} cases")
    for query in QUERIES:
        timings = []
        with session_scope(platform.engine) as session:
            case_queue(session, principal, parse_filters(query))  # warm the page cache
            for _ in range(args.repeat):
                started = time.perf_counter()
                case_queue(session, principal, parse_filters(query))
                timings.append((time.perf_counter() - started) * 1000)
        print(f"{str(query) or 'default':45} median {statistics.median(timings):7.1f} ms")
    platform.close()


if __name__ == "__main__":
    main()
