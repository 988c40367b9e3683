"""The annual review renders from two seeded years: figures from statistics with the year before,
a record worked out from the series, referral/informational breakdowns, the funnel, education
reach apart, SVG charts with no script, and PDF (marked on every page) and CSV exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from jigsaw.audit.models import AuditEvent
from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform
from jigsaw.publications import service
from jigsaw.publications import suppression as sup
from jigsaw.statistics.interfaces import Period
from tests.accounts.helpers import bearer, personal_token
from tests.factories import login
from tests.publications.seed import EXPECTED_2024, EXPECTED_2025, INFORMATIONAL_2025, REFERRALS_2025, seed_two_years


@pytest.fixture
def client(sqlite_platform: Platform) -> Iterator[TestClient]:
    from jigsaw.web.app import create_app

    with TestClient(create_app(platform=sqlite_platform), base_url="http://testserver") as c:
        yield c


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_staff_review_counts_the_year_against_the_one_before(platform: Platform) -> None:
    seed_two_years(platform)
    with session_scope(platform.engine) as session:
        r = service.build_review(session, Period.financial_year(2025), public=False)
    heads = {f.name: f for f in r.headlines + r.reach + r.funnel}
    for name, value in EXPECTED_2025.items():
        assert heads[name].value == value, name
    for name, value in EXPECTED_2024.items():
        assert heads[name].prior == value, name
    assert heads["reports_received"].change == "+18 (+150%)"
    assert heads["reports_received"].is_record  # 30 beats 12, the only earlier year
    assert heads["arrests"].is_record and heads["charges"].is_record  # 5 beats the 0 of a year with data
    assert not heads["victims_identified"].is_record  # 0 ties 0: a tie is not a record
    assert heads["victims_identified"].change == "no change"
    assert [f.name for f in r.reach] == ["children_reached", "settings_reached"]
    assert [f.name for f in r.funnel] == ["reports_received", "disseminations", "arrests", "charges", "convictions",
                                          "children_safeguarded"]
    by = {t.key: t.table for t in r.tables}
    assert by["reporter"].cells[-1] == (REFERRALS_2025, INFORMATIONAL_2025, 30)
    platforms = dict(zip(by["platform"].rows, by["platform"].cells, strict=False))
    assert platforms["Snapchat"] == (12, 5, 17) and platforms["Roblox"] == (7, 3, 10)
    assert platforms["Discord"] == (0, 3, 3)
    countries = dict(zip(by["country"].rows, by["country"].cells, strict=False))
    assert countries == {"US": (7, 8, 15), "GB": (12, 3, 15)}
    assert r.marking.banner.startswith("OFFICIAL-SENSITIVE")
    for chart in r.charts.values():
        assert "<svg" in chart and "<script" not in chart


def test_a_first_year_is_never_a_record(sqlite_platform: Platform) -> None:
    seed_two_years(sqlite_platform)
    with session_scope(sqlite_platform.engine) as session:
        r = service.build_review(session, Period.financial_year(2024), public=False)
    assert not any(f.is_record for f in r.headlines)
    assert {f.name: f.prior for f in r.headlines}["reports_received"] is None


def test_the_public_review_withholds_small_numbers_everywhere(sqlite_platform: Platform) -> None:
    seed_two_years(sqlite_platform)
    with session_scope(sqlite_platform.engine) as session:
        r = service.build_review(session, Period.financial_year(2025), public=True)
    heads = {f.name: f for f in r.headlines + r.reach + r.funnel}
    assert heads["reports_received"].value == 30
    assert heads["convictions"].value == sup.SYMBOL and heads["settings_reached"].value == sup.SYMBOL
    assert heads["disseminations"].value == sup.SYMBOL and heads["disseminations"].change == sup.SYMBOL
    platform = next(t.table for t in r.tables if t.key == "platform")
    discord = platform.cells[platform.rows.index("Discord")]
    assert discord[1] == sup.SYMBOL and discord[2] == sup.SYMBOL
    assert r.marking.banner == "OFFICIAL · TLP:CLEAR"
    assert "months" not in r.charts  # months of a year are small numbers
    for t in r.tables:
        values = [v for row in t.table.cells for v in row if isinstance(v, int)]
        assert not any(0 < v < sup.THRESHOLD for v in values), t.key


def test_the_pages_and_exports(client: TestClient, sqlite_platform: Platform) -> None:
    people = seed_two_years(sqlite_platform)
    login(client, sqlite_platform, people.analyst)
    page = client.get("/publications/annual-review/2025-26")
    assert page.status_code == 200
    assert "<script" not in page.text and "a record" in page.text and "OFFICIAL-SENSITIVE" in page.text
    assert 'id="reach-children_reached">150' in page.text
    public = client.get("/publications/annual-review/2025-26?version=public")
    assert "[c]" in public.text and "OFFICIAL · TLP:CLEAR" in public.text

    pdf = client.get("/publications/annual-review/2025-26/export.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    pages = _pages(pdf.content)
    assert len(pages) >= 2
    for text in pages:
        assert text.count("OFFICIAL-SENSITIVE PERSONAL") >= 2  # the top and the bottom of every page
    whole = "\n".join(pages)
    assert "Reports received (JS-STAT-REPORTS-1) - a record" in whole and "+18 (+150%)" in whole
    assert "Referral" in whole and "JS-PUB-REFERRAL-1" in whole

    public_pdf = _pages(client.get("/publications/annual-review/2025-26/export.pdf?version=public").content)
    for text in public_pdf:
        assert text.count("OFFICIAL") >= 2 and "SENSITIVE" not in text
    assert "[c]" in "\n".join(public_pdf) and "JS-PUB-SUPPRESS-1" in "\n".join(public_pdf)

    rows = list(csv.DictReader(io.StringIO(client.get("/publications/annual-review/2025-26/export.csv").text)))
    cells = {(r["section"], r["row"], r["column"]): r["value"] for r in rows}
    assert cells[("headline", "Reports received", "2025/26")] == "30"
    assert cells[("platform", "Discord", "Informational")] == "[c]"
    assert cells[("reporter", "Total", "Total")] == "30"
    assert not any(v.isdigit() and 0 < int(v) < 5 for v in cells.values())


def test_the_api_with_a_personal_token_is_audited_and_role_checked(client: TestClient,
                                                                   sqlite_platform: Platform) -> None:
    people = seed_two_years(sqlite_platform)
    auth = bearer(personal_token(sqlite_platform, people.analyst)[1])
    got = client.get("/api/v1/annual-review/2025-26", headers=auth)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["financial_year"] == "2025/26" and body["version"] == "staff"
    assert {h["name"]: h["value"] for h in body["headlines"]}["arrests"] == 6
    assert client.get("/api/v1/annual-review/2025-26/pdf", headers=auth).content.startswith(b"%PDF")
    assert client.get("/api/v1/annual-review/2025-26/csv", headers=auth).text.startswith("financial_year,")
    bad = client.get("/api/v1/annual-review/2025-27", headers=auth)
    assert bad.status_code == 422 and "2025-27" not in bad.text and "year" in bad.text
    assert client.get("/api/v1/annual-review/2025-26?version=leaked", headers=auth).status_code == 422
    for account in (people.auditor, people.liaison):
        token = bearer(personal_token(sqlite_platform, account)[1])
        assert client.get("/api/v1/annual-review/2025-26", headers=token).status_code == 403
    assert client.get("/api/v1/annual-review/2025-26").status_code == 401
    with session_scope(sqlite_platform.engine) as session:
        logged = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "annual_review")).all()
    assert len(logged) >= 3 and all(e.action == "consultation" for e in logged)
