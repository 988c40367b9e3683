"""The product path (linking, triage, case work, alerts) over a growing store: one data folder,
synthetic CyberTipline referrals imported ``--step`` at a time up to ``--reports``, with the rate,
the parent's CPU per report and peak memory after each step. Shows how the cost per report moves
as the store fills (for extrapolating a 1M-report import from a shorter run).

    .venv/bin/python benchmarks/bench_import_scale.py --reports 100000 --step 10000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from jigsaw.audit.service import Actor
from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.db.engine import session_scope
from jigsaw.imports import service, synthetic
from jigsaw.imports.sources import read_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--step", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=service.BATCH_SIZE)
    parser.add_argument("--pg", default=None, help="an empty PostgreSQL database URL instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = args.pg or f"sqlite:///{root / 'data/j.db'}"
        platform = open_platform(Settings(data_dir=root / "data", database_url=url))
        actor = Actor("bench")
        with session_scope(platform.engine) as session:
            org_id, org_name = service.resolve_organisation(session, actor, None, "cybertip")
        options = service.ImportOptions(org_id, org_name, actor, batch_size=args.batch_size)
        total_wall = total_cpu = 0.0
        for start in range(0, args.reports, args.step):
            count = min(args.step, args.reports - start)
            folder = synthetic.write_directory(root / f"batch{start}", synthetic.documents(1_000_000 + start, count))
            cpu0, wall0 = time.process_time(), time.perf_counter()
            summary = service.import_cybertip(platform.engine, list(read_path(folder, (".xml",))), options)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            assert summary.imported == count and not summary.errors, summary.errors[:3]
            shutil.rmtree(folder)  # a million referrals' files would fill a small disk
            total_wall += wall
            total_cpu += cpu
            print(json.dumps({
                "stored": start + count, "step_reports_per_second": round(count / wall),
                "step_parent_cpu_ms_per_report": round(cpu / count * 1000, 3),
                "total_seconds": round(total_wall, 1), "total_reports_per_second": round((start + count) / total_wall),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "load_average_1m": round(os.getloadavg()[0], 2)}), flush=True)


if __name__ == "__main__":
    main()
