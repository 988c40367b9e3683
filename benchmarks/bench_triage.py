"""Triage speed: scoring and persisting a new report on a large store (SQLite).

    .venv/bin/python benchmarks/bench_triage.py [--reports 1000000] [--new 300] [--bank 100000]
        [--store FOLDER] [--profile FILE]

Builds a store in a temporary folder with ``--reports`` existing reports, each with a suspect, an
identifier observation (one identifier in 20 shared by two reports, so linking has work to do), a
media record, a triage assessment and a queue row; plus a hash bank of ``--bank`` MD5 entries.
Rows go in with bulk ``executemany`` on the migrated schema (encrypted columns get one real
ciphertext, reused), so the indexes are the real ones.

Then ``--new`` reports are submitted through intake (``submit_report``, one transaction each)
with triage subscribed, and the triage handler itself (bank matching of the media, gathering
inputs, scoring, explanation, appending the assessment, moving the queue row, re-scoring any
linked report) is timed separately from the whole submission. A third of the new reports share
a suspect identifier with an existing report, a third carry a bank-matching hash.

Both wall time and CPU time (``time.process_time``) of the handler are reported: the machine
is shared, and CPU time is the steadier figure (SQLite runs in this process, so its work is
counted; waiting for the disk or for other processes is not).
"""

from __future__ import annotations

import argparse
import cProfile
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from jigsaw.audit.service import Actor
from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.db.engine import session_factory
from jigsaw.events import EventBus, ReportStored
from jigsaw.identifiers import normalise
from jigsaw.intake.domain import IdentifierDraft, MediaDraft, ReportDraft, SubjectDraft
from jigsaw.intake.models import Report
from jigsaw.intake.service import submit_report
from jigsaw.security.fieldcrypt import FieldCipher, encode_json
from jigsaw.triage.assess import on_report_stored
from jigsaw.triage.inputs import linked_reports
from jigsaw.triage.queries import triage_queue

BATCH = 50_000


def md5_of(i: int) -> str:
    return f"{i:032x}"


