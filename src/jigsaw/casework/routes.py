"""HTTP adapters for case work: the queue, the case page and its forms, the workload view, and
the same actions as the ``/api/v1/cases`` API.

Pages post, then redirect back with a flash notice (forms work without JavaScript); every form
carries the session's CSRF token. The API is authorised the same way (analysts and supervisors
of the centre; assignment is for supervisors) and answers errors in JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.casework import assembly, service
from jigsaw.casework import queue as work_queue
from jigsaw.casework.entries import KIND_LABELS, CommsStatus, EnquirySystem
from jigsaw.casework.interfaces import cases_for_reports
from jigsaw.casework.lifecycle import (
    AUTHORED_KINDS,
    CLOSE_REASON_LABELS,
    STATUS_LABELS,
    CaseStatus,
    CloseReason,
    next_statuses,
)
from jigsaw.casework.models import CaseAction
from jigsaw.casework.schemas import (
    ActionIn,
    ActionOut,
    AssignIn,
    CaseList,
    CaseOut,
    CaseSummary,
    CloseIn,
    CommsUpdateIn,
    MergeIn,
    ReopenIn,
    SplitIn,
    StatusIn,
)
from jigsaw.errors import Conflict, InvalidInput, NotAllowed
from jigsaw.http.deps import authorize, db_session, require_csrf
from jigsaw.http.flash import flash
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.templating import render
from jigsaw.intake.interfaces import IncidentType, Source

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

case_pages = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, page=True)
supervisor_pages = authorize(roles={Role.SUPERVISOR}, page=True)
case_api = authorize(roles={Role.ANALYST, Role.SUPERVISOR})
supervisor_api = authorize(roles={Role.SUPERVISOR})

PAGE_PURPOSE = "working a case from the case page"
API_PURPOSE = "working a case through the case-work API"


# --- pages -------------------------------------------------------------------------------------


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, principal: Principal = Depends(case_pages),
               session: Session = Depends(db_session)) -> Response:
    """The case queue: most urgent first (band, then due), filtered by what the URL says."""
    filters = work_queue.parse_filters(request.query_params, request.query_params.getlist)
    result = work_queue.case_queue(session, principal, filters)
    return render(request, "casework/queue.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "q": result, "f": filters,
        "statuses": STATUS_LABELS, "sources": [s.value for s in Source], "incidents": [i.value for i in IncidentType],
        "assignees": work_queue.assignee_filter_choices(session, principal.organisation_id),
        "bands": work_queue.BANDS,
    })


@router.get("/cases/workload", response_class=HTMLResponse)
def workload_page(request: Request, principal: Principal = Depends(supervisor_pages),
                  session: Session = Depends(db_session)) -> Response:
    """Open cases per analyst by band, with overdue counts, for supervisors balancing the work."""
    return render(request, "casework/workload.html", {
        "principal": principal, "csrf_token": request.state.csrf_token,
        "rows": work_queue.workload(session, principal.organisation_id), "bands": work_queue.BANDS,
    })


@router.get("/cases/{case_id}", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def case_page(case_id: int, request: Request, principal: Principal = Depends(case_pages),
              session: Session = Depends(db_session)) -> Response:
    detail = service.read_case(session, principal, case_id, purpose=PAGE_PURPOSE)
    page = render(request, "casework/case.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "d": detail, "c": detail.case,
        "statuses": STATUS_LABELS, "next_statuses": sorted(next_statuses(CaseStatus(detail.case.status))),
        "close_reasons": CLOSE_REASON_LABELS, "kinds": KIND_LABELS, "authored_kinds": AUTHORED_KINDS,
        "comms_statuses": [s.value for s in CommsStatus], "enquiry_systems": [s.value for s in EnquirySystem],
        "assignable": service.assignable_staff(session, principal.organisation_id)
        if principal.role is Role.SUPERVISOR else [],
        "names": service.users_by_id(session, [a.by_user_id for a in detail.actions]
                                     + [a.details.get("to_user_id") for a in detail.actions]
                                     + [a.details.get("from_user_id") for a in detail.actions]),
        "references": service.report_references(
            session, [rid for a in detail.actions for rid in a.details.get("report_ids", ())]),
    })
    if detail.case.assignee_id == principal.user_id:
        service.seen(session, detail.case)
    return page


def _back(request: Request, case_id: int, message: str, kind: Any = "success", anchor: str = "") -> RedirectResponse:
    flash(request, message, kind)
    return RedirectResponse(f"/cases/{case_id}{'#' + anchor if anchor else ''}", status_code=303)


def _refused(request: Request, case_id: int, exc: Exception, anchor: str = "") -> RedirectResponse:
    return _back(request, case_id, f"Not done: {exc}", "error", anchor)


@router.post("/cases/{case_id}/claim")
def claim_form(case_id: int, request: Request, csrf_token: str = Form(""),
               principal: Principal = Depends(case_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        case = service.claim(session, principal, case_id)
    except (Conflict, InvalidInput) as exc:
        return _refused(request, case_id, exc)
    return _back(request, case_id, f"{case.reference} is yours now.")


@router.post("/cases/{case_id}/assign")
def assign_form(case_id: int, request: Request, assignee_id: str = Form(""), csrf_token: str = Form(""),
                principal: Principal = Depends(supervisor_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        target = int(assignee_id) if assignee_id.strip() else None
    except ValueError:
        return _back(request, case_id, "Not done: choose a person.", "error")
    try:
        case = service.assign(session, principal, case_id, target)
    except (Conflict, InvalidInput, NotAllowed) as exc:
        return _refused(request, case_id, exc)
    name = service.users_by_id(session, [case.assignee_id]).get(case.assignee_id or 0, "nobody")
    return _back(request, case_id, f"{case.reference} assigned to {name}.")


@router.post("/cases/{case_id}/status")
def status_form(case_id: int, request: Request, status: str = Form(""), csrf_token: str = Form(""),
                principal: Principal = Depends(case_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        case = service.change_status(session, principal, case_id, status)
    except (Conflict, InvalidInput) as exc:
        return _refused(request, case_id, exc)
    return _back(request, case_id, f"Status: {STATUS_LABELS[CaseStatus(case.status)]}.")


@router.post("/cases/{case_id}/close")
def close_form(case_id: int, request: Request, reason: str = Form(""), explanation: str = Form(""),
               duplicate_of: str = Form(""), csrf_token: str = Form(""),
               principal: Principal = Depends(case_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        case = service.close(session, principal, case_id, reason, explanation, duplicate_of)
    except (Conflict, InvalidInput) as exc:
        return _refused(request, case_id, exc, "close")
    label = CLOSE_REASON_LABELS[CloseReason(case.close_reason or "")]
    return _back(request, case_id, f"{case.reference} closed: {label}.")


@router.post("/cases/{case_id}/reopen")
def reopen_form(case_id: int, request: Request, reason: str = Form(""), csrf_token: str = Form(""),
                principal: Principal = Depends(case_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        case = service.reopen(session, principal, case_id, reason)
    except (Conflict, InvalidInput) as exc:
        return _refused(request, case_id, exc)
    return _back(request, case_id, f"{case.reference} reopened.")


@router.post("/cases/{case_id}/merge")
def merge_form(case_id: int, request: Request, into: str = Form(""), reason: str = Form(""),
               csrf_token: str = Form(""),
               principal: Principal = Depends(case_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        target = service.merge(session, principal, case_id, into, reason)
    except (Conflict, InvalidInput) as exc:
        return _refused(request, case_id, exc, "merge")
    return _back(request, target.id, f"Merged into {target.reference}.")


@router.post("/cases/{case_id}/split")
def split_form(case_id: int, request: Request, report_ids: list[int] = Form([]), reason: str = Form(""),
               csrf_token: str = Form(""),
               principal: Principal = Depends(case_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        new = service.split(session, principal, case_id, report_ids, reason)
    except (Conflict, InvalidInput) as exc:
        return _refused(request, case_id, exc, "split")
    return _back(request, new.id, f"Split into the new case {new.reference}.")


@router.post("/cases/{case_id}/actions")
def action_form(
    case_id: int, request: Request, kind: str = Form(""), text: str = Form(""), csrf_token: str = Form(""),
    method: str = Form(""), system: str = Form(""), asked_of: str = Form(""), platform: str = Form(""),
    what: str = Form(""), expires_on: str = Form(""), reference: str = Form(""), purpose: str = Form(""),
    necessity: str = Form(""), proportionality: str = Form(""), identifier: str = Form(""),
    seen_at: str = Form(""), status: str = Form(""), result: str = Form(""),
    principal: Principal = Depends(case_pages), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    details = {"method": method, "system": system, "asked_of": asked_of, "platform": platform, "what": what,
               "expires_on": expires_on, "reference": reference, "purpose": purpose, "necessity": necessity,
               "proportionality": proportionality, "identifier": identifier, "seen_at": seen_at, "status": status,
               "result": result}
    try:
        entry = service.add_action(session, principal, case_id, kind, text, details)
    except (Conflict, InvalidInput) as exc:
        return _refused(request, case_id, exc, "add-action")
    return _back(request, case_id, f"{KIND_LABELS[entry.kind]} recorded.", anchor="log")  # type: ignore[index]


@router.post("/cases/{case_id}/actions/{action_id}/update")
def comms_update_form(case_id: int, action_id: int, request: Request, status: str = Form(""),
                      result: str = Form(""), text: str = Form(""), csrf_token: str = Form(""),
                      principal: Principal = Depends(case_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        entry = service.update_comms_request(session, principal, case_id, action_id, status, result, text)
    except (Conflict, InvalidInput) as exc:
        return _refused(request, case_id, exc, "log")
    return _back(request, case_id, f"Communications-data request now {entry.status}.", anchor="log")


def report_panel(session: Session, report_id: int, query: Mapping[str, str]) -> dict[str, Any]:
    """The report page's case panel: which case the report is in. A triage override on this page
    publishes no event, so the case's band is brought up to date here too."""
    ref = cases_for_reports(session, [report_id]).get(report_id)
    if ref is not None:
        assembly.refresh_triage(session, [ref.id])
    return {"report_case": ref, "case_statuses": STATUS_LABELS}


