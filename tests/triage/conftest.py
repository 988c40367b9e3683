"""Composes triage into the platform (events, templates, routers); each step is idempotent, a
no-op where the platform's own composition already did it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jinja2 import ChoiceLoader, FileSystemLoader

from jigsaw.bootstrap import Platform
from jigsaw.triage import service

TRIAGE_TEMPLATES = Path(service.__file__).parent / "templates"


def compose_triage(app: FastAPI | None = None) -> None:
    """Idempotent: event handlers, the template folder and (if given) the routers."""
    service.install()
    from jigsaw.web.templating import templates

    loader = templates.env.loader
    assert isinstance(loader, ChoiceLoader)
    if not any(isinstance(x, FileSystemLoader) and str(TRIAGE_TEMPLATES) in x.searchpath for x in loader.loaders):
        loader.loaders = [*loader.loaders, FileSystemLoader(str(TRIAGE_TEMPLATES))]
    if app is not None:
        from jigsaw.triage.routes import api_router, router

        paths = {getattr(r, "path", None) for r in app.router.routes}
        if "/triage/monitor" not in paths:
            app.include_router(router)
        if "/api/v1/triage/atrs" not in paths:
            app.include_router(api_router)


@pytest.fixture(autouse=True)
def _triage_installed() -> None:
    compose_triage()


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    from jigsaw.web.app import create_app

    app = create_app(platform=platform)
    compose_triage(app)
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client
