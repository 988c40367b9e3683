"""Staff pages (``/publications``) and the API (``/api/v1/annual-review``, ``/api/v1/threat-assessments``).

Every page action has an API route usable with a personal staff token; the pages and the API call
the same audited service functions. Years in paths are written ``2025-26`` (or ``2025``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.errors import InvalidInput
from jigsaw.http.deps import authorize, db_session, require_csrf
from jigsaw.http.flash import flash
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.purpose import stated_purpose
from jigsaw.http.templating import render
from jigsaw.markings import Classification, Descriptor, Tlp
from jigsaw.publications import exports, service, threat
from jigsaw.publications.models import ThreatAssessment
from jigsaw.publications.schemas import (
    AssessmentEdit,
    AssessmentIn,
    AssessmentOut,
    AssessmentSummary,
    FigureOut,
    ReturnIn,
    ReviewOut,
    TableOut,
)
from jigsaw.statistics.interfaces import financial_year_start

router = APIRouter(include_in_schema=False)
review_api = APIRouter(prefix="/api/v1/annual-review", tags=["publications"])
threat_api = APIRouter(prefix="/api/v1/threat-assessments", tags=["publications"])
pages = authorize(roles=service.READERS, page=True)
api = authorize(roles=service.READERS)
_X_PURPOSE = Header(default=None, description="Why you are reading the assessment (required; audited).")
PAGE_PURPOSE = "preparing the centre's publications"


def _version(text: str) -> bool:
    if text not in ("staff", "public"):
        raise InvalidInput("version: staff or public")
    return text == "public"


def _slug(fy: Any) -> str:
    return str(fy.name or "").replace("/", "-")


def _date(text: str, name: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text and text.strip() else None
    except ValueError:
        raise InvalidInput(f"{name}: write the date YYYY-MM-DD") from None


# --- pages -------------------------------------------------------------------------------------


@router.get("/publications", response_class=HTMLResponse)
def index(request: Request, principal: Principal = Depends(pages), session: Session = Depends(db_session)) -> Response:
    this_year = financial_year_start(datetime.now(UTC).date())
    return render(request, "publications/index.html", {
        "principal": principal, "csrf_token": request.state.csrf_token,
        "years": [service.financial_year(str(y)) for y in range(this_year, this_year - 4, -1)],
        "assessments": service.assessments(session, principal), "labels": threat.STATUS_LABELS,
        "status": threat.Status, "classifications": [c.value for c in Classification],
        "descriptors": [d.value for d in Descriptor], "tlps": [t.value for t in Tlp],
        "default_start": date(this_year - 1, 4, 1).isoformat(), "default_end": date(this_year, 3, 31).isoformat()})


@router.get("/publications/annual-review/{fy}", response_class=HTMLResponse)
def review_page(fy: str, request: Request, version: str = Query("staff"), principal: Principal = Depends(pages),
                session: Session = Depends(db_session)) -> Response:
    period = service.financial_year(fy)
    r = service.read_review(session, principal, period, public=_version(version), purpose=PAGE_PURPOSE)
    return render(request, "publications/review.html", {"principal": principal, "r": r, "slug": _slug(period)},
                  headers={"Cache-Control": "no-store"})


def _review_pdf(session: Session, principal: Principal, fy: str, version: str) -> Response:
    period = service.financial_year(fy)
    r = service.read_review(session, principal, period, public=_version(version), purpose=PAGE_PURPOSE + " (PDF)")
    return exports.download(exports.review_pdf(r), "application/pdf", f"annual-review-{_slug(period)}-{version}.pdf")


def _review_csv(session: Session, principal: Principal, fy: str) -> Response:
    period = service.financial_year(fy)
    r = service.read_review(session, principal, period, public=True, purpose=PAGE_PURPOSE + " (CSV)")
    return exports.download(exports.review_csv(r), "text/csv; charset=utf-8",
                            f"annual-review-{_slug(period)}-public.csv")


@router.get("/publications/annual-review/{fy}/export.pdf")
def review_pdf_page(fy: str, version: str = Query("staff"), principal: Principal = Depends(pages),
                    session: Session = Depends(db_session)) -> Response:
    return _review_pdf(session, principal, fy, version)


@router.get("/publications/annual-review/{fy}/export.csv")
def review_csv_page(fy: str, principal: Principal = Depends(pages), session: Session = Depends(db_session)) -> Response:
    """The public version's tables (suppressed): the CSV is for publishing."""
    return _review_csv(session, principal, fy)