# --- API ---------------------------------------------------------------------------------------


def _action_out(a: CaseAction) -> ActionOut:
    return ActionOut(id=a.id, kind=a.kind, at=a.at, by=a.by_label, by_user_id=a.by_user_id, text=a.text,
                     details=a.details or {}, status=a.status, expires_at=a.expires_at,
                     superseded_by_id=a.superseded_by_id)


def _case_out(session: Session, principal: Principal, case_id: int) -> CaseOut:
    d = service.read_case(session, principal, case_id, purpose=API_PURPOSE)
    c = d.case
    return CaseOut(
        id=c.id, reference=c.reference, status=CaseStatus(c.status), band=c.band, due_at=c.due_at,
        escalated=c.escalated, assignee_id=c.assignee_id, assignee=d.assignee, opened_at=c.opened_at,
        updated_at=c.updated_at, closed_at=c.closed_at, close_reason=c.close_reason,
        close_explanation=c.close_explanation, duplicate_of_id=c.duplicate_of_id, merged_into_id=c.merged_into_id,
        new_information=c.new_information, report_ids=[r.id for r in d.reports],
        actions=[_action_out(a) for a in d.actions],
        preservation_warnings=[{"action_id": a.id, "state": s, "expires_at": a.expires_at}
                               for a, s in d.preservation_warnings])


