"""The one place where errors become HTTP answers: a status per error kind, and HTML or JSON.

Routes raise Jigsaw's own errors (:mod:`jigsaw.errors`) and let them travel; a route catches one
only to add context or to answer in another way. The status is chosen here by kind, so the next
route written cannot turn a "not found" into a 500 or an "invalid" into a 404 by mistake.

Browsers asking for staff or public pages get the error page: the staff header when someone is
signed in, a plain message and links back (the previous page, their start page, home). API paths
(the capabilities' ``json_prefixes``, such as ``/api/``) and anyone sending ``Accept:
application/json`` get ``{"detail": message}``, the shape FastAPI uses for its own errors.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from jigsaw.accounts.principal import Principal
from jigsaw.errors import Conflict, InvalidInput, JigsawError, NotAllowed, NotFound, Unavailable, short_message
from jigsaw.http.deps import LoginRequired, db_session, platform_of, staff_principal
from jigsaw.http.templating import render

#: The status for each kind of error; the first kind in an error's MRO that is listed wins.
HTTP_STATUS: dict[type, int] = {
    InvalidInput: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NotFound: status.HTTP_404_NOT_FOUND,
    NotAllowed: status.HTTP_403_FORBIDDEN,
    Conflict: status.HTTP_409_CONFLICT,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}

log = logging.getLogger(__name__)

TITLES = {401: "Sign in required", 403: "Not allowed", 404: "Page not found"}
#: What each refusal means for the person reading it, beside the route's own message.
EXPLANATIONS = {
    403: "Your account does not give you access to this page. If you need it for your work, ask a supervisor.",
    404: "There is nothing at this address. It may have been mistyped, or the record may not exist "
         "or may not be visible to you.",
}


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


def _signed_in(request: Request) -> Principal | None:
    """The staff user behind a browser request, if any (an unknown path never ran ``authorize``)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None:
        return principal
    try:
        return staff_principal(request, db_session(request))
    except Exception:  # an error page must not fail because the session store did
        return None


async def error_response(request: Request, code: int, detail: object,
                         headers: Mapping[str, str] | None = None) -> Response:
    if not wants_html(request):
        return JSONResponse({"detail": detail}, status_code=code, headers=headers)
    principal = await run_in_threadpool(_signed_in, request) if code in (403, 404) else \
        getattr(request.state, "principal", None)
    start = platform_of(request).landing_page(principal.role) if principal is not None and principal.role else "/"
    return render(
        request, "error.html",
        {"title": TITLES.get(code, "Something went wrong"), "message": detail, "status_code": code,
         "explanation": EXPLANATIONS.get(code), "principal": principal, "start_page": start,
         "csrf_token": getattr(request.state, "csrf_token", "")},
        status_code=code, headers=headers,
    )


_LONG_INPUT = 80  # characters of a refused string value sent back


def _short_input(value: Any) -> Any:
    """A refused value as the 422 shows it: short strings and numbers as they are, a long string cut,
    a list or object (often the whole body, for a missing field) described, not echoed."""
    if isinstance(value, str):
        return value if len(value) <= _LONG_INPUT else f"{value[:40]}… ({len(value):,} characters)"
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return f"an object with {len(value)} field{'s' if len(value) != 1 else ''}"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    return short_message(str(value), _LONG_INPUT)


def validation_detail(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI's 422 ``detail`` entries as type, loc and msg. The refused value (``input``) and
    the validator's context (``ctx``, which can quote it) are never echoed: they may be personal
    data, or text that cannot be encoded."""
    out = []
    for error in errors:
        message = str(error.get("msg", "")).encode("utf-8", "replace").decode()
        entry: dict[str, Any] = {"type": error.get("type", "invalid"), "loc": list(error.get("loc", ())),
                                 "msg": short_message(message)}
        out.append(entry)
    return out


def _covered(loc: tuple[Any, ...], failed: list[tuple[Any, ...]]) -> bool:
    """Whether the schema already refused this place: the same field, one that holds it, or the
    type, value or platform of the identifier it names."""
    return any(loc[: len(f)] == f or (f[:-1] == loc and f[-1] in ("type", "value", "platform"))
               for f in failed)


def install_error_handlers(app: FastAPI) -> None:
    """Register the app's error handlers (called once by :func:`jigsaw.web.app.create_app`)."""

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)  # also the router's own 404 and 405
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return await error_response(request, exc.status_code, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        """One 422 naming every failing field, by where and why, never what was sent: FastAPI's
        own answer echoes each refused value (``input``), which is personal data and, for a lone
        surrogate, cannot even be encoded (a 500). A route may add checks the schema cannot make
        (``endpoint.further_checks(request, raw_body)``, e.g. the partner API's identifier, email
        and phone checks), which then run on the parts of the body that can be read."""
        errors = validation_detail(exc.errors())
        if errors and all(e["loc"][:1] == ["path"] for e in errors):
            return await error_response(request, status.HTTP_404_NOT_FOUND, "Not Found")  # names nothing
        further = getattr(request.scope.get("endpoint"), "further_checks", None)
        if further is not None and isinstance(exc.body, dict):
            failed = [tuple(d["loc"]) for d in errors]
            extra = await run_in_threadpool(further, request, exc.body)
            errors += [d for d in validation_detail(extra) if not _covered(tuple(d["loc"]), failed)]
        if wants_html(request):
            return await error_response(request, status.HTTP_422_UNPROCESSABLE_CONTENT,
                                        "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))
        return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(OverflowError)
    async def number_too_large(request: Request, exc: OverflowError) -> Response:
        """SQLite cannot bind an int beyond 64 bits (a body field the URL checks never saw)."""
        log.info("refused a number the database cannot hold: %s", exc)
        return await error_response(request, status.HTTP_422_UNPROCESSABLE_CONTENT,
                                    "a number in the request is out of range")

    @app.exception_handler(DataError)
    async def value_not_storable(request: Request, exc: DataError) -> Response:
        """PostgreSQL refused a value as data (out of range for its type, or not valid text)."""
        log.warning("refused a value the database cannot hold: %s", type(exc.orig).__name__)
        return await error_response(request, status.HTTP_422_UNPROCESSABLE_CONTENT,
                                    "a value in the request is out of range or cannot be stored")

    @app.exception_handler(JigsawError)
    async def jigsaw_error(request: Request, exc: JigsawError) -> Response:
        code = status_for(exc, request.url.path, request.app.state.bad_request_prefixes)
        return await error_response(request, code, str(exc))
