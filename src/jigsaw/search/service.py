"""Looking a search up: candidates by blind index and reference, results the reader may see, audited.

Nothing is decrypted to search: identifiers are found by the blind index intake stored them
under (:func:`jigsaw.intake.interfaces.identifier_blind_index`), references by their clear
columns, and results carry only clear columns (reference, times, source, role, band, status).
Each search is one consultation in the audit log, with its purpose, the types searched, the
blind indexes looked up (never the text typed) and the counts found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import record
from jigsaw.casework.interfaces import CaseRef, case_by_reference, cases_for_reports
from jigsaw.errors import NotAllowed
from jigsaw.intake.interfaces import (
    IdentifierRecord,
    Observation,
    Report,
    Subject,
    can_read_all_reports,
    identifier_blind_index,
)
from jigsaw.linking.interfaces import LinkSubject
from jigsaw.search.query import Candidates, ReferenceKind, candidates, check_purpose
from jigsaw.security.fieldcrypt import cipher_of
from jigsaw.triage.interfaces import bands_for_reports

MAX_REPORTS = 100  # per search; more is a sign the identifier is shared, and the page says so
MAX_OBSERVATIONS = 2000


class SearchNotAllowed(NotAllowed):
    """Search spans every report: only the centre's case-workers may use it."""


@dataclass(frozen=True)
class ReportHit:
    id: int
    reference: str
    received_at: datetime
    source: str
    incident_type: str
    band: str | None
    case: CaseRef | None
    matched: tuple[str, ...]  # what found it: identifier types, or "report"/"case"/"cybertip"


@dataclass(frozen=True)
class SubjectHit:
    id: int
    role: str
    report_id: int
    report_reference: str
    network_id: int | None
    matched: tuple[str, ...]


@dataclass(frozen=True)
class CaseHit:
    ref: CaseRef
    report_ids: tuple[int, ...]


@dataclass(frozen=True)
class SearchResult:
    types: tuple[str, ...]
    hints: tuple[str, ...]
    cases: tuple[CaseHit, ...]
    reports: tuple[ReportHit, ...]
    subjects: tuple[SubjectHit, ...]
    truncated: bool  # more reports matched than are shown

    @property
    def empty(self) -> bool:
        return not (self.cases or self.reports or self.subjects)


def search(
    session: Session, principal: Principal, text: str, *, purpose: str | None,
    type_: str | None = None, platform: str | None = None, default_region: str = "GB",
) -> SearchResult:
    """Find the cases, reports and subjects that ``text`` names, for ``purpose``; audited.

    Raises :class:`jigsaw.search.query.SearchError` (invalid input) without a purpose or
    with a value that cannot be searched, and :class:`SearchNotAllowed` for anyone who may not
    read every report.
    """
    if not can_read_all_reports(principal):
        raise SearchNotAllowed("search is open to the centre's analysts and supervisors")
    reason = check_purpose(purpose)
    wanted = candidates(text, type_=type_, platform=platform, default_region=default_region)
    blinds = {identifier_blind_index(session, i): i.type.value for i in wanted.identifiers}

    matched: dict[int, list[str]] = {}  # report id -> what found it
    subject_matched: dict[int, list[str]] = {}
    truncated = _identifier_hits(session, blinds, matched, subject_matched)
    named_cases = _reference_hits(session, wanted, matched)

    report_ids = sorted(matched, reverse=True)
    if len(report_ids) > MAX_REPORTS:
        report_ids, truncated = report_ids[:MAX_REPORTS], True
    reports = _reports(session, report_ids, matched)
    case_hits = _cases(reports, named_cases)
    subjects = _subjects(session, subject_matched, {r.id: r.reference for r in reports})

    record(session, principal.actor, AuditAction.CONSULTATION, "search", None, purpose=reason, detail={
        "types": list(wanted.types),
        "blind_indexes": sorted({*blinds, *_reference_indexes(session, wanted)}),
        "results": {"cases": len(case_hits), "reports": len(reports), "subjects": len(subjects)},
        "report_ids": [r.id for r in reports],
    })
    return SearchResult(wanted.types, wanted.hints, case_hits, reports, subjects, truncated)


