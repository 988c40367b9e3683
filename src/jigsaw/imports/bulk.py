"""Writing many prepared reports at once: the same rows as ``submit_report``, in batched inserts.

:func:`jigsaw.intake.service.submit_report` flushes the ORM once per subject and looks up
each identifier on its own, which caps it at a few hundred reports a second. Here a batch
of reports is written with one executemany per table: ids reserved in order for the rows
others point at, identifier blind indexes looked up with ``IN`` and the missing ones
inserted, report references drawn and checked in bulk, and one COLLECTION audit entry per
report appended to the hash chain through :func:`jigsaw.audit.service.append_many`, the
append :func:`jigsaw.audit.service.record` uses (same actor, detail and order).

Rows travel as positional tuples in the column orders declared below. On SQLite they go
straight to the driver (``exec_driver_sql``) after each column's own SQLAlchemy bind
processor has been applied: SQLAlchemy's per-row parameter handling cost more than SQLite's
own work, and the import process can only insert as fast as this one process runs. Using
the column types' processors keeps the stored bytes exactly what the ORM stores (a test
compares the two paths). Other databases get the same rows through ordinary Core inserts.

Personal fields are encrypted by the worker that encodes a report (same cipher, key and
column context as the ``EncryptedText`` types), so the bytes stored are what the ORM would
have stored.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Column, Connection, LargeBinary, MetaData, Table, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, NewEntry, append_many, defer
from jigsaw.db.bulk import chunks
from jigsaw.db.bulk import insert_returning_ids as _insert_returning_ids
from jigsaw.db.bulk import insert_rows as _insert
from jigsaw.intake.interfaces import (
    IdentifierRecord,
    LineOfEnquiry,
    MediaRecord,
    Observation,
    PreparedReport,
    Report,
    Subject,
    default_lines_of_enquiry,
)
from jigsaw.security.fieldcrypt import EncryptedText, FieldCipher, cipher_of, encode_json

_IN_CHUNK = 500

REPORTS: Table = Report.__table__  # type: ignore[assignment]
SUBJECTS: Table = Subject.__table__  # type: ignore[assignment]
IDENTIFIERS: Table = IdentifierRecord.__table__  # type: ignore[assignment]
OBSERVATIONS: Table = Observation.__table__  # type: ignore[assignment]
MEDIA: Table = MediaRecord.__table__  # type: ignore[assignment]
LINES: Table = LineOfEnquiry.__table__  # type: ignore[assignment]


def _raw_twin(table: Table) -> Table:
    """The same table with encrypted columns as plain binary: values arrive already sealed."""
    columns = [Column(c.name, LargeBinary() if isinstance(c.type, EncryptedText) else c.type,
                      primary_key=c.primary_key) for c in table.columns]
    return Table(table.name, MetaData(), *columns)


RAW_REPORTS = _raw_twin(REPORTS)
RAW_SUBJECTS = _raw_twin(SUBJECTS)
RAW_IDENTIFIERS = _raw_twin(IDENTIFIERS)
RAW_OBSERVATIONS = _raw_twin(OBSERVATIONS)
RAW_MEDIA = _raw_twin(MEDIA)
RAW_LINES = _raw_twin(LINES)

# Column orders of the positional rows. Every column except ``id`` is named, defaults
# included: rows that bypass SQLAlchemy's insert construct get no Python-side defaults.
REPORT_COLUMNS = ("source", "channel", "external_id", "incident_type", "incident_at", "platform", "summary",
                  "escalation", "reporter_name", "reporter_email", "reporter_phone", "status", "annotations",
                  "source_data")
_REPORT_INSERT = (*REPORT_COLUMNS, "received_at", "reference", "submitted_by_org_id", "submitted_by_token_id")
SUBJECT_COLUMNS = ("role", "name", "description", "age")
_SUBJECT_INSERT = ("report_id", *SUBJECT_COLUMNS)
MEDIA_COLUMNS = ("md5", "sha1", "sha256", "pdq", "pdq_quality", "size", "media_type", "filename", "uk_category",
                 "vics_category", "series", "victim_identified", "annotations")
_MEDIA_INSERT = ("report_id", "subject_id", "created_at", *MEDIA_COLUMNS)
_OBSERVATION_INSERT = ("identifier_id", "report_id", "subject_id", "role", "seen_at", "port")
_IDENTIFIER_INSERT = ("type", "platform", "blind_index", "value", "first_seen_at")
_LINE_INSERT = ("report_id", "subject_id", "title", "status", "created_at")
_CHANNEL, _SOURCE = REPORT_COLUMNS.index("channel"), REPORT_COLUMNS.index("source")


@dataclass(frozen=True)
class Written:
    report_id: int
    reference: str


class EncodedReport(NamedTuple):
    """One report flattened to plain rows, personal fields already encrypted.

    Tuples, bytes and datetimes pickle cheaply, so a worker process builds these and the
    parent only assigns ids and inserts (unpickling the dataclasses of a PreparedReport
    costs more than writing it).
    """

    report: tuple[Any, ...]  # REPORT_COLUMNS
    received_at: datetime | None  # None: the time of writing
    subjects: list[tuple[Any, ...]]  # SUBJECT_COLUMNS
    # (subject position, blind index, type, platform, encrypted value, seen_at, port, role)
    observations: list[tuple[Any, ...]]
    media: list[tuple[int | None, tuple[Any, ...]]]  # (subject position or None, MEDIA_COLUMNS)
    lines: list[tuple[bytes, int | None]]  # (encrypted title, subject position or None)


def encode_report(prepared: PreparedReport, cipher: FieldCipher,
                  source_data: dict[str, Any] | None = None) -> EncodedReport:
    """Flatten and encrypt one prepared report exactly as ``submit_report`` would store it.

    ``source_data`` replaces the draft's (the importer adds its provenance) without
    rebuilding the frozen draft, which costs more than encoding it.
    """
    encrypt = cipher.encrypt
    draft = prepared.draft

    def seal(value: str | None, column: str) -> bytes | None:
        return None if value is None else encrypt(value, column)

    data = dict(draft.source_data) if source_data is None else source_data
    report = (prepared.source.value, draft.channel.value, draft.external_id, prepared.incident_type.value,
              draft.incident_at, draft.platform, seal(draft.summary, "reports.summary"),
              seal(draft.escalation or None, "reports.escalation"),
              seal(draft.reporter.name or None, "reports.reporter_name"),
              seal(prepared.reporter_email, "reports.reporter_email"),
              seal(prepared.reporter_phone, "reports.reporter_phone"),
              "new", list(draft.annotations), encrypt(encode_json(data), "reports.source_data"))
    subjects = []
    observations = []
    for position, subject in enumerate(prepared.subjects):
        role = subject.role.value
        subjects.append((role, seal(subject.name, "subjects.name"), seal(subject.description, "subjects.description"),
                         subject.age))
        for item in subject.identifiers:
            ident = item.identifier
            observations.append((position, cipher.blind_index(ident.key), ident.type.value, ident.platform,
                                 encrypt(ident.value, "identifiers.value"), item.seen_at, item.port, role))
    media = [(m.subject_index, (
        m.md5, m.sha1, m.sha256, m.pdq, None, m.size, m.media_type, seal(m.filename, "media.filename"),
        m.uk_category, m.vics_category, m.series, m.victim_identified,
        encrypt(encode_json(dict(m.annotations)), "media.annotations"),
    )) for m in prepared.media]
    lines = [(encrypt(line.title, "lines_of_enquiry.title"), line.subject_index)
             for line in draft.lines_of_enquiry or default_lines_of_enquiry(prepared.subjects)]
    return EncodedReport(report, draft.received_at, subjects, observations, media, lines)


def write_reports(
    conn: Connection, reports: Sequence[PreparedReport], actor: Actor, *,
    organisation_id: int | None, token_id: int | None = None,
) -> list[Written]:
    """Insert ``reports`` (already prepared and de-duplicated) in the caller's transaction."""
    cipher = cipher_of(conn)
    return write_encoded(conn, [encode_report(p, cipher) for p in reports], actor,
                         organisation_id=organisation_id, token_id=token_id)


