"""The partner API for reports: ``POST /api/v1/reports`` and reading them back."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter, Depends, Header, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role, Scope
from jigsaw.errors import short_message
from jigsaw.http.deps import authorize, db_session, platform_of
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.purpose import stated_purpose
from jigsaw.intake import service
from jigsaw.intake.access import can_read_all_reports
from jigsaw.intake.domain import (
    Channel,
    IdentifierDraft,
    InvalidReport,
    MediaDraft,
    Problem,
    ReportDraft,
    Reporter,
    SubjectDraft,
    prepare,
)
from jigsaw.intake.models import Report
from jigsaw.intake.schemas import (
    IdentifierOut,
    MediaIn,
    MediaOut,
    ReportCreated,
    ReporterOut,
    ReportIn,
    ReportListItem,
    ReportOut,
    ReportPage,
    SubjectOut,
    TriageOut,
    with_ncmec_incident_type,
)
from jigsaw.triage.interfaces import api_triage, triage_view

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

ALL_ORG_KINDS = tuple(OrgKind)
submit_access = authorize(scopes={Scope.REPORTS_SUBMIT}, org_kinds=ALL_ORG_KINDS)
# Partners may read back their own submissions; the access policy filters by organisation.
read_access = authorize(scopes={Scope.REPORTS_READ}, roles={Role.ANALYST, Role.SUPERVISOR}, org_kinds=ALL_ORG_KINDS)

# Logged when a partner reads back its own submission without saying why (true: it sees no other).
PARTNER_READ_BACK = "partner read-back of a submitted report"


def body_digest(body: ReportIn) -> str:
    """SHA-256 of the validated body (NCMEC names already mapped), to tell a resubmission of the
    same report from a different one reusing its ``external_id``."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def draft_from_api(body: ReportIn) -> ReportDraft:
    reporter = body.reporter or None
    return ReportDraft(
        source=body.source.value, incident_type=body.incident_type.value, summary=body.summary,
        channel=Channel.API, incident_at=body.incident_at, platform=body.platform, escalation=body.escalation,
        reporter=Reporter(reporter.name, reporter.email, reporter.phone) if reporter else Reporter(),
        subjects=tuple(
            SubjectDraft(
                role=s.role.value, name=s.name, description=s.description, age=s.age,
                identifiers=tuple(IdentifierDraft(i.type.value, i.value, i.platform, i.seen_at, i.port)
                                  for i in s.identifiers),
            ) for s in body.subjects
        ),
        media=tuple(MediaDraft(m.md5, m.sha1, m.sha256, m.pdq, m.filename, m.size, m.media_type,
                               uk_category=m.uk_category, vics_category=m.vics_category,
                               annotations=_media_annotations(m))
                    for m in body.media),
        external_id=body.external_id,
        annotations=tuple(dict.fromkeys(body.annotations)),
        source_data={service.BODY_DIGEST_KEY: body_digest(body)},
    )


def _str(raw: Any) -> str | None:
    return raw if isinstance(raw, str) else None


