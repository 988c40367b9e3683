"""The web application: composes each capability's routers and the shared middleware."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session

from jigsaw import __version__
from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.http import access_log
from jigsaw.http.deps import TransactionMiddleware, db_session, platform_of, staff_principal
from jigsaw.http.params import numbers_in_range
from jigsaw.http.security import (
    BodySizeLimitMiddleware,
    SecurityHeadersMiddleware,
    StorableTextMiddleware,
    keep_uploads_in_memory,
)
from jigsaw.http.templating import build_templates, render
from jigsaw.platform import Platform
from jigsaw.web.api_docs import router as api_docs_router
from jigsaw.web.errors import install_error_handlers

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
        dependencies=[Depends(numbers_in_range)],  # every route's integer path and query parameters
    )
    app.state.platform = platform
    keep_uploads_in_memory()
    app.add_middleware(TransactionMiddleware)
    app.add_middleware(StorableTextMiddleware)  # inside the body limit: it reads whole JSON and form bodies
    app.add_middleware(BodySizeLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, hsts=platform.settings.cookie_secure)

    app.state.templates = build_templates(platform.capabilities)
    app.state.json_prefixes = tuple(p for cap in platform.capabilities for p in cap.json_prefixes)
    app.state.bad_request_prefixes = tuple(p for cap in platform.capabilities for p in cap.bad_request_prefixes)
    access_log.install(unlogged=(p for cap in platform.capabilities for p in cap.unlogged_paths),
                       anonymous=(p for cap in platform.capabilities for p in cap.anonymous_paths))
    app.include_router(api_docs_router)
    for cap in platform.capabilities:
        if cap.static is not None:
            app.mount(f"/static/{cap.name}", StaticFiles(directory=cap.static), name=f"static-{cap.name}")
        for router in cap.routers:
            app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")  # after the capabilities' folders

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, session: Session = Depends(db_session)) -> Response:
        """The brand link's target: the staff home (with the header) for signed-in staff, else the public home."""
        principal = staff_principal(request, session)
        if principal is None:
            return render(request, "home.html", {"principal": None})
        return render(request, "home.html", {
            "principal": principal, "csrf_token": request.state.csrf_token,
            "start_page": platform_of(request).landing_page(principal.role) if principal.role else "/"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        """Browsers ask for /favicon.ico whatever the page says; answer with the SVG icon."""
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml",
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    install_error_handlers(app)
    return app