def write_encoded(
    conn: Connection, reports: Sequence[EncodedReport], actor: Actor, *,
    organisation_id: int | None, token_id: int | None = None, audit_at_commit: Session | None = None,
) -> list[Written]:
    """Insert encoded reports in the caller's transaction: ids, references and audit entries.

    With ``audit_at_commit`` (the session that owns ``conn``), the audit entries are appended
    when it commits (:func:`jigsaw.audit.service.defer`), so the chain's lock is not held
    while linking and triage react to the batch.
    """
    if not reports:
        return []
    now = datetime.now(UTC)
    references = _unused_references(conn, len(reports))
    report_ids = _insert_returning_ids(conn, RAW_REPORTS, _REPORT_INSERT, [
        (*encoded.report, encoded.received_at or now, reference, organisation_id, token_id)
        for encoded, reference in zip(reports, references, strict=True)])

    subject_rows = [(report_id, *subject)
                    for encoded, report_id in zip(reports, report_ids, strict=True) for subject in encoded.subjects]
    subject_ids = _insert_returning_ids(conn, RAW_SUBJECTS, _SUBJECT_INSERT, subject_rows)

    identifier_ids = _identifier_ids(conn, [obs for encoded in reports for obs in encoded.observations], now)
    observation_rows: list[tuple[Any, ...]] = []
    media_rows: list[tuple[Any, ...]] = []
    line_rows: list[tuple[Any, ...]] = []
    position = 0
    for encoded, report_id in zip(reports, report_ids, strict=True):
        ids = subject_ids[position: position + len(encoded.subjects)]
        position += len(encoded.subjects)
        for subject_pos, blind, _type, _platform, _value, seen_at, port, role in encoded.observations:
            observation_rows.append((identifier_ids[blind], report_id, ids[subject_pos], role, seen_at, port))
        for subject_pos, values in encoded.media:
            media_rows.append((report_id, None if subject_pos is None else ids[subject_pos], now, *values))
        for title, subject_pos in encoded.lines:
            line_rows.append((report_id, None if subject_pos is None else ids[subject_pos], title, "open", now))
    _insert(conn, RAW_OBSERVATIONS, _OBSERVATION_INSERT, observation_rows)
    _insert(conn, RAW_MEDIA, _MEDIA_INSERT, media_rows)
    _insert(conn, RAW_LINES, _LINE_INSERT, line_rows)

    _audit_collections(audit_at_commit or conn, actor, [
        (report_id, {"reference": reference, "channel": encoded.report[_CHANNEL], "source": encoded.report[_SOURCE],
                     "subjects": len(encoded.subjects), "media": len(encoded.media)})
        for encoded, report_id, reference in zip(reports, report_ids, references, strict=True)
    ])
    return [Written(report_id, reference) for report_id, reference in zip(report_ids, references, strict=True)]


