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

Wall-clock rates depend on what else the machine is doing, so CPU time is reported too, per
report and per stage: the parent (``parent_cpu``), of which the writer's own transactions
(``writer_cpu``: duplicate lookup, inserts, audit, and the reactions in e2e mode; the rest is
reading the batch and handing tasks out), and the parsing workers (``workers_cpu``: parse,
validate, encrypt and encode, plus the pool's or Dask's hand-off). Local pool workers are sampled
with psutil (a fork server's grandchildren never reach ``os.times``' children figures); Dask
workers and the scheduler report their own ``os.times``. ``cpu_bound_reports_per_second`` is what
the CPU time allows on this machine's cores when nothing else runs (cores / total CPU per report,
capped by the parent's serial share).

``--scheduler local`` runs each import twice, back to back on fresh data folders: on the local
process pool and on a Dask ``LocalCluster`` of ``--workers`` single-threaded processes, started
once in a process of its own, so the importer is only its client, as with ``jigsaw import
--scheduler tcp://HOST:8786``. ``--scheduler tcp://…`` uses an existing cluster instead.

    .venv/bin/python benchmarks/bench_import.py --reports 10000 --repeat 3
    .venv/bin/python benchmarks/bench_import.py --mode e2e --reports 300 --orm-sample 0
    .venv/bin/python benchmarks/bench_import.py --reports 10000 --orm-sample 0 --scheduler local --repeat 2
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
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil

from jigsaw.audit.service import Actor, verify
from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.db.engine import session_scope
from jigsaw.events import EventBus
from jigsaw.imports import dispatch, service, synthetic
from jigsaw.imports.sources import read_path
from jigsaw.linking import hooks


def _cpu() -> tuple[float, float]:
    """(this process, its finished children) CPU seconds, user + system."""
    times = os.times()
    return times.user + times.system, times.children_user + times.children_system


def _seconds(times: Any) -> float:
    return float(times.user + times.system)


@contextmanager
def _writer_cpu() -> Iterator[list[float]]:
    """CPU seconds of the writer's own thread inside ``_Writer._write`` (the batch transactions)."""
    spent = [0.0]
    original = service._Writer._write

    def timed(self: Any, batch: Any) -> None:
        started = time.thread_time()
        try:
            original(self, batch)
        finally:
            spent[0] += time.thread_time() - started

    service._Writer._write = timed
    try:
        yield spent
    finally:
        service._Writer._write = original


class _PoolWorkersCpu:
    """CPU of this process's descendants (the pool's workers), sampled until stopped.

    Processes in ``exclude`` (the Dask cluster's, when one runs beside) are not counted.
    """

    def __init__(self, exclude: set[int]) -> None:
        self.exclude = exclude
        self.last: dict[int, float] = {}
        self.start: dict[int, float] = self._sample()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _sample(self) -> dict[int, float]:
        out = {}
        for child in psutil.Process().children(recursive=True):
            if child.pid in self.exclude:
                continue
            with suppress(psutil.Error):
                out[child.pid] = _seconds(child.cpu_times())
        return out

    def _poll(self) -> None:
        while not self.done.wait(0.05):
            self.last.update(self._sample())

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        self.last.update(self._sample())
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self.last.items())