def _identifier_hits(session: Session, blinds: dict[str, str], matched: dict[int, list[str]],
                     subject_matched: dict[int, list[str]]) -> bool:
    if not blinds:
        return False
    rows = session.execute(
        select(Observation.report_id, Observation.subject_id, IdentifierRecord.type)
        .join(IdentifierRecord, IdentifierRecord.id == Observation.identifier_id)
        .where(IdentifierRecord.blind_index.in_(list(blinds)))
        .order_by(Observation.report_id.desc()).limit(MAX_OBSERVATIONS + 1)).all()
    for report_id, subject_id, kind in rows[:MAX_OBSERVATIONS]:
        _add(matched.setdefault(report_id, []), kind)
        if subject_id is not None:
            _add(subject_matched.setdefault(subject_id, []), kind)
    return len(rows) > MAX_OBSERVATIONS


def _reference_hits(session: Session, wanted: Candidates, matched: dict[int, list[str]]) -> list[CaseHit]:
    cases: list[CaseHit] = []
    for reference in wanted.references:
        if reference.kind is ReferenceKind.CASE:
            found = case_by_reference(session, reference.value)
            if found is not None:
                cases.append(CaseHit(*found))
                for report_id in found[1]:
                    _add(matched.setdefault(report_id, []), reference.kind.value)
            continue
        column = Report.reference if reference.kind is ReferenceKind.REPORT else Report.external_id
        for report_id in session.scalars(select(Report.id).where(column == reference.value).limit(MAX_REPORTS)):
            _add(matched.setdefault(report_id, []), reference.kind.value)
    return cases


def _reports(session: Session, report_ids: list[int], matched: dict[int, list[str]]) -> tuple[ReportHit, ...]:
    if not report_ids:
        return ()
    rows = session.execute(select(Report.id, Report.reference, Report.received_at, Report.source,
                                  Report.incident_type).where(Report.id.in_(report_ids))).all()
    cases = cases_for_reports(session, report_ids)
    bands = bands_for_reports(session, report_ids)
    hits = [ReportHit(rid, ref, received, source, incident, bands.get(rid), cases.get(rid), tuple(matched[rid]))
            for rid, ref, received, source, incident in rows]
    return tuple(sorted(hits, key=lambda h: (h.received_at, h.id), reverse=True))


def _cases(reports: tuple[ReportHit, ...], by_reference: list[CaseHit]) -> tuple[CaseHit, ...]:
    """Cases named directly first, then the cases the reports found are in."""
    seen = {hit.ref.id for hit in by_reference}
    members: dict[int, list[int]] = {}
    refs: dict[int, CaseRef] = {}
    for report in reports:
        if report.case is not None and report.case.id not in seen:
            refs[report.case.id] = report.case
            members.setdefault(report.case.id, []).append(report.id)
    return (*by_reference, *(CaseHit(refs[cid], tuple(ids)) for cid, ids in members.items()))


def _subjects(session: Session, subject_matched: dict[int, list[str]],
              references: dict[int, str]) -> tuple[SubjectHit, ...]:
    if not subject_matched or not references:
        return ()
    ids = list(subject_matched)
    rows = session.execute(select(Subject.id, Subject.role, Subject.report_id)
                           .where(Subject.id.in_(ids), Subject.report_id.in_(list(references)))).all()
    networks: dict[int, int] = {sid: nid for sid, nid in session.execute(
        select(LinkSubject.subject_id, LinkSubject.network_id).where(LinkSubject.subject_id.in_([r[0] for r in rows])))}
    hits = [SubjectHit(sid, role, rid, references[rid], networks.get(sid), tuple(subject_matched[sid]))
            for sid, role, rid in rows]
    return tuple(sorted(hits, key=lambda h: (-h.report_id, h.id)))


def _reference_indexes(session: Session, wanted: Candidates) -> list[str]:
    """References are audited as keyed digests too: a CyberTipline number is another system's record."""
    cipher = cipher_of(session)
    return [cipher.blind_index(f"search|{r.kind.value}|{r.value}") for r in wanted.references]


def _add(into: list[str], kind: str) -> None:
    if kind not in into:
        into.append(kind)