# --- inserting positional rows ------------------------------------------------------------


def _select_in(conn: Connection, table: Table, columns: tuple[str, ...], key: str,
               values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """``SELECT columns FROM table WHERE key IN values``, ``_IN_CHUNK`` values at a time.

    For plain columns only (no result processing). On SQLite the text goes straight to the
    driver: SQLAlchemy's expansion of a 500-value ``IN`` costs more than the lookup itself.
    """
    found: list[tuple[Any, ...]] = []
    sqlite = conn.dialect.name == "sqlite"
    quote = conn.dialect.identifier_preparer.quote
    for part in chunks(values, _IN_CHUNK):
        chunk = list(part)
        if sqlite:  # names from our own tables, quoted; values bound
            names, marks = ", ".join(quote(c) for c in columns), ", ".join("?" for _ in chunk)
            sql = f"SELECT {names} FROM {quote(table.name)} WHERE {quote(key)} IN ({marks})"  # noqa: S608
            result = conn.exec_driver_sql(sql, tuple(chunk))
        else:
            result = conn.execute(select(*(table.c[c] for c in columns)).where(table.c[key].in_(chunk)))
        found.extend(tuple(row) for row in result.fetchall())  # one fetch, not one per row
    return found


# --- references, identifiers, audit -----------------------------------------------------------


def _unused_references(conn: Connection, count: int) -> list[str]:
    """``count`` distinct new references, none already stored (40 random bits: clashes are rare)."""
    chosen: list[str] = []
    seen: set[str] = set()
    for _ in range(10):
        candidates: list[str] = []
        while len(candidates) < count - len(chosen):
            reference = _reference()
            if reference not in seen:
                seen.add(reference)
                candidates.append(reference)
        taken = {row[0] for row in _select_in(conn, REPORTS, ("reference",), "reference", candidates)}
        chosen.extend(r for r in candidates if r not in taken)
        if len(chosen) == count:
            return chosen
    raise RuntimeError("could not find unused report references")


_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # intake's Crockford alphabet (no I, L, O, U)


def _reference() -> str:
    """The same format and 40 random bits as :func:`jigsaw.intake.domain.new_reference`, cheaper.

    ``secrets.choice`` per character costs more than writing the report; one ``os.urandom``
    draw split into eight 5-bit digits gives the same uniform distribution.
    """
    bits = int.from_bytes(os.urandom(5), "big")
    chars = "".join(_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"JIG-{chars[:4]}-{chars[4:]}"


def _identifier_ids(conn: Connection, observations: list[tuple[Any, ...]], now: datetime) -> dict[str, int]:
    """Map each blind index to its stored identifier id, creating the rows first seen now.

    On SQLite the reports are already inserted, so this transaction holds the database's
    write lock: what the lookup finds cannot change before the missing rows are inserted,
    and they take ids in order like the reports. PostgreSQL writers run concurrently, so
    there the insert skips rows another writer stored meanwhile (``ON CONFLICT DO
    NOTHING``) and looks those up again.
    """
    by_blind: dict[str, tuple[Any, ...]] = {}
    for obs in observations:
        by_blind.setdefault(obs[1], obs)
    found = _lookup_blind(conn, list(by_blind))
    missing = [blind for blind in by_blind if blind not in found]
    if not missing:
        return found
    rows = [(by_blind[b][2], by_blind[b][3], b, by_blind[b][4], now) for b in missing]
    dialect = conn.dialect.name
    if dialect == "sqlite":
        found.update(zip(missing, _insert_returning_ids(conn, RAW_IDENTIFIERS, _IDENTIFIER_INSERT, rows),
                         strict=True))
        return found
    statement: Any = RAW_IDENTIFIERS.insert()
    if dialect == "postgresql":
        statement = postgresql.insert(RAW_IDENTIFIERS).on_conflict_do_nothing(index_elements=["blind_index"])
    # another backend: a racing writer makes the batch fail and retry per document
    statement = statement.returning(RAW_IDENTIFIERS.c.id, RAW_IDENTIFIERS.c.blind_index)
    for row_id, blind in conn.execute(statement, [dict(zip(_IDENTIFIER_INSERT, row, strict=True)) for row in rows]):
        found[blind] = row_id
    raced = [blind for blind in missing if blind not in found]  # stored meanwhile by another writer
    if raced:
        found.update(_lookup_blind(conn, raced))
    return found


def _lookup_blind(conn: Connection, blinds: list[str]) -> dict[str, int]:
    return {blind: row_id for row_id, blind in _select_in(conn, IDENTIFIERS, ("id", "blind_index"), "blind_index",
                                                          blinds)}


def _audit_collections(on: Connection | Session, actor: Actor, entries: list[tuple[int, dict[str, Any]]]) -> None:
    """One COLLECTION entry per report, as ``audit.service.record`` logs it (at commit on a session)."""
    new = [NewEntry(actor, AuditAction.COLLECTION, "report", report_id, detail=detail) for report_id, detail in entries]
    if isinstance(on, Session):
        defer(on, new)
    else:
        append_many(on, new)
