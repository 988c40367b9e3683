"""Triage pages and actions: item records and overrides from the report page, supervisors'
monitoring and configuration approval, and the ATRS record. Forms are CSRF-protected and work
without JavaScript (post, then redirect back to the report).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.audit.service import Actor
from jigsaw.http.deps import authorize, db_session, require_csrf
from jigsaw.http.flash import Kind, flash
from jigsaw.http.templating import render
from jigsaw.intake import interfaces as intake
from jigsaw.triage import configs, overrides, queries, records
from jigsaw.triage.atrs import atrs_record, to_markdown
from jigsaw.triage.errors import TriageError
from jigsaw.triage.model import ConfigError
from jigsaw.triage.models import OverrideStatus
from jigsaw.triage.schemas import AtrsRecord

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/triage", tags=["triage"])

case_workers = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, page=True)
supervisors = authorize(roles={Role.SUPERVISOR}, page=True)
staff = authorize(roles=tuple(Role))

TRIAGE_PURPOSE = "recording triage information on a report"


def report_panel(session: Session, report_id: int, query: Mapping[str, str]) -> dict[str, Any]:
    """The triage panel on the report page: band, explanation, items and overrides."""
    return {"triage": queries.triage_view(session, report_id), "triage_config": configs.active_config(session),
            "reason_labels": overrides.REASON_LABELS}


def _check_report(session: Session, principal: Principal, report_id: int) -> None:
    try:
        intake.read_report(session, principal, report_id, purpose=TRIAGE_PURPOSE)
    except intake.ReportNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such report.") from None


def _back(request: Request, report_id: int, message: str, anchor: str = "triage", *,
          kind: Kind = "success") -> RedirectResponse:
    flash(request, message, kind)
    return RedirectResponse(f"/reports/{report_id}#{anchor}", status_code=303)


@router.post("/reports/{report_id}/triage/items")
def record_item(
    report_id: int, request: Request,
    subject_id: int = Form(...), item_id: str = Form(...), value: str = Form(...), evidence: str = Form(""),
    csrf_token: str = Form(""),
    principal: Principal = Depends(case_workers), session: Session = Depends(db_session),
) -> Response:
    """Record yes/no/unknown for one item on a subject; the report re-scores at once."""
    require_csrf(request, csrf_token)
    _check_report(session, principal, report_id)
    try:
        records.record_item(session, principal, report_id, subject_id, item_id, value, evidence)
    except TriageError as exc:
        return _back(request, report_id, f"Not recorded: {exc}", kind="error")
    return _back(request, report_id, "Recorded. The assessment below has been updated.")


@router.post("/reports/{report_id}/triage/override")
def override(
    report_id: int, request: Request,
    to_band: str = Form(...), reason_code: str = Form(...), reason_text: str = Form(""), csrf_token: str = Form(""),
    principal: Principal = Depends(case_workers), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    _check_report(session, principal, report_id)
    try:
        result = overrides.request_override(session, principal, report_id, to_band, reason_code, reason_text)
    except TriageError as exc:
        return _back(request, report_id, f"Not changed: {exc}", kind="error")
    if result.status == OverrideStatus.PENDING:
        return _back(request, report_id, f"Lowering to {result.to_band} waits for a different supervisor's approval.")
    return _back(request, report_id, f"Band set to {result.to_band}.")


@router.post("/triage/overrides/{override_id}/decide")
def decide(
    override_id: int, request: Request,
    decision: str = Form(...), note: str = Form(""), csrf_token: str = Form(""),
    principal: Principal = Depends(supervisors), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    try:
        result = overrides.decide_override(session, principal, override_id, decision == "approve", note)
    except TriageError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return _back(request, result.report_id, f"Override {result.status}.")


@router.get("/triage/monitor", response_class=HTMLResponse)
def monitor(request: Request, principal: Principal = Depends(supervisors),
            session: Session = Depends(db_session)) -> Response:
    """Supervisors' view: bands, overdue work, override rates, pending downgrades, outcomes."""
    data = queries.monitoring(session)
    return render(request, "triage/monitor.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "m": data,
        "config": configs.active_config(session),
    })


@router.get("/triage/config", response_class=HTMLResponse)
def config_page(request: Request, principal: Principal = Depends(supervisors),
                session: Session = Depends(db_session), msg: str | None = None) -> Response:
    return render(request, "triage/config.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "versions": configs.config_versions(session),
        "active": configs.active_config(session), "shipped": configs.shipped_config(), "msg": msg,
    })


@router.post("/triage/config/{version}/approve")
def approve_config(version: str, request: Request, csrf_token: str = Form(""),
                   principal: Principal = Depends(supervisors), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        configs.approve_config(session, version, principal.label,
                               approver_actor=Actor(principal.actor.label, principal.organisation_id))
        message = f"Approved {version}."
    except (TriageError, ConfigError) as exc:
        message = f"Not approved: {exc}"
    from urllib.parse import quote

    return RedirectResponse(f"/triage/config?msg={quote(message)}", status_code=303)


@api_router.get("/atrs", response_model=AtrsRecord, responses={200: {"content": {"text/markdown": {}}}})
def atrs(format: str = "json", principal: Principal = Depends(staff),
         session: Session = Depends(db_session)) -> Response | dict[str, Any]:
    """The ATRS (tiers 1 and 2) record of the live triage model, as JSON or Markdown."""
    record = atrs_record(configs.active_config(session))
    if format == "markdown":
        return PlainTextResponse(to_markdown(record), media_type="text/markdown; charset=utf-8")
    if format != "json":
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "format is json or markdown")
    return record
