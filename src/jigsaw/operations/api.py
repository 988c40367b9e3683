"""The operations API (``/api/v1/operations``): every action of the pages, for the centre's staff
tokens, and the board and sitreps for a participating force's own (its own rows only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.http.deps import authorize, db_session
from jigsaw.http.purpose import stated_purpose
from jigsaw.operations import service
from jigsaw.operations.models import Operation, OperationTarget
from jigsaw.operations.rules import TOTAL_KEY
from jigsaw.operations.schemas import (
    BoardOut,
    ForceForces,
    ForcesIn,
    FromBatchIn,
    FromBatchOut,
    OperationIn,
    OperationOut,
    OperationSummaryOut,
    OverdueOut,
    RevisionOut,
    RowOut,
    SitrepIn,
    SitrepOut,
    SitrepSummaryOut,
    StatusIn,
    TargetsAddedOut,
    TargetsIn,
)

api_router = APIRouter(prefix="/api/v1/operations", tags=["operations"])

centre_api = authorize(roles={Role.ANALYST, Role.SUPERVISOR})
shared_api = authorize(roles={Role.ANALYST, Role.SUPERVISOR, Role.FORCE_LIAISON},
                       org_kinds=(OrgKind.CENTRE, OrgKind.UK_FORCE, OrgKind.PARTNER_AGENCY))
_X_PURPOSE = Header(default=None, description="Why you are reading it (audited; 3 to 200 characters).")


def operation_out(session: Session, principal: Principal, operation: Operation) -> OperationOut:
    targets = session.scalar(select(func.count()).select_from(OperationTarget)
                             .where(OperationTarget.operation_id == operation.id)) or 0
    centre = service.is_centre_staff(principal)
    return OperationOut(id=operation.id, reference=operation.reference, name=operation.name, status=operation.status,
                        lead_id=operation.lead_id, coordinating_org_id=operation.coordinating_org_id,
                        starts_at=operation.starts_at, ends_at=operation.ends_at,
                        objectives=operation.objectives if centre else None,
                        batch_id=operation.batch_id if centre else None,
                        forces=[ForceForces(org_id=o, name=n) for o, n in service.participants(session, operation.id)],
                        targets=targets)


def row_out(org_id: int | None, name: str, figures: dict[str, int]) -> RowOut:
    return RowOut(org_id=org_id, force=name, figures=figures)


def revision_out(r: service.Revision) -> RevisionOut:
    return RevisionOut(sitrep=r.sitrep_number, org_id=None if r.row == TOTAL_KEY else int(r.row), force=r.force,
                       figure=r.figure, frozen=r.frozen, now=r.now, detected_at=r.detected_at, line=r.line)


def board_out(b: service.Board) -> BoardOut:
    f = b.figures
    return BoardOut(
        operation_id=b.operation.id, reference=b.operation.reference, name=b.operation.name,
        status=b.operation.status, at=b.now, own_rows_only=b.forces_only,
        rows=[row_out(r.org_id, r.name, r.flat()) for r in f.rows],
        total=None if b.forces_only else row_out(None, f.total.name, f.total.flat()),
        overdue=[OverdueOut(target_id=o.target_id, package_id=o.package_id, package_reference=o.reference,
                            subject_id=o.subject_id, org_id=o.org_id, force=o.force, due=o.due,
                            warrant_stage=o.warrant_stage) for o in f.overdue],
        overdue_count=f.overdue_count,
        sitreps=[SitrepSummaryOut(number=s.number, cutoff_at=s.cutoff_at, created_at=s.created_at) for s in b.sitreps],
        revisions=[revision_out(r) for r in b.revisions])


def sitrep_out(view: service.SitrepView) -> SitrepOut:
    return SitrepOut(operation_id=view.operation.id, reference=view.operation.reference, name=view.operation.name,
                     number=view.sitrep.number, cutoff_at=view.sitrep.cutoff_at, created_at=view.sitrep.created_at,
                     rows=[row_out(None if k == TOTAL_KEY else int(k), n, v) for k, n, v in view.rows],
                     revisions=[revision_out(r) for r in view.revisions])


@api_router.get("", response_model=list[OperationSummaryOut],
                summary="The operations the caller may see (a force: those it takes part in)")
def api_list(principal: Principal = Depends(shared_api),
             session: Session = Depends(db_session)) -> list[OperationSummaryOut]:
    return [OperationSummaryOut(id=r.id, reference=r.reference, name=r.name, status=r.status, starts_at=r.starts_at,
                                ends_at=r.ends_at, forces=r.forces, targets=r.targets)
            for r in service.list_operations(session, principal)]


@api_router.post("", response_model=OperationOut, status_code=201, summary="Plan an operation")
def api_create(body: OperationIn, principal: Principal = Depends(centre_api),
               session: Session = Depends(db_session)) -> OperationOut:
    op = service.create_operation(session, principal, name=body.name, starts_at=body.starts_at,
                                  ends_at=body.ends_at, objectives=body.objectives, lead_id=body.lead_id,
                                  force_ids=body.force_ids)
    return operation_out(session, principal, op)


@api_router.post("/from-batch", response_model=FromBatchOut, status_code=201,
                 summary="An operation whose targets are an approved batch's dispatched packages, by recipient")
def api_from_batch(body: FromBatchIn, principal: Principal = Depends(centre_api),
                   session: Session = Depends(db_session)) -> FromBatchOut:
    op, added = service.create_from_batch(session, principal, body.batch_id, name=body.name,
                                          starts_at=body.starts_at, ends_at=body.ends_at,
                                          objectives=body.objectives, lead_id=body.lead_id)
    return FromBatchOut(operation=operation_out(session, principal, op), added=_added_out(added))


def _added_out(added: service.TargetsAdded) -> TargetsAddedOut:
    return TargetsAddedOut(added=added.added, skipped={str(k): v for k, v in added.skipped.items()})


@api_router.get("/{operation_id}", response_model=OperationOut, summary="One operation and its forces")
def api_get(operation_id: int, principal: Principal = Depends(shared_api),
            session: Session = Depends(db_session)) -> OperationOut:
    return operation_out(session, principal, service.read_operation(session, principal, operation_id))


@api_router.post("/{operation_id}/status", response_model=OperationOut,
                 summary="Move the operation on: planning → live → closed")
def api_status(operation_id: int, body: StatusIn, principal: Principal = Depends(centre_api),
               session: Session = Depends(db_session)) -> OperationOut:
    return operation_out(session, principal, service.set_status(session, principal, operation_id, body.status))


@api_router.post("/{operation_id}/forces", response_model=OperationOut, summary="Add participating forces")
def api_forces(operation_id: int, body: ForcesIn, principal: Principal = Depends(centre_api),
               session: Session = Depends(db_session)) -> OperationOut:
    service.add_forces(session, principal, operation_id, body.org_ids)
    return operation_out(session, principal, service.get_operation(session, principal, operation_id))


@api_router.post("/{operation_id}/targets", response_model=TargetsAddedOut, status_code=201,
                 summary="Allocate dispatched packages (or suspects of them) to forces as targets")
def api_targets(operation_id: int, body: TargetsIn, principal: Principal = Depends(centre_api),
                session: Session = Depends(db_session)) -> TargetsAddedOut:
    specs = [service.TargetSpec(t.package_id, t.subject_id, t.org_id, t.action_by) for t in body.targets]
    return _added_out(service.add_targets(session, principal, operation_id, specs))


@api_router.delete("/{operation_id}/targets/{target_id}", response_model=OperationOut, summary="Remove a target")
def api_remove_target(operation_id: int, target_id: int, principal: Principal = Depends(centre_api),
                      session: Session = Depends(db_session)) -> OperationOut:
    service.remove_target(session, principal, operation_id, target_id)
    return operation_out(session, principal, service.get_operation(session, principal, operation_id))


@api_router.get("/{operation_id}/board", response_model=BoardOut,
                summary="The live board: totals by force, overdue targets, revisions (a force: its own row)")
def api_board(operation_id: int, x_purpose: str | None = _X_PURPOSE, principal: Principal = Depends(shared_api),
              session: Session = Depends(db_session)) -> BoardOut:
    purpose = stated_purpose(x_purpose, required=False, default=service.BOARD_PURPOSE + " (API)")
    return board_out(service.board(session, principal, operation_id, purpose=purpose))


@api_router.post("/{operation_id}/sitreps", response_model=SitrepOut, status_code=201,
                 summary="Freeze the board's figures at a cut-off (default now) as the next sitrep")
def api_freeze(operation_id: int, body: SitrepIn | None = None, principal: Principal = Depends(centre_api),
               session: Session = Depends(db_session)) -> SitrepOut:
    sitrep = service.freeze_sitrep(session, principal, operation_id, cutoff_at=body.cutoff_at if body else None)
    return sitrep_out(service.read_sitrep(session, principal, operation_id, sitrep.number))


@api_router.get("/{operation_id}/sitreps/{number}", response_model=SitrepOut,
                summary="A sitrep as frozen, with the revisions logged since; format=csv or pdf to download",
                responses={200: {"content": {"text/csv": {}, "application/pdf": {}}}})
def api_sitrep(operation_id: int, number: int, format: str = Query("json", pattern="^(json|csv|pdf)$"),
               x_purpose: str | None = _X_PURPOSE, principal: Principal = Depends(shared_api),
               session: Session = Depends(db_session)) -> Any:
    purpose = stated_purpose(x_purpose, required=False, default=service.SITREP_PURPOSE + " (API)")
    view = service.read_sitrep(session, principal, operation_id, number, purpose=purpose)
    if format == "pdf":
        return Response(service.sitrep_pdf(view), media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{view.operation.reference}-sitrep-{number}.pdf"'})
    if format == "csv":
        return Response(service.sitrep_csv(view), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{view.operation.reference}-sitrep-{number}.csv"'})
    return sitrep_out(view)