def build(engine_url: str, n: int, bank: int, cipher: FieldCipher) -> None:
    """Bulk-load the store with raw executemany (fast) on the migrated schema."""
    import sqlite3

    path = engine_url.removeprefix("sqlite:///")
    summary = cipher.encrypt("Synthetic benchmark report.", "reports.summary")
    source_data = cipher.encrypt(encode_json({}), "reports.source_data")
    media_annotations = cipher.encrypt(encode_json({}), "media.annotations")
    title = cipher.encrypt("Identify and locate suspect", "lines_of_enquiry.title")
    now = datetime.now(UTC)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    cur = con.cursor()
    cur.execute("INSERT INTO banks (id, name, description, source, created_at, enabled, pdq_threshold) "
                "VALUES (1, 'BENCH', '', '', ?, 1, 31)", (now.isoformat(),))
    for start in range(0, bank, BATCH):
        cur.executemany(
            "INSERT INTO bank_entries (id, bank_id, signal_type, value, uk_category, vics_category, tags, created_at) "
            "VALUES (?, 1, 'md5', ?, ?, 1, '[]', ?)",
            [(i + 1, md5_of(10**9 + i), "ABC"[i % 3], now.isoformat()) for i in range(start, min(bank, start + BATCH))])
    explanation = '{"band": "P3", "note": "bulk-loaded"}'
    for start in range(0, n, BATCH):
        ids = range(start + 1, min(n, start + BATCH) + 1)
        received = [(now - timedelta(minutes=i)).isoformat() for i in ids]
        cur.executemany(
            "INSERT INTO reports (id, reference, source, channel, received_at, incident_type, summary, status, "
            "annotations, source_data) VALUES (?, ?, 'platform', 'api', ?, 'indecent_images', ?, 'new', '[]', ?)",
            [(i, f"JIG-B{i:07d}", r, summary, source_data) for i, r in zip(ids, received, strict=True)])
        cur.executemany("INSERT INTO subjects (id, report_id, role) VALUES (?, ?, 'suspect')", [(i, i) for i in ids])
        # identifier k is used by reports 2k-1 and 2k for one report pair in ten: some cases link
        cur.executemany(
            "INSERT INTO identifiers (id, type, blind_index, value, first_seen_at) VALUES (?, 'email', ?, ?, ?)",
            [(i, cipher.blind_index(normalise("email", f"bench{i}@example.org").key),
              cipher.encrypt(f"bench{i}@example.org", "identifiers.value"), received[0]) for i in ids])
        cur.executemany(
            "INSERT INTO observations (identifier_id, report_id, subject_id, role) VALUES (?, ?, ?, 'suspect')",
            [((i - 1) if (i % 20 == 0) else i, i, i) for i in ids])
        cur.executemany(
            "INSERT INTO media (id, report_id, md5, annotations, created_at) VALUES (?, ?, ?, ?, ?)",
            [(i, i, md5_of(i), media_annotations, received[0]) for i in ids])
        cur.executemany(
            "INSERT INTO lines_of_enquiry (report_id, subject_id, title, status, created_at) "
            "VALUES (?, ?, ?, 'open', ?)", [(i, i, title, received[0]) for i in ids])
        cur.executemany(
            "INSERT INTO triage_assessments (id, report_id, assessed_at, trigger, config_version, band, score, "
            "actionability, worst_band, due_at, explanation) "
            "VALUES (?, ?, ?, 'bulk', 'triage-v1', ?, 20, 40, 'P0', ?, ?)",
            [(i, i, r, "P3", r, explanation) for i, r in zip(ids, received, strict=True)])
        cur.executemany(
            "INSERT INTO triage_state (report_id, assessment_id, model_band, band, band_rank, score, actionability, "
            "due_at, first_assessed_at, updated_at, pending_override) VALUES (?, ?, ?, ?, ?, 20, ?, ?, ?, ?, 0)",
            [(i, i, b, b, int(b[1]), i % 100, r, r, r)
             for i, r in zip(ids, received, strict=True) for b in ("P" + "0123"[i % 4],)])
        con.commit()
        print(f"  loaded {ids[-1]:,} reports", file=sys.stderr, end="\r")
    con.execute("ANALYZE")
    con.commit()
    con.close()
    print(file=sys.stderr)


def draft(i: int, n: int) -> ReportDraft:
    kind = i % 3
    email = f"bench{(i * 7919) % n + 1}@example.org" if kind == 0 else f"new{i}@example.org"
    media = MediaDraft(md5=md5_of(10**9 + i) if kind == 1 else md5_of(5 * 10**9 + i))
    return ReportDraft(
        source="platform", incident_type="online_grooming" if kind == 2 else "indecent_images",
        summary="Synthetic benchmark report.", annotations=("csam_solicitation",) if kind == 2 else (),
        subjects=(SubjectDraft("suspect", identifiers=(IdentifierDraft("email", email),)),
                  SubjectDraft("victim", age=12 + kind)),
        media=(media,), external_id=None,
    )


