"""The web application: composes each capability's routers and the shared middleware."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from jigsaw import __version__
from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.http.deps import LoginRequired, TransactionMiddleware
from jigsaw.http.security import BodySizeLimitMiddleware, SecurityHeadersMiddleware, keep_uploads_in_memory
from jigsaw.http.templating import build_templates, render
from jigsaw.platform import Platform
from jigsaw.web.api_docs import router as api_docs_router

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, *, platform: Platform | None = None) -> FastAPI:
    """Build the app. The platform (database, keys) is opened here, before the first request."""
    platform = platform or open_platform(settings)
    app = FastAPI(
        title="Jigsaw",
        version=__version__,
        description="Partner API of Jigsaw, a platform for a national online child-protection centre. "
                    "Authenticate with `Authorization: Bearer <token>`.",
        docs_url=None,  # jigsaw.web.api_docs renders the reference without a CDN or inline script
        redoc_url=None,
    )
    app.state.platform = platform
    keep_uploads_in_memory()
    app.add_middleware(TransactionMiddleware)
    app.add_middleware(BodySizeLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, hsts=platform.settings.cookie_secure)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    app.state.templates = build_templates(platform.capabilities)
    app.state.json_prefixes = tuple(p for cap in platform.capabilities for p in cap.json_prefixes)
    app.include_router(api_docs_router)
    for cap in platform.capabilities:
        for router in cap.routers:
            app.include_router(router)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> Response:
        return render(request, "home.html", {"principal": None})

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    _install_error_handlers(app)
    return app


def _wants_html(request: Request) -> bool:
    """Browsers get an HTML error page; the capabilities' machine routes and JSON clients get JSON."""
    return not request.url.path.startswith(request.app.state.json_prefixes) and \
        "application/json" not in request.headers.get("accept", "")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_html(request):
            titles = {401: "Sign in required", 403: "Not allowed", 404: "Page not found"}
            return render(
                request, "error.html",
                {"title": titles.get(exc.status_code, "Something went wrong"), "message": exc.detail,
                 "principal": getattr(request.state, "principal", None),
                 "csrf_token": getattr(request.state, "csrf_token", "")},
                status_code=exc.status_code, headers=exc.headers,
            )
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
