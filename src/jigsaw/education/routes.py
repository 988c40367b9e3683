"""Staff pages and the ``/api/v1/education`` API for the programme's records."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.appeals.interfaces import REGIONS
from jigsaw.education import rules, service
from jigsaw.education.models import Deliverer, EducationSession, Survey
from jigsaw.education.schemas import (
    DelivererIn,
    DelivererOut,
    ReachOut,
    SessionIn,
    SessionOut,
    StatusIn,
    SurveyIn,
    SurveyOut,
)
from jigsaw.errors import InvalidInput
from jigsaw.http.deps import authorize, db_session, require_csrf
from jigsaw.http.flash import flash
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.templating import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/education", tags=["education"])
STAFF = {Role.ANALYST, Role.SUPERVISOR}
pages = authorize(roles=STAFF, page=True)
api = authorize(roles=STAFF)


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text and text.strip() else None
    except ValueError:
        raise InvalidInput("dates are written YYYY-MM-DD") from None


def _deliverer_out(d: Deliverer) -> DelivererOut:
    return DelivererOut(id=d.id, name=d.name, email=d.email, organisation=d.organisation, role=d.role,
                        course=d.course, trained_on=d.trained_on, status=d.status, status_reason=d.status_reason,
                        status_changed_at=d.status_changed_at)


def _session_out(s: EducationSession) -> SessionOut:
    return SessionOut(id=s.id, deliverer_id=s.deliverer_id, setting_name=s.setting_name, setting_type=s.setting_type,
                      setting_urn=s.setting_urn, area=s.area, held_on=s.held_on, format=s.format,
                      children={k: int(v) for k, v in (s.children or {}).items()}, children_total=s.children_total,
                      parents=s.parents, professionals=s.professionals, resource=s.resource,
                      resource_version=s.resource_version)


def _survey_out(s: Survey) -> SurveyOut:
    return SurveyOut(id=s.id, title=s.title, instrument=s.instrument, fieldwork_start=s.fieldwork_start,
                     fieldwork_end=s.fieldwork_end, population=s.population, sample_size=s.sample_size,
                     results=list(s.results or []), caveats=s.caveats)


# --- pages -------------------------------------------------------------------------------------


@router.get("/education", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def education_page(request: Request, principal: Principal = Depends(pages),
                   session: Session = Depends(db_session)) -> Response:
    return render(request, "education/index.html", {
        "principal": principal, "csrf_token": request.state.csrf_token,
        "deliverers": service.deliverers(session, principal, purpose="the education programme page"),
        "sessions": service.sessions(session, limit=50), "surveys": service.surveys(session),
        "reach": service.reach(session), "bands": rules.AGE_BANDS, "regions": REGIONS,
        "formats": [f.value for f in rules.SessionFormat], "setting_types": [t.value for t in rules.SettingType],
        "roles": [r.value for r in rules.DelivererRole], "statuses": [s.value for s in rules.DelivererStatus],
    })


async def _form(request: Request) -> dict[str, str]:
    values = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
    require_csrf(request, values.get("csrf_token"))
    return values


def _done(request: Request, message: str, kind: Any = "success") -> RedirectResponse:
    flash(request, message, kind)
    return RedirectResponse("/education", status_code=303)


@router.post("/education/deliverers")
async def deliverer_form(request: Request, principal: Principal = Depends(pages),
                         session: Session = Depends(db_session)) -> Response:
    v = await _form(request)
    try:
        d = service.add_deliverer(session, principal, name=v.get("name", ""), email=v.get("email"),
                                  organisation=v.get("organisation", ""), role=v.get("role", ""),
                                  course=v.get("course", ""), trained_on=_date(v.get("trained_on", "")),
                                  conduct_accepted=v.get("conduct_accepted") == "yes")
    except InvalidInput as exc:
        return _done(request, f"Not recorded: {exc}", "error")
    return _done(request, f"Deliverer {d.name} recorded.")


@router.post("/education/deliverers/{deliverer_id}/status")
async def status_form(deliverer_id: int, request: Request, principal: Principal = Depends(pages),
                      session: Session = Depends(db_session)) -> Response:
    v = await _form(request)
    try:
        d = service.set_status(session, principal, deliverer_id, v.get("status", ""), v.get("reason", ""))
    except InvalidInput as exc:
        return _done(request, f"Not changed: {exc}", "error")
    return _done(request, f"{d.name} is now {d.status}.")


@router.post("/education/sessions")
async def session_form(request: Request, principal: Principal = Depends(pages),
                       session: Session = Depends(db_session)) -> Response:
    v = await _form(request)
    try:
        row = service.record_session(
            session, principal, deliverer_id=int(v.get("deliverer_id") or 0), setting_name=v.get("setting_name", ""),
            setting_type=v.get("setting_type", ""), setting_urn=v.get("setting_urn"), area=v.get("area", ""),
            held_on=_date(v.get("held_on", "")), format_=v.get("format", ""),
            children={b: v.get(f"children_{b}", "") for b in rules.AGE_BANDS}, parents=v.get("parents", ""),
            professionals=v.get("professionals", ""), resource=v.get("resource", ""),
            resource_version=v.get("resource_version", ""))
    except (InvalidInput, ValueError) as exc:
        return _done(request, f"Not recorded: {exc}", "error")
    return _done(request, f"Session at {row.setting_name} recorded ({row.children_total} children).")


# --- API ---------------------------------------------------------------------------------------


@api_router.get("/deliverers", response_model=list[DelivererOut], openapi_extra=PERSONAL_DATA,
                summary="Deliverers and their status (audited: they are named people)")
def api_deliverers(principal: Principal = Depends(api), session: Session = Depends(db_session)) -> list[DelivererOut]:
    return [_deliverer_out(d) for d in service.deliverers(session, principal, purpose="the education API")]


@api_router.post("/deliverers", response_model=DelivererOut, status_code=201, summary="Record a trained deliverer")
def api_add_deliverer(body: DelivererIn, principal: Principal = Depends(api),
                      session: Session = Depends(db_session)) -> DelivererOut:
    return _deliverer_out(service.add_deliverer(
        session, principal, name=body.name, email=body.email, organisation=body.organisation, role=body.role,
        course=body.course, trained_on=body.trained_on, conduct_accepted=body.conduct_accepted))


@api_router.post("/deliverers/{deliverer_id}/status", response_model=DelivererOut,
                 summary="Suspend, reinstate or end a deliverer")
def api_status(deliverer_id: int, body: StatusIn, principal: Principal = Depends(api),
               session: Session = Depends(db_session)) -> DelivererOut:
    return _deliverer_out(service.set_status(session, principal, deliverer_id, body.status, body.reason))


@api_router.get("/sessions", response_model=list[SessionOut], summary="Sessions held, newest first")
def api_sessions(start: date | None = None, end: date | None = None, principal: Principal = Depends(api),
                 session: Session = Depends(db_session)) -> list[SessionOut]:
    service.require_staff(principal)
    return [_session_out(s) for s in service.sessions(session, start=start, end=end)]


@api_router.post("/sessions", response_model=SessionOut, status_code=201,
                 summary="Record a session that was held (assemblies are refused)")
def api_record_session(body: SessionIn, principal: Principal = Depends(api),
                       session: Session = Depends(db_session)) -> SessionOut:
    return _session_out(service.record_session(
        session, principal, deliverer_id=body.deliverer_id, setting_name=body.setting_name,
        setting_type=body.setting_type, setting_urn=body.setting_urn, area=body.area, held_on=body.held_on,
        format_=body.format, children=body.children, parents=body.parents, professionals=body.professionals,
        resource=body.resource, resource_version=body.resource_version))


@api_router.get("/surveys", response_model=list[SurveyOut], summary="Surveys with their results and caveats")
def api_surveys(principal: Principal = Depends(api), session: Session = Depends(db_session)) -> list[SurveyOut]:
    service.require_staff(principal)
    return [_survey_out(s) for s in service.surveys(session)]


@api_router.post("/surveys", response_model=SurveyOut, status_code=201, summary="Record a survey and its results")
def api_record_survey(body: SurveyIn, principal: Principal = Depends(api),
                      session: Session = Depends(db_session)) -> SurveyOut:
    return _survey_out(service.record_survey(
        session, principal, title=body.title, instrument=body.instrument, fieldwork_start=body.fieldwork_start,
        fieldwork_end=body.fieldwork_end, population=body.population, sample_size=body.sample_size,
        results=[r.model_dump(exclude_none=True) for r in body.results], caveats=body.caveats))


@api_router.get("/reach", response_model=ReachOut,
                summary="Children reached and settings reached between two dates (reported separately)")
def api_reach(start: date | None = Query(None), end: date | None = Query(None), principal: Principal = Depends(api),
              session: Session = Depends(db_session)) -> ReachOut:
    service.require_staff(principal)
    r = service.reach(session, start, end)
    return ReachOut(start=r.start, end=r.end, sessions=r.sessions, children_reached=r.children_reached,
                    children_by_band=r.children_by_band, settings_reached=r.settings_reached,
                    parents_reached=r.parents_reached, professionals_reached=r.professionals_reached)
