"""The operations pages: the list (plan one, or make one from an approved batch), the live board
with the centre's forms (status, forces, targets, freeze a sitrep), and each sitrep with its CSV.

Forms post and redirect back with a notice and work without JavaScript; each has its API route.
A participating force opens the same board and sees its own row only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.dissemination import interfaces as dissemination
from jigsaw.errors import Conflict, InvalidInput, NotAllowed
from jigsaw.formats.wording import counted
from jigsaw.http.deps import authorize, db_session, require_csrf
from jigsaw.http.flash import flash
from jigsaw.http.templating import render
from jigsaw.operations import rules, service
from jigsaw.operations.rules import OperationRefused

router = APIRouter(include_in_schema=False)

centre_pages = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, page=True)
shared_pages = authorize(roles={Role.ANALYST, Role.SUPERVISOR, Role.FORCE_LIAISON},
                         org_kinds=(OrgKind.CENTRE, OrgKind.UK_FORCE, OrgKind.PARTNER_AGENCY), page=True)
REFUSED = (Conflict, InvalidInput, NotAllowed)


def _back(request: Request, url: str, message: str, kind: Any = "success") -> RedirectResponse:
    flash(request, message, kind)
    return RedirectResponse(url, status_code=303)


async def _form(request: Request) -> dict[str, str]:
    values = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
    require_csrf(request, values.get("csrf_token"))
    return values


def _when(text: str, name: str) -> datetime | None:
    """A form's ``YYYY-MM-DDTHH:MM`` (UTC, as the field says) or None when empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise OperationRefused({name: "a date and time, YYYY-MM-DDTHH:MM (UTC)"}) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _int(text: str, name: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise OperationRefused({name: "a number"})
    return int(text)


def _vocab() -> dict[str, Any]:
    return {"status_labels": rules.STATUS_LABELS, "figure_labels": rules.FIGURE_LABELS,
            "stages": rules.WARRANT_STAGES, "categories": rules.CHILD_CATEGORIES}


@router.get("/operations", response_class=HTMLResponse)
def operations_page(request: Request, principal: Principal = Depends(shared_pages),
                    session: Session = Depends(db_session)) -> Response:
    centre = service.is_centre_staff(principal)
    return render(request, "operations/list.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "centre": centre,
        "rows": service.list_operations(session, principal),
        "forces": service.force_choices(session) if centre else [],
        "leads": service.lead_choices(session) if centre else [], **_vocab()})


@router.post("/operations")
async def create_form(request: Request, principal: Principal = Depends(centre_pages),
                      session: Session = Depends(db_session)) -> Response:
    form = await request.form()
    require_csrf(request, str(form.get("csrf_token", "")))
    v = {k: str(form.get(k, "")) for k in ("name", "starts_at", "ends_at", "objectives", "lead_id")}
    try:
        forces = [int(str(x)) for x in form.getlist("force_ids") if str(x).isdigit()]
        op = service.create_operation(session, principal, name=v["name"], starts_at=_when(v["starts_at"], "starts_at"),
                                      ends_at=_when(v["ends_at"], "ends_at"), objectives=v["objectives"],
                                      lead_id=_int(v["lead_id"], "lead_id"), force_ids=forces)
    except REFUSED as exc:
        return _back(request, "/operations", f"Not done: {exc}", "error")
    return _back(request, f"/operations/{op.id}", f"Operation {op.name} ({op.reference}) is being planned.")


@router.post("/operations/from-batch")
async def from_batch_form(request: Request, principal: Principal = Depends(centre_pages),
                          session: Session = Depends(db_session)) -> Response:
    v = await _form(request)
    try:
        raw = v.get("batch", "").strip()
        batch_id = int(raw) if raw.isdigit() else dissemination.batch_id_by_reference(session, raw)
        if batch_id is None:
            raise OperationRefused({"batch": "no package batch has that reference"})
        op, added = service.create_from_batch(
            session, principal, batch_id, name=v.get("name", ""), starts_at=_when(v.get("starts_at", ""), "starts_at"),
            ends_at=_when(v.get("ends_at", ""), "ends_at"), objectives=v.get("objectives", ""),
            lead_id=_int(v.get("lead_id", ""), "lead_id"))
    except REFUSED as exc:
        return _back(request, "/operations", f"Not done: {exc}", "error")
    skipped = f"; left out, not dispatched: {counted(len(added.skipped), 'package')}" if added.skipped else ""
    return _back(request, f"/operations/{op.id}",
                 f"Operation {op.name}: {counted(added.added, 'target')} from the batch{skipped}.")


@router.get("/operations/{operation_id}", response_class=HTMLResponse)
def board_page(operation_id: int, request: Request, principal: Principal = Depends(shared_pages),
               session: Session = Depends(db_session)) -> Response:
    """The live board (a force: its own row), with the centre's forms under it."""
    b = service.board(session, principal, operation_id)
    centre = service.is_centre_staff(principal)
    return render(request, "operations/board.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "b": b, "centre": centre,
        "op": b.operation, "next_status": rules.next_statuses(b.operation.status),
        "forces": service.force_choices(session) if centre else [], **_vocab()})


