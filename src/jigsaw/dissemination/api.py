"""The dissemination API (``/api/v1/packages``): every action of the pages, for the centre's staff
tokens and for a recipient's own (a force liaison's personal token sees only its force's packages)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.dissemination import exports, service
from jigsaw.dissemination.evidence import for_recipient
from jigsaw.dissemination.grading import Assessment, Grade, Handling, SourceEvaluation
from jigsaw.dissemination.schemas import (
    BatchIn,
    BatchOut,
    CommentIn,
    EventOut,
    ItemOut,
    MarkingIn,
    MessageIn,
    MessageOut,
    PackageEditIn,
    PackageIn,
    PackageList,
    PackageOut,
    PackageSummaryOut,
    ProposalOut,
    ReasonIn,
    RecipientOut,
    RerouteIn,
    StixBundleOut,
)
from jigsaw.http.deps import authorize, db_session
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.routing import interfaces as routing

api_router = APIRouter(prefix="/api/v1", tags=["packages"])

ALL_KINDS = (OrgKind.CENTRE, OrgKind.UK_FORCE, OrgKind.PARTNER_AGENCY)
RECIPIENT_KINDS = (OrgKind.UK_FORCE, OrgKind.PARTNER_AGENCY)
centre_api = authorize(roles={Role.ANALYST, Role.SUPERVISOR})
supervisor_api = authorize(roles={Role.SUPERVISOR})
shared_api = authorize(roles={Role.ANALYST, Role.SUPERVISOR, Role.FORCE_LIAISON}, org_kinds=ALL_KINDS)
recipient_api = authorize(roles={Role.FORCE_LIAISON}, org_kinds=RECIPIENT_KINDS)
shared_with_thread = shared_api

API_PURPOSE = "working a dissemination package through the API"
RECIPIENT_API_PURPOSE = "receiving a disseminated package through the API"


def recipient_out(info: routing.RecipientInfo | None) -> RecipientOut | None:
    if info is None:
        return None
    return RecipientOut(org_id=info.org_id, name=info.name, kind=info.kind, ons_code=info.ons_code,
                        country=info.country, max_classification=info.max_classification.value,
                        max_tlp=info.max_tlp.value, international=info.international, accepts_stix=info.accepts_stix)


def package_out(view: service.PackageView) -> PackageOut:
    p = view.package
    r = view.routing
    evidence = for_recipient(p.evidence or {}) if view.for_recipient else dict(p.evidence or {})
    items = [ItemOut(id=i.id, text=i.text, grade=Grade(SourceEvaluation(i.source_evaluation),
                                                       Assessment(i.assessment), Handling(i.handling)).short,
                     source_evaluation=i.source_evaluation, assessment=i.assessment, handling=i.handling,
                     conditions=i.conditions, legacy_5x5x5=i.legacy_5x5x5) for i in view.items]
    return PackageOut(
        id=p.id, reference=p.reference, status=p.status, band=p.band, version=p.version,
        classification=p.classification, descriptor=p.descriptor, tlp=p.tlp, handling=p.handling or "",
        banner=view.marking.banner, recipient=recipient_out(view.recipient), route_basis=p.route_basis,
        route_reason=None if view.for_recipient else p.route_reason,
        routing_proposals=[] if view.for_recipient else [
            ProposalOut(recipient_org_id=x.org_id, name=x.name, ons_code=x.ons_code, basis=x.basis.value,
                        reason=x.reason, share=x.share) for x in r.proposals],
        needs=view.readiness, summary=p.summary, items=items, evidence=evidence, created_at=p.created_at,
        created_by="the centre" if view.for_recipient else view.author,
        approved_by=None if view.for_recipient else view.approver, approved_at=p.approved_at,
        dispatched_at=p.dispatched_at, action_by=p.action_by, review_by=p.review_by, acknowledge_by=p.ack_due_at,
        acknowledged_at=p.acknowledged_at, responded_at=p.responded_at, response_reason=p.response_reason,
        escalated_at=None if view.for_recipient else p.escalated_at,
        batch_id=None if view.for_recipient else p.batch_id,
        rerouted_from_id=None if view.for_recipient else p.rerouted_from_id,
        report_ids=None if view.for_recipient else list(view.report_ids),
        subject_ids=None if view.for_recipient else list(view.subject_ids),
        available_actions=[a.value for a in view.actions],
        events=[EventOut(id=e.id, at=e.at, kind=e.kind, by=_who(view, e.by_user_id, e.by_label, e.by_org_id),
                         comment=e.comment, details={} if view.for_recipient else e.details or {})
                for e in view.events],
        messages=[MessageOut(id=m.id, at=m.at, by=_who(view, m.by_user_id, m.by_label, m.by_org_id),
                             organisation=view.organisations.get(m.by_org_id), text=m.text) for m in view.messages],
    )


def _who(view: service.PackageView, user_id: int | None, label: str, org_id: int | None) -> str:
    if user_id is None:
        return "Jigsaw"
    return view.names.get(user_id, label)


def summary_out(row: service.PackageRow) -> PackageSummaryOut:
    return PackageSummaryOut(id=row.id, reference=row.reference, status=row.status, band=row.band,
                             recipient_org_id=row.recipient_org_id, recipient=row.recipient, created_at=row.created_at,
                             dispatched_at=row.dispatched_at, action_by=row.action_by, acknowledge_by=row.ack_due_at,
                             acknowledged_at=row.acknowledged_at, escalated=row.escalated, past_action_by=row.stale,
                             batch_id=row.batch_id, classification=row.classification, tlp=row.tlp)


def _purpose(principal: Principal) -> str:
    return API_PURPOSE if service.is_centre_staff(principal) else RECIPIENT_API_PURPOSE


def _out(session: Session, principal: Principal, package_id: int) -> PackageOut:
    return package_out(service.read_package(session, principal, package_id, purpose=_purpose(principal)))


@api_router.post("/packages", response_model=PackageOut, status_code=201,
                 summary="Draft a package from reports: routed, evidence generated, status draft")
def api_create(body: PackageIn, principal: Principal = Depends(centre_api),
               session: Session = Depends(db_session)) -> PackageOut:
    spec = service.DraftSpec(tuple(body.report_ids), body.summary, tuple(body.subject_ids), body.recipient_org_id,
                             body.route_reason, body.classification, body.descriptor, body.tlp, body.handling,
                             tuple(i.model_dump() for i in body.items))
    package = service.create_package(session, principal, spec)
    return _out(session, principal, package.id)


@api_router.get("/packages", response_model=PackageList,
                summary="The packages the caller may see (a recipient: only those sent to it)")
def api_list(status: list[str] = Query([], description="Filter by status; repeat"),
             batch_id: int | None = None, mine: bool = False, limit: int = Query(200, ge=1, le=1000),
             principal: Principal = Depends(shared_api), session: Session = Depends(db_session)) -> PackageList:
    rows = service.list_packages(session, principal, statuses=status, batch_id=batch_id, mine=mine, limit=limit)
    return PackageList(packages=[summary_out(r) for r in rows], counts=service.counts_by_status(session, principal))


@api_router.get("/packages/{package_id}", response_model=PackageOut, openapi_extra=PERSONAL_DATA,
                summary="One package (audited: a recipient's read is its consultation of the disclosure)")
def api_get(package_id: int, principal: Principal = Depends(shared_api),
            session: Session = Depends(db_session)) -> PackageOut:
    return _out(session, principal, package_id)


@api_router.patch("/packages/{package_id}", response_model=PackageOut,
                  summary="Edit a draft or returned package (lowering a marking: supervisors, with a reason)")
def api_edit(package_id: int, body: PackageEditIn, principal: Principal = Depends(centre_api),
             session: Session = Depends(db_session)) -> PackageOut:
    service.edit_package(session, principal, package_id, service.PackageEdit(
        body.summary, body.recipient_org_id, body.route_reason, body.classification, body.descriptor, body.tlp,
        body.handling, tuple(i.model_dump() for i in body.items) if body.items is not None else None,
        body.marking_reason, body.clear_recipient))
    return _out(session, principal, package_id)


@api_router.post("/packages/{package_id}/route", response_model=PackageOut,
                 summary="Route a draft again from the record as it is now")
def api_route(package_id: int, principal: Principal = Depends(centre_api),
              session: Session = Depends(db_session)) -> PackageOut:
    service.reroute_package(session, principal, package_id)
    return _out(session, principal, package_id)


@api_router.post("/packages/{package_id}/submit", response_model=PackageOut, summary="Submit for approval")
def api_submit(package_id: int, body: CommentIn | None = None, principal: Principal = Depends(centre_api),
               session: Session = Depends(db_session)) -> PackageOut:
    service.submit(session, principal, package_id, body.comment if body else None)
    return _out(session, principal, package_id)


@api_router.post("/packages/{package_id}/approve", response_model=PackageOut,
                 summary="Approve (a supervisor who is not the author): the package is dispatched")
def api_approve(package_id: int, body: CommentIn | None = None, principal: Principal = Depends(supervisor_api),
                session: Session = Depends(db_session)) -> PackageOut:
    service.approve(session, principal, package_id, body.comment if body else None)
    return _out(session, principal, package_id)


@api_router.post("/packages/{package_id}/return", response_model=PackageOut,
                 summary="Return a submitted package to its author with comments (supervisors)")
def api_return(package_id: int, body: CommentIn, principal: Principal = Depends(supervisor_api),
               session: Session = Depends(db_session)) -> PackageOut:
    service.return_to_author(session, principal, package_id, body.comment or "")
    return _out(session, principal, package_id)


@api_router.post("/packages/{package_id}/marking", response_model=PackageOut,
                 summary="Lower a package's marking (supervisors, with a reason)")
def api_marking(package_id: int, body: MarkingIn, principal: Principal = Depends(supervisor_api),
                session: Session = Depends(db_session)) -> PackageOut:
    service.lower_marking(session, principal, package_id, classification=body.classification,
                          descriptor=body.descriptor, tlp=body.tlp, reason=body.reason)
    return _out(session, principal, package_id)


@api_router.post("/packages/{package_id}/reroute", response_model=PackageOut, status_code=201,
                 summary="Send a package the recipient returned to another recipient (a new draft)")
def api_reroute(package_id: int, body: RerouteIn, principal: Principal = Depends(centre_api),
                session: Session = Depends(db_session)) -> PackageOut:
    new = service.resend_elsewhere(session, principal, package_id, body.recipient_org_id, body.reason)
    return _out(session, principal, new.id)


@api_router.post("/packages/{package_id}/acknowledge", response_model=PackageOut,
                 summary="The recipient acknowledges receipt")
def api_acknowledge(package_id: int, principal: Principal = Depends(recipient_api),
                    session: Session = Depends(db_session)) -> PackageOut:
    service.acknowledge(session, principal, package_id)
    return _out(session, principal, package_id)


@api_router.post("/packages/{package_id}/accept", response_model=PackageOut, summary="The recipient accepts it")
def api_accept(package_id: int, body: CommentIn | None = None, principal: Principal = Depends(recipient_api),
               session: Session = Depends(db_session)) -> PackageOut:
    service.accept(session, principal, package_id, body.comment if body else None)
    return _out(session, principal, package_id)


@api_router.post("/packages/{package_id}/reject", response_model=PackageOut,
                 summary="The recipient returns it with a reason (e.g. not our area)")
def api_reject(package_id: int, body: ReasonIn, principal: Principal = Depends(recipient_api),
               session: Session = Depends(db_session)) -> PackageOut:
    service.reject(session, principal, package_id, body.reason)
    return _out(session, principal, package_id)


@api_router.post("/packages/{package_id}/messages", response_model=MessageOut, status_code=201,
                 summary="Add a message to the package's thread (the centre or the recipient)")
def api_message(package_id: int, body: MessageIn, principal: Principal = Depends(shared_api),
                session: Session = Depends(db_session)) -> MessageOut:
    message = service.post_message(session, principal, package_id, body.text)
    names = service.users_by_id(session, [message.by_user_id])
    return MessageOut(id=message.id, at=message.at, by=names.get(message.by_user_id or 0, message.by_label),
                      organisation=None, text=message.text)


@api_router.get("/packages/{package_id}/stix", openapi_extra=PERSONAL_DATA, response_model=StixBundleOut,
                summary="The package as a STIX 2.1 bundle (TLP 2.0 and classification markings)",
                responses={200: {"content": {"application/stix+json": {}}}})
def api_stix(package_id: int, principal: Principal = Depends(shared_api),
             session: Session = Depends(db_session)) -> Response:
    view = service.read_package(session, principal, package_id, purpose=_purpose(principal) + " (STIX export)")
    return Response(exports.stix_json(session, view), media_type="application/stix+json;version=2.1",
                    headers={"Content-Disposition": f'attachment; filename="{view.package.reference}.stix.json"'})


@api_router.get("/packages/{package_id}/pdf", openapi_extra=PERSONAL_DATA, response_class=Response,
                summary="The package as a PDF with its markings on every page (the printed referral)",
                responses={200: {"content": {"application/pdf": {}}}})
def api_pdf(package_id: int, principal: Principal = Depends(shared_api),
            session: Session = Depends(db_session)) -> Response:
    return exports.pdf_response(
        service.read_package(session, principal, package_id, purpose=_purpose(principal) + " (PDF export)"))


# --- batches --------------------------------------------------------------------------------------------


def _batch_out(session: Session, principal: Principal, batch_id: int,
               not_ready: dict[int, list[str]] | None = None) -> BatchOut:
    batch = service.get_batch(session, principal, batch_id)
    rows = service.list_packages(session, principal, batch_id=batch.id, limit=100_000)
    return BatchOut(id=batch.id, reference=batch.reference, created_at=batch.created_at,
                    approved_at=batch.approved_at, packages=[summary_out(r) for r in rows],
                    not_ready={str(k): v for k, v in (not_ready or {}).items()})


@api_router.post("/package-batches", response_model=BatchOut, status_code=201,
                 summary="One package per suspect of these reports, routed and drafted, as a batch")
def api_batch(body: BatchIn, principal: Principal = Depends(centre_api),
              session: Session = Depends(db_session)) -> BatchOut:
    made = service.draft_batch(session, principal, body.report_ids, summary=body.summary,
                               classification=body.classification, tlp=body.tlp)
    return _batch_out(session, principal, made.batch.id)


@api_router.get("/package-batches/{batch_id}", response_model=BatchOut, summary="A batch and its packages")
def api_batch_get(batch_id: int, principal: Principal = Depends(centre_api),
                  session: Session = Depends(db_session)) -> BatchOut:
    return _batch_out(session, principal, batch_id)


@api_router.post("/package-batches/{batch_id}/submit", response_model=BatchOut,
                 summary="Submit every ready draft of the batch (the others say what they need)")
def api_batch_submit(batch_id: int, principal: Principal = Depends(centre_api),
                     session: Session = Depends(db_session)) -> BatchOut:
    outcome = service.submit_batch(session, principal, batch_id)
    return _batch_out(session, principal, batch_id, outcome.not_ready)


@api_router.post("/package-batches/{batch_id}/approve", response_model=BatchOut,
                 summary="Approve the batch as a set (a supervisor who drafted none of it): each is dispatched")
def api_batch_approve(batch_id: int, body: CommentIn | None = None, principal: Principal = Depends(supervisor_api),
                      session: Session = Depends(db_session)) -> BatchOut:
    outcome = service.approve_batch(session, principal, batch_id, body.comment if body else None)
    return _batch_out(session, principal, batch_id, outcome.not_ready)


@api_router.get("/recipients", response_model=list[RecipientOut],
                summary="The recipients of packages: UK forces (ONS codes) and international partners")
def api_recipients(principal: Principal = Depends(centre_api), session: Session = Depends(db_session)) -> list[Any]:
    return [recipient_out(r) for r in routing.recipients(session)]
