"""HTTP adapters for search: the ``/search`` page and ``GET /api/v1/search``.

Both go through :func:`jigsaw.search.service.search`, which checks the reader, demands the
purpose and audits the consultation; only the centre's analysts and supervisors reach it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.http.deps import authorize, db_session, platform_of
from jigsaw.http.personal_data import PERSONAL_DATA
from jigsaw.http.templating import render
from jigsaw.search.query import MAX_PURPOSE, MAX_QUERY, MIN_PURPOSE, SEARCH_TYPES, SearchError
from jigsaw.search.schemas import SearchOut, search_out
from jigsaw.search.service import search

api_router = APIRouter(prefix="/api/v1", tags=["search"])
pages_router = APIRouter(include_in_schema=False)

_api_gate = authorize(roles={Role.ANALYST, Role.SUPERVISOR})
_page_gate = authorize(roles={Role.ANALYST, Role.SUPERVISOR}, page=True)

_Q = Query(default="", max_length=MAX_QUERY, description="An identifier or a JIG-/CASE-/CyberTipline reference.")
_PURPOSE = Query(default=None, description=f"Why you are searching: a case reference or a short reason "
                                           f"({MIN_PURPOSE}-{MAX_PURPOSE} characters). Required; audited.")
_TYPE = Query(default=None, description=f"Search only as this type: one of {', '.join(SEARCH_TYPES)}.")
_PLATFORM = Query(default=None, description="The platform of a username or platform user id.")


@api_router.get("/search", summary="Find cases, reports and subjects by identifier or reference",
                response_model=SearchOut, openapi_extra=PERSONAL_DATA,
                responses={422: {"description": "No purpose, or a value that cannot be searched; the detail says why"}})
def api_search(
    request: Request, q: str = _Q, purpose: str | None = _PURPOSE, type: str | None = _TYPE,
    platform: str | None = _PLATFORM,
    principal: Principal = Depends(_api_gate), session: Session = Depends(db_session),
) -> SearchOut:
    """The text is normalised as intake normalises identifiers and found through the blind index;
    without a type every plausible reading is tried. The search is audited with its purpose."""
    result = search(session, principal, q, purpose=purpose, type_=type, platform=platform,
                    default_region=platform_of(request).settings.default_phone_region)
    return search_out(result)


@pages_router.get("/search", response_class=HTMLResponse, openapi_extra=PERSONAL_DATA)
def search_page(
    request: Request, q: str = "", purpose: str = "", type: str = "", platform: str = "",
    principal: Principal = Depends(_page_gate), session: Session = Depends(db_session),
) -> Response:
    """The search form; a lookup is made only once the form carries a purpose."""
    form = {"q": q, "purpose": purpose, "type": type, "platform": platform}
    ctx = {"principal": principal, "csrf_token": request.state.csrf_token, "form": form, "types": SEARCH_TYPES,
           "min_purpose": MIN_PURPOSE, "max_purpose": MAX_PURPOSE, "result": None, "error": None}
    if not q.strip() and not purpose.strip():
        return render(request, "search/search.html", ctx)
    if not purpose.strip():
        ctx["error"] = "Say why you are searching (a case reference or a short reason) before anything is looked up."
        return render(request, "search/search.html", ctx, status_code=422)
    try:
        ctx["result"] = search(session, principal, q, purpose=purpose, type_=type or None, platform=platform or None,
                               default_region=platform_of(request).settings.default_phone_region)
    except SearchError as error:
        ctx["error"] = str(error)[:1].upper() + str(error)[1:]
        return render(request, "search/search.html", ctx, status_code=422)
    return render(request, "search/search.html", ctx)
