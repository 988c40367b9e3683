"""Outcomes over HTTP: the force records what it did on its inbox package page or through
``/api/v1/packages/{id}/outcomes``; the centre reads them on its package page; the centre records a
network disrupted or dismantled from the network page or ``/api/v1/networks/subject/{id}/disruptions``.

The API answers a new record 201 and a resubmission 200 (the stored record, nothing changed); a
reference reused with a different body 409 naming the stored record; a record that cannot be
accepted 422 with every failing field by name, never echoing what was sent. Pages post, redirect
back with a notice, and work without JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.errors import Conflict, InvalidInput, NotAllowed
from jigsaw.http.deps import authorize, db_session, require_csrf
from jigsaw.http.flash import flash
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.purpose import stated_purpose
from jigsaw.http.templating import render
from jigsaw.outcomes import rules, service
from jigsaw.outcomes.kinds import (
    CATEGORY_LABELS,
    CHILD_AGE_BANDS,
    HOME_OFFICE_OUTCOMES,
    KIND_LABELS,
    NOT_YET_ASSIGNED,
    NetworkEffect,
    OutcomeKind,
    WarrantStage,
)
from jigsaw.outcomes.models import NetworkDisruption, Outcome
from jigsaw.outcomes.schemas import (
    DisruptionIn,
    DisruptionList,
    DisruptionOut,
    OutcomeIn,
    OutcomeOut,
    PackageOutcomesOut,
    WarrantOut,
    WithdrawIn,
)

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["outcomes"])

RECIPIENT_KINDS = (OrgKind.UK_FORCE, OrgKind.PARTNER_AGENCY)
recipient_api = authorize(roles={Role.FORCE_LIAISON}, org_kinds=RECIPIENT_KINDS)
shared_api = authorize(roles={Role.ANALYST, Role.SUPERVISOR, Role.FORCE_LIAISON},
                       org_kinds=(OrgKind.CENTRE, *RECIPIENT_KINDS))
centre_api = authorize(roles={Role.ANALYST, Role.SUPERVISOR})
inbox_pages = authorize(roles={Role.FORCE_LIAISON}, org_kinds=RECIPIENT_KINDS, page=True)
centre_pages = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, page=True)
_X_PURPOSE = Header(default=None, description="Why you are reading it (audited; the centre's readers should say).")
REFUSED = (Conflict, InvalidInput, NotAllowed)
LONDON = ZoneInfo("Europe/London")


# --- shaping -------------------------------------------------------------------------------------------


def outcome_out(row: Outcome, names: Mapping[int, str]) -> OutcomeOut:
    details = row.details or {}
    ho = row.home_office_outcome
    return OutcomeOut(
        id=row.id, package_id=row.package_id, reference=row.reference, kind=row.kind, occurred_at=row.occurred_at,
        subject_id=row.subject_id, count=row.count, warrant_stage=row.warrant_stage, category=row.category,
        age_band=row.age_band, victim_subject_id=row.victim_subject_id, series_id=row.series_id,
        home_office_outcome=ho, home_office_outcome_label=HOME_OFFICE_OUTCOMES.get(ho) if ho is not None else None,
        home_office_outcome_counted=None if ho is None else (ho != NOT_YET_ASSIGNED and row.withdrawn_at is None),
        offence=details.get("offence"), charge_count=row.charge_count, sentence=details.get("sentence"),
        contact_offence=row.contact_offence, devices_seized=row.devices_seized, devices_examined=row.devices_examined,
        registered_sex_offender=row.registered_sex_offender, position_of_trust=row.position_of_trust,
        high_risk=row.high_risk, note=details.get("note"), recorded_at=row.recorded_at,
        recorded_by=names.get(row.recorded_by_id) if row.recorded_by_id else None, withdrawn_at=row.withdrawn_at,
        withdrawn_reason=row.withdrawn_reason)


def _names(session: Session, rows: list[Outcome]) -> dict[int, str]:
    return service.recorder_names(session, rows)


def disruption_out(row: NetworkDisruption) -> DisruptionOut:
    return DisruptionOut(id=row.id, reference=row.reference, anchor_subject_id=row.anchor_subject_id,
                         network_label=row.network_label, subject_count=row.subject_count, effect=row.effect,
                         occurred_at=row.occurred_at, package_id=row.package_id, evidence=row.evidence,
                         recorded_at=row.recorded_at)


def _invalid(exc: rules.OutcomeInputError) -> JSONResponse:
    """Every failing field by name, as FastAPI's own 422 names body fields (never the value sent)."""
    return JSONResponse({"detail": [{"type": "invalid", "loc": ["body", name], "msg": msg}
                                    for name, msg in exc.fields.items()]}, status_code=422)


