"""The dissemination pages: the centre's packages (draft, route, mark, submit, approve, return,
re-route), batches, and the force's inbox (acknowledge, accept, return with a reason, the thread).

Forms post and redirect back with a notice, and work without JavaScript; each has its API route.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.casework.interfaces import case_by_reference
from jigsaw.dissemination import exports, service
from jigsaw.dissemination.evidence import for_recipient
from jigsaw.dissemination.grading import ASSESSMENT_LABELS, HANDLING_LABELS, SOURCE_LABELS
from jigsaw.dissemination.lifecycle import SENT, STATUS_LABELS, PackageStatus
from jigsaw.errors import Conflict, InvalidInput, NotAllowed
from jigsaw.http.deps import authorize, db_session, platform_of, require_csrf
from jigsaw.http.flash import flash
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.templating import render
from jigsaw.markings import TLP_MEANING, Classification, Descriptor, Tlp
from jigsaw.routing import interfaces as routing

router = APIRouter(include_in_schema=False)

centre_pages = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, page=True)
supervisor_pages = authorize(roles={Role.SUPERVISOR}, page=True)
inbox_pages = authorize(roles={Role.FORCE_LIAISON}, org_kinds=(OrgKind.UK_FORCE, OrgKind.PARTNER_AGENCY), page=True)

PAGE_PURPOSE = "working a dissemination package from its page"
INBOX_PURPOSE = "receiving a package disseminated to our organisation (inbox)"
REFUSED = (Conflict, InvalidInput, NotAllowed)


def _vocab() -> dict[str, Any]:
    return {"statuses": STATUS_LABELS, "classifications": [c.value for c in Classification],
            "descriptors": [d.value for d in Descriptor], "tlps": [t.value for t in Tlp], "tlp_meaning": TLP_MEANING,
            "source_labels": SOURCE_LABELS, "assessment_labels": ASSESSMENT_LABELS, "handling_labels": HANDLING_LABELS,
            "basis_labels": routing.BASIS_LABELS}


def _back(request: Request, url: str, message: str, kind: Any = "success") -> RedirectResponse:
    flash(request, message, kind)
    return RedirectResponse(url, status_code=303)


def _refused(request: Request, url: str, exc: Exception) -> RedirectResponse:
    return _back(request, url, f"Not done: {exc}", "error")


# --- the centre -----------------------------------------------------------------------------------------


@router.get("/packages", response_class=HTMLResponse)
def packages_page(request: Request, status: str = "", mine: bool = False,
                  principal: Principal = Depends(centre_pages), session: Session = Depends(db_session)) -> Response:
    """Every package at the centre, newest first, with what needs someone now."""
    rows = service.list_packages(session, principal, statuses=[status] if status else [], mine=mine)
    return render(request, "dissemination/list.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "rows": rows, "status": status, "mine": mine,
        "counts": service.counts_by_status(session, principal), "attention": service.attention(session, principal),
        **_vocab()})


@router.get("/packages/new", response_class=HTMLResponse)
def new_package_page(request: Request, case: str = "", report: list[int] = Query([]),
                     principal: Principal = Depends(centre_pages), session: Session = Depends(db_session)) -> Response:
    """The form for a new package: the reports of a case (or the reports named), to be routed."""
    report_ids = list(report)
    case_ref = None
    if case.strip():
        found = case_by_reference(session, case)
        if found is not None:
            case_ref, ids = found
            report_ids = [*report_ids, *ids]
    return render(request, "dissemination/new.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "case": case_ref,
        "report_ids": sorted(set(report_ids)), "recipients": routing.recipients(session), **_vocab()})


def _items_from_form(texts: list[str], sources: list[str], assessments: list[str], handlings: list[str],
                     conditions: list[str]) -> tuple[dict[str, Any], ...]:
    items = []
    for n, text in enumerate(texts):
        if not text.strip():
            continue
        items.append({"text": text, "source_evaluation": sources[n] if n < len(sources) else None,
                      "assessment": assessments[n] if n < len(assessments) else None,
                      "handling": handlings[n] if n < len(handlings) else None,
                      "conditions": conditions[n] if n < len(conditions) else None})
    return tuple(items)


@router.post("/packages")
def create_form(
    request: Request, report_ids: str = Form(""), summary: str = Form(""), recipient_org_id: str = Form(""),
    route_reason: str = Form(""), classification: str = Form("OFFICIAL-SENSITIVE"), descriptor: str = Form(""),
    tlp: str = Form(""), handling: str = Form(""), item_text: list[str] = Form([]), item_source: list[str] = Form([]),
    item_assessment: list[str] = Form([]), item_handling: list[str] = Form([]),
    item_conditions: list[str] = Form([]), csrf_token: str = Form(""),
    principal: Principal = Depends(centre_pages), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    try:
        ids = tuple(int(x) for x in report_ids.replace(",", " ").split())
    except ValueError:
        return _back(request, "/packages/new", "Not done: report ids are numbers.", "error")
    spec = service.DraftSpec(ids, summary, (), int(recipient_org_id) if recipient_org_id.strip().isdigit() else None,
                             route_reason or None, classification, descriptor or None, tlp or None, handling,
                             _items_from_form(item_text, item_source, item_assessment, item_handling,
                                              item_conditions))
    try:
        package = service.create_package(session, principal, spec)
    except REFUSED as exc:
        return _refused(request, "/packages/new?" + "&".join(f"report={i}" for i in ids), exc)
    return _back(request, f"/packages/{package.id}", f"Package {package.reference} drafted.")


@router.get("/packages/{package_id}", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def package_page(package_id: int, request: Request, principal: Principal = Depends(centre_pages),
                 session: Session = Depends(db_session)) -> Response:
    view = service.read_package(session, principal, package_id, purpose=PAGE_PURPOSE)
    return render(request, "dissemination/package.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "v": view, "p": view.package,
        "evidence": view.package.evidence or {}, "recipients": routing.recipients(session),
        "report_links": service.report_links(session, view.report_ids),
        "editable": PackageStatus(view.package.status) in {PackageStatus.DRAFT, PackageStatus.RETURNED},
        **_panels(request, session, principal, view), **_vocab()})


def _panels(request: Request, session: Session, principal: Principal, view: service.PackageView) -> dict[str, Any]:
    """The sections other capabilities add to a sent package's page (outcomes), with their variables."""
    if view.package.status not in {s.value for s in SENT}:
        return {"panels": []}
    context: dict[str, Any] = {}
    panels: list[str] = []
    for cap in platform_of(request).capabilities:
        for panel in cap.package_panels:
            context.update(panel.context(session, principal, view.package.id))
            panels.append(panel.template)
    return {**context, "panels": panels}