def prepared_store(folder: Path, store: Path | None, n: int, bank: int) -> tuple[float | None, Path]:
    """A data folder (database and field key) holding the built store, copied fresh for this run.

    With ``--store`` the first run builds into that folder and later runs copy it, so repeated
    measurements start from the same store without rebuilding it (1M reports take minutes).
    """
    data = folder / "data"
    if store is not None and (store / "jigsaw.db").exists():
        shutil.copytree(store, data)
        return None, data
    target = store or data
    platform = open_platform(Settings(data_dir=target, database_url=f"sqlite:///{target / 'jigsaw.db'}"))
    start = time.perf_counter()
    build(str(platform.engine.url), n, bank, platform.cipher)
    platform.engine.dispose()
    built = time.perf_counter() - start
    if store is not None:
        shutil.copytree(store, data)
    return built, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=300)
    parser.add_argument("--bank", type=int, default=100_000)
    parser.add_argument("--store", type=Path, help="keep the built store in this folder and reuse it")
    parser.add_argument("--profile", type=Path, help="write cProfile statistics of the handler to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        build_s, data = prepared_store(Path(tmp), args.store, args.reports, args.bank)
        platform = open_platform(Settings(data_dir=data, database_url=f"sqlite:///{data / 'jigsaw.db'}"))
        size_mb = (data / "jigsaw.db").stat().st_size / 1e6

        handler_ms: list[float] = []
        handler_cpu: list[float] = []
        rescored: list[int] = []
        profiler = cProfile.Profile() if args.profile else None

        def timed(session: object, event: ReportStored) -> None:
            if profiler is not None and len(handler_ms) >= 20:
                profiler.enable()
            cpu, start = time.process_time(), time.perf_counter()
            on_report_stored(session, event)  # type: ignore[arg-type]
            handler_ms.append((time.perf_counter() - start) * 1000)
            handler_cpu.append((time.process_time() - cpu) * 1000)
            if profiler is not None:
                profiler.disable()
            rescored.append(len(linked_reports(session, event.report_id).linked_report_ids))  # type: ignore

        platform.events = EventBus()
        platform.events.subscribe(ReportStored, timed)
        normalise("email", "warm@example.org")
        factory = session_factory(platform.engine)
        submit_ms: list[float] = []
        for i in range(args.new + 20):  # the first 20 warm caches and are not counted
            start = time.perf_counter()
            with factory() as session:
                submit_report(session, draft(i, args.reports), Actor("bench"))
                session.commit()
            submit_ms.append((time.perf_counter() - start) * 1000)
        handler_ms, handler_cpu, submit_ms, rescored = handler_ms[20:], handler_cpu[20:], submit_ms[20:], rescored[20:]
        alone = [i for i, n in enumerate(rescored) if n == 0]
        with_links = [i for i, n in enumerate(rescored) if n > 0]
        if profiler is not None:
            profiler.dump_stats(args.profile)

        with factory() as session:
            reports = session.scalar(select(func.count()).select_from(Report)) or 0
            bands: dict[str, int] = dict(session.execute(text(
                "SELECT band, count(*) FROM triage_assessments WHERE trigger != 'bulk' GROUP BY band")).all())
            linked = session.scalar(text(
                "SELECT count(*) FROM triage_assessments WHERE trigger LIKE 'linked_report:%'"))
            queue_ms: list[float] = []
            queue_cpu: list[float] = []
            for _ in range(3):  # the first call is cold (pages not yet cached), the others warm
                cpu, start = time.process_time(), time.perf_counter()
                triage_queue(session, limit=50)
                queue_ms.append((time.perf_counter() - start) * 1000)
                queue_cpu.append((time.process_time() - cpu) * 1000)
        platform.engine.dispose()

    def stats(values: list[float]) -> str:
        ordered = sorted(values)
        p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
        return (f"mean {statistics.fmean(values):.2f} ms, median {statistics.median(values):.2f} ms, "
                f"p95 {p95:.2f} ms, max {ordered[-1]:.2f} ms")

    def both(which: list[int]) -> str:
        return (f"wall {stats([handler_ms[i] for i in which])}\n"
                f"      CPU  {stats([handler_cpu[i] for i in which])}")

    built = f"built in {build_s:.0f} s" if build_s is not None else f"copied from {args.store}"
    print(f"store: {reports:,} reports ({args.bank:,} bank entries), {size_mb:,.0f} MB SQLite, {built}")
    print(f"new reports timed: {len(handler_ms)} (bands {bands}, linked re-scores {linked})")
    print(f"triage handler (match + score + persist):\n      {both(list(range(len(handler_ms))))}")
    print(f"  new report joining no case ({len(alone)}):\n      {both(alone)}")
    if with_links:
        print(f"  new report + re-score of the linked report ({len(with_links)}):\n      {both(with_links)}")
    print(f"whole submission incl. triage and commit: wall {stats(submit_ms)}")
    print("first queue page (50 by band, due, actionability): "
          + ", ".join(f"{w:.1f} ms wall / {c:.1f} ms CPU" for w, c in zip(queue_ms, queue_cpu, strict=True)))


if __name__ == "__main__":
    main()
