"""HTTP adapters for linking: the networks/series API and the analyst pages.

Only centre analysts and supervisors, and centre tokens with ``reports:read``, may read networks:
a network joins personal data from many reports. Every read is audited as a consultation with
its purpose (``X-Purpose`` on the API) by the read functions of :mod:`jigsaw.linking.queries`;
exports are audited as disclosures to the analyst's own organisation by
:func:`jigsaw.linking.export.export_subject_network`; merges are audited as combinations. A
missing network, series or subject is 404 (:mod:`jigsaw.web.errors`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Header, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role, Scope
from jigsaw.http.deps import authorize, db_session, require_csrf
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.purpose import stated_purpose
from jigsaw.http.templating import render
from jigsaw.linking import export, queries
from jigsaw.linking.actions import MergeError, merge_subjects, unmerge_subjects
from jigsaw.linking.schemas import Network, NetworkPage, Series, SeriesPage
from jigsaw.linking.settings import linking_config

api_router = APIRouter(prefix="/api/v1", tags=["networks"])
pages_router = APIRouter(include_in_schema=False)

_api_gate = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, scopes={Scope.REPORTS_READ})
_page_gate = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, page=True)

PAGE_PURPOSE = "link analysis of a subject's network"
_X_PURPOSE = Header(default=None, description="Why you are reading it (required; audited; 3 to 200 characters).")
EXPORT_PURPOSE = "analyst export"


def centre_reader(principal: Principal = Depends(_api_gate)) -> Principal:
    """:func:`authorize` checks a token's scope but not its organisation: networks are centre-only."""
    if principal.organisation_kind is not OrgKind.CENTRE:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "networks are visible to the centre only")
    return principal


# -- API ------------------------------------------------------------------------------------

@api_router.get("/networks", summary="Offender networks, largest first", response_model=NetworkPage,
                openapi_extra=PERSONAL_DATA)
def api_networks(
    limit: int = 50, offset: int = 0, x_purpose: str | None = _X_PURPOSE,
    principal: Principal = Depends(centre_reader), session: Session = Depends(db_session),
) -> dict[str, Any]:
    return queries.read_networks(session, principal.actor, linking_config(session),
                                 purpose=stated_purpose(x_purpose, required=True),
                                 limit=max(1, min(limit, 200)), offset=max(offset, 0))


@api_router.get("/networks/{network_id}", summary="One network with its subjects, reports and capped values",
                response_model=Network, responses={404: {"description": "No such network"}},
                openapi_extra=PERSONAL_DATA)
def api_network(
    network_id: int, x_purpose: str | None = _X_PURPOSE,
    principal: Principal = Depends(centre_reader), session: Session = Depends(db_session),
) -> dict[str, Any]:
    return queries.read_network(session, principal.actor, linking_config(session), network_id,
                                purpose=stated_purpose(x_purpose, required=True))


@api_router.get("/series", summary="Image series: known (bank or source) and possible new ones",
                response_model=SeriesPage, openapi_extra=PERSONAL_DATA)
def api_series(
    limit: int = 100, offset: int = 0, x_purpose: str | None = _X_PURPOSE,
    principal: Principal = Depends(centre_reader), session: Session = Depends(db_session),
) -> dict[str, Any]:
    return queries.read_series_list(session, principal.actor, purpose=stated_purpose(x_purpose, required=True),
                                    limit=max(1, min(limit, 500)), offset=max(offset, 0))


@api_router.get("/series/{series_id}", summary="One series: reports, subjects, victim identified, first/last seen",
                response_model=Series, responses={404: {"description": "No such series"}},
                openapi_extra=PERSONAL_DATA)
def api_series_one(
    series_id: int, x_purpose: str | None = _X_PURPOSE,
    principal: Principal = Depends(centre_reader), session: Session = Depends(db_session),
) -> dict[str, Any]:
    return queries.read_series(session, principal.actor, series_id, purpose=stated_purpose(x_purpose, required=True))


