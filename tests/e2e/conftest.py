"""Browser tests: the real app served by uvicorn in a thread, driven by headless Chromium.

The app runs on a free 127.0.0.1 port with its own data folder (SQLite). Chromium is the
Debian package at /usr/bin/chromium (override with ``JIGSAW_CHROMIUM``); Playwright never
downloads a browser here. Screenshots go to ``JIGSAW_E2E_SCREENSHOTS`` or a pytest temp
folder, never into the repository.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from jigsaw.bootstrap import open_platform
from jigsaw.platform import Platform
from jigsaw.web.app import create_app
from tests.conftest import make_settings

CHROMIUM = Path(os.environ.get("JIGSAW_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# Actions wait this long: a loaded 2-core CI machine can take seconds to draw a page.
BROWSER_TIMEOUT_MS = 20_000
# Anything not on the test server (the exit page's neutral site) is answered locally: no internet.
OFF_SITE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")


@dataclass(frozen=True)
class LiveServer:
    url: str
    platform: Platform


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    platform = open_platform(make_settings(tmp_path_factory.mktemp("e2e") / "data"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(platform=platform), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="jigsaw-e2e-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start", pytrace=False)
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", platform)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium was not found at {CHROMIUM}. Install Debian's 'chromium' package "
                    "or set JIGSAW_CHROMIUM to a Chromium binary (do not run 'playwright install').",
                    pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def _neutral_site(route: Route) -> None:
    route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>Weather</title><h1>Weather</h1>")


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Make a browser context: a phone (360 by 740, touch) by default, JavaScript on or off."""
    made: list[BrowserContext] = []

    def make(*, javascript: bool = True, phone: bool = True) -> BrowserContext:
        context = browser.new_context(java_script_enabled=javascript, **(PHONE if phone else DESKTOP))
        context.route(OFF_SITE, _neutral_site)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("JIGSAW_E2E_SCREENSHOTS")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shoot(screenshot_dir: Path, request: pytest.FixtureRequest) -> Callable[..., Path]:
    """Save a screenshot (the whole page unless ``full_page=False``) named after the test and step."""
    prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")

    def take(page: Page, name: str, *, full_page: bool = True) -> Path:
        path = screenshot_dir / f"{prefix}--{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
