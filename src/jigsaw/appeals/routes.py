"""Staff pages and the ``/api/v1/appeals`` API for Most Wanted appeals.

Analysts and supervisors of the centre draft appeals and mark them located or withdrawn;
supervisors approve (two of them, neither the author), send back and review. Pages post and
redirect with a notice; the API does the same with personal staff tokens and answers in JSON.
The photo upload is the one route in Jigsaw that keeps an image (see :mod:`jigsaw.appeals.photo`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.appeals import lifecycle as rules
from jigsaw.appeals import service, tips
from jigsaw.appeals.photo import MAX_UPLOAD_BYTES, PhotoRefused
from jigsaw.appeals.schemas import (
    AppealIn,
    AppealList,
    AppealOut,
    AppealSummary,
    AppealUpdateIn,
    ApprovalOut,
    EventOut,
    NoteIn,
    PhotoOut,
    PublicFieldsIn,
    ReasonIn,
    ReviewIn,
    TipList,
    TipOut,
)
from jigsaw.appeals.subscriptions import Links, counts
from jigsaw.errors import InvalidInput, NotFound
from jigsaw.http.deps import authorize, db_session, platform_of, require_csrf
from jigsaw.http.flash import flash
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/appeals", tags=["appeals"])

STAFF = {Role.ANALYST, Role.SUPERVISOR}
staff_pages = authorize(roles=STAFF, page=True)
supervisor_pages = authorize(roles={Role.SUPERVISOR}, page=True)
staff_api = authorize(roles=STAFF)
supervisor_api = authorize(roles={Role.SUPERVISOR})

PAGE_PURPOSE = "working a Most Wanted appeal from its page"
API_PURPOSE = "working a Most Wanted appeal through the API"


def _links(request: Request) -> Links:
    return Links.of(platform_of(request))


async def _read_upload(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused(f"the photo is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    return data


# --- pages -------------------------------------------------------------------------------------


def _form_values(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    public = {"name": values.get("name", ""), "aliases": values.get("aliases", ""), "age": values.get("age", ""),
              "description": values.get("description", ""), "area_last_seen": values.get("area_last_seen", ""),
              "caution": values.get("caution", "")}
    justification = {"legal_basis": values.get("legal_basis", ""), "necessity": values.get("necessity", ""),
                     "proportionality": values.get("proportionality", ""),
                     "risks": {r: {"level": values.get(f"risk_{r}_level", ""),
                                   "assessment": values.get(f"risk_{r}", "")} for r in rules.RISKS}}
    return public, justification


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise InvalidInput("dates are written YYYY-MM-DD") from None


def _form_page(request: Request, principal: Principal, session: Session, values: dict[str, str],
               errors: dict[str, str], appeal_id: int | None = None) -> Response:
    return render(request, "appeals/form.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "v": values, "errors": errors,
        "appeal_id": appeal_id, "forces": service.uk_forces(session), "regions": rules.REGIONS,
        "reasons": rules.REASON_LABELS, "risks": rules.RISKS, "levels": [lvl.value for lvl in rules.RiskLevel],
    }, status_code=422 if errors else 200)


@router.get("/appeals", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def appeals_page(request: Request, status: str = "", principal: Principal = Depends(staff_pages),
                 session: Session = Depends(db_session)) -> Response:
    rows = service.list_appeals(session, principal, statuses=[status] if status else None)
    return render(request, "appeals/list.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "rows": rows, "status": status,
        "statuses": rules.STATUS_LABELS, "subscribers": counts(session),
    })


@router.get("/appeals/new", response_class=HTMLResponse)
def new_appeal_page(request: Request, subject_id: str = "", principal: Principal = Depends(staff_pages),
                    session: Session = Depends(db_session)) -> Response:
    return _form_page(request, principal, session, {"subject_id": subject_id}, {})


@router.post("/appeals")
async def create_form(request: Request, principal: Principal = Depends(staff_pages),
                      session: Session = Depends(db_session)) -> Response:
    values = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
    require_csrf(request, values.get("csrf_token"))
    public, justification = _form_values(values)
    try:
        appeal = service.create_appeal(
            session, principal, subject_id=int(values.get("subject_id") or 0), reason=values.get("reason", ""),
            owning_force_id=int(values.get("owning_force_id") or 0), region=values.get("region", ""),
            public=public, justification=justification, review_by=_date(values.get("review_by", "")))
    except rules.AppealRefused as exc:
        return _form_page(request, principal, session, values, exc.fields)
    except (InvalidInput, ValueError) as exc:
        return _form_page(request, principal, session, values, {"appeal": str(exc)})
    flash(request, f"Draft appeal {appeal.reference} saved.")
    return RedirectResponse(f"/appeals/{appeal.id}", status_code=303)


@router.get("/appeals/{appeal_id}", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def appeal_page(appeal_id: int, request: Request, principal: Principal = Depends(staff_pages),
                session: Session = Depends(db_session)) -> Response:
    d = service.read_appeal(session, principal, appeal_id, purpose=PAGE_PURPOSE)
    j = d.justification
    values = {"name": d.public.name, "aliases": ", ".join(d.public.aliases),
              "age": "" if d.public.age is None else str(d.public.age), "description": d.public.description,
              "area_last_seen": d.public.area_last_seen, "caution": d.public.caution,
              "legal_basis": j.legal_basis, "necessity": j.necessity, "proportionality": j.proportionality,
              "region": d.appeal.region, "owning_force_id": str(d.appeal.owning_force_id),
              "review_by": d.appeal.review_by.isoformat(),
              **{f"risk_{r}_level": j.risks.get(r, ("", ""))[0] for r in rules.RISKS},
              **{f"risk_{r}": j.risks.get(r, ("", ""))[1] for r in rules.RISKS}}
    return render(request, "appeals/appeal.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "d": d, "a": d.appeal, "v": values,
        "statuses": rules.STATUS_LABELS, "reasons": rules.REASON_LABELS, "risks": rules.RISKS,
        "levels": [lvl.value for lvl in rules.RiskLevel], "regions": rules.REGIONS,
        "forces": service.uk_forces(session), "tips": tips.tips(session, appeal_id=appeal_id),
        "review": rules.review_state(d.appeal.review_by, service._now()).value,
    })


def _back(request: Request, appeal_id: int, message: str, kind: Any = "success") -> RedirectResponse:
    flash(request, message, kind)
    return RedirectResponse(f"/appeals/{appeal_id}", status_code=303)


@router.post("/appeals/{appeal_id}/edit")
async def edit_form(appeal_id: int, request: Request, principal: Principal = Depends(staff_pages),
                    session: Session = Depends(db_session)) -> Response:
    values = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
    require_csrf(request, values.get("csrf_token"))
    public, justification = _form_values(values)
    try:
        service.update_appeal(session, principal, appeal_id, public=public, justification=justification,
                              region=values.get("region") or None,
                              owning_force_id=int(values["owning_force_id"]) if values.get("owning_force_id") else None,
                              review_by=_date(values.get("review_by", "")))
    except (InvalidInput, ValueError) as exc:
        return _back(request, appeal_id, f"Not saved: {exc}", "error")
    return _back(request, appeal_id, "Draft saved.")


@router.post("/appeals/{appeal_id}/photo")
async def photo_form(appeal_id: int, request: Request, photo: UploadFile = File(...), csrf_token: str = Form(""),
                     principal: Principal = Depends(staff_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        service.set_photo(session, principal, appeal_id, await _read_upload(photo))
    except InvalidInput as exc:
        return _back(request, appeal_id, f"Photo not added: {exc}", "error")
    return _back(request, appeal_id, "Photo added (re-encoded, all metadata removed).")


@router.post("/appeals/{appeal_id}/photo/delete")
def photo_delete_form(appeal_id: int, request: Request, csrf_token: str = Form(""),
                      principal: Principal = Depends(staff_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    try:
        service.remove_photo(session, principal, appeal_id)
    except InvalidInput as exc:
        return _back(request, appeal_id, f"Not done: {exc}", "error")
    return _back(request, appeal_id, "Photo deleted.")


@router.get("/appeals/{appeal_id}/photo.jpg")
def staff_photo(appeal_id: int, principal: Principal = Depends(staff_pages),
                session: Session = Depends(db_session)) -> Response:
    photo = service.staff_photo(session, principal, appeal_id)
    if photo is None:
        raise NotFound("This appeal has no photo.")
    return Response(photo.data, media_type=photo.media_type)


def _action(name: str, *, supervisor: bool = False) -> None:
    guard = supervisor_pages if supervisor else staff_pages

    async def handler(appeal_id: int, request: Request, principal: Principal = Depends(guard),
                      session: Session = Depends(db_session)) -> Response:
        values = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
        require_csrf(request, values.get("csrf_token"))
        note = values.get("note", "")
        try:
            if name == "submit":
                appeal = service.submit(session, principal, appeal_id)
            elif name == "approve":
                appeal = service.approve(session, principal, appeal_id, note, _links(request))
            elif name == "return":
                appeal = service.return_to_draft(session, principal, appeal_id, note)
            elif name == "review":
                review_by = _date(values.get("review_by", ""))
                if review_by is None:
                    raise InvalidInput("give the next review-by date")
                appeal = service.review(session, principal, appeal_id, review_by, note)
            elif name == "located":
                appeal = service.mark_located(session, principal, appeal_id, note, _links(request))
            else:
                appeal = service.withdraw(session, principal, appeal_id, note)
        except InvalidInput as exc:
            return _back(request, appeal_id, f"Not done: {exc}", "error")
        label = rules.STATUS_LABELS[rules.AppealStatus(appeal.status)]
        return _back(request, appeal_id, f"{appeal.reference}: {label}.")

    handler.__name__ = f"{name}_form"
    router.add_api_route(f"/appeals/{{appeal_id}}/{name}", handler, methods=["POST"])


for _name, _sup in (("submit", False), ("approve", True), ("return", True), ("review", True), ("located", False),
                    ("withdraw", False)):
    _action(_name, supervisor=_sup)


# --- API ---------------------------------------------------------------------------------------


def _out(session: Session, principal: Principal, appeal_id: int) -> AppealOut:
    d = service.read_appeal(session, principal, appeal_id, purpose=API_PURPOSE)
    a = d.appeal
    return AppealOut(
        id=a.id, reference=a.reference, slug=a.slug, status=rules.AppealStatus(a.status),
        reason=rules.AppealReason(a.reason), subject_id=a.subject_id, owning_force_id=a.owning_force_id,
        owning_force=d.owning_force, region=a.region,
        public=PublicFieldsIn(name=d.public.name, aliases=list(d.public.aliases), age=d.public.age,
                              description=d.public.description, area_last_seen=d.public.area_last_seen,
                              caution=d.public.caution),
        justification=d.justification.as_dict(), review_by=a.review_by, review_flagged=a.review_flagged_at is not None,
        author=d.author, approvals=[ApprovalOut(approver=n, approved_at=t, note=note) for n, t, note in d.approvals],
        has_photo=d.photo is not None, tips=d.tips, created_at=a.created_at, published_at=a.published_at,
        ended_at=a.ended_at, history=[EventOut(kind=e.kind, at=e.at, by=e.by_label, note=e.note) for e in d.events])


@api_router.get("", response_model=AppealList, openapi_extra=PERSONAL_DATA, summary="Appeals, newest first (audited)")
def api_appeals(status: list[str] = Query([], description="Only these statuses"),
                principal: Principal = Depends(staff_api), session: Session = Depends(db_session)) -> AppealList:
    rows = service.list_appeals(session, principal, statuses=status or None, purpose="the appeals API list")
    return AppealList(appeals=[AppealSummary(
        id=r.id, reference=r.reference, status=rules.AppealStatus(r.status), name=r.name, region=r.region,
        owning_force=r.owning_force, review_by=r.review_by, review_flagged=r.review_flagged, approvals=r.approvals,
        updated_at=r.updated_at) for r in rows])


@api_router.post("", response_model=AppealOut, status_code=201, summary="Draft an appeal about a subject")
def api_create(body: AppealIn, principal: Principal = Depends(staff_api),
               session: Session = Depends(db_session)) -> AppealOut:
    appeal = service.create_appeal(
        session, principal, subject_id=body.subject_id, reason=body.reason.value,
        owning_force_id=body.owning_force_id, region=body.region, public=body.public.model_dump(),
        justification=body.justification.model_dump(mode="json"), review_by=body.review_by)
    return _out(session, principal, appeal.id)


@api_router.get("/{appeal_id}", response_model=AppealOut, openapi_extra=PERSONAL_DATA,
                summary="One appeal with its justification, approvals and history (audited)")
def api_appeal(appeal_id: int, principal: Principal = Depends(staff_api),
               session: Session = Depends(db_session)) -> AppealOut:
    return _out(session, principal, appeal_id)


@api_router.patch("/{appeal_id}", response_model=AppealOut, summary="Change a draft")
def api_update(appeal_id: int, body: AppealUpdateIn, principal: Principal = Depends(staff_api),
               session: Session = Depends(db_session)) -> AppealOut:
    service.update_appeal(session, principal, appeal_id,
                          public=body.public.model_dump() if body.public else None,
                          justification=body.justification.model_dump(mode="json") if body.justification else None,
                          region=body.region, owning_force_id=body.owning_force_id, review_by=body.review_by)
    return _out(session, principal, appeal_id)


@api_router.put("/{appeal_id}/photo", response_model=PhotoOut,
                summary="Add the draft's photo (multipart field 'photo'; re-encoded, metadata removed)")
async def api_photo(appeal_id: int, photo: UploadFile = File(...), principal: Principal = Depends(staff_api),
                    session: Session = Depends(db_session)) -> PhotoOut:
    stored = service.set_photo(session, principal, appeal_id, await _read_upload(photo))
    return PhotoOut(width=stored.width, height=stored.height, bytes=len(stored.data), sha256=stored.sha256,
                    media_type=stored.media_type)


@api_router.delete("/{appeal_id}/photo", response_model=AppealOut, summary="Delete the draft's photo")
def api_photo_delete(appeal_id: int, principal: Principal = Depends(staff_api),
                     session: Session = Depends(db_session)) -> AppealOut:
    service.remove_photo(session, principal, appeal_id)
    return _out(session, principal, appeal_id)


@api_router.post("/{appeal_id}/submit", response_model=AppealOut, summary="Send a complete draft for approval")
def api_submit(appeal_id: int, principal: Principal = Depends(staff_api),
               session: Session = Depends(db_session)) -> AppealOut:
    service.submit(session, principal, appeal_id)
    return _out(session, principal, appeal_id)


@api_router.post("/{appeal_id}/approve", response_model=AppealOut,
                 summary="Approve (supervisors; the second approval by a different person publishes)")
def api_approve(appeal_id: int, request: Request, body: NoteIn | None = None,
                principal: Principal = Depends(supervisor_api), session: Session = Depends(db_session)) -> AppealOut:
    service.approve(session, principal, appeal_id, body.note if body else "", _links(request))
    return _out(session, principal, appeal_id)


@api_router.post("/{appeal_id}/return", response_model=AppealOut, summary="Send back to draft (supervisors)")
def api_return(appeal_id: int, body: ReasonIn, principal: Principal = Depends(supervisor_api),
               session: Session = Depends(db_session)) -> AppealOut:
    service.return_to_draft(session, principal, appeal_id, body.reason)
    return _out(session, principal, appeal_id)


@api_router.post("/{appeal_id}/review", response_model=AppealOut,
                 summary="Review a published appeal and set the next review-by date (supervisors)")
def api_review(appeal_id: int, body: ReviewIn, principal: Principal = Depends(supervisor_api),
               session: Session = Depends(db_session)) -> AppealOut:
    service.review(session, principal, appeal_id, body.review_by, body.note)
    return _out(session, principal, appeal_id)


@api_router.post("/{appeal_id}/located", response_model=AppealOut,
                 summary="The person is located: unpublished at once, photo deleted, subscribers told")
def api_located(appeal_id: int, request: Request, body: NoteIn | None = None,
                principal: Principal = Depends(staff_api), session: Session = Depends(db_session)) -> AppealOut:
    service.mark_located(session, principal, appeal_id, body.note if body else "", _links(request))
    return _out(session, principal, appeal_id)


@api_router.post("/{appeal_id}/withdraw", response_model=AppealOut, summary="Withdraw (unpublish) an appeal")
def api_withdraw(appeal_id: int, body: ReasonIn, principal: Principal = Depends(staff_api),
                 session: Session = Depends(db_session)) -> AppealOut:
    service.withdraw(session, principal, appeal_id, body.reason)
    return _out(session, principal, appeal_id)


@api_router.get("/{appeal_id}/tips", response_model=TipList, summary="The sightings sent for an appeal")
def api_tips(appeal_id: int, principal: Principal = Depends(staff_api),
             session: Session = Depends(db_session)) -> TipList:
    service.require_staff(principal)
    service.get_appeal(session, appeal_id)
    return TipList(tips=[TipOut(id=t.id, reference=t.reference, appeal_id=t.appeal_id,
                                appeal_reference=t.appeal_reference, owning_force_id=t.owning_force_id,
                                status=t.status, received_at=t.received_at, report_ids=list(t.report_ids))
                         for t in tips.tips(session, appeal_id=appeal_id)])