def _action(request: Request, package_id: int, csrf_token: str, done: str, call: Any) -> Response:
    require_csrf(request, csrf_token)
    url = f"/packages/{package_id}"
    try:
        result = call()
    except REFUSED as exc:
        return _refused(request, url, exc)
    if isinstance(result, str):
        return _back(request, result, done)
    return _back(request, url, done)


@router.post("/packages/{package_id}/edit")
def edit_form(
    package_id: int, request: Request, summary: str = Form(""), recipient_org_id: str = Form(""),
    route_reason: str = Form(""), classification: str = Form(""), descriptor: str = Form(""), tlp: str = Form(""),
    handling: str = Form(""), marking_reason: str = Form(""), item_text: list[str] = Form([]),
    item_source: list[str] = Form([]), item_assessment: list[str] = Form([]), item_handling: list[str] = Form([]),
    item_conditions: list[str] = Form([]), csrf_token: str = Form(""),
    principal: Principal = Depends(centre_pages), session: Session = Depends(db_session),
) -> Response:
    items = _items_from_form(item_text, item_source, item_assessment, item_handling, item_conditions)
    edit = service.PackageEdit(
        summary or None, int(recipient_org_id) if recipient_org_id.strip().isdigit() else None, route_reason or None,
        classification or None, descriptor if classification else None, tlp if classification else None,
        handling if classification else None, items or None, marking_reason or None)
    return _action(request, package_id, csrf_token, "Package saved.",
                   lambda: service.edit_package(session, principal, package_id, edit))


@router.post("/packages/{package_id}/route")
def route_form(package_id: int, request: Request, csrf_token: str = Form(""),
               principal: Principal = Depends(centre_pages), session: Session = Depends(db_session)) -> Response:
    return _action(request, package_id, csrf_token, "Routed again from the record.",
                   lambda: service.reroute_package(session, principal, package_id))


@router.post("/packages/{package_id}/submit")
def submit_form(package_id: int, request: Request, comment: str = Form(""), csrf_token: str = Form(""),
                principal: Principal = Depends(centre_pages), session: Session = Depends(db_session)) -> Response:
    return _action(request, package_id, csrf_token, "Submitted for approval by a supervisor.",
                   lambda: service.submit(session, principal, package_id, comment))


@router.post("/packages/{package_id}/approve")
def approve_form(package_id: int, request: Request, comment: str = Form(""), csrf_token: str = Form(""),
                 principal: Principal = Depends(supervisor_pages), session: Session = Depends(db_session)) -> Response:
    return _action(request, package_id, csrf_token, "Approved and dispatched.",
                   lambda: service.approve(session, principal, package_id, comment))


