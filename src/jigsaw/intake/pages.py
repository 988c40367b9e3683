"""Analyst pages: the triage-ordered report queue and a report with its subjects, identifiers and triage."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.intake import service
from jigsaw.intake.access import can_read_all_reports
from jigsaw.intake.domain import INCIDENT_LABELS, IncidentType
from jigsaw.triage import service as triage
from jigsaw.web.deps import authorize, db_session
from jigsaw.web.personal_data import PERSONAL_DATA
from jigsaw.web.templating import templates

router = APIRouter(include_in_schema=False)
case_pages = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, page=True)

PAGE_SIZE = 50
STAFF_READ_PURPOSE = "assessment of a report in the analyst queue"


def incident_label(value: str) -> str:
    try:
        return INCIDENT_LABELS[IncidentType(value)]
    except ValueError:
        return value


templates.env.filters["incident_label"] = incident_label


@router.get("/queue", response_class=HTMLResponse)
def queue(
    request: Request, page: int = 1,
    principal: Principal = Depends(case_pages), session: Session = Depends(db_session),
) -> Response:
    page = max(page, 1)
    rows: list[triage.QueueEntry] = []
    total = 0
    if can_read_all_reports(principal):
        rows, total = triage.triage_queue(session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return templates.TemplateResponse(request, "queue.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "rows": rows, "total": total,
        "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
    })


@router.get("/reports/{report_id}", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def report_page(
    report_id: int, request: Request, triage_msg: str | None = None,
    principal: Principal = Depends(case_pages), session: Session = Depends(db_session),
) -> Response:
    try:
        report = service.read_report(session, principal, report_id, purpose=STAFF_READ_PURPOSE)
    except service.ReportNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such report.") from None
    return templates.TemplateResponse(request, "report.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "report": report,
        "triage": triage.triage_view(session, report.id), "triage_config": triage.active_config(session),
        "reason_labels": triage.REASON_LABELS, "triage_msg": (triage_msg or "")[:300],
    })