def _pg_backends_cpu(engine: Any) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends connected to the benchmark's database, by pid.

    The server's shared processes (WAL writer, checkpointer, autovacuum) serve every database
    on the server and are not counted.
    """
    from sqlalchemy import text

    with engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
        out = {}
        for pid in pids:
            with suppress(psutil.Error):
                out[pid] = _seconds(psutil.Process(pid).cpu_times())
    return out


def _cluster_cpu(cluster: dispatch.DaskCluster) -> tuple[float, float]:
    """(workers, scheduler) CPU seconds so far, as each Dask process reports its own."""
    workers = sum(_seconds(t) for t in cluster.client.run(os.times).values())
    return workers, _seconds(cluster.client.run_on_scheduler(os.times))


def run(reports: int, workers: int | None, orm_sample: int, batch_size: int, mode: str,
        linking: str = "batch", pg: str | None = None, cluster: dispatch.DaskCluster | None = None,
        exclude: set[int] | None = None) -> dict[str, object]:
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
        options = service.ImportOptions(org_id, org_name, actor, workers=workers, batch_size=batch_size,
                                        cluster=cluster)
        pool_cpu = None if cluster else _PoolWorkersCpu(exclude or set())
        cluster0 = _cluster_cpu(cluster) if cluster else (0.0, 0.0)
        pg0 = _pg_backends_cpu(platform.engine) if pg else {}
        parent0, _ = _cpu()
        started = time.perf_counter()
        docs = list(read_path(batch, (".xml",)))
        # The reference for the set-based batch (issue 14): link each stored report in turn.
        with hooks.one_report_at_a_time() if linking == "per-report" else nullcontext(), _writer_cpu() as writer:
            summary = service.import_cybertip(platform.engine, docs, options)
        elapsed = time.perf_counter() - started
        parent1, _ = _cpu()
        pg_cpu = sum(cpu - pg0.get(pid, 0.0) for pid, cpu in _pg_backends_cpu(platform.engine).items()) if pg else 0.0
        if cluster:
            cluster1 = _cluster_cpu(cluster)
            workers_cpu, scheduler_cpu = cluster1[0] - cluster0[0], cluster1[1] - cluster0[1]
        else:
            assert pool_cpu is not None
            workers_cpu, scheduler_cpu = pool_cpu.stop(), 0.0
        assert summary.imported == reports and not summary.errors, summary.errors[:3]
        started = time.perf_counter()
        again = service.import_cybertip(platform.engine, list(read_path(batch, (".xml",))), options)
        reimport = time.perf_counter() - started
        assert again.imported == 0 and len(again.duplicates) == reports
        with session_scope(platform.engine) as session:
            assert verify(session).ok
        cores = os.cpu_count() or 1
        parent_ms = (parent1 - parent0) / reports * 1000
        writer_ms = writer[0] / reports * 1000
        workers_ms = workers_cpu / reports * 1000
        scheduler_ms = scheduler_cpu / reports * 1000
        total_ms = parent_ms + workers_ms + scheduler_ms
        result: dict[str, object] = {
            "mode": mode, "linking": linking, "database": "postgresql" if pg else "sqlite",
            "dispatch": "cluster" if cluster else "pool",
            "reports": reports, "cpus": cores, "workers": cluster.threads if cluster else (workers or cores),
            "batch_size": batch_size, "seconds": round(elapsed, 2), "reports_per_second": round(reports / elapsed),
            "parent_cpu_ms_per_report": round(parent_ms, 3), "writer_cpu_ms_per_report": round(writer_ms, 3),
            "parent_other_cpu_ms_per_report": round(parent_ms - writer_ms, 3),
            "workers_cpu_ms_per_report": round(workers_ms, 3), "scheduler_cpu_ms_per_report": round(scheduler_ms, 3),
            "postgresql_backends_cpu_ms_per_report": round(pg_cpu / reports * 1000, 3),
            "cpu_bound_reports_per_second": round(min(cores * 1000 / total_ms, 1000 / parent_ms)),
            "reimport_seconds": round(reimport, 2), "reimport_reports_per_second": round(reports / reimport),
            "load_average_1m": round(os.getloadavg()[0], 2),
            # Peak resident memory so far (Linux: KiB): this process, and its largest finished child.
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "peak_child_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        }
        if orm_sample:
            sample = synthetic.documents(2_000_000, orm_sample)
            orm_batch = synthetic.write_directory(root / "orm", sample)
            orm_options = replace(options, orm=True)
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


def _serve_cluster(workers: int) -> None:
    """The ``--serve-cluster`` child: a LocalCluster whose address goes to stdout, until stdin closes."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        print(cluster.scheduler_address, flush=True)
        sys.stdin.read()


