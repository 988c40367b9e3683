"""Reading the record a package is generated from: subjects, identifiers, hash matches, triage and
lines of enquiry, for any number of packages in a handful of queries (a batch drafts a thousand)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.casework.interfaces import cases_for_reports
from jigsaw.dissemination import evidence as ev
from jigsaw.dissemination.lifecycle import package_band
from jigsaw.intake.interfaces import IdentifierRecord, LineOfEnquiry, Observation, Report, Subject, SubjectRole
from jigsaw.matching.interfaces import MediaMatchRecord
from jigsaw.triage.interfaces import report_explanations

_CHUNK = 500


@dataclass(frozen=True)
class Scope:
    """The reports a package is about and the subjects chosen from them (empty: their suspects)."""

    report_ids: tuple[int, ...]
    subject_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Gathered:
    subject_ids: tuple[int, ...]
    band: str
    evidence: dict[str, Any]


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def gather(session: Session, scopes: Sequence[Scope], *, now: datetime | None = None) -> list[Gathered]:
    now = now or datetime.now(UTC)
    report_ids = sorted({r for s in scopes for r in s.report_ids})
    reports: dict[int, tuple[str, datetime]] = {}
    for chunk in _chunks(report_ids):
        for rid, ref, received in session.execute(select(Report.id, Report.reference, Report.received_at)
                                                  .where(Report.id.in_(chunk))):
            reports[rid] = (ref, received)
    subjects: dict[int, Subject] = {}
    for chunk in _chunks(report_ids):
        for s in session.scalars(select(Subject).where(Subject.report_id.in_(chunk)).order_by(Subject.id)):
            subjects[s.id] = s
    chosen_of: list[list[int]] = []
    for scope in scopes:
        if scope.subject_ids:
            chosen = [sid for sid in scope.subject_ids if sid in subjects
                      and subjects[sid].report_id in scope.report_ids]
        else:
            chosen = [sid for sid, s in subjects.items()
                      if s.report_id in scope.report_ids and s.role == SubjectRole.SUSPECT.value]
        chosen_of.append(sorted(chosen))
    wanted_subjects = sorted({sid for chosen in chosen_of for sid in chosen})
    sightings: dict[int, list[ev.SightingRow]] = {}
    for chunk in _chunks(wanted_subjects):
        rows = session.execute(
            select(Observation.subject_id, Observation.report_id, IdentifierRecord.type, IdentifierRecord.value,
                   IdentifierRecord.platform, Observation.seen_at, Observation.port)
            .join(IdentifierRecord, IdentifierRecord.id == Observation.identifier_id)
            .where(Observation.subject_id.in_(chunk)).order_by(Observation.id))
        for sid, rid, kind, value, platform, seen, port in rows:
            if sid is None:
                continue
            ref, received = reports.get(rid, ("?", now))
            sightings.setdefault(sid, []).append(ev.SightingRow(sid, ref, kind, value, platform, seen or received,
                                                                port))
    matches: dict[int, list[ev.MatchRow]] = {}
    for chunk in _chunks(report_ids):
        hits = session.execute(select(MediaMatchRecord.report_id, MediaMatchRecord.media_id,
                                      MediaMatchRecord.uk_category, MediaMatchRecord.vics_category,
                                      MediaMatchRecord.series).where(MediaMatchRecord.report_id.in_(chunk)))
        for rid, media_id, uk, vics, series in hits:
            matches.setdefault(rid, []).append(ev.MatchRow(media_id, uk, vics, series))
    lines: dict[int, list[tuple[int | None, ev.LineRow]]] = {}
    for chunk in _chunks(report_ids):
        found = session.execute(select(LineOfEnquiry.report_id, LineOfEnquiry.subject_id, LineOfEnquiry.title,
                                      LineOfEnquiry.status).where(LineOfEnquiry.report_id.in_(chunk))
                               .order_by(LineOfEnquiry.id))
        for rid, line_subject, title, status in found:
            lines.setdefault(rid, []).append((line_subject, ev.LineRow(reports.get(rid, ("?", now))[0], title,
                                                                       status)))
    triage = report_explanations(session, report_ids)
    cases = cases_for_reports(session, report_ids)
    out: list[Gathered] = []
    for scope, chosen in zip(scopes, chosen_of, strict=True):
        in_scope = [r for r in scope.report_ids if r in reports]
        triage_rows = [ev.TriageRow(reports[r][0], triage[r][0] if r in triage else None,
                                    triage[r][1] if r in triage else None) for r in in_scope]
        band = package_band(row.band for row in triage_rows)
        chosen_set = set(chosen)
        summary = ev.build(
            subjects=[ev.SubjectRow(sid, reports[subjects[sid].report_id][0], subjects[sid].role, subjects[sid].name,
                                    subjects[sid].age) for sid in chosen],
            sightings=[row for sid in chosen for row in sightings.get(sid, ())],
            matches=[m for r in in_scope for m in matches.get(r, ())],
            triage_rows=triage_rows,
            lines=[line for r in in_scope for sid, line in lines.get(r, ()) if sid is None or sid in chosen_set],
            band=band, report_references=[reports[r][0] for r in in_scope],
            case_references=sorted({cases[r].reference for r in in_scope if r in cases}), generated_at=now)
        out.append(Gathered(tuple(chosen), band, summary))
    return out
