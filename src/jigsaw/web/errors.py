"""The one place where errors become HTTP answers: a status per error kind, and HTML or JSON.

Routes raise Jigsaw's own errors (:mod:`jigsaw.errors`) and let them travel; a route catches one
only to add context or to answer in another way. The status is chosen here by kind, so the next
route written cannot turn a "not found" into a 500 or an "invalid" into a 404 by mistake.

Browsers asking for staff or public pages get the error page; API clients (and anyone sending
``Accept: application/json``) get ``{"detail": message}``, the shape FastAPI uses for its own errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse, RedirectResponse, Response

from jigsaw.errors import Conflict, InvalidInput, JigsawError, NotAllowed, NotFound, Unavailable
from jigsaw.http.deps import LoginRequired
from jigsaw.http.templating import render

#: The status for each kind of error; the first kind in an error's MRO that is listed wins.
HTTP_STATUS: dict[type, int] = {
    InvalidInput: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NotFound: status.HTTP_404_NOT_FOUND,
    NotAllowed: status.HTTP_403_FORBIDDEN,
    Conflict: status.HTTP_409_CONFLICT,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}

TITLES = {401: "Sign in required", 403: "Not allowed", 404: "Page not found"}


def status_for(error: JigsawError, path: str = "", bad_request_prefixes: tuple[str, ...] = ()) -> int:
    """The HTTP status for ``error`` raised while answering ``path``.

    Paths under ``bad_request_prefixes`` (declared by capabilities, e.g. matching's
    Hasher-Matcher-Actioner routes) answer invalid input with 400, as their blueprint does.
    """
    for kind in type(error).__mro__:
        code = HTTP_STATUS.get(kind)
        if code is not None:
            if code == status.HTTP_422_UNPROCESSABLE_CONTENT and path.startswith(bad_request_prefixes):
                return status.HTTP_400_BAD_REQUEST
            return code
    return status.HTTP_500_INTERNAL_SERVER_ERROR


def wants_html(request: Request) -> bool:
    """Pages answer errors with a page; the capabilities' machine routes and JSON clients, with JSON."""
    return not request.url.path.startswith(request.app.state.json_prefixes) and \
        "application/json" not in request.headers.get("accept", "")


def error_response(request: Request, code: int, detail: object,
                   headers: Mapping[str, str] | None = None) -> Response:
    if wants_html(request):
        return render(
            request, "error.html",
            {"title": TITLES.get(code, "Something went wrong"), "message": detail,
             "principal": getattr(request.state, "principal", None),
             "csrf_token": getattr(request.state, "csrf_token", "")},
            status_code=code, headers=headers,
        )
    return JSONResponse({"detail": detail}, status_code=code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the app's error handlers (called once by :func:`jigsaw.web.app.create_app`)."""

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return error_response(request, exc.status_code, exc.detail, exc.headers)

    @app.exception_handler(JigsawError)
    async def jigsaw_error(request: Request, exc: JigsawError) -> Response:
        code = status_for(exc, request.url.path, request.app.state.bad_request_prefixes)
        return error_response(request, code, str(exc))