@router.post("/packages/{package_id}/return")
def return_form(package_id: int, request: Request, comment: str = Form(""), csrf_token: str = Form(""),
                principal: Principal = Depends(supervisor_pages), session: Session = Depends(db_session)) -> Response:
    return _action(request, package_id, csrf_token, "Returned to the author.",
                   lambda: service.return_to_author(session, principal, package_id, comment))


@router.post("/packages/{package_id}/marking")
def marking_form(package_id: int, request: Request, classification: str = Form(""), descriptor: str = Form(""),
                 tlp: str = Form(""), reason: str = Form(""), csrf_token: str = Form(""),
                 principal: Principal = Depends(supervisor_pages), session: Session = Depends(db_session)) -> Response:
    return _action(request, package_id, csrf_token, "Marking lowered.",
                   lambda: service.lower_marking(session, principal, package_id, classification=classification or None,
                                                 descriptor=descriptor or None, tlp=tlp or None, reason=reason))


@router.post("/packages/{package_id}/reroute")
def reroute_form(package_id: int, request: Request, recipient_org_id: str = Form(""), reason: str = Form(""),
                 csrf_token: str = Form(""),
                 principal: Principal = Depends(centre_pages), session: Session = Depends(db_session)) -> Response:
    def call() -> str:
        new = service.resend_elsewhere(session, principal, package_id,
                                       int(recipient_org_id) if recipient_org_id.strip().isdigit() else None,
                                       reason or None)
        return f"/packages/{new.id}"
    return _action(request, package_id, csrf_token, "A new draft for another recipient.", call)


@router.post("/packages/{package_id}/messages")
def message_form(package_id: int, request: Request, text: str = Form(""), csrf_token: str = Form(""),
                 principal: Principal = Depends(centre_pages), session: Session = Depends(db_session)) -> Response:
    return _action(request, package_id, csrf_token, "Message sent.",
                   lambda: service.post_message(session, principal, package_id, text))


@router.get("/packages/{package_id}/export.pdf", openapi_extra=PERSONAL_DATA)
def pdf_export(package_id: int, principal: Principal = Depends(centre_pages),
               session: Session = Depends(db_session)) -> Response:
    """The package as a PDF, the marking at the top and bottom of every page (made in memory)."""
    return exports.pdf_response(service.read_package(session, principal, package_id, purpose=PAGE_PURPOSE + " (PDF)"))


