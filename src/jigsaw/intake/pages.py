"""The analyst's report page: what happened, who is involved, and the panels other capabilities add."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.http.deps import authorize, db_session, platform_of
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.templating import render
from jigsaw.intake import service
from jigsaw.intake.domain import INCIDENT_LABELS, IncidentType
from jigsaw.linking.interfaces import media_series, subject_networks
from jigsaw.matching.interfaces import recorded_matches

router = APIRouter(include_in_schema=False)
case_pages = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, page=True)

PAGE_SIZE = 50
STAFF_READ_PURPOSE = "assessment of a report in the analyst queue"


def incident_label(value: str) -> str:
    try:
        return INCIDENT_LABELS[IncidentType(value)]
    except ValueError:
        return value



@router.get("/reports/{report_id}", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def report_page(
    report_id: int, request: Request,
    principal: Principal = Depends(case_pages), session: Session = Depends(db_session),
) -> Response:
    try:
        report = service.read_report(session, principal, report_id, purpose=STAFF_READ_PURPOSE)
    except service.ReportNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such report.") from None
    media_ids = [m.id for m in report.media]
    series = media_series(session, media_ids)
    subject_series: dict[int, dict[int, object]] = {}
    for m in report.media:
        if m.subject_id is not None and m.id in series:
            subject_series.setdefault(m.subject_id, {})[series[m.id].series_id] = series[m.id]
    context: dict[str, object] = {
        "principal": principal, "csrf_token": request.state.csrf_token, "report": report,
        # Where each subject and media item sits: its network page, its series page.
        "networks": subject_networks(session, [s.id for s in report.subjects]),
        "media_series": series,
        "subject_series": {sid: list(found.values()) for sid, found in subject_series.items()},
        # Each media item's recorded bank matches (bank, categories, series as matched).
        "matches": recorded_matches(session, report.id),
    }
    panels = []
    for cap in platform_of(request).capabilities:
        for panel in cap.report_panels:
            context.update(panel.context(session, report.id, request.query_params))
            panels.append(panel.template)
    return render(request, "intake/report.html", {**context, "panels": panels})