@api_router.get("", response_model=CaseList, summary="The case queue, with the queue page's filters")
def api_cases(
    request: Request,
    band: list[str] = Query([], description="P0-P3; repeat or comma-separate"),
    danger: bool = Query(False, description="Only cases with a danger-now escalation"),
    status: list[str] = Query([], description="Statuses (default: the open ones; 'all' for every status)"),
    assignee: str = Query("", description="mine, unassigned or a user id"),
    source: str = "", platform: str = "", incident: str = "", overdue: bool = False,
    sort: str = Query("band", description="band (band then due), received or updated"),
    page: int = Query(1, ge=1),
    principal: Principal = Depends(case_api), session: Session = Depends(db_session),
) -> CaseList:
    filters = work_queue.parse_filters(request.query_params, request.query_params.getlist)
    result = work_queue.case_queue(session, principal, filters)
    ids = {r.id: r for r in result.rows}
    members = service.report_ids_of(session, list(ids))
    return CaseList(cases=[CaseSummary(
        id=r.id, reference=r.reference, status=CaseStatus(r.status), band=r.band, due_at=r.due_at, overdue=r.overdue,
        escalated=r.escalated, assignee_id=r.assignee_id, assignee=r.assignee, opened_at=r.opened_at,
        updated_at=r.updated_at, new_information=r.new_information, report_count=r.report_count,
        report_ids=members.get(r.id, []), preservation_warning=r.preservation) for r in result.rows],
        total=result.total, page=result.page, pages=result.pages, unassigned_p0_p1=result.unassigned_urgent)