# -- pages ----------------------------------------------------------------------------------

def _ctx(request: Request, principal: Principal, **extra: Any) -> dict[str, Any]:
    return {"principal": principal, "csrf_token": request.state.csrf_token, **extra}


@pages_router.get("/networks", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def networks_page(
    request: Request, page: int = 1,
    principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> Response:
    page = max(page, 1)
    result = queries.read_networks(session, principal.actor, linking_config(session), purpose=PAGE_PURPOSE,
                                   limit=25, offset=(page - 1) * 25)
    return render(request, "linking/networks.html", _ctx(
        request, principal, result=result, page=page, pages=max(1, -(-result["total"] // 25))))


@pages_router.get("/networks/subject/{subject_id}", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def subject_network_page(
    subject_id: int, request: Request,
    principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> Response:
    view = queries.read_subject_network(session, principal.actor, linking_config(session), subject_id,
                                        purpose=PAGE_PURPOSE)
    return render(request, "linking/network.html", _ctx(
        request, principal, view=view, suggestions=queries.suggestions(session, subject_id),
        merges=queries.merges_of_subject(session, subject_id), notice=request.query_params.get("notice")))


@pages_router.get("/networks/subject/{subject_id}/graph.json", openapi_extra=PERSONAL_DATA)
def subject_network_json(
    subject_id: int, principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> JSONResponse:
    view = queries.read_subject_network(session, principal.actor, linking_config(session), subject_id,
                                        purpose=PAGE_PURPOSE, detail={"format": "graph"})
    return JSONResponse(view, headers={"Cache-Control": "no-store"})


@pages_router.get("/networks/subject/{subject_id}/export.{fmt}", openapi_extra=PERSONAL_DATA)
def subject_network_export(
    subject_id: int, fmt: str, principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> Response:
    if fmt not in export.FORMATS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Unknown export format.")
    text = export.export_subject_network(session, principal.actor, linking_config(session), subject_id, fmt,
                                         purpose=EXPORT_PURPOSE, recipient=f"organisation:{principal.organisation_id}")
    return Response(text, media_type=export.FORMATS[fmt].media_type, headers={
        "Content-Disposition": f'attachment; filename="network-subject-{subject_id}.{export.FORMATS[fmt].suffix}"',
        "Cache-Control": "no-store"})


@pages_router.post("/networks/merge")
def merge_form(
    request: Request, subject_a: int = Form(...), subject_b: int = Form(...), reason: str = Form(""),
    csrf_token: str = Form(""), principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    try:
        merge_subjects(session, principal.actor, subject_a, subject_b, reason, linking_config(session))
        notice = "merged"
    except MergeError as exc:
        notice = str(exc)
    return RedirectResponse(f"/networks/subject/{subject_a}?notice={quote(notice)}", status_code=303)


@pages_router.post("/networks/unmerge/{merge_id}")
def unmerge_form(
    merge_id: int, request: Request, subject: int = Form(...), reason: str = Form(""), csrf_token: str = Form(""),
    principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> Response:
    require_csrf(request, csrf_token)
    try:
        unmerge_subjects(session, principal.actor, merge_id, reason, linking_config(session))
        notice = "unmerged"
    except MergeError as exc:
        notice = str(exc)
    return RedirectResponse(f"/networks/subject/{subject}?notice={quote(notice)}", status_code=303)


@pages_router.get("/series", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def series_list_page(
    request: Request, principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> Response:
    result = queries.read_series_list(session, principal.actor, purpose=PAGE_PURPOSE, limit=200)
    return render(request, "linking/series_list.html", _ctx(request, principal, result=result))


@pages_router.get("/series/{series_id}", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def series_page(
    series_id: int, request: Request, principal: Principal = Depends(_page_gate),
    session: Session = Depends(db_session),
) -> Response:
    series = queries.read_series(session, principal.actor, series_id, purpose=PAGE_PURPOSE)
    return render(request, "linking/series.html", _ctx(request, principal, series=series))