async def _form(request: Request) -> dict[str, str]:
    values = {k: str(v) for k, v in (await request.form()).items() if isinstance(v, str)}
    require_csrf(request, values.get("csrf_token"))
    return values


def _to(request: Request, url: str, message: str, kind: Any = "success") -> RedirectResponse:
    flash(request, message, kind)
    return RedirectResponse(url, status_code=303)


def _sections(v: dict[str, str]) -> dict[str, str]:
    return {k: v[f"section_{k}"] for k in threat.SECTION_KEYS if f"section_{k}" in v}


@router.post("/publications/threat-assessments")
async def create_form(request: Request, principal: Principal = Depends(pages),
                      session: Session = Depends(db_session)) -> Response:
    v = await _form(request)
    try:
        ta = service.create(session, principal, start=_date(v.get("start", ""), "start"),
                            end=_date(v.get("end", ""), "end"), title=v.get("title", ""), sections=_sections(v),
                            classification=v.get("classification"), descriptor=v.get("descriptor"),
                            tlp=v.get("tlp"), handling=v.get("handling", ""))
    except InvalidInput as exc:
        return _to(request, "/publications", f"Not drafted: {exc}", "error")
    return _to(request, f"/publications/threat-assessments/{ta.id}", f"Draft {ta.reference} started.")


@router.get("/publications/threat-assessments/{assessment_id}", response_class=HTMLResponse,
            openapi_extra=PERSONAL_DATA)
def assessment_page(assessment_id: int, request: Request, principal: Principal = Depends(pages),
                    session: Session = Depends(db_session)) -> Response:
    ta = service.read(session, principal, assessment_id, purpose=PAGE_PURPOSE)
    figures = service.figures_of(session, ta)
    return render(request, "publications/assessment.html", {
        "principal": principal, "csrf_token": request.state.csrf_token, "ta": ta, "f": figures,
        "charts": service.threat_charts(figures), "marking": service.marking_of(ta), "sections": threat.SECTIONS,
        "labels": threat.STATUS_LABELS, "names": service.people(session, ta.created_by_id, ta.approved_by_id),
        "classifications": [c.value for c in Classification], "descriptors": [d.value for d in Descriptor],
        "tlps": [t.value for t in Tlp]}, headers={"Cache-Control": "no-store"})


@router.post("/publications/threat-assessments/{assessment_id}")
async def edit_form(assessment_id: int, request: Request, principal: Principal = Depends(pages),
                    session: Session = Depends(db_session)) -> Response:
    v = await _form(request)
    try:
        ta = service.edit(session, principal, assessment_id, sections=_sections(v), title=v.get("title"),
                          classification=v.get("classification"), descriptor=v.get("descriptor"),
                          tlp=v.get("tlp"), handling=v.get("handling"))
    except InvalidInput as exc:
        return _to(request, f"/publications/threat-assessments/{assessment_id}", f"Not saved: {exc}", "error")
    note = f"Version {ta.version} started." if ta.id != assessment_id else "Saved."
    return _to(request, f"/publications/threat-assessments/{ta.id}", note)


def _step(request: Request, assessment_id: int, done: str, action: Any) -> Response:
    url = f"/publications/threat-assessments/{assessment_id}"
    try:
        action()
    except InvalidInput as exc:
        return _to(request, url, f"Not done: {exc}", "error")
    return _to(request, url, done)


@router.post("/publications/threat-assessments/{assessment_id}/submit")
async def submit_form(assessment_id: int, request: Request, principal: Principal = Depends(pages),
                      session: Session = Depends(db_session)) -> Response:
    await _form(request)
    return _step(request, assessment_id, "Submitted for approval by a supervisor.",
                 lambda: service.submit(session, principal, assessment_id))


