"""Looking a search up: candidates by blind index and reference, results the reader may see, audited.

Nothing is decrypted to search: identifiers are found by the blind index intake stored them
under (:func:`jigsaw.intake.interfaces.identifier_blind_index`), references by their clear
columns, and results carry only clear columns (reference, times, source, role, band, status).
Each search is one consultation in the audit log, with its purpose, the types searched, the
blind indexes looked up (never the text typed) and the counts found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
from jigsaw.triage.interfaces import report_triage

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

    found = _Found()
    _identifier_hits(session, blinds, found)
    named_cases = _reference_hits(session, wanted, found)

    report_ids = sorted(found.matched, reverse=True)
    if len(report_ids) > MAX_REPORTS:
        report_ids, found.truncated = report_ids[:MAX_REPORTS], True
    reports = _reports(session, report_ids, found)
    case_hits = _cases(reports, named_cases)
    subjects = _subjects(found, {r.id: r.reference for r in reports})

    record(session, principal.actor, AuditAction.CONSULTATION, "search", None, purpose=reason, detail={
        "types": list(wanted.types),
        "blind_indexes": sorted({*blinds, *_reference_indexes(session, wanted)}),
        "results": {"cases": len(case_hits), "reports": len(reports), "subjects": len(subjects)},
        "report_ids": [r.id for r in reports],
    })
    return SearchResult(wanted.types, wanted.hints, case_hits, reports, subjects, found.truncated)


@dataclass
class _Found:
    """What the lookups gathered: what found each report and subject, and their clear columns."""

    matched: dict[int, list[str]] = field(default_factory=dict)  # report id -> what found it
    reports: dict[int, tuple[str, datetime, str, str]] = field(default_factory=dict)  # reference, received…
    subjects: dict[int, tuple[str, int, int | None, list[str]]] = field(default_factory=dict)  # role, report…
    truncated: bool = False


_REPORT_COLUMNS = (Report.reference, Report.received_at, Report.source, Report.incident_type)


def _identifier_hits(session: Session, blinds: dict[str, str], found: _Found) -> None:
    """Observations of the blind indexes with their reports, subjects and networks, in one statement."""
    if not blinds:
        return
    rows = session.execute(
        select(Observation.report_id, Observation.subject_id, IdentifierRecord.type, *_REPORT_COLUMNS,
               Subject.role, LinkSubject.network_id)
        .join(IdentifierRecord, IdentifierRecord.id == Observation.identifier_id)
        .join(Report, Report.id == Observation.report_id)
        .outerjoin(Subject, Subject.id == Observation.subject_id)
        .outerjoin(LinkSubject, LinkSubject.subject_id == Observation.subject_id)
        .where(IdentifierRecord.blind_index.in_(list(blinds)))
        .order_by(Observation.report_id.desc()).limit(MAX_OBSERVATIONS + 1)).all()
    for report_id, subject_id, kind, reference, received, source, incident, role, network_id in \
            rows[:MAX_OBSERVATIONS]:
        _add(found.matched.setdefault(report_id, []), kind)
        found.reports[report_id] = (reference, received, source, incident)
        if subject_id is not None and role is not None:
            _add(found.subjects.setdefault(subject_id, (role, report_id, network_id, []))[3], kind)
    found.truncated = len(rows) > MAX_OBSERVATIONS


def _reference_hits(session: Session, wanted: Candidates, found: _Found) -> list[CaseHit]:
    cases: list[CaseHit] = []
    for reference in wanted.references:
        if reference.kind is ReferenceKind.CASE:
            case = case_by_reference(session, reference.value)
            if case is not None:
                cases.append(CaseHit(*case))
                for report_id in case[1]:
                    _add(found.matched.setdefault(report_id, []), reference.kind.value)
            continue
        column = Report.reference if reference.kind is ReferenceKind.REPORT else Report.external_id
        for report_id in session.scalars(select(Report.id).where(column == reference.value).limit(MAX_REPORTS)):
            _add(found.matched.setdefault(report_id, []), reference.kind.value)
    return cases


def _reports(session: Session, report_ids: list[int], found: _Found) -> tuple[ReportHit, ...]:
    if not report_ids:
        return ()
    missing = [rid for rid in report_ids if rid not in found.reports]
    for start in range(0, len(missing), 500):
        for rid, *columns in session.execute(select(Report.id, *_REPORT_COLUMNS)
                                             .where(Report.id.in_(missing[start:start + 500]))):
            found.reports[rid] = tuple(columns)  # type: ignore[assignment]
    cases = cases_for_reports(session, report_ids)
    bands = {rid: t.band for rid, t in report_triage(session, report_ids).items() if t.band is not None}
    hits = [ReportHit(rid, *found.reports[rid], bands.get(rid), cases.get(rid), tuple(found.matched[rid]))
            for rid in report_ids if rid in found.reports]
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


def _subjects(found: _Found, references: dict[int, str]) -> tuple[SubjectHit, ...]:
    """The subjects holding a value searched for, in the reports shown."""
    hits = [SubjectHit(sid, role, rid, references[rid], network_id, tuple(kinds))
            for sid, (role, rid, network_id, kinds) in found.subjects.items() if rid in references]
    return tuple(sorted(hits, key=lambda h: (-h.report_id, h.id)))


def _reference_indexes(session: Session, wanted: Candidates) -> list[str]:
    """References are audited as keyed digests too: a CyberTipline number is another system's record."""
    cipher = cipher_of(session)
    return [cipher.blind_index(f"search|{r.kind.value}|{r.value}") for r in wanted.references]


def _add(into: list[str], kind: str) -> None:
    if kind not in into:
        into.append(kind)