@contextmanager
def _cluster(scheduler: str | None, workers: int) -> Iterator[tuple[dispatch.DaskCluster | None, set[int]]]:
    """The cluster to compare with (and the pids that are its own), or none."""
    if scheduler is None:
        yield None, set()
        return
    if scheduler != "local":
        with dispatch.connect_cluster(scheduler) as cluster:
            yield cluster, set()
        return
    child = subprocess.Popen([sys.executable, __file__, "--serve-cluster", str(workers)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert child.stdout is not None
        address = child.stdout.readline().strip()
        own = {child.pid, *(p.pid for p in psutil.Process(child.pid).children(recursive=True))}
        with dispatch.connect_cluster(address) as cluster:
            yield cluster, own
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=60)


def main() -> None:
    if sys.argv[1:2] == ["--serve-cluster"]:
        _serve_cluster(int(sys.argv[2]))
        return
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
    parser.add_argument("--scheduler", default=None,
                        help="also import through a Dask cluster, side by side with the local pool: 'local' (a "
                             "LocalCluster of --workers processes, started here) or a scheduler address")
    parser.add_argument("--against", type=Path, default=None, metavar="TREE",
                        help="also run this benchmark from another checkout (e.g. a git worktree of main), "
                             "alternately with this one, same arguments: old and new side by side in one run")
    args = parser.parse_args()
    runs = []
    kinds = ("per-report", "batch") if args.linking == "both" else (args.linking,)
    with _cluster(args.scheduler, args.workers or os.cpu_count() or 1) as (cluster, own):
        if cluster:
            # The fork server imports the parsers once per importing process (about a CPU-second):
            # started before the runs, so the pool's figures are its per-import costs, as the
            # cluster's are (its workers were started before too).
            with dispatch.WorkerPool(2, dispatch.PARALLEL_THRESHOLD) as warm:
                list(warm.map(abs, range(dispatch.PARALLEL_THRESHOLD)))
        dispatches: list[dispatch.DaskCluster | None] = [None, cluster] if cluster else [None]
        for number in range(args.repeat):
            if args.against is not None:
                if args.pg:
                    _reset_pg(args.pg)
                runs.extend(_run_tree(args.against, args, number))
            for kind in kinds:
                # alternate which goes first, so neither always meets the machine in the same state
                for on in dispatches if number % 2 == 0 else dispatches[::-1]:
                    if args.pg:
                        _reset_pg(args.pg)
                    runs.append(run(args.reports, args.workers, args.orm_sample if number == 0 else 0,
                                    args.batch_size, args.mode, kind, args.pg, on, own))
                    runs[-1]["tree"] = "this"
                    print(json.dumps(runs[-1]), flush=True)
    keys = ("reports_per_second", "parent_cpu_ms_per_report", "workers_cpu_ms_per_report",
            "cpu_bound_reports_per_second", "reimport_reports_per_second")
    groups: dict[tuple[str, str, str], list[dict[str, object]]] = {}
    for r in runs:
        groups.setdefault((str(r["tree"]), str(r["linking"]), str(r.get("dispatch", "pool"))), []).append(r)
    medians = {}
    for (tree, kind, where), mine in groups.items():
        medians[(tree, kind, where)] = {k: statistics.median(float(str(r[k])) for r in mine if k in r) for k in keys
                                        if any(k in r for r in mine)}
        print(json.dumps({"tree": tree, "linking": kind, "dispatch": where, "runs": len(mine),
                          **{f"median_{k}": v for k, v in medians[(tree, kind, where)].items()}}))
    if args.against is not None and ("this", kinds[-1], "pool") in medians:
        old = next(v for (tree, _, _), v in medians.items() if tree != "this")
        new = medians[("this", kinds[-1], "pool")]
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
