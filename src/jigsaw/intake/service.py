"""Storing and reading reports. Each report is written in one transaction, audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from jigsaw.accounts.principal import Principal
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.errors import Conflict, NotFound
from jigsaw.events import ReportStored
from jigsaw.identifiers import Identifier
from jigsaw.intake.access import can_read_report
from jigsaw.intake.domain import PreparedReport, ReportDraft, default_lines_of_enquiry, new_reference, prepare
from jigsaw.intake.models import IdentifierRecord, LineOfEnquiry, MediaRecord, Observation, Report, Subject
from jigsaw.platform import publish
from jigsaw.security.fieldcrypt import cipher_of


class ReportNotFound(NotFound, LookupError):
    """No report with this id is visible to the reader (whether it exists is not said)."""

    def __init__(self, report_id: int) -> None:
        super().__init__(f"no report {report_id}")
        self.report_id = report_id


class ExternalIdConflict(Conflict):
    """The organisation already used this ``external_id`` for a report with a different body."""

    def __init__(self, external_id: str, report: Report) -> None:
        shown = external_id if len(external_id) <= 80 else external_id[:77] + "..."
        super().__init__(f"external_id {shown!r} was already used for report {report.reference} "
                         f"(id {report.id}) with a different body; send a new external_id for a new report")
        self.report_id = report.id
        self.reference = report.reference


#: Where a submission's digest (of its validated body, see ``intake.api``) is kept in source_data.
BODY_DIGEST_KEY = "body_digest"


def _same_body(existing: Report, draft: ReportDraft) -> bool:
    """True unless both submissions carry a body digest and the digests differ (reports stored
    before digests were kept cannot be told apart, so they count as the same)."""
    new = draft.source_data.get(BODY_DIGEST_KEY)
    old = (existing.source_data or {}).get(BODY_DIGEST_KEY)
    return new is None or old is None or new == old


@dataclass(frozen=True)
class Submitted:
    report: Report
    created: bool  # False when an earlier submission with the same external_id was found


def submit_report(
    session: Session, draft: ReportDraft, actor: Actor, *,
    organisation_id: int | None = None, token_id: int | None = None, default_region: str = "GB",
) -> Submitted:
    """Validate, normalise and store a report with its subjects, identifiers and media.

    Raises :class:`jigsaw.intake.domain.InvalidReport` before anything is written.
    Resubmitting the same ``external_id`` from the same organisation returns the first report;
    with a different body (``source_data[BODY_DIGEST_KEY]``) it raises :class:`ExternalIdConflict`.
    """
    prepared = prepare(draft, default_region=default_region)
    if draft.external_id and organisation_id is not None:
        existing = session.scalar(select(Report).where(
            Report.submitted_by_org_id == organisation_id, Report.external_id == draft.external_id))
        if existing is not None:
            if not _same_body(existing, draft):
                raise ExternalIdConflict(draft.external_id, existing)
            return Submitted(existing, created=False)
    report = _store(session, prepared, organisation_id, token_id)
    record(session, actor, AuditAction.COLLECTION, "report", report.id, detail={
        "reference": report.reference, "channel": report.channel, "source": report.source,
        "subjects": len(prepared.subjects), "media": len(prepared.media),
    })
    publish(session, ReportStored(report.id))
    return Submitted(report, created=True)


def _store(session: Session, prepared: PreparedReport, organisation_id: int | None, token_id: int | None) -> Report:
    draft = prepared.draft
    report = Report(
        reference=_unused_reference(session), source=prepared.source.value, channel=draft.channel.value,
        submitted_by_org_id=organisation_id, submitted_by_token_id=token_id, external_id=draft.external_id,
        incident_type=prepared.incident_type.value, incident_at=draft.incident_at, platform=draft.platform,
        summary=draft.summary, escalation=draft.escalation or None, reporter_name=draft.reporter.name or None,
        reporter_email=prepared.reporter_email, reporter_phone=prepared.reporter_phone,
        annotations=list(draft.annotations), source_data=dict(draft.source_data),
        entry_route=draft.entry_route.value if draft.entry_route else None, entry_org_id=draft.entry_org_id,
    )
    if draft.received_at is not None:
        report.received_at = draft.received_at
    session.add(report)
    session.flush()
    subject_ids: list[int] = []
    for prepared_subject in prepared.subjects:
        subject = Subject(report_id=report.id, role=prepared_subject.role.value, name=prepared_subject.name,
                          description=prepared_subject.description, age=prepared_subject.age)
        session.add(subject)
        session.flush()
        subject_ids.append(subject.id)
        for item in prepared_subject.identifiers:
            identifier = identifier_record(session, item.identifier)
            session.add(Observation(identifier_id=identifier.id, report_id=report.id, subject_id=subject.id,
                                    role=subject.role, seen_at=item.seen_at, port=item.port))
    for media in prepared.media:
        session.add(MediaRecord(
            report_id=report.id, md5=media.md5, sha1=media.sha1, sha256=media.sha256, pdq=media.pdq,
            size=media.size, media_type=media.media_type, filename=media.filename,
            uk_category=media.uk_category, vics_category=media.vics_category, series=media.series,
            victim_identified=media.victim_identified, annotations=dict(media.annotations),
            subject_id=None if media.subject_index is None else subject_ids[media.subject_index],
        ))
    for line in draft.lines_of_enquiry or default_lines_of_enquiry(prepared.subjects):
        session.add(LineOfEnquiry(report_id=report.id, title=line.title,
                                  subject_id=None if line.subject_index is None else subject_ids[line.subject_index]))
    session.flush()
    return report


def identifier_blind_index(session: Session, identifier: Identifier) -> str:
    """The blind index ``identifier`` is stored and found under (search looks values up by it)."""
    return cipher_of(session).blind_index(identifier.key)


def identifier_record(session: Session, identifier: Identifier) -> IdentifierRecord:
    """The stored row for ``identifier``, created on first sight (found by blind index)."""
    blind = identifier_blind_index(session, identifier)
    existing = session.scalar(select(IdentifierRecord).where(IdentifierRecord.blind_index == blind))
    if existing is not None:
        return existing
    created = IdentifierRecord(type=identifier.type.value, platform=identifier.platform,
                               blind_index=blind, value=identifier.value)
    try:
        with session.begin_nested():
            session.add(created)
            session.flush()
    except IntegrityError:  # another writer stored it first
        found = session.scalar(select(IdentifierRecord).where(IdentifierRecord.blind_index == blind))
        assert found is not None
        return found
    return created


def _unused_reference(session: Session) -> str:
    for _ in range(10):
        reference = new_reference()
        if session.scalar(select(Report.id).where(Report.reference == reference)) is None:
            return reference
    raise RuntimeError("could not find an unused report reference")


def read_report(session: Session, principal: Principal, report_id: int, *, purpose: str) -> Report:
    """Load a report the principal may see, and record the consultation with its purpose.

    A report the principal may not see is reported as not found, so its existence leaks nothing.
    """
    report = session.scalar(
        select(Report).where(Report.id == report_id)
        .options(selectinload(Report.subjects).selectinload(Subject.observations), selectinload(Report.media))
    )
    if report is None or not can_read_report(principal, report.submitted_by_org_id):
        raise ReportNotFound(report_id)
    record(session, principal.actor, AuditAction.CONSULTATION, "report", report.id, purpose=purpose)
    return report
