"""Bulk CyberTipline import into a fresh SQLite data folder: reports per second, wall and CPU.

Generates N typical synthetic platform reports (one <report> and one <fileDetails> each:
suspect with email, phone, ESP id, screen name and two IP captures; one file with MD5 and
SHA-1 and an industry classification), writes them as a directory batch, then times
``jigsaw.imports.service.import_cybertip`` end to end (reading, parsing, validation,
encryption, inserts, audit), and a re-import (all duplicates). ``--orm-sample`` also times
the per-report ``intake.service.submit_report`` path on a sample for comparison.

Two modes, because the platform reacts to every stored report (``jigsaw.events``):

* ``--mode import``: the import alone. the platform gets an empty event bus
  after the platform is opened, so linking and triage do not run (the reports are stored
  unlinked and unscored, as after ``linking.hooks.paused()``).
* ``--mode e2e``: the real product path, with the capabilities' event handlers in place:
  linking and triage run for each report inside the import's batch transaction.

Wall-clock rates depend on what else the machine is doing, so CPU time is reported too:
the parent (which only writes) and the parsing workers, per report. ``cpu_bound_reports_per_
second`` is what the CPU time allows on this machine's cores when nothing else runs
(cores / total CPU per report, capped by the parent's serial share).

    .venv/bin/python benchmarks/bench_import.py --reports 10000 --repeat 3
    .venv/bin/python benchmarks/bench_import.py --mode e2e --reports 300 --orm-sample 0
    # old and new side by side, alternately, in one run (TREE: e.g. `git worktree add TREE main`)
    .venv/bin/python benchmarks/bench_import.py --mode e2e --reports 20000 --orm-sample 0 --against TREE
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from jigsaw.audit.service import Actor, verify
from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.db.engine import session_scope
from jigsaw.events import EventBus
from jigsaw.imports import service, synthetic
from jigsaw.imports.sources import read_path
from jigsaw.linking import hooks


def _cpu() -> tuple[float, float]:
    """(this process, its finished children) CPU seconds, user + system."""
    times = os.times()
    return times.user + times.system, times.children_user + times.children_system


def run(reports: int, workers: int | None, orm_sample: int, batch_size: int, mode: str,
        linking: str = "batch", pg: str | None = None) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        batch = synthetic.write_directory(root / "batch", synthetic.documents(1_000_000, reports))
        url = pg or f"sqlite:///{root / 'data/j.db'}"
        platform = open_platform(Settings(data_dir=root / "data", database_url=url))
        if mode == "import":
            platform.events = EventBus()  # the import alone: no linking or triage reactions
        actor = Actor("bench")
        with session_scope(platform.engine) as session:
            org_id, org_name = service.resolve_organisation(session, actor, None, "cybertip")
        options = service.ImportOptions(org_id, org_name, actor, workers=workers, batch_size=batch_size)
        parent0, children0 = _cpu()
        started = time.perf_counter()
        docs = list(read_path(batch, (".xml",)))
        # The reference for the set-based batch (issue 14): link each stored report in turn.
        with hooks.one_report_at_a_time() if linking == "per-report" else nullcontext():
            summary = service.import_cybertip(platform.engine, docs, options)
        elapsed = time.perf_counter() - started
        parent1, children1 = _cpu()
        assert summary.imported == reports and not summary.errors, summary.errors[:3]
        started = time.perf_counter()
        again = service.import_cybertip(platform.engine, list(read_path(batch, (".xml",))), options)
        reimport = time.perf_counter() - started
        assert again.imported == 0 and len(again.duplicates) == reports
        with session_scope(platform.engine) as session:
            assert verify(session).ok
        cores = os.cpu_count() or 1
        parent_ms = (parent1 - parent0) / reports * 1000
        workers_ms = (children1 - children0) / reports * 1000
        result: dict[str, object] = {
            "mode": mode, "linking": linking, "database": "postgresql" if pg else "sqlite",
            "reports": reports, "cpus": cores, "workers": workers or cores, "batch_size": batch_size,
            "seconds": round(elapsed, 2), "reports_per_second": round(reports / elapsed),
            "parent_cpu_ms_per_report": round(parent_ms, 3), "workers_cpu_ms_per_report": round(workers_ms, 3),
            "cpu_bound_reports_per_second": round(min(cores * 1000 / (parent_ms + workers_ms), 1000 / parent_ms)),
            "reimport_seconds": round(reimport, 2), "reimport_reports_per_second": round(reports / reimport),
            "load_average_1m": round(os.getloadavg()[0], 2),
            # Peak resident memory so far (Linux: KiB): this process, and its largest finished child.
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "peak_child_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        }
        if orm_sample:
            sample = synthetic.documents(2_000_000, orm_sample)
            orm_batch = synthetic.write_directory(root / "orm", sample)
            orm_options = service.ImportOptions(org_id, org_name, actor, workers=workers, orm=True)
            started = time.perf_counter()
            orm = service.import_cybertip(platform.engine, list(read_path(orm_batch, (".xml",))), orm_options)
            orm_elapsed = time.perf_counter() - started
            assert orm.imported == orm_sample
            result["orm_reports_per_second"] = round(orm_sample / orm_elapsed)
        return result


def _reset_pg(url: str) -> None:
    """Drop everything in the benchmark's PostgreSQL database (it must be one made for this)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--mode", choices=("import", "e2e"), default="import",
                        help="import: reactions cleared (the import alone); e2e: linking and triage installed")
    parser.add_argument("--workers", type=int, default=None, help="parsing processes (default: one per CPU)")
    parser.add_argument("--batch-size", type=int, default=service.ImportOptions.batch_size)
    parser.add_argument("--orm-sample", type=int, default=1000, help="reports for the per-report ORM comparison")
    parser.add_argument("--repeat", type=int, default=1, help="runs, each on a fresh data folder")
    parser.add_argument("--linking", choices=("batch", "per-report", "both"), default="batch",
                        help="e2e: set-based batch linking, each report in turn (before issue 14), or both "
                             "alternately in the same run")
    parser.add_argument("--pg", default=None, help="an empty PostgreSQL database URL instead of SQLite")
    parser.add_argument("--against", type=Path, default=None, metavar="TREE",
                        help="also run this benchmark from another checkout (e.g. a git worktree of main), "
                             "alternately with this one, same arguments: old and new side by side in one run")
    args = parser.parse_args()
    runs = []
    kinds = ("per-report", "batch") if args.linking == "both" else (args.linking,)
    for number in range(args.repeat):
        if args.against is not None:
            if args.pg:
                _reset_pg(args.pg)
            runs.extend(_run_tree(args.against, args, number))
        for kind in kinds:
            if args.pg:
                _reset_pg(args.pg)
            runs.append(run(args.reports, args.workers, args.orm_sample if number == 0 else 0, args.batch_size,
                            args.mode, kind, args.pg))
            runs[-1]["tree"] = "this"
            print(json.dumps(runs[-1]), flush=True)
    keys = ("reports_per_second", "parent_cpu_ms_per_report", "workers_cpu_ms_per_report",
            "cpu_bound_reports_per_second", "reimport_reports_per_second")
    medians = {}
    for tree in dict.fromkeys(str(r["tree"]) for r in runs):
        for kind in kinds:
            mine = [r for r in runs if r["linking"] == kind and r["tree"] == tree]
            if mine:
                medians[(tree, kind)] = {k: statistics.median(float(str(r[k])) for r in mine) for k in keys}
                print(json.dumps({"tree": tree, "linking": kind, "runs": len(mine),
                                  **{f"median_{k}": v for k, v in medians[(tree, kind)].items()}}))
    if args.against is not None and ("this", kinds[-1]) in medians:
        old = next(v for (tree, _), v in medians.items() if tree != "this")
        new = medians[("this", kinds[-1])]
        print(json.dumps({"ratio_reports_per_second": round(new["reports_per_second"] / old["reports_per_second"], 2),
                          "ratio_parent_cpu": round(old["parent_cpu_ms_per_report"]
                                                    / new["parent_cpu_ms_per_report"], 2),
                          "load_average_1m": round(os.getloadavg()[0], 2)}))


def _run_tree(tree: Path, args: argparse.Namespace, number: int) -> list[dict[str, object]]:
    """This benchmark from ``tree``'s own sources and script (its code as it was), one repeat."""
    command = [sys.executable, str(tree / "benchmarks" / "bench_import.py"), "--reports", str(args.reports),
               "--mode", args.mode, "--batch-size", str(args.batch_size),
               "--orm-sample", str(args.orm_sample if number == 0 else 0)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.pg:
        command += ["--pg", args.pg]
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    out = []
    for line in done.stdout.splitlines():
        if line.startswith("{") and '"reports_per_second"' in line:
            result = json.loads(line)
            result["tree"] = str(tree)
            print(json.dumps(result), flush=True)
            out.append(result)
    return out


if __name__ == "__main__":
    main()
