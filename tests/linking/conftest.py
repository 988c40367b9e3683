"""Linking fixtures: an app with the linking routers and templates mounted (each step a no-op
where jigsaw.web.app already mounts them), and a small fan-out cap so decoys stay cheap to build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jinja2 import ChoiceLoader, FileSystemLoader

from jigsaw.bootstrap import Platform

TEST_CAP = 5
LINKING_TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "jigsaw" / "linking" / "templates"


@pytest.fixture(autouse=True)
def small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIGSAW_LINK_FAN_OUT_CAP", str(TEST_CAP))


def _ensure_templates() -> None:
    from jigsaw.web.templating import templates

    loader = templates.env.loader
    assert isinstance(loader, ChoiceLoader)
    if not any(isinstance(item, FileSystemLoader) and str(LINKING_TEMPLATES) in item.searchpath
               for item in loader.loaders):
        loader.loaders = [*loader.loaders, FileSystemLoader(str(LINKING_TEMPLATES))]


@pytest.fixture
def linking_client(platform: Platform) -> Iterator[TestClient]:
    from jigsaw.linking.routes import api_router, pages_router
    from jigsaw.web.app import create_app

    _ensure_templates()
    app = create_app(platform=platform)
    paths = {getattr(r, "path", "") for r in app.routes}
    if "/api/v1/networks" not in paths:
        app.include_router(api_router)
        app.include_router(pages_router)
    with TestClient(app, base_url="http://testserver") as client:
        yield client