@router.post("/operations/{operation_id}/status")
async def status_form(operation_id: int, request: Request, principal: Principal = Depends(centre_pages),
                      session: Session = Depends(db_session)) -> Response:
    v = await _form(request)
    url = f"/operations/{operation_id}"
    try:
        op = service.set_status(session, principal, operation_id, v.get("status", ""))
    except REFUSED as exc:
        return _back(request, url, f"Not done: {exc}", "error")
    return _back(request, url, f"The operation is now {rules.STATUS_LABELS[op.status].lower()}.")


@router.post("/operations/{operation_id}/forces")
async def forces_form(operation_id: int, request: Request, principal: Principal = Depends(centre_pages),
                      session: Session = Depends(db_session)) -> Response:
    form = await request.form()
    require_csrf(request, str(form.get("csrf_token", "")))
    url = f"/operations/{operation_id}"
    try:
        added = service.add_forces(session, principal, operation_id,
                                   [int(str(x)) for x in form.getlist("org_ids") if str(x).isdigit()])
    except REFUSED as exc:
        return _back(request, url, f"Not done: {exc}", "error")
    return _back(request, url, f"{len(added)} force(s) added.")


@router.post("/operations/{operation_id}/targets")
async def targets_form(operation_id: int, request: Request, principal: Principal = Depends(centre_pages),
                       session: Session = Depends(db_session)) -> Response:
    """Targets by package reference, one a line (optionally ``PKG-… subject-id``)."""
    v = await _form(request)
    url = f"/operations/{operation_id}"
    try:
        specs = []
        action_by = _when(v.get("action_by", ""), "action_by")
        org_id = _int(v.get("org_id", ""), "org_id")
        for line in v.get("packages", "").splitlines():
            parts = line.split()
            if not parts:
                continue
            pid = dissemination.package_id_by_reference(session, parts[0])
            if pid is None:
                raise OperationRefused({"packages": "a line names no package (use its PKG- reference)"})
            subject = _int(parts[1], "packages") if len(parts) > 1 else None
            specs.append(service.TargetSpec(pid, subject, org_id, action_by))
        added = service.add_targets(session, principal, operation_id, specs)
    except REFUSED as exc:
        return _back(request, url, f"Not done: {exc}", "error")
    return _back(request, url, f"{added.added} target(s) added.")


@router.post("/operations/{operation_id}/targets/{target_id}/remove")
async def remove_target_form(operation_id: int, target_id: int, request: Request,
                             principal: Principal = Depends(centre_pages),
                             session: Session = Depends(db_session)) -> Response:
    await _form(request)
    url = f"/operations/{operation_id}"
    try:
        service.remove_target(session, principal, operation_id, target_id)
    except REFUSED as exc:
        return _back(request, url, f"Not done: {exc}", "error")
    return _back(request, url, "Target removed.")


@router.post("/operations/{operation_id}/sitreps")
async def freeze_form(operation_id: int, request: Request, principal: Principal = Depends(centre_pages),
                      session: Session = Depends(db_session)) -> Response:
    v = await _form(request)
    try:
        sitrep = service.freeze_sitrep(session, principal, operation_id,
                                       cutoff_at=_when(v.get("cutoff_at", ""), "cutoff_at"))
    except REFUSED as exc:
        return _back(request, f"/operations/{operation_id}", f"Not done: {exc}", "error")
    return _back(request, f"/operations/{operation_id}/sitreps/{sitrep.number}", f"Sitrep {sitrep.number} frozen.")


@router.get("/operations/{operation_id}/sitreps/{number}", response_class=HTMLResponse)
def sitrep_page(operation_id: int, number: int, request: Request, principal: Principal = Depends(shared_pages),
                session: Session = Depends(db_session)) -> Response:
    view = service.read_sitrep(session, principal, operation_id, number)
    return render(request, "operations/sitrep.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "view": view, "op": view.operation,
        **_vocab()})


@router.get("/operations/{operation_id}/sitreps/{number}/sitrep.csv")
def sitrep_csv(operation_id: int, number: int, principal: Principal = Depends(shared_pages),
               session: Session = Depends(db_session)) -> Response:
    view = service.read_sitrep(session, principal, operation_id, number, purpose=service.SITREP_PURPOSE + " (CSV)")
    return Response(service.sitrep_csv(view), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{view.operation.reference}-sitrep-{number}.csv"'})


@router.get("/operations/{operation_id}/sitreps/{number}/sitrep.pdf")
def sitrep_pdf(operation_id: int, number: int, principal: Principal = Depends(shared_pages),
               session: Session = Depends(db_session)) -> Response:
    view = service.read_sitrep(session, principal, operation_id, number, purpose=service.SITREP_PURPOSE + " (PDF)")
    return Response(service.sitrep_pdf(view), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{view.operation.reference}-sitrep-{number}.pdf"'})
