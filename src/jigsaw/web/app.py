"""The web application: composes each capability's routers and the shared middleware."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from jigsaw import __version__
from jigsaw.accounts.admin import router as admin_router
from jigsaw.accounts.routes import router as accounts_router
from jigsaw.audit.routes import router as audit_router
from jigsaw.bootstrap import Platform, open_platform
from jigsaw.config import Settings
from jigsaw.imports.routes import router as imports_router
from jigsaw.intake.api import router as reports_api_router
from jigsaw.intake.pages import router as intake_pages_router
from jigsaw.intake.public import router as public_router
from jigsaw.linking.routes import api_router as networks_api_router
from jigsaw.linking.routes import pages_router as networks_pages_router
from jigsaw.matching.routes import router as matching_router
from jigsaw.triage.routes import api_router as triage_api_router
from jigsaw.triage.routes import router as triage_pages_router
from jigsaw.web.api_docs import router as api_docs_router
from jigsaw.web.deps import TransactionMiddleware
from jigsaw.web.errors import install_error_handlers
from jigsaw.web.security import BodySizeLimitMiddleware, SecurityHeadersMiddleware, keep_uploads_in_memory
from jigsaw.web.templating import templates

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

    app.include_router(api_docs_router)
    app.include_router(accounts_router)
    app.include_router(admin_router)
    app.include_router(audit_router)
    app.include_router(intake_pages_router)
    app.include_router(public_router)
    app.include_router(reports_api_router)
    app.include_router(imports_router)
    app.include_router(matching_router)
    app.include_router(networks_pages_router)
    app.include_router(networks_api_router)
    app.include_router(triage_pages_router)
    app.include_router(triage_api_router)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> Response:
        return templates.TemplateResponse(request, "home.html", {"principal": None})

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    install_error_handlers(app)
    return app

