"""The shell as a browser meets it: London times with their zone, the brand link keeping a
signed-in user's header, 403 and 404 pages with a way back (JSON for the API), a favicon."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from jigsaw.accounts.roles import Role
from jigsaw.http.timefmt import london
from jigsaw.platform import Platform
from tests.factories import login, make_org, make_staff

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def web(sqlite_platform: Platform) -> Iterator[TestClient]:
    from jigsaw.web.app import create_app

    with TestClient(create_app(platform=sqlite_platform), base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def analyst(web: TestClient, sqlite_platform: Platform) -> TestClient:
    centre = make_org(sqlite_platform, "Centre")
    login(web, sqlite_platform, make_staff(sqlite_platform, "analyst@centre.example", Role.ANALYST, centre))
    return web


def _has_staff_header(html: str) -> bool:
    return 'class="staff-header"' in html and "Sign out" in html and 'href="/queue"' in html


@pytest.mark.parametrize(("moment", "shown"), [
    (datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "01 Jul 2026 13:00 BST"),
    (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "01 Dec 2026 12:00 GMT"),
    ("2026-07-01T23:30:00+00:00", "02 Jul 2026 00:30 BST"),  # linking hands its pages ISO strings
])
def test_times_are_london_time_with_the_zone_written(moment: datetime | str, shown: str) -> None:
    assert london(moment) == shown


def test_the_brand_link_keeps_a_signed_in_users_header(web: TestClient, analyst: TestClient) -> None:
    page = analyst.get("/", headers=HTML)
    assert page.status_code == 200
    assert _has_staff_header(page.text)
    assert "analyst@centre.example" in page.text and 'href="/queue"' in page.text


def test_the_brand_link_is_the_public_home_for_everyone_else(web: TestClient) -> None:
    page = web.get("/", headers=HTML)
    assert page.status_code == 200
    assert "Sign out" not in page.text and 'href="/report"' in page.text and 'href="/login"' in page.text


def test_404_is_a_page_with_a_way_back_for_a_signed_in_browser(analyst: TestClient) -> None:
    for path in ("/no-such-page", "/reports/999999"):
        page = analyst.get(path, headers=HTML)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "Page not found" in page.text and _has_staff_header(page.text)
        assert "Back to the previous page" in page.text and 'href="/queue"' in page.text and 'href="/"' in page.text


def test_404_for_an_anonymous_browser_is_a_page_without_the_staff_header(web: TestClient) -> None:
    page = web.get("/no-such-page", headers=HTML)
    assert page.status_code == 404 and "Page not found" in page.text
    assert "Sign out" not in page.text and 'href="/"' in page.text and 'href="/login"' in page.text


def test_403_is_a_page_with_a_way_back(web: TestClient, sqlite_platform: Platform) -> None:
    centre = make_org(sqlite_platform, "Centre")
    login(web, sqlite_platform, make_staff(sqlite_platform, "auditor@centre.example", Role.AUDITOR, centre))
    page = web.get("/queue", headers=HTML)
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "Not allowed" in page.text and "Sign out" in page.text
    assert 'href="/audit"' in page.text and "Back to the previous page" in page.text  # the auditor's start page


def test_the_api_keeps_json_errors(analyst: TestClient) -> None:
    for path in ("/api/v1/no-such-route", "/api/v1/reports/999999"):
        for headers in (HTML, JSON, {}):
            answer = analyst.get(path, headers={**headers, "X-Purpose": "error pages check"})
            assert answer.status_code in (401, 404), (path, answer.status_code)
            assert answer.headers["content-type"].startswith("application/json")
            assert "detail" in answer.json()
    assert analyst.get("/no-such-page", headers=JSON).json() == {"detail": "Not Found"}


def test_a_favicon_is_served(web: TestClient) -> None:
    for path in ("/favicon.ico", "/static/favicon.svg"):
        icon = web.get(path)
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
        assert "<svg" in icon.text and "<image" not in icon.text
    assert '<link rel="icon" href="/static/favicon.svg"' in web.get("/").text
    assert '<link rel="icon" href="/static/favicon.svg"' in web.get("/report").text