def _list(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else []


def _dict(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


def _int(raw: Any) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def lenient_draft(raw: Any) -> ReportDraft | None:
    """A draft of whatever in a raw body has the right JSON type (the rest left empty), for the
    domain checks of :func:`domain_problems_of_raw`; None when the body is not an object."""
    if not isinstance(raw, dict):
        return None
    raw = with_ncmec_incident_type(raw)
    reporter = _dict(raw.get("reporter"))
    subjects = []
    for s in _list(raw.get("subjects")):
        s = _dict(s)
        idents = tuple(
            IdentifierDraft(_str(i.get("type")) or "", _str(i.get("value")) or "", _str(i.get("platform")),
                            None, _int(i.get("port")))
            for i in map(_dict, _list(s.get("identifiers"))))
        subjects.append(SubjectDraft(_str(s.get("role")) or "", _str(s.get("name")), _str(s.get("description")),
                                     _int(s.get("age")), idents))
    media = tuple(MediaDraft(_str(m.get("md5")), _str(m.get("sha1")), _str(m.get("sha256")), _str(m.get("pdq")),
                             uk_category=_str(m.get("uk_category")), vics_category=_int(m.get("vics_category")))
                  for m in map(_dict, _list(raw.get("media"))))
    return ReportDraft(
        source=_str(raw.get("source")) or "", incident_type=_str(raw.get("incident_type")) or "",
        summary=_str(raw.get("summary")) or "", platform=_str(raw.get("platform")),
        escalation=_str(raw.get("escalation")),
        reporter=Reporter(_str(reporter.get("name")), _str(reporter.get("email")), _str(reporter.get("phone"))),
        subjects=tuple(subjects), media=media)


def _media_annotations(media: MediaIn) -> dict[str, Any]:
    """The shape the CyberTipline import stores, so triage reads both the same way."""
    found: dict[str, Any] = {}
    if media.file_annotations:
        found["file_annotations"] = list(dict.fromkeys(media.file_annotations))
    if media.industry_classification:
        found["industry_classification"] = media.industry_classification
    return found


def problem_details(problems: list[Problem]) -> list[dict[str, Any]]:
    """Domain problems in the shape FastAPI uses for its own 422s, so clients parse one format."""
    return [{"loc": ["body", *p.loc], "msg": short_message(p.msg), "type": "value_error"} for p in problems]


def problems_response(error: InvalidReport) -> JSONResponse:
    return JSONResponse({"detail": problem_details(error.problems)},
                        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def domain_problems_of_raw(request: Request, raw: Any) -> list[dict[str, Any]]:
    """When the body fails its schema, the domain checks (identifiers, reporter email and phone,
    hashes) still run on every part that can be read, so one 422 names every failing field."""
    draft = lenient_draft(raw)
    if draft is None:
        return []
    try:
        prepare(draft, default_region=platform_of(request).settings.default_phone_region)
    except InvalidReport as error:
        return problem_details(error.problems)
    return []


class ExternalIdReused(BaseModel):
    detail: str
    existing: ReportCreated


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReportCreated,
             responses={200: {"model": ReportCreated, "description": "Already submitted (same external_id, same body)"},
                        409: {"model": ExternalIdReused,
                              "description": "This external_id was used before with a different body; "
                                             "the existing report is named"},
                        422: {"description": "Invalid body; every failing field is named in one answer, the "
                                             "identifier, email and phone checks included; long values are "
                                             "not echoed back"}})
def submit_report(
    body: ReportIn, request: Request,
    principal: Principal = Depends(submit_access), session: Session = Depends(db_session),
) -> JSONResponse:
    """Submit a report. Nothing is stored unless the whole body is valid."""
    try:
        submitted = service.submit_report(
            session, draft_from_api(body), principal.actor, organisation_id=principal.organisation_id,
            token_id=principal.token_id, default_region=platform_of(request).settings.default_phone_region,
        )
    except InvalidReport as error:
        return problems_response(error)
    except service.ExternalIdConflict as conflict:
        existing = ReportCreated(id=conflict.report_id, reference=conflict.reference, created=False)
        return JSONResponse(ExternalIdReused(detail=str(conflict), existing=existing).model_dump(),
                            status_code=status.HTTP_409_CONFLICT)
    payload = ReportCreated(id=submitted.report.id, reference=submitted.report.reference, created=submitted.created)
    code = status.HTTP_201_CREATED if submitted.created else status.HTTP_200_OK
    return JSONResponse(payload.model_dump(), status_code=code)


# Read by the 422 handler (jigsaw.web.errors) when this route's body fails its schema.
submit_report.further_checks = domain_problems_of_raw  # type: ignore[attr-defined]


@router.get("", response_model=ReportPage)
def list_reports(
    principal: Principal = Depends(read_access), session: Session = Depends(db_session),
    limit: int = 50, offset: int = 0,
) -> ReportPage:
    """Reports you may read, newest first: all of them for the centre, your own for a partner."""
    limit = max(1, min(limit, 500))
    query = select(Report.id, Report.reference, Report.received_at, Report.source, Report.incident_type)
    count = select(func.count(Report.id))
    if not can_read_all_reports(principal):
        query = query.where(Report.submitted_by_org_id == principal.organisation_id)
        count = count.where(Report.submitted_by_org_id == principal.organisation_id)
    rows = session.execute(query.order_by(Report.received_at.desc(), Report.id.desc()).limit(limit).offset(offset))
    items = [ReportListItem(id=r[0], reference=r[1], received_at=r[2], source=r[3], incident_type=r[4]) for r in rows]
    return ReportPage(total=session.scalar(count) or 0, items=items)


@router.get("/{report_id}", response_model=ReportOut, responses={404: {"description": "No such report visible to you"}},
            openapi_extra=PERSONAL_DATA)
def get_report(
    report_id: int,
    principal: Principal = Depends(read_access), session: Session = Depends(db_session),
    x_purpose: str | None = Header(default=None, description=(
        "Why you are reading it (audited; 3 to 200 characters). Required of the centre's readers; a partner "
        "reading back its own submission may leave it out.")),
) -> ReportOut:
    """A report with its subjects, normalised identifiers and triage. The read is audited.

    ``triage`` is shown to the centre's case-workers only: a partner reading back its own
    submission does not learn how the centre prioritised it.
    """
    # Not visible to this reader: ReportNotFound, 404 (jigsaw.web.errors).
    purpose = stated_purpose(x_purpose, required=can_read_all_reports(principal), default=PARTNER_READ_BACK)
    report = service.read_report(session, principal, report_id, purpose=purpose)
    out = report_out(report)
    if can_read_all_reports(principal):
        found = api_triage(triage_view(session, report.id, history=False))
        out.triage = TriageOut(**found) if found else None
    return out


def report_out(report: Report) -> ReportOut:
    return ReportOut(
        id=report.id, reference=report.reference, source=report.source, channel=report.channel,
        status=report.status, received_at=report.received_at, incident_type=report.incident_type,
        incident_at=report.incident_at, platform=report.platform, summary=report.summary,
        escalation=report.escalation,
        reporter=ReporterOut(name=report.reporter_name, email=report.reporter_email, phone=report.reporter_phone),
        subjects=[
            SubjectOut(
                id=s.id, role=s.role, name=s.name, description=s.description, age=s.age,
                identifiers=[IdentifierOut(type=o.identifier.type, value=o.identifier.value,
                                           platform=o.identifier.platform, seen_at=o.seen_at, port=o.port)
                             for o in s.observations],
            ) for s in report.subjects
        ],
        media=[MediaOut(id=m.id, md5=m.md5, sha1=m.sha1, sha256=m.sha256, pdq=m.pdq, size=m.size,
                        media_type=m.media_type) for m in report.media],
    )