# --- API -----------------------------------------------------------------------------------------------


@api_router.post("/packages/{package_id}/outcomes", response_model=OutcomeOut, status_code=201,
                 summary="Record an outcome (the force the package was sent to; idempotent by your reference)",
                 responses={200: {"description": "The same reference and body again: the stored record"},
                            409: {"description": "The reference is used by a different record (named)"},
                            422: {"description": "Every failing field, by name"}})
def api_record(package_id: int, body: OutcomeIn, principal: Principal = Depends(recipient_api),
               session: Session = Depends(db_session)) -> Response:
    try:
        done = service.record_outcome(session, principal, package_id, body.model_dump(exclude_unset=True))
    except rules.OutcomeInputError as exc:
        return _invalid(exc)
    except service.OutcomeConflict as exc:
        return JSONResponse({"detail": str(exc), "existing": {"id": exc.existing_id,
                                                              "reference": exc.existing_reference}},
                            status_code=409)
    out = outcome_out(done.outcome, _names(session, [done.outcome]))
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if done.created else 200)


@api_router.get("/packages/{package_id}/outcomes", response_model=PackageOutcomesOut, openapi_extra=PERSONAL_DATA,
                summary="A package's outcomes and each suspect's warrant (the centre, and the recipient)")
def api_list(package_id: int, x_purpose: str | None = _X_PURPOSE, principal: Principal = Depends(shared_api),
             session: Session = Depends(db_session)) -> PackageOutcomesOut:
    default = service.FORCE_PURPOSE if service.is_recipient(principal) else service.CENTRE_PURPOSE
    view = service.read_outcomes(session, principal, package_id,
                                 purpose=stated_purpose(x_purpose, required=False, default=default + " (API)"))
    return PackageOutcomesOut(
        package_id=view.package.id, reference=view.package.reference,
        outcomes=[outcome_out(r, view.names) for r in view.outcomes],
        warrants=[WarrantOut(subject_id=w.subject_id, stage=w.stage, open=w.open, history=list(w.history))
                  for w in view.warrants])


@api_router.post("/packages/{package_id}/outcomes/{outcome_id}/withdraw", response_model=OutcomeOut,
                 summary="Withdraw a mis-keyed outcome record, with the reason (it stays, uncounted)")
def api_withdraw(package_id: int, outcome_id: int, body: WithdrawIn, principal: Principal = Depends(recipient_api),
                 session: Session = Depends(db_session)) -> Response:
    try:
        row = service.withdraw_outcome(session, principal, package_id, outcome_id, body.reason)
    except rules.OutcomeInputError as exc:
        return _invalid(exc)
    return JSONResponse(outcome_out(row, _names(session, [row])).model_dump(mode="json"))


@api_router.post("/networks/subject/{subject_id}/disruptions", response_model=DisruptionOut, status_code=201,
                 summary="Record the network of a subject disrupted or dismantled, with the evidence (the centre)")
def api_disrupt(subject_id: int, body: DisruptionIn, principal: Principal = Depends(centre_api),
                session: Session = Depends(db_session)) -> Response:
    try:
        row = service.record_disruption(session, principal, subject_id, body.effect.value, body.occurred_at,
                                        body.evidence, body.package_id)
    except rules.OutcomeInputError as exc:
        return _invalid(exc)
    return JSONResponse(disruption_out(row).model_dump(mode="json"), status_code=201)


@api_router.get("/networks/subject/{subject_id}/disruptions", response_model=DisruptionList,
                openapi_extra=PERSONAL_DATA, summary="Disruptions recorded for a subject's network")
def api_disruptions_of(subject_id: int, x_purpose: str | None = _X_PURPOSE,
                       principal: Principal = Depends(centre_api), session: Session = Depends(db_session)
                       ) -> DisruptionList:
    rows = service.disruptions(session, principal, subject_id=subject_id,
                               purpose=stated_purpose(x_purpose, required=True))
    return DisruptionList(disruptions=[disruption_out(r) for r in rows])


@api_router.get("/network-disruptions", response_model=DisruptionList, openapi_extra=PERSONAL_DATA,
                summary="Every network recorded as disrupted or dismantled, newest first")
def api_disruptions(x_purpose: str | None = _X_PURPOSE, principal: Principal = Depends(centre_api),
                    session: Session = Depends(db_session)) -> DisruptionList:
    rows = service.disruptions(session, principal, purpose=stated_purpose(x_purpose, required=True))
    return DisruptionList(disruptions=[disruption_out(r) for r in rows])