@router.post("/publications/threat-assessments/{assessment_id}/approve")
async def approve_form(assessment_id: int, request: Request, principal: Principal = Depends(pages),
                       session: Session = Depends(db_session)) -> Response:
    await _form(request)
    return _step(request, assessment_id, "Approved: its figures are frozen.",
                 lambda: service.approve(session, principal, assessment_id))


@router.post("/publications/threat-assessments/{assessment_id}/return")
async def return_form(assessment_id: int, request: Request, principal: Principal = Depends(pages),
                      session: Session = Depends(db_session)) -> Response:
    v = await _form(request)
    return _step(request, assessment_id, "Returned to the author.",
                 lambda: service.return_to_draft(session, principal, assessment_id, v.get("reason", "")))


def _assessment_pdf(session: Session, principal: Principal, assessment_id: int, purpose: str) -> Response:
    ta = service.read(session, principal, assessment_id, purpose=purpose)
    names = service.people(session, ta.created_by_id, ta.approved_by_id)
    body = exports.threat_pdf(ta, service.figures_of(session, ta), service.marking_of(ta),
                              names.get(ta.created_by_id), names.get(ta.approved_by_id or 0))
    return exports.download(body, "application/pdf", f"{ta.reference}-v{ta.version}.pdf")


@router.get("/publications/threat-assessments/{assessment_id}/export.pdf", openapi_extra=PERSONAL_DATA)
def assessment_pdf_page(assessment_id: int, principal: Principal = Depends(pages),
                        session: Session = Depends(db_session)) -> Response:
    return _assessment_pdf(session, principal, assessment_id, PAGE_PURPOSE + " (PDF)")


# --- API ---------------------------------------------------------------------------------------


def review_out(r: service.AnnualReview) -> ReviewOut:
    def fig(f: service.ShownFigure) -> FigureOut:
        return FigureOut(name=f.name, label=f.label, rule_id=f.rule_id, value=f.value, prior=f.prior,
                         change=f.change, is_record=f.is_record)
    return ReviewOut(
        financial_year=r.period.name or "", start=r.period.start, end=r.period.end,
        version="public" if r.public else "staff", marking=r.marking.banner,
        headlines=[fig(f) for f in r.headlines], education_reach=[fig(f) for f in r.reach],
        funnel=[fig(f) for f in r.funnel],
        breakdowns=[TableOut(key=t.key, title=t.title, rows=list(t.table.rows), columns=list(t.table.columns),
                             cells=[list(c) for c in t.table.cells]) for t in r.tables],
        series=r.series, rules=[{"id": i, "label": label, "text": text} for i, label, text in r.rules],
        generated_at=r.generated_at)


@review_api.get("/{fy}", response_model=ReviewOut,
                summary="The annual review for a financial year (2025-26): staff or public (suppressed) version")
def api_review(fy: str, version: str = Query("staff"), principal: Principal = Depends(api),
               session: Session = Depends(db_session)) -> ReviewOut:
    period = service.financial_year(fy)
    return review_out(service.read_review(session, principal, period, public=_version(version),
                                          purpose=PAGE_PURPOSE + " (API)"))


@review_api.get("/{fy}/pdf", response_class=exports.PDFResponse,
                summary="The annual review as a PDF, its marking on every page")
def api_review_pdf(fy: str, version: str = Query("staff"), principal: Principal = Depends(api),
                   session: Session = Depends(db_session)) -> Response:
    return _review_pdf(session, principal, fy, version)


@review_api.get("/{fy}/csv", response_class=exports.CSVResponse,
                summary="The public version's tables as CSV (small numbers suppressed)")
def api_review_csv(fy: str, principal: Principal = Depends(api), session: Session = Depends(db_session)) -> Response:
    return _review_csv(session, principal, fy)


