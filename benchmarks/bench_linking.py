"""Linking benchmark: per-report incremental linking and bulk rebuild on a large synthetic store,
beside a naive MISP-style pairwise correlation baseline.

    .venv/bin/python benchmarks/bench_linking.py --reports 1000000 --observations 5000000

What is measured (honestly):
* the store is a real SQLite database migrated by Jigsaw, filled with bulk inserts (synthetic
  rows; identifier values are one constant ciphertext since joins go through ids; blind indexes
  are unique placeholders). ``link_identifiers`` is pre-filled as after live operation: every
  identifier classified when first seen, with its true distinct-subject count (``link_report``
  keeps that count current), so the rebuild does not re-decrypt millions of values.
  ``link_subjects`` and ``link_media`` start empty, so the first rebuild writes all of them;
* ``rebuild``: everything from ``jigsaw.linking.rebuild.rebuild`` (load, media groups with PDQ
  range search, caps, components, Leiden communities, write-back), in one transaction, run
  ``--rebuilds`` times: the first from the empty link tables ("cold"), later ones over a store
  whose links are already current ("steady", what an operator's rebuild usually meets);
  wall-clock and process CPU time are both printed (SQLite runs in-process, so CPU time covers
  the database work too and is less disturbed by other jobs on a shared machine);
* incremental: ``submit_report`` of a fresh report (timed apart) then ``link_report`` (timed), on
  the full store, each in its own committed transaction; wall-clock and thread CPU time;
* baseline: a pairwise correlation table (one row per pair of attributes sharing a value, as
  MISP's ``correlations`` table before its over-correlation limits) built attribute by attribute,
  with networks found by BFS over it, against Jigsaw's in-memory algorithm on the same data.
  The baseline data adds CGNAT-like hubs (``--hub-values`` values, each held by
  ``--hub-holders`` subjects) to the usual sharing profile, because hubs are what make a
  pairwise table grow as n².

Reuse a store between runs with ``--dir DIR`` (built there when ``DIR/jigsaw.db`` is missing);
``--skip`` leaves out phases (``rebuild``, ``incremental``, ``baseline``).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from array import array
from collections import defaultdict
from pathlib import Path

import numpy as np

from jigsaw.audit.service import Actor
from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.db.engine import session_scope
from jigsaw.intake.domain import IdentifierDraft, MediaDraft, ReportDraft, SubjectDraft
from jigsaw.intake.service import submit_report
from jigsaw.linking import hooks
from jigsaw.linking.actions import link_report
from jigsaw.linking.incremental import MemoryStore, Touched, add_subjects
from jigsaw.linking.rebuild import rebuild
from jigsaw.linking.rules import LinkingConfig

ACTOR = Actor("bench")
TS = "2026-01-01 00:00:00.000000"


def synth(n_reports: int, n_obs: int, media_ratio: float, seed: int = 1, hub_values: int = 0,
          hub_holders: int = 0) -> dict[str, np.ndarray]:
    """Subjects, identifier memberships and media with realistic sharing (mostly unique values,
    a long tail of shared ones, and a few hubs far over the fan-out cap).

    ``hub_values``/``hub_holders`` add heavy hubs on top (CGNAT-like addresses held by thousands
    of unrelated subjects): each of ``hub_values`` values is observed for ``hub_holders`` random
    subjects (replacing that many of the unique observations, so the total stays ``n_obs``).
    """
    rng = np.random.default_rng(seed)
    n_subj = int(n_reports * 1.2)
    subj_report = np.concatenate([np.arange(n_reports), rng.integers(0, n_reports, n_subj - n_reports)])
    subj_report.sort()
    obs_subject = rng.integers(0, n_subj, n_obs)
    obs_subject.sort()
    kind = rng.random(n_obs)
    n_pool = n_reports // 4
    ident = np.empty(n_obs, np.int64)
    fresh = kind >= 0.06
    ident[fresh] = np.arange(int(fresh.sum()))
    n_fresh = int(fresh.sum())
    shared = (kind < 0.06) & (kind >= 0.0005)
    ident[shared] = n_fresh + rng.integers(0, n_pool, int(shared.sum()))
    hubs = kind < 0.0005
    ident[hubs] = n_fresh + n_pool + rng.integers(0, 50, int(hubs.sum()))  # ~50 values with ~50 holders each
    n_ident = n_fresh + n_pool + 50
    if hub_values and hub_holders:
        rows = rng.choice(np.nonzero(fresh)[0], min(hub_values * hub_holders, int(fresh.sum())), replace=False)
        ident[rows] = n_ident + np.arange(len(rows)) % hub_values
        n_ident += hub_values
    n_media = int(n_reports * media_ratio)
    media_report = rng.integers(0, n_reports, n_media)
    media_report.sort()
    base = rng.integers(0, 256, (n_media, 32), dtype=np.uint8)
    near = rng.random(n_media) < 0.05  # 5% re-sightings of an earlier image, a few bits flipped
    src = rng.integers(0, max(n_media, 1), n_media)
    base[near] = base[src[near]]
    flips = rng.integers(0, 256, (int(near.sum()), 4))
    rows = np.nonzero(near)[0]
    for j in range(4):
        base[rows, flips[:, j] // 8] ^= (1 << (flips[:, j] % 8)).astype(np.uint8)
    return {"subj_report": subj_report, "obs_subject": obs_subject, "obs_ident": ident, "n_ident": np.asarray(n_ident),
            "media_report": media_report, "media_pdq": base}


def build_store(path: Path, data: dict[str, np.ndarray]) -> Settings:
    settings = Settings(data_dir=path, database_url=f"sqlite:///{path / 'jigsaw.db'}")
    cipher = open_platform(settings).cipher
    summary = cipher.encrypt("synthetic benchmark report", "reports.summary")
    value = cipher.encrypt("synthetic@bench.invalid", "identifiers.value")
    n_reports = int(data["subj_report"].max()) + 1
    conn = sqlite3.connect(path / "jigsaw.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    t = time.perf_counter()
    conn.executemany(
        "INSERT INTO reports (id, reference, source, channel, received_at, incident_type, summary, status, "
        "annotations, source_data) VALUES (?, ?, 'platform', 'import', ?, 'indecent_images', ?, 'new', '[]', '{}')",
        ((i + 1, f"B-{i:09d}", TS, summary) for i in range(n_reports)))
    conn.executemany("INSERT INTO subjects (id, report_id, role) VALUES (?, ?, 'suspect')",
                     ((i + 1, int(r) + 1) for i, r in enumerate(data["subj_report"].tolist())))
    conn.executemany("INSERT INTO identifiers (id, type, blind_index, value, first_seen_at) "
                     "VALUES (?, 'email', ?, ?, ?)",
                     ((i + 1, f"bench{i}", value, TS) for i in range(int(data["n_ident"]))))
    subj_report = data["subj_report"]
    conn.executemany(
        "INSERT INTO observations (id, identifier_id, report_id, subject_id, role) VALUES (?, ?, ?, ?, 'suspect')",
        ((k + 1, int(i) + 1, int(subj_report[s]) + 1, int(s) + 1) for k, (s, i) in
         enumerate(zip(data["obs_subject"].tolist(), data["obs_ident"].tolist(), strict=True))))
    pdq_hex = [row.tobytes().hex() for row in data["media_pdq"]]
    first_subject = np.searchsorted(subj_report, data["media_report"])
    conn.executemany(
        "INSERT INTO media (id, report_id, subject_id, sha256, pdq, annotations, created_at) "
        "VALUES (?, ?, ?, ?, ?, '{}', ?)",
        ((k + 1, int(r) + 1, int(s) + 1, f"{k:064x}", h, TS) for k, (r, s, h) in
         enumerate(zip(data["media_report"].tolist(), first_subject.tolist(), pdq_hex, strict=True))))
    # As after live operation: every identifier was classified once, when first seen, and
    # link_report has kept its distinct-subject count current since.
    pairs = np.unique((data["obs_ident"] << 32) | data["obs_subject"])
    counts = np.bincount((pairs >> 32).astype(np.int64), minlength=int(data["n_ident"]))
    conn.executemany("INSERT INTO link_identifiers (identifier_id, subject_count, shared_reason) VALUES (?, ?, NULL)",
                     ((i + 1, c) for i, c in enumerate(counts.tolist())))
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    print(f"store built in {time.perf_counter() - t:.1f} s: {n_reports:,} reports, {len(subj_report):,} subjects, "
          f"{len(data['obs_subject']):,} observations, {int(data['n_ident']):,} identifiers, "
          f"{len(data['media_report']):,} media")
    return settings


def fresh_report(rng: random.Random, n_ident: int) -> ReportDraft:
    """A report naming one suspect with five identifiers (two of them already in the store) and one image."""
    idents = [IdentifierDraft("email", f"new{rng.getrandbits(48)}@mail.invalid") for _ in range(3)]
    idents += [IdentifierDraft("username", f"user{rng.getrandbits(40)}", platform="bench") for _ in range(2)]
    return ReportDraft(source="platform", incident_type="indecent_images", summary="synthetic",
                       subjects=(SubjectDraft(role="suspect", identifiers=tuple(idents)),),
                       media=(MediaDraft(pdq=f"{rng.getrandbits(256):064x}", subject_index=0),))


def bench_incremental(settings: Settings, n: int) -> dict[str, float]:
    platform = open_platform(settings)
    rng = random.Random(5)
    submit_t, link_t, link_cpu = [], [], []
    config = LinkingConfig()
    with session_scope(platform.engine) as session, hooks.paused():  # warm the media PDQ index and numba
        rid = submit_report(session, fresh_report(rng, 0), ACTOR).report.id
        link_report(session, rid, ACTOR, config=config)
    for _ in range(n):
        with session_scope(platform.engine) as session:
            t0 = time.perf_counter()
            with hooks.paused():  # linked by hand below, timed apart
                report = submit_report(session, fresh_report(rng, 0), ACTOR).report
            c1, t1 = time.thread_time(), time.perf_counter()
            link_report(session, report.id, ACTOR, config=config)
            t2, c2 = time.perf_counter(), time.thread_time()
        submit_t.append(t1 - t0)
        link_t.append(t2 - t1)
        link_cpu.append(c2 - c1)
    link_ms = sorted(x * 1000 for x in link_t)
    cpu_ms = sorted(x * 1000 for x in link_cpu)
    return {"link_median_ms": statistics.median(link_ms), "link_p95_ms": link_ms[int(0.95 * (n - 1))],
            "link_max_ms": link_ms[-1], "link_cpu_median_ms": statistics.median(cpu_ms),
            "link_cpu_p95_ms": cpu_ms[int(0.95 * (n - 1))], "submit_median_ms": statistics.median(submit_t) * 1000}


def bench_rebuild(settings: Settings) -> dict[str, float]:
    platform = open_platform(settings)
    cpu = time.process_time()
    t = time.perf_counter()
    with session_scope(platform.engine) as session:
        result = rebuild(session, ACTOR, config=LinkingConfig())
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"rebuild: {result.subjects:,} subjects, {result.networks:,} networks, {result.media:,} media; "
          f"with commit {wall:.1f} s wall, {cpu:.1f} s CPU (process)")
    return result.seconds


def bench_baseline(n_reports: int, hub_values: int, hub_holders: int, seed: int = 3) -> None:
    """Pairwise correlation (MISP-style) vs Jigsaw's key-membership union-find, same data, in memory.

    Correlation rows are kept in two ``array('q')`` columns (16 bytes a row) rather than a list
    of tuples, so that tens of millions of rows fit in memory; that favours the baseline.
    """
    data = synth(n_reports, n_reports * 5, 0.0, seed, hub_values, hub_holders)
    subjects = data["obs_subject"].tolist()
    idents = data["obs_ident"].tolist()
    # Baseline: every new attribute correlates with every earlier attribute of the same value.
    t = time.perf_counter()
    by_value: dict[int, list[int]] = defaultdict(list)
    corr_a, corr_b = array("q"), array("q")
    for s, v in zip(subjects, idents, strict=True):
        earlier = by_value[v]
        if earlier:
            others = [o for o in earlier if o != s]
            corr_a.extend(others)
            corr_b.extend([s] * len(others))
        earlier.append(s)
    n_corr = len(corr_a)
    adjacency: dict[int, list[int]] = defaultdict(list)
    for a, b in zip(corr_a, corr_b, strict=True):
        adjacency[a].append(b)
        adjacency[b].append(a)
    seen: set[int] = set()
    for start in range(int(data["obs_subject"].max()) + 1):
        if start in seen:
            continue
        stack = [start]
        seen.add(start)
        while stack:
            x = stack.pop()
            for y in adjacency.get(x, ()):
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
    naive = time.perf_counter() - t
    del adjacency, corr_a, corr_b
    # Jigsaw: subject->key memberships, incremental union-find with the fan-out cap.
    t = time.perf_counter()
    store = MemoryStore()
    config = LinkingConfig()
    report_of = data["subj_report"]
    current = -1
    batch: list[int] = []
    touched: dict[tuple[str, int], int] = {}
    order = np.argsort(report_of[data["obs_subject"]], kind="stable")
    for k in order.tolist():
        s, v = subjects[k], idents[k]
        r = int(report_of[s])
        if r != current and batch:
            add_subjects(store, batch, [Touched(key, (b,)) for key, b in touched.items()], config)
            batch, touched = [], {}
        current = r
        key = ("i", v)
        touched.setdefault(key, len(store.key_holders.get(key, ())))  # a count, not a copy
        store.hold(s, key)
        if s not in batch:
            batch.append(s)
    if batch:
        add_subjects(store, batch, [Touched(key, (b,)) for key, b in touched.items()], config)
    ours = time.perf_counter() - t
    print(f"baseline n={n_reports:,} reports / {len(subjects):,} attributes, {hub_values} hubs x {hub_holders:,} "
          f"holders: pairwise correlation {n_corr:,} rows, {naive:.2f} s; Jigsaw memberships {len(subjects):,} rows, "
          f"{ours:.2f} s (incremental, in memory, with caps); rows {n_corr / len(subjects):.1f}x, "
          f"time {naive / ours:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--observations", type=int, default=5_000_000)
    parser.add_argument("--media-ratio", type=float, default=0.2, help="PDQ-hashed media per report")
    parser.add_argument("--incremental", type=int, default=200, help="reports linked one by one")
    parser.add_argument("--rebuilds", type=int, default=2, help="rebuilds in a row (cold, then steady)")
    parser.add_argument("--baseline-reports", type=int, default=100_000)
    parser.add_argument("--hub-values", type=int, default=10, help="CGNAT-like hub values in the baseline data")
    parser.add_argument("--hub-holders", type=int, default=2_000, help="subjects holding each hub value")
    parser.add_argument("--dir", type=Path, default=None, help="store directory, reused if it holds jigsaw.db")
    parser.add_argument("--skip", action="append", default=[], choices=["rebuild", "incremental", "baseline"])
    args = parser.parse_args()
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="jigsaw-bench-linking-"))
    if not {"rebuild", "incremental"} <= set(args.skip):
        if (workdir / "jigsaw.db").exists():
            settings = Settings(data_dir=workdir, database_url=f"sqlite:///{workdir / 'jigsaw.db'}")
            print(f"reusing the store in {workdir}")
        else:
            workdir.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            data = synth(args.reports, args.observations, args.media_ratio)
            print(f"synthetic data in {time.perf_counter() - t:.1f} s")
            settings = build_store(workdir, data)
        for _ in range(args.rebuilds if "rebuild" not in args.skip else 0):
            seconds = bench_rebuild(settings)
            print("rebuild seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in seconds.items()))
        if "incremental" not in args.skip:
            inc = bench_incremental(settings, args.incremental)
            print("incremental per report: " + ", ".join(f"{k} {v:.2f}" for k, v in inc.items()))
    if "baseline" not in args.skip:
        bench_baseline(args.baseline_reports, args.hub_values, args.hub_holders)


if __name__ == "__main__":
    main()
