"""The statistics API and pages: the figures with their rule ids for a period, the written rules, the
records behind a figure as an audited consultation (X-Purpose on the API), clear 422s for bad
periods, readers only (a force liaison officer is refused), and a page of SVG charts with no script."""

from __future__ import annotations

from collections.abc import Iterator

import defusedxml.ElementTree as ET
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.audit.models import AuditEvent
from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform
from tests.accounts.helpers import bearer, personal_token
from tests.factories import login
from tests.statistics.seed import EXPECTED, seed_year

FY = "from=2025-04-01&to=2026-03-31"
REQUIRED = ("reports_received", "disseminations", "arrests", "children_safeguarded", "networks_dismantled",
            "offenders_located", "victims_identified")


def _consultations(platform: Platform) -> list[AuditEvent]:
    with session_scope(platform.engine) as session:
        found = list(session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "statistics_figure",
                                                              AuditEvent.action == "consultation")))
        session.expunge_all()
        return found


def test_the_api_answers_every_figure_with_its_rule_for_readers_only(client: TestClient, platform: Platform) -> None:
    seeded = seed_year(platform)
    auth = bearer(personal_token(platform, seeded.analyst)[1])
    body = client.get(f"/api/v1/statistics?{FY}", headers=auth).json()
    assert body["period"] == {"from": "2025-04-01", "to": "2026-03-31", "label": "financial year 2025/26"}
    for name in REQUIRED:
        assert isinstance(body[name]["value"], int) and body[name]["rule_id"].startswith("JS-STAT-"), name
    assert {name: body[name]["value"] for name in EXPECTED} == EXPECTED
    assert body["children_safeguarded"]["breakdown"] == {"removed_from_harm": 3, "protective_measure": 4,
                                                         "identified_from_imagery": 2}
    assert sum(m["value"] for m in body["arrests"]["monthly"]) == 4 and len(body["arrests"]["monthly"]) == 12

    rules = client.get("/api/v1/statistics/rules", headers=auth).json()["rules"]
    by_id = {r["id"]: r for r in rules}
    assert body["arrests"]["rule_id"] in by_id and by_id[body["arrests"]["rule_id"]]["name"] == "arrests"

    # Readers: supervisors, analysts, auditors. A force liaison officer is refused, by token and by page.
    for account in (seeded.supervisor, seeded.auditor):
        assert client.get("/api/v1/statistics", headers=bearer(personal_token(platform, account)[1])).status_code \
            == 200
    liaison = bearer(personal_token(platform, seeded.liaison)[1])
    for url in ("/api/v1/statistics", "/api/v1/statistics/rules", "/api/v1/statistics/arrests/records"):
        assert client.get(url, headers={**liaison, "X-Purpose": "curious"}).status_code == 403, url
    login(client, platform, seeded.liaison)
    for url in ("/statistics", "/statistics/rules", "/statistics/arrests/records"):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/v1/statistics").status_code in (401, 403)


@pytest.mark.parametrize(("query", "field"), [
    ("from=2025-04-31", "from"), ("from=01/04/2025", "from"), ("to=tomorrow", "to"),
    ("from=2026-04-01&to=2025-04-01", "from"), ("from=1990-01-01&to=2025-01-01", "to"),
])
def test_a_bad_period_is_a_clear_422(client: TestClient, sqlite_platform: Platform, query: str, field: str) -> None:
    seeded = seed_year(sqlite_platform)
    auth = bearer(personal_token(sqlite_platform, seeded.analyst)[1])
    refused = client.get(f"/api/v1/statistics?{query}", headers=auth)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert detail.startswith(f"{field}:") and "tomorrow" not in detail and "01/04" not in detail


# The surfaces are the same on both backends (the figures' queries are tested on each in test_figures).
@pytest.fixture
def client(sqlite_platform: Platform) -> Iterator[TestClient]:
    from jigsaw.web.app import create_app

    with TestClient(create_app(platform=sqlite_platform), base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def platform(sqlite_platform: Platform) -> Platform:
    return sqlite_platform


def test_the_records_behind_a_figure_are_an_audited_consultation(client: TestClient, platform: Platform) -> None:
    seeded = seed_year(platform)
    auth = bearer(personal_token(platform, seeded.analyst)[1])
    refused = client.get(f"/api/v1/statistics/children_safeguarded/records?{FY}", headers=auth)
    assert refused.status_code == 422 and "X-Purpose" in refused.json()["detail"]
    assert _consultations(platform) == []
    answered = client.get(f"/api/v1/statistics/children_safeguarded/records?{FY}",
                          headers={**auth, "X-Purpose": "checking the annual review"})
    assert answered.status_code == 200
    body = answered.json()
    assert body["value"] == 9 and sum(r["count"] for r in body["records"]) == 9 and not body["truncated"]
    assert body["rule_id"] == "JS-STAT-CHILDREN-1"
    assert set(body["records"][0]) == {"kind", "id", "reference", "day", "count", "key", "href"}
    logged = _consultations(platform)
    assert len(logged) == 1 and logged[0].entity_id == "children_safeguarded"
    assert logged[0].purpose == "checking the annual review" and logged[0].detail["records"] == 4
    limited = client.get(f"/api/v1/statistics/reports_received/records?{FY}&limit=2",
                         headers={**auth, "X-Purpose": "checking the annual review"}).json()
    assert len(limited["records"]) == 2 and limited["truncated"] and limited["value"] == 5
    assert client.get("/api/v1/statistics/typed_in/records", headers={**auth, "X-Purpose": "x" * 5}).status_code \
        == 404

    login(client, platform, seeded.auditor)
    page = client.get(f"/statistics/arrests/records?{FY}")
    assert page.status_code == 200 and "FORCE/" in page.text and "JS-STAT-ARRESTS-1" in page.text
    assert len(_consultations(platform)) == 3


def test_the_page_shows_figures_rules_and_svg_charts_without_script(client: TestClient, platform: Platform) -> None:
    seeded = seed_year(platform)
    login(client, platform, seeded.supervisor)
    response = client.get(f"/statistics?{FY}")
    assert response.status_code == 200
    html = response.text
    assert "<script" not in html and "script-src 'self'" in response.headers["content-security-policy"]
    assert "style=" not in html.split("<main", 1)[-1]
    assert 'id="value-children_safeguarded">9<' in html and 'id="value-arrests">4<' in html
    assert 'href="/statistics/rules#JS-STAT-CHILDREN-1"' in html
    assert "/statistics/children_safeguarded/records?from=2025-04-01&amp;to=2026-03-31" in html
    assert "/statistics/entry-routes?since=2025-04-01&amp;until=2026-03-31" in html
    assert "/statistics?from=2026-04-01&amp;to=2027-03-31" in html or "This financial year" in html
    svgs = [chunk.split("</svg>", 1)[0] + "</svg>" for chunk in html.split("<svg ")[1:]]
    assert len(svgs) >= len(EXPECTED)
    for svg in svgs:
        ET.fromstring("<svg " + svg)  # each chart is well-formed SVG
    assert "Arrests, month by month, financial year 2025/26" in html
    assert "Apr: 1, May: 0, Jun: 2" in html  # the chart's description names every month's value
    assert 'href="/statistics"' in html  # the nav item
    rules = client.get("/statistics/rules")
    assert rules.status_code == 200 and 'id="JS-STAT-VICTIMS-1"' in rules.text and "<script" not in rules.text
    bad = client.get("/statistics?from=2025-99-01")
    assert bad.status_code == 422 and "from:" in bad.text