def summary(ta: ThreatAssessment) -> AssessmentSummary:
    return AssessmentSummary(id=ta.id, reference=ta.reference, version=ta.version, title=ta.title,
                             start=ta.period_start, end=ta.period_end, status=ta.status,
                             marking=service.marking_of(ta).banner, created_by_id=ta.created_by_id,
                             approved_by_id=ta.approved_by_id, approved_at=ta.approved_at,
                             supersedes_id=ta.supersedes_id)


def full(session: Session, ta: ThreatAssessment) -> AssessmentOut:
    return AssessmentOut(**summary(ta).model_dump(), sections=dict(ta.sections or {}), handling=ta.handling,
                         figures=service.figures_of(session, ta), figures_frozen_at=ta.frozen_at,
                         returned_reason=ta.returned_reason)


@threat_api.get("", response_model=list[AssessmentSummary], summary="Every version, newest first (no text)")
def api_list(principal: Principal = Depends(api), session: Session = Depends(db_session)) -> list[AssessmentSummary]:
    return [summary(ta) for ta in service.assessments(session, principal)]


@threat_api.post("", response_model=AssessmentOut, status_code=201, summary="Draft an assessment for a period")
def api_create(body: AssessmentIn, principal: Principal = Depends(api),
               session: Session = Depends(db_session)) -> AssessmentOut:
    ta = service.create(session, principal, start=body.start, end=body.end, title=body.title, sections=body.sections,
                        classification=body.classification, descriptor=body.descriptor, tlp=body.tlp,
                        handling=body.handling)
    return full(session, ta)


@threat_api.get("/{assessment_id}", response_model=AssessmentOut, openapi_extra=PERSONAL_DATA,
                summary="One version with its text and figures (audited: send X-Purpose)")
def api_read(assessment_id: int, x_purpose: str | None = _X_PURPOSE, principal: Principal = Depends(api),
             session: Session = Depends(db_session)) -> AssessmentOut:
    ta = service.read(session, principal, assessment_id, purpose=stated_purpose(x_purpose, required=True))
    return full(session, ta)


@threat_api.patch("/{assessment_id}", response_model=AssessmentOut,
                  summary="Edit a draft; editing an approved version starts the next version")
def api_edit(assessment_id: int, body: AssessmentEdit, principal: Principal = Depends(api),
             session: Session = Depends(db_session)) -> AssessmentOut:
    ta = service.edit(session, principal, assessment_id, sections=body.sections, title=body.title,
                      classification=body.classification, descriptor=body.descriptor, tlp=body.tlp,
                      handling=body.handling)
    return full(session, ta)


@threat_api.post("/{assessment_id}/submit", response_model=AssessmentSummary, summary="Submit for approval")
def api_submit(assessment_id: int, principal: Principal = Depends(api),
               session: Session = Depends(db_session)) -> AssessmentSummary:
    return summary(service.submit(session, principal, assessment_id))


@threat_api.post("/{assessment_id}/approve", response_model=AssessmentSummary,
                 summary="Approve (a supervisor who did not write it); freezes its figures")
def api_approve(assessment_id: int, principal: Principal = Depends(api),
                session: Session = Depends(db_session)) -> AssessmentSummary:
    return summary(service.approve(session, principal, assessment_id))


@threat_api.post("/{assessment_id}/return", response_model=AssessmentSummary, summary="Return to draft, with a reason")
def api_return(assessment_id: int, body: ReturnIn, principal: Principal = Depends(api),
               session: Session = Depends(db_session)) -> AssessmentSummary:
    return summary(service.return_to_draft(session, principal, assessment_id, body.reason))


@threat_api.get("/{assessment_id}/pdf", response_class=exports.PDFResponse, openapi_extra=PERSONAL_DATA,
                summary="The assessment as a PDF, its markings on every page (send X-Purpose)")
def api_pdf(assessment_id: int, x_purpose: str | None = _X_PURPOSE, principal: Principal = Depends(api),
            session: Session = Depends(db_session)) -> Response:
    return _assessment_pdf(session, principal, assessment_id, stated_purpose(x_purpose, required=True))
