"""The analyst's report page: what happened, who is involved, and the panels other capabilities add."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.http.deps import authorize, db_session, platform_of
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.templating import render
from jigsaw.intake import service
from jigsaw.intake.domain import INCIDENT_LABELS, IncidentType
from jigsaw.linking.interfaces import SeriesRef, media_series, subject_networks
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


def _entry_platform(session: Session, org_id: int | None) -> str | None:
    """The platform whose Report Abuse button the reporter pressed, by name."""
    org = session.get(Organisation, org_id) if org_id is not None else None
    return org.name if org is not None else None


@router.get("/reports/{report_id}", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def report_page(
    report_id: int, request: Request,
    principal: Principal = Depends(case_pages), session: Session = Depends(db_session),
) -> Response:
    try:
        report = service.read_report(session, principal, report_id, purpose=STAFF_READ_PURPOSE)
    except service.ReportNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such report.") from None
    series = media_series(session, [m.id for m in report.media])
    # A subject's series are those of the media attributed to it; the rest belong to the report.
    by_subject: dict[int | None, dict[int, SeriesRef]] = {}
    for m in report.media:
        if m.id in series:
            by_subject.setdefault(m.subject_id, {})[series[m.id].series_id] = series[m.id]
    subject_ids = {s.id for s in report.subjects}
    unattributed = [ref for key, refs in by_subject.items() if key not in subject_ids for ref in refs.values()]
    context: dict[str, object] = {
        "principal": principal, "csrf_token": request.state.csrf_token, "report": report,
        # Where each subject and media item sits: its network page, its series page.
        "networks": subject_networks(session, [s.id for s in report.subjects]),
        "media_series": series,
        "subject_series": {sid: list(refs.values()) for sid, refs in by_subject.items() if sid in subject_ids},
        "report_series": list({ref.series_id: ref for ref in unattributed}.values()),
        # Each media item's recorded bank matches (bank, categories, series as matched).
        "matches": recorded_matches(session, report.id),
        "entry_platform": _entry_platform(session, report.entry_org_id),
    }
    panels: list[str] = []
    top_panels: list[str] = []
    for cap in platform_of(request).capabilities:
        for panel in cap.report_panels:
            context.update(panel.context(session, report.id, request.query_params))
            (top_panels if panel.top else panels).append(panel.template)
    return render(request, "intake/report.html", {**context, "panels": panels, "top_panels": top_panels})
