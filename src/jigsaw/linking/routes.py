"""HTTP adapters for linking: the networks/series API and the analyst pages.

Only centre analysts and supervisors, and centre tokens with ``reports:read``, may read networks:
a network joins personal data from many reports. Every read is audited as a consultation with
its purpose (``X-Purpose`` on the API); exports are audited as disclosures to the analyst's own
organisation; merges are audited as combinations.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Header, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role, Scope
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import record
from jigsaw.http.deps import authorize, db_session, require_csrf
from jigsaw.http.templating import render
from jigsaw.linking import export, queries
from jigsaw.linking.actions import MergeError, merge_subjects, unmerge_subjects
from jigsaw.linking.settings import linking_config

api_router = APIRouter(prefix="/api/v1", tags=["networks"])
pages_router = APIRouter(include_in_schema=False)

_api_gate = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, scopes={Scope.REPORTS_READ})
_page_gate = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, page=True)

DEFAULT_API_PURPOSE = "link analysis through the API"
PAGE_PURPOSE = "link analysis of a subject's network"
EXPORT_PURPOSE = "analyst export"


def centre_reader(principal: Principal = Depends(_api_gate)) -> Principal:
    """:func:`authorize` checks a token's scope but not its organisation: networks are centre-only."""
    if principal.organisation_kind is not OrgKind.CENTRE:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "networks are visible to the centre only")
    return principal


# -- API ------------------------------------------------------------------------------------

@api_router.get("/networks", summary="Offender networks, largest first")
def api_networks(
    limit: int = 50, offset: int = 0, x_purpose: str | None = Header(default=None),
    principal: Principal = Depends(centre_reader), session: Session = Depends(db_session),
) -> dict[str, Any]:
    limit = max(1, min(limit, 200))
    result = queries.list_networks(session, linking_config(session), limit=limit, offset=max(offset, 0))
    record(session, principal.actor, AuditAction.CONSULTATION, "networks", None,
           purpose=x_purpose or DEFAULT_API_PURPOSE, detail={"networks": [n["id"] for n in result["networks"]]})
    return result


@api_router.get("/networks/{network_id}", summary="One network with its subjects, reports and capped values")
def api_network(
    network_id: int, x_purpose: str | None = Header(default=None),
    principal: Principal = Depends(centre_reader), session: Session = Depends(db_session),
) -> dict[str, Any]:
    result = queries.network_detail(session, linking_config(session), network_id)
    if result is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such network")
    record(session, principal.actor, AuditAction.CONSULTATION, "network", network_id,
           purpose=x_purpose or DEFAULT_API_PURPOSE)
    return result


@api_router.get("/series", summary="Image series: known (bank or source) and possible new ones")
def api_series(
    limit: int = 100, offset: int = 0, x_purpose: str | None = Header(default=None),
    principal: Principal = Depends(centre_reader), session: Session = Depends(db_session),
) -> dict[str, Any]:
    result = queries.list_series(session, limit=max(1, min(limit, 500)), offset=max(offset, 0))
    record(session, principal.actor, AuditAction.CONSULTATION, "series", None,
           purpose=x_purpose or DEFAULT_API_PURPOSE, detail={"series": [s["id"] for s in result["series"]]})
    return result


@api_router.get("/series/{series_id}", summary="One series: reports, subjects, victim identified, first/last seen")
def api_series_one(
    series_id: int, x_purpose: str | None = Header(default=None),
    principal: Principal = Depends(centre_reader), session: Session = Depends(db_session),
) -> dict[str, Any]:
    result = queries.series_detail(session, series_id)
    if result is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such series")
    record(session, principal.actor, AuditAction.CONSULTATION, "series", series_id,
           purpose=x_purpose or DEFAULT_API_PURPOSE)
    return result


# -- pages ----------------------------------------------------------------------------------

def _ctx(request: Request, principal: Principal, **extra: Any) -> dict[str, Any]:
    return {"principal": principal, "csrf_token": request.state.csrf_token, **extra}


@pages_router.get("/networks", response_class=HTMLResponse)
def networks_page(
    request: Request, page: int = 1,
    principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> Response:
    page = max(page, 1)
    result = queries.list_networks(session, linking_config(session), limit=25, offset=(page - 1) * 25)
    record(session, principal.actor, AuditAction.CONSULTATION, "networks", None, purpose=PAGE_PURPOSE)
    return render(request, "linking/networks.html", _ctx(
        request, principal, result=result, page=page, pages=max(1, -(-result["total"] // 25))))


def _view_or_404(session: Session, subject_id: int) -> dict[str, Any]:
    view = queries.subject_view(session, linking_config(session), subject_id)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such subject.")
    return view


@pages_router.get("/networks/subject/{subject_id}", response_class=HTMLResponse)
def subject_network_page(
    subject_id: int, request: Request,
    principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> Response:
    view = _view_or_404(session, subject_id)
    record(session, principal.actor, AuditAction.CONSULTATION, "subject_network", subject_id, purpose=PAGE_PURPOSE,
           detail={"nodes": len(view["nodes"])})
    return render(request, "linking/network.html", _ctx(
        request, principal, view=view, suggestions=queries.suggestions(session, subject_id),
        merges=queries.merges_of_subject(session, subject_id), notice=request.query_params.get("notice")))


@pages_router.get("/networks/subject/{subject_id}/graph.json")
def subject_network_json(
    subject_id: int, principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> JSONResponse:
    view = _view_or_404(session, subject_id)
    record(session, principal.actor, AuditAction.CONSULTATION, "subject_network", subject_id, purpose=PAGE_PURPOSE,
           detail={"nodes": len(view["nodes"]), "format": "graph"})
    return JSONResponse(view, headers={"Cache-Control": "no-store"})


_EXPORTS = {
    "graphml": ("application/graphml+xml", "graphml", export.to_graphml),
    "nodes.csv": ("text/csv", "nodes.csv", export.to_csv_nodes),
    "edges.csv": ("text/csv", "edges.csv", export.to_csv_edges),
}


@pages_router.get("/networks/subject/{subject_id}/export.{fmt}")
def subject_network_export(
    subject_id: int, fmt: str, principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> Response:
    if fmt not in _EXPORTS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Unknown export format.")
    media_type, suffix, render = _EXPORTS[fmt]
    view = _view_or_404(session, subject_id)
    record(session, principal.actor, AuditAction.DISCLOSURE, "subject_network", subject_id, purpose=EXPORT_PURPOSE,
           recipient=f"organisation:{principal.organisation_id}",
           detail={"format": fmt, "nodes": len(view["nodes"]), "edges": len(view["edges"])})
    return Response(render(view), media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="network-subject-{subject_id}.{suffix}"',
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


@pages_router.get("/series", response_class=HTMLResponse)
def series_list_page(
    request: Request, principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> Response:
    result = queries.list_series(session, limit=200)
    record(session, principal.actor, AuditAction.CONSULTATION, "series", None, purpose=PAGE_PURPOSE)
    return render(request, "linking/series_list.html", _ctx(request, principal, result=result))


@pages_router.get("/series/{series_id}", response_class=HTMLResponse)
def series_page(
    series_id: int, request: Request, principal: Principal = Depends(_page_gate),
    session: Session = Depends(db_session),
) -> Response:
    series = queries.series_detail(session, series_id)
    if series is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such series.")
    record(session, principal.actor, AuditAction.CONSULTATION, "series", series_id, purpose=PAGE_PURPOSE)
    return render(request, "linking/series.html", _ctx(request, principal, series=series))
