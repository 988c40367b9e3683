"""Duty alert pages and API: the list of alerts, and acknowledging one (from the banner's
button, CSRF-protected, or ``POST /api/v1/alerts/{id}/acknowledge``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import CASE_ROLES
from jigsaw.alerts import service
from jigsaw.alerts.models import REASON_LABELS
from jigsaw.alerts.schemas import AlertList, AlertOut
from jigsaw.errors import NotFound
from jigsaw.http.deps import authorize, db_session, require_csrf
from jigsaw.http.flash import flash
from jigsaw.http.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])

duty_pages = authorize(roles=CASE_ROLES, page=True)
duty_api = authorize(roles=CASE_ROLES)


def _local(path: str) -> str:
    """``path`` if it is a page of this site, else the queue (never an open redirect)."""
    if path.startswith("/") and not path.startswith(("//", "/\\")):
        return path
    return "/queue"


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, principal: Principal = Depends(duty_pages),
                session: Session = Depends(db_session)) -> Response:
    """Open duty alerts first, then the newest ones acknowledged."""
    return render(request, "alerts/list.html", {
        "principal": principal, "csrf_token": request.state.csrf_token,
        "open": service.open_alerts(session), "recent": service.recent_alerts(session), "reason_labels": REASON_LABELS,
    })


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_page(alert_id: int, request: Request, csrf_token: str = Form(""), next: str = Form("/alerts"),
                     principal: Principal = Depends(duty_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        alert, mine = service.acknowledge(session, principal, alert_id)
    except NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such alert.") from None
    if mine:
        flash(request, f"Duty alert for {alert.reference} acknowledged.")
    else:
        flash(request, f"{alert.acknowledged_by} had already acknowledged the alert for {alert.reference}.", "info")
    return RedirectResponse(_local(next), status_code=303)


@api_router.get("", response_model=AlertList)
def list_alerts(principal: Principal = Depends(duty_api), session: Session = Depends(db_session)) -> AlertList:
    """Unacknowledged duty alerts, the oldest first."""
    return AlertList(alerts=[AlertOut.model_validate(a) for a in service.open_alerts(session)])


@api_router.post("/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge_api(alert_id: int, principal: Principal = Depends(duty_api),
                    session: Session = Depends(db_session)) -> AlertOut:
    """Acknowledge a duty alert as the signed-in user (a second acknowledgement changes nothing)."""
    try:
        alert, _ = service.acknowledge(session, principal, alert_id)
    except NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such alert.") from None
    return AlertOut.model_validate(alert)