@router.get("/packages/{package_id}/print", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def print_page(package_id: int, request: Request, principal: Principal = Depends(centre_pages),
               session: Session = Depends(db_session)) -> Response:
    view = service.read_package(session, principal, package_id, purpose=PAGE_PURPOSE + " (printed)")
    return _printable(request, view)


def _printable(request: Request, view: service.PackageView) -> Response:
    return render(request, "dissemination/print.html", {"doc": exports.printable(view), "v": view, **_vocab()},
                  headers={"Cache-Control": "no-store"})


@router.post("/packages/batches")
def batch_form(request: Request, report_ids: str = Form(""), csrf_token: str = Form(""),
               principal: Principal = Depends(centre_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        ids = [int(x) for x in report_ids.replace(",", " ").split()]
        made = service.draft_batch(session, principal, ids)
    except ValueError:
        return _back(request, "/packages", "Not done: report ids are numbers.", "error")
    except REFUSED as exc:
        return _refused(request, "/packages", exc)
    return _back(request, f"/packages/batches/{made.batch.id}",
                 f"Batch {made.batch.reference}: {len(made.package_ids)} packages drafted, {made.routed} routed.")


@router.get("/packages/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(batch_id: int, request: Request, principal: Principal = Depends(centre_pages),
               session: Session = Depends(db_session)) -> Response:
    batch = service.get_batch(session, principal, batch_id)
    rows = service.list_packages(session, principal, batch_id=batch.id, limit=100_000)
    return render(request, "dissemination/batch.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "batch": batch, "rows": rows,
        "author": service.users_by_id(session, [batch.created_by_id]).get(batch.created_by_id, "?"), **_vocab()})


@router.post("/packages/batches/{batch_id}/submit")
def batch_submit_form(batch_id: int, request: Request, csrf_token: str = Form(""),
                      principal: Principal = Depends(centre_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    url = f"/packages/batches/{batch_id}"
    try:
        outcome = service.submit_batch(session, principal, batch_id)
    except REFUSED as exc:
        return _refused(request, url, exc)
    return _back(request, url, f"{len(outcome.done)} submitted; {len(outcome.not_ready)} still need something.")


@router.post("/packages/batches/{batch_id}/approve")
def batch_approve_form(batch_id: int, request: Request, csrf_token: str = Form(""),
                       principal: Principal = Depends(supervisor_pages),
                       session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    url = f"/packages/batches/{batch_id}"
    try:
        outcome = service.approve_batch(session, principal, batch_id)
    except REFUSED as exc:
        return _refused(request, url, exc)
    return _back(request, url, f"{len(outcome.done)} approved and dispatched; {len(outcome.not_ready)} not ready.")


def report_panel(session: Session, report_id: int, query: Mapping[str, str]) -> dict[str, Any]:
    """The report page's dissemination panel: the packages this report is in."""
    return {"report_packages": service.packages_for_reports(session, [report_id]).get(report_id, []),
            "package_report_id": report_id, "package_statuses": STATUS_LABELS}


# --- the recipient's inbox ------------------------------------------------------------------------------


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, status: str = "", principal: Principal = Depends(inbox_pages),
               session: Session = Depends(db_session)) -> Response:
    """The force's inbox: only the packages dispatched to its own organisation."""
    rows = service.list_packages(session, principal, statuses=[status] if status else [])
    return render(request, "dissemination/inbox.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "rows": rows, "status": status,
        "counts": service.counts_by_status(session, principal), **_vocab()})


@router.get("/inbox/packages/{package_id}", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def inbox_package_page(package_id: int, request: Request, principal: Principal = Depends(inbox_pages),
                       session: Session = Depends(db_session)) -> Response:
    view = service.read_package(session, principal, package_id, purpose=INBOX_PURPOSE)
    return render(request, "dissemination/inbox_package.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "v": view, "p": view.package,
        "evidence": for_recipient(view.package.evidence or {}), **_panels(request, session, principal, view),
        **_vocab()})


def _inbox_action(request: Request, package_id: int, csrf_token: str, done: str, call: Any) -> Response:
    require_csrf(request, csrf_token)
    url = f"/inbox/packages/{package_id}"
    try:
        call()
    except REFUSED as exc:
        return _refused(request, url, exc)
    return _back(request, url, done)


@router.post("/inbox/packages/{package_id}/acknowledge")
def acknowledge_form(package_id: int, request: Request, csrf_token: str = Form(""),
                     principal: Principal = Depends(inbox_pages), session: Session = Depends(db_session)) -> Response:
    return _inbox_action(request, package_id, csrf_token, "Receipt acknowledged.",
                         lambda: service.acknowledge(session, principal, package_id))


@router.post("/inbox/packages/{package_id}/accept")
def accept_form(package_id: int, request: Request, comment: str = Form(""), csrf_token: str = Form(""),
                principal: Principal = Depends(inbox_pages), session: Session = Depends(db_session)) -> Response:
    return _inbox_action(request, package_id, csrf_token, "Package accepted.",
                         lambda: service.accept(session, principal, package_id, comment))


@router.post("/inbox/packages/{package_id}/reject")
def reject_form(package_id: int, request: Request, reason: str = Form(""), csrf_token: str = Form(""),
                principal: Principal = Depends(inbox_pages), session: Session = Depends(db_session)) -> Response:
    return _inbox_action(request, package_id, csrf_token, "Package returned to the centre.",
                         lambda: service.reject(session, principal, package_id, reason))


@router.post("/inbox/packages/{package_id}/messages")
def inbox_message_form(package_id: int, request: Request, text: str = Form(""), csrf_token: str = Form(""),
                       principal: Principal = Depends(inbox_pages),
                       session: Session = Depends(db_session)) -> Response:
    return _inbox_action(request, package_id, csrf_token, "Message sent to the centre.",
                         lambda: service.post_message(session, principal, package_id, text))


@router.get("/inbox/packages/{package_id}/export.pdf", openapi_extra=PERSONAL_DATA)
def inbox_pdf_export(package_id: int, principal: Principal = Depends(inbox_pages),
                     session: Session = Depends(db_session)) -> Response:
    return exports.pdf_response(service.read_package(session, principal, package_id, purpose=INBOX_PURPOSE + " (PDF)"))


@router.get("/inbox/packages/{package_id}/print", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def inbox_print_page(package_id: int, request: Request, principal: Principal = Depends(inbox_pages),
                     session: Session = Depends(db_session)) -> Response:
    view = service.read_package(session, principal, package_id, purpose=INBOX_PURPOSE + " (printed)")
    return _printable(request, view)
