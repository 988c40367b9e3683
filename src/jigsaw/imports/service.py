"""Running an import: parse documents in parallel, de-duplicate, write in batches, summarise.

Parsing, validation and encoding (CPU-bound, pure) run in a process pool or on a Dask cluster
(:mod:`jigsaw.imports.dispatch`, one code path for both); the importing process only writes.
Writes go in batches, each one transaction. Before a batch is written its external ids are
looked up for the organisation: an id already stored with the same document digest is a
duplicate (nothing is written), with a different digest it is reported as *changed* (also
nothing written: a person decides what the new version means). Should a batch fail in the
database (a racing importer, say), it is rolled back whole and retried one document per
transaction, so each document is either fully stored or not at all.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from jigsaw.accounts import service as accounts
from jigsaw.accounts.models import Organisation
from jigsaw.accounts.roles import OrgKind
from jigsaw.audit.service import Actor
from jigsaw.db.engine import session_scope
from jigsaw.errors import InvalidInput
from jigsaw.events import ReportsStored
from jigsaw.imports import csvmap, cybertip, vics
from jigsaw.imports.bulk import REPORTS, encode_report, write_encoded
from jigsaw.imports.common import DocumentError
from jigsaw.imports.dispatch import DaskCluster, WorkerPool, parallel_map
from jigsaw.imports.limits import DEFAULT_LIMITS, Limits
from jigsaw.imports.preparing import ReadyReport, prepare_for_import
from jigsaw.imports.sources import Document
from jigsaw.imports.summary import Duplicate, ImportedReport, ImportSummary, Issue
from jigsaw.intake.interfaces import PreparedReport, submit_report
from jigsaw.platform import publish
from jigsaw.security.fieldcrypt import FieldCipher, cipher_of

# Where a batch comes from when the operator names no organisation (created on first use).
DEFAULT_ORGANISATIONS: dict[str, str] = {
    "cybertip": "NCMEC",
    "vics": "Project VIC (VICS import)",
    "csv": "CSV import",
}
# Cyclic-GC generation-0 threshold of the writing process while importing: writing allocates many
# short-lived containers that die by reference counting, so the collector runs less often
# (cycles are still collected). Measurements: BENCHMARKS.md, "Garbage-collector thresholds".
_IMPORT_GC_THRESHOLD = 50_000


class ImportRefused(InvalidInput, ValueError):
    """The import cannot start (unknown organisation, unreadable mapping…)."""


BATCH_SIZE = 5000
"""Reports written per transaction, with their links, triage and cases. Larger batches cost less
per report, mostly because an index page that many reports touch is written once per commit,
not once per report's batch (BENCHMARKS.md, issue 14: 413 reports/s at 500, 703 at 5,000, 882
at 20,000 on 20k referrals). The cost is the time the batch holds the write: on SQLite other
writers wait for it (about 5 s at 5,000), on PostgreSQL an analyst's change to a report the
batch re-scores waits for its commit. ``jigsaw import … --batch-size`` chooses per run."""
MAX_BATCH_SIZE = 50_000


@dataclass(frozen=True)
class ImportOptions:
    organisation_id: int
    organisation_name: str
    actor: Actor
    token_id: int | None = None
    default_region: str = "GB"
    limits: Limits = DEFAULT_LIMITS
    workers: int | None = None  # None: one per CPU; 1: no pool
    batch_size: int = BATCH_SIZE
    orm: bool = False  # write through intake.service.submit_report, one report at a time
    # Parse and encode on this Dask cluster instead of local processes (``workers`` then unused).
    cluster: DaskCluster | None = field(default=None, compare=False)
    progress: Callable[[int], None] | None = field(default=None, compare=False)


def resolve_organisation(session: Session, actor: Actor, name: str | None, fmt: str) -> tuple[int, str]:
    """The organisation a batch came from: ``name`` if given (it must exist), else the default.

    Only the per-format default (e.g. a partner agency "NCMEC") is created automatically;
    a misspelt ``--org`` must not quietly create a new organisation.
    """
    if name:
        try:
            org = accounts.organisation_by_name(session, name)
        except accounts.AccountError as exc:
            raise ImportRefused(str(exc)) from None
        return org.id, org.name
    default = DEFAULT_ORGANISATIONS[fmt]
    existing = session.scalar(select(Organisation).where(Organisation.name == default))
    if existing is None:
        existing = accounts.create_organisation(session, actor, default, OrgKind.PARTNER_AGENCY)
    return existing.id, existing.name


# --- writing ---------------------------------------------------------------------------


class _Writer:
    """Collects ready reports and writes them in batches, filling in the summary."""

    def __init__(self, engine: Engine, options: ImportOptions, summary: ImportSummary) -> None:
        self.engine = engine
        self.options = options
        self.summary = summary
        self.pending: list[ReadyReport] = []
        self.seen: dict[str, tuple[int, str]] = {}  # external_id → (report id, digest), this run

    def add(self, item: ReadyReport | Issue | list[ReadyReport | Issue]) -> None:
        items = item if isinstance(item, list) else [item]
        for one in items:
            if isinstance(one, Issue):
                self.summary.errors.append(one)
                self._advance(1)
                continue
            self.summary.warnings.extend(one.warnings)
            self.pending.append(one)
        if len(self.pending) >= self.options.batch_size:
            self.flush()

    def _advance(self, n: int) -> None:
        if self.options.progress is not None and n:
            self.options.progress(n)

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            self._write(batch)
        except (IntegrityError, DBAPIError):
            for item in batch:  # one transaction per document: each lands whole or not at all
                try:
                    self._write([item])
                except Exception as exc:  # reported, never half-written (the transaction rolled back)
                    self.summary.errors.append(Issue(item.name, f"not stored: {type(exc).__name__}: {exc}"))
        self._advance(len(batch))

    def _write(self, batch: list[ReadyReport]) -> None:
        opts = self.options
        imported: list[ImportedReport] = []
        duplicates: list[Duplicate] = []
        changed: list[Issue] = []
        batch_seen: dict[str, str] = {}
        with session_scope(self.engine) as session:
            if session.bind is not None and session.bind.dialect.name == "sqlite":
                _tune_sqlite(session)
            stored = _stored_digests(session, opts.organisation_id, [i.external_id for i in batch])
            fresh: list[ReadyReport] = []
            for item in batch:
                known = stored.get(item.external_id) or self.seen.get(item.external_id)
                if known is None and item.external_id in batch_seen:
                    known = (0, batch_seen[item.external_id])
                if known is None:
                    batch_seen[item.external_id] = item.digest
                    fresh.append(item)
                elif known[1] == item.digest:
                    duplicates.append(Duplicate(item.name, item.external_id, known[0]))
                else:
                    where = f"report {known[0]}" if known[0] else "an earlier document in this batch"
                    changed.append(Issue(item.name, f"{item.external_id} was already imported ({where}) from a "
                                                    "different version of the document; not imported again"))
            if opts.orm:
                for item in fresh:
                    with session.begin_nested():
                        done = submit_report(session, item.draft, opts.actor, organisation_id=opts.organisation_id,
                                             token_id=opts.token_id, default_region=opts.default_region)
                    imported.append(ImportedReport(item.name, item.external_id, done.report.id,
                                                   done.report.reference))
            else:
                written = write_encoded(session.connection(), [i.encoded for i in fresh], opts.actor,
                                        organisation_id=opts.organisation_id, token_id=opts.token_id,
                                        audit_at_commit=session)
                imported.extend(ImportedReport(i.name, i.external_id, w.report_id, w.reference)
                                for i, w in zip(fresh, written, strict=True))
                # Linking and triage react in this same transaction, once for the whole batch.
                publish(session, ReportsStored(tuple(w.report_id for w in written)))
        digests = {i.external_id: i.digest for i in fresh}
        for report in imported:
            self.seen[report.external_id] = (report.report_id, digests[report.external_id])
        duplicates = [d if d.report_id else replace(d, report_id=self.seen[d.external_id][0]) for d in duplicates]
        self.summary.reports.extend(imported)
        self.summary.duplicates.extend(duplicates)
        self.summary.changed.extend(changed)


# Page cache for the import connection (KiB when negative): a batch touches index pages all
# over the blind-index and reference indexes, more than SQLite's default 2 MiB holds. Temp
# structures in memory. Durability settings (WAL, synchronous=NORMAL) are left as configured.
_SQLITE_IMPORT_PRAGMAS = ("PRAGMA cache_size=-65536", "PRAGMA temp_store=MEMORY")


def _tune_sqlite(session: Session) -> None:
    conn = session.connection()
    for pragma in _SQLITE_IMPORT_PRAGMAS:
        conn.exec_driver_sql(pragma)


def _stored_digests(session: Session, organisation_id: int, external_ids: list[str]) -> dict[str, tuple[int, str]]:
    """external_id → (report id, import digest) for those already stored for the organisation."""
    found: dict[str, tuple[int, str]] = {}
    unique = list(dict.fromkeys(external_ids))
    for start in range(0, len(unique), 500):
        chunk = unique[start: start + 500]
        rows = session.execute(select(REPORTS.c.id, REPORTS.c.external_id, REPORTS.c.source_data).where(
            REPORTS.c.submitted_by_org_id == organisation_id, REPORTS.c.external_id.in_(chunk)))
        for report_id, external_id, source_data in rows:
            digest = ((source_data or {}).get("import") or {}).get("digest", "")
            found[external_id] = (report_id, digest)
    return found


def finish(prepared: PreparedReport, *, name: str, external_id: str, digest: str, fmt: str,
           warnings: Sequence[Issue], orm: bool, cipher: FieldCipher) -> ReadyReport:
    """Record format, document and digest in source_data (idempotency, provenance) and encode.

    Runs in the worker: for the bulk path the report leaves it as encrypted plain rows.
    """
    draft = prepared.draft
    source_data = {**draft.source_data, "import": {"format": fmt, "document": name, "digest": digest}}
    if orm:
        prepared = replace(prepared, draft=replace(draft, source_data=source_data))
        return ReadyReport(name, external_id, digest, prepared=prepared, warnings=tuple(warnings))
    return ReadyReport(name, external_id, digest, encoded=encode_report(prepared, cipher, source_data),
                       warnings=tuple(warnings))


def run_import(
    engine: Engine, fmt: str, options: ImportOptions, items: Iterable[ReadyReport | Issue | list[Any]],
    *, documents: int, pre_issues: Sequence[Issue] = (),
) -> ImportSummary:
    """Write an iterable of parse results and return the summary (timing included)."""
    started = time.perf_counter()
    summary = ImportSummary(format=fmt, organisation=options.organisation_name, documents=documents,
                            path="orm" if options.orm else "bulk")
    for issue in pre_issues:
        (summary.warnings if issue.reason.startswith("skipped") else summary.errors).append(issue)
    writer = _Writer(engine, options, summary)
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], _IMPORT_GC_THRESHOLD), *threshold[1:])
    try:
        for item in items:
            writer.add(item)
        writer.flush()
    finally:
        gc.set_threshold(*threshold)
    summary.seconds = time.perf_counter() - started
    return summary


# --- CyberTipline ----------------------------------------------------------------------


def _file_task(args: tuple[str, bytes, Limits]) -> cybertip.FileDetails | Issue:
    name, data, limits = args
    try:
        return cybertip.parse_file_details(name, data, limits)
    except DocumentError as exc:
        return Issue(name, exc.reason, exc.line)


FileDocument = tuple[str, bytes]  # (name, bytes) of a <fileDetails> document, parsed by the report's task


def _report_task(args: tuple[str, bytes, tuple[cybertip.FileDetails, ...], tuple[FileDocument, ...], Limits, str,
                             bool, FieldCipher]) -> ReadyReport | Issue | list[ReadyReport | Issue]:
    """Parse one report with its file details: those already parsed and those routed to it unparsed.

    The unparsed ones are parsed here, in the same worker as their report, so they never
    travel back through the parent as objects (pickling them cost more than parsing them).
    """
    name, data, files, file_documents, limits, region, orm, cipher = args
    joined = list(files)
    file_issues: list[ReadyReport | Issue] = []
    report_id = cybertip.report_id_from_name(name)
    for file_name, file_data in file_documents:
        try:
            details = cybertip.parse_file_details(file_name, file_data, limits, lines=False)
        except DocumentError as exc:
            file_issues.append(Issue(file_name, exc.reason, exc.line))
            continue
        if details.report_id != report_id:  # the byte-level hint disagreed with the parse
            line = cybertip.parse_file_details(file_name, file_data, limits).line
            file_issues.append(Issue(file_name, f"names report {details.report_id}, but its text pointed to "
                                                f"report {report_id}; not joined (import it with its report)", line))
            continue
        joined.append(details)
    result = _parse_report(name, data, tuple(joined), limits, region, orm, cipher)
    return [result, *file_issues] if file_issues else result


def _parse_report(name: str, data: bytes, files: tuple[cybertip.FileDetails, ...], limits: Limits, region: str,
                  orm: bool, cipher: FieldCipher) -> ReadyReport | Issue:
    try:
        parsed = cybertip.parse_report(name, data, files, limits=limits, lines=False)
        prepared, warnings = prepare_for_import(parsed.draft, name, default_region=region)
    except DocumentError as exc:
        return Issue(name, exc.reason, exc.line)
    return finish(prepared, name=name, external_id=parsed.external_id, digest=parsed.digest, fmt=cybertip.FORMAT,
                  warnings=[*parsed.warnings, *warnings], orm=orm, cipher=cipher)


def import_cybertip(engine: Engine, source: Iterable[Document | Issue], options: ImportOptions) -> ImportSummary:
    """Import CyberTipline ``<report>`` documents joined with their ``<fileDetails>`` documents.

    A file document whose bytes plainly name a report of the batch (:func:`cybertip.report_id_hint`)
    goes unparsed with that report's task; the rest are parsed first, in a pass of their own,
    to learn which report they belong to (or why they cannot be joined).
    """
    started = time.perf_counter()
    issues: list[Issue] = []
    reports: list[Document] = []
    files: list[Document] = []
    for item in source:
        if isinstance(item, Issue):
            issues.append(item)
        elif cybertip.sniff_root(item.data) == "fileDetails":
            files.append(item)
        else:
            reports.append(item)
    known_ids = {cybertip.report_id_from_name(doc.name) for doc in reports} - {None}
    routed: dict[str, list[FileDocument]] = {}
    unrouted: list[Document] = []
    for doc in files:
        hint = cybertip.report_id_hint(doc.data)
        if hint is not None and hint in known_ids:
            routed.setdefault(hint, []).append((doc.name, doc.data))
        else:
            unrouted.append(doc)
    by_report: dict[str, list[cybertip.FileDetails]] = {}
    cipher = cipher_of(engine)
    with WorkerPool(options.workers, max(len(files), len(reports)), options.cluster) as pool:
        for parsed in pool.map(_file_task, [(d.name, d.data, options.limits) for d in unrouted]):
            if isinstance(parsed, Issue):
                issues.append(parsed)
            elif parsed.report_id not in known_ids:
                issues.append(Issue(parsed.name, f"names report {parsed.report_id}, which is not in this batch",
                                    parsed.line))
            else:
                by_report.setdefault(parsed.report_id, []).append(parsed)
        tasks = []
        for doc in reports:
            report_id = cybertip.report_id_from_name(doc.name) or ""
            tasks.append((doc.name, doc.data, tuple(by_report.get(report_id, ())), tuple(routed.get(report_id, ())),
                          options.limits, options.default_region, options.orm, cipher))
        if options.progress is not None:
            options.progress(0)
        summary = run_import(engine, cybertip.FORMAT, options, pool.map(_report_task, tasks, ahead=options.batch_size),
                             documents=len(reports) + len(files), pre_issues=issues)
    summary.file_details = len(files)
    summary.seconds = time.perf_counter() - started
    return summary


# --- VICS ------------------------------------------------------------------------------


def _vics_task(args: tuple[str, bytes, dict[int, str], Limits, str, bool, FieldCipher]) -> list[ReadyReport | Issue]:
    name, data, uk_map, limits, region, orm, cipher = args
    try:
        cases = vics.parse_case_export(name, data, uk_map=uk_map, limits=limits)
    except DocumentError as exc:
        return [Issue(name, exc.reason, exc.line)]
    out: list[ReadyReport | Issue] = []
    for case in cases:
        try:
            prepared, warnings = prepare_for_import(case.draft, name, default_region=region)
        except DocumentError as exc:
            out.append(Issue(name, f"{case.external_id}: {exc.reason}"))
            continue
        out.append(finish(prepared, name=name, external_id=case.external_id, digest=case.digest, fmt=vics.FORMAT,
                          warnings=[*case.warnings, *warnings], orm=orm, cipher=cipher))
    return out


def import_vics(engine: Engine, source: Iterable[Document | Issue], options: ImportOptions,
                uk_map: dict[int, str] | None = None) -> ImportSummary:
    """Import VICS 2.0 case exports: one report per case, one media record per entry.

    With one worker (the web server's imports) each document is parsed as soon as ``source``
    yields it and dropped before the next is read, so a zip is never held expanded in memory;
    a pool needs the documents up front."""
    cipher = cipher_of(engine)
    issues: list[Issue] = []

    def task(d: Document) -> tuple[str, bytes, dict[int, str], Limits, str, bool, FieldCipher]:
        return (d.name, d.data, dict(uk_map or {}), options.limits, options.default_region, options.orm, cipher)

    if options.workers == 1 and options.cluster is None:
        documents = 0

        def streamed() -> Iterator[list[ReadyReport | Issue]]:
            nonlocal documents
            for item in source:
                if isinstance(item, Issue):
                    issues.append(item)
                    continue
                documents += 1
                yield _vics_task(task(item))

        summary = run_import(engine, vics.FORMAT, options, streamed(), documents=0)
        summary.documents = documents
        skipped = [i for i in issues if i.reason.startswith("skipped")]
        summary.warnings[:0] = skipped
        summary.errors[:0] = [i for i in issues if not i.reason.startswith("skipped")]
        return summary
    docs: list[Document] = []
    for item in source:
        (issues if isinstance(item, Issue) else docs).append(item)  # type: ignore[arg-type]
    return run_import(engine, vics.FORMAT, options, parallel_map(_vics_task, [task(d) for d in docs], options.workers,
                                                                  options.cluster),
                      documents=len(docs), pre_issues=issues)


# --- CSV -------------------------------------------------------------------------------


def import_csv(engine: Engine, name: str, data: bytes, mapping: csvmap.CsvMapping,
               options: ImportOptions) -> ImportSummary:
    """Import one CSV file, one report per row, through ``mapping``."""
    if len(data) > options.limits.max_csv_bytes:
        raise ImportRefused(f"{name}: {len(data)} bytes; the limit is {options.limits.max_csv_bytes}")
    cipher = cipher_of(engine)

    def rows() -> Iterator[ReadyReport | Issue]:
        try:
            parsed_rows = list(csvmap.parse_rows(name, data, mapping))
        except DocumentError as exc:
            yield Issue(name, exc.reason, exc.line)
            return
        for row in parsed_rows:
            if isinstance(row, Issue):
                yield row
                continue
            try:
                prepared, warnings = prepare_for_import(row.draft, f"{name}:{row.line}",
                                                        default_region=options.default_region)
            except DocumentError as exc:
                yield Issue(name, exc.reason, row.line)
                continue
            yield finish(prepared, name=f"{name}:{row.line}", external_id=row.external_id, digest=row.digest,
                         fmt=csvmap.FORMAT, warnings=warnings, orm=options.orm, cipher=cipher)

    return run_import(engine, csvmap.FORMAT, options, rows(), documents=1)