# --- pages ---------------------------------------------------------------------------------------------


def vocabulary() -> dict[str, Any]:
    return {"outcome_kinds": KIND_LABELS, "child_categories": CATEGORY_LABELS, "age_bands": CHILD_AGE_BANDS,
            "home_office_outcomes": HOME_OFFICE_OUTCOMES, "warrant_stages": [s.value for s in WarrantStage],
            "network_effects": [e.value for e in NetworkEffect], "kind_values": [k.value for k in OutcomeKind]}


def package_panel(session: Session, principal: Principal, package_id: int) -> dict[str, Any]:
    """The package page's outcomes section: forms for the recipient, the record for both sides."""
    view = service.read_outcomes(session, principal, package_id)
    return {"outcomes_view": view, **vocabulary()}


def _back(request: Request, url: str, message: str, kind: Any = "success") -> RedirectResponse:
    flash(request, message, kind)
    return RedirectResponse(url, status_code=303)


def uk_time(text: str) -> str:
    """A form's date and time (``datetime-local`` has no zone) read as UK time, as people key it."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return text  # the rules name it
    return (moment if moment.tzinfo else moment.replace(tzinfo=LONDON)).isoformat()


# Every field a form may send; empty ones are left out, so a kind's form sends only its own.
_FORM_FIELDS = tuple(sorted(rules.ALL_FIELDS))


async def _outcome_form(request: Request) -> dict[str, str]:
    """The outcome form's filled-in fields (and its CSRF token): each kind's form sends its own fields."""
    form = await request.form()
    return {name: str(form.get(name)) for name in (*_FORM_FIELDS, "csrf_token") if str(form.get(name) or "").strip()}


@router.post("/inbox/packages/{package_id}/outcomes")
def record_form(package_id: int, request: Request, form: dict[str, str] = Depends(_outcome_form),
                principal: Principal = Depends(inbox_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, form.pop("csrf_token", ""))
    url = f"/inbox/packages/{package_id}#outcomes"
    raw = {**form, "occurred_at": uk_time(form.get("occurred_at", ""))}
    try:
        done = service.record_outcome(session, principal, package_id, raw)
    except REFUSED as exc:
        return _back(request, url, f"Not recorded: {exc}", "error")
    label = KIND_LABELS.get(done.outcome.kind, done.outcome.kind)
    if not done.created:
        return _back(request, url, f"{label} {done.outcome.reference} was already recorded: nothing changed.", "info")
    return _back(request, url, f"{label} recorded under your reference {done.outcome.reference}.")


@router.post("/inbox/packages/{package_id}/outcomes/{outcome_id}/withdraw")
def withdraw_form(package_id: int, outcome_id: int, request: Request, reason: str = Form(""),
                  csrf_token: str = Form(""), principal: Principal = Depends(inbox_pages),
                  session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    url = f"/inbox/packages/{package_id}#outcomes"
    try:
        row = service.withdraw_outcome(session, principal, package_id, outcome_id, reason)
    except REFUSED as exc:
        return _back(request, url, f"Not withdrawn: {exc}", "error")
    return _back(request, url, f"Record {row.reference} withdrawn.")


@router.get("/networks/subject/{subject_id}/disruptions", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def disruptions_page(subject_id: int, request: Request, principal: Principal = Depends(centre_pages),
                     session: Session = Depends(db_session)) -> Response:
    rows = service.disruptions(session, principal, subject_id=subject_id)
    return render(request, "outcomes/disruptions.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "subject_id": subject_id, "rows": rows,
        **vocabulary()})


@router.post("/networks/subject/{subject_id}/disruptions")
def disruption_form(subject_id: int, request: Request, effect: str = Form(""), occurred_at: str = Form(""),
                    evidence: str = Form(""), package_id: str = Form(""), csrf_token: str = Form(""),
                    principal: Principal = Depends(centre_pages), session: Session = Depends(db_session)) -> Response:
    require_csrf(request, csrf_token)
    url = f"/networks/subject/{subject_id}/disruptions"
    try:
        chosen_package = int(package_id) if package_id.strip() else None
    except ValueError:
        return _back(request, url, "Not recorded: package_id: is a package number", "error")
    try:
        row = service.record_disruption(session, principal, subject_id, effect, uk_time(occurred_at), evidence,
                                        chosen_package)
    except REFUSED as exc:
        return _back(request, url, f"Not recorded: {exc}", "error")
    return _back(request, url, f"Network recorded as {row.effect} ({row.reference}).")