@api_router.get("/{case_id}", response_model=CaseOut, openapi_extra=PERSONAL_DATA,
                summary="One case: its reports, status, assignee and actions log (audited)")
def api_case(case_id: int, principal: Principal = Depends(case_api), session: Session = Depends(db_session)) -> CaseOut:
    return _case_out(session, principal, case_id)


@api_router.post("/{case_id}/claim", response_model=CaseOut, summary="Claim a case (unassigned, or already yours)")
def api_claim(case_id: int, principal: Principal = Depends(case_api),
              session: Session = Depends(db_session)) -> CaseOut:
    service.claim(session, principal, case_id)
    return _case_out(session, principal, case_id)


@api_router.post("/{case_id}/assign", response_model=CaseOut, summary="Assign or reassign a case (supervisors)")
def api_assign(case_id: int, body: AssignIn, principal: Principal = Depends(supervisor_api),
               session: Session = Depends(db_session)) -> CaseOut:
    service.assign(session, principal, case_id, body.assignee_id)
    return _case_out(session, principal, case_id)


@api_router.post("/{case_id}/status", response_model=CaseOut, summary="Move a case along its lifecycle")
def api_status(case_id: int, body: StatusIn, principal: Principal = Depends(case_api),
               session: Session = Depends(db_session)) -> CaseOut:
    service.change_status(session, principal, case_id, body.status.value)
    return _case_out(session, principal, case_id)


@api_router.post("/{case_id}/actions", response_model=ActionOut, status_code=201,
                 summary="Add an entry to the actions log")
def api_action(case_id: int, body: ActionIn, principal: Principal = Depends(case_api),
               session: Session = Depends(db_session)) -> ActionOut:
    details = {k: v for k, v in body.model_dump().items() if k not in {"kind", "text"}}
    return _action_out(service.add_action(session, principal, case_id, body.kind, body.text, details))


@api_router.post("/{case_id}/actions/{action_id}/update", response_model=ActionOut, status_code=201,
                 summary="Record a communications-data request's new status and result")
def api_comms_update(case_id: int, action_id: int, body: CommsUpdateIn, principal: Principal = Depends(case_api),
                     session: Session = Depends(db_session)) -> ActionOut:
    return _action_out(service.update_comms_request(session, principal, case_id, action_id, body.status,
                                                    body.result, body.text))


@api_router.post("/{case_id}/close", response_model=CaseOut, summary="Close a case with a reason")
def api_close(case_id: int, body: CloseIn, principal: Principal = Depends(case_api),
              session: Session = Depends(db_session)) -> CaseOut:
    service.close(session, principal, case_id, body.reason.value, body.explanation, body.duplicate_of)
    return _case_out(session, principal, case_id)


@api_router.post("/{case_id}/reopen", response_model=CaseOut, summary="Reopen a closed case")
def api_reopen(case_id: int, body: ReopenIn | None = None, principal: Principal = Depends(case_api),
               session: Session = Depends(db_session)) -> CaseOut:
    service.reopen(session, principal, case_id, body.reason if body else "")
    return _case_out(session, principal, case_id)


@api_router.post("/{case_id}/merge", response_model=CaseOut, summary="Merge this case into another")
def api_merge(case_id: int, body: MergeIn, principal: Principal = Depends(case_api),
              session: Session = Depends(db_session)) -> CaseOut:
    target = service.merge(session, principal, case_id, body.into, body.reason)
    return _case_out(session, principal, target.id)


@api_router.post("/{case_id}/split", response_model=CaseOut, status_code=201,
                 summary="Move chosen reports into a new case")
def api_split(case_id: int, body: SplitIn, principal: Principal = Depends(case_api),
              session: Session = Depends(db_session)) -> CaseOut:
    new = service.split(session, principal, case_id, body.report_ids, body.reason)
    return _case_out(session, principal, new.id)
