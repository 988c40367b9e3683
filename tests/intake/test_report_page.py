"""The analyst's report page: what happened and who first, then triage; subjects linked to their
network and series; media with each bank match's bank, category and series; and, when a bank
grows, the report page, the series page and the queue agree."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from jigsaw.accounts.roles import Role
from jigsaw.db.engine import session_scope
from jigsaw.intake.models import MediaRecord, Report, Subject
from jigsaw.matching.banks import EntryRecord
from jigsaw.matching.interfaces import StoredMediaPdq
from jigsaw.matching.storage import add_entry, create_bank
from jigsaw.platform import Platform
from jigsaw.triage import queries as triage_queries
from tests.factories import (
    full_report_body,
    login,
    make_org,
    make_staff,
    make_token,
    post_report,
    report_body,
    session_of,
)

KNOWN_MD5 = "5d41402abc4b2a76b9719d911017c592"
LATE_MD5 = "7d793037a0760186574b0282f2f435e7"
STORED_PDQ = "f" * 64
NEAR_PDQ = "f" * 60 + "0000"  # 16 bits from STORED_PDQ: within the default threshold


@pytest.fixture
def centre(platform: Platform, client: TestClient) -> dict[str, Any]:
    centre_id = make_org(platform, "Centre")
    analyst = make_staff(platform, "analyst@centre.example", Role.ANALYST, centre_id)
    token = make_token(platform, centre_id, "reports:submit", "reports:read")
    login(client, platform, analyst)
    return {"token": token, "analyst": analyst}


def _api_triage(client: TestClient, token: str, report_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/reports/{report_id}", headers={"Authorization": f"Bearer {token}",
                                                                   "X-Purpose": "triage check"})
    assert response.status_code == 200, response.text
    return dict(response.json()["triage"])


def _media_row(html: str, media_id: int) -> str:
    match = re.search(rf'<tr id="media-{media_id}">(.*?)</tr>', html, re.S)
    assert match, f"no row for media {media_id}"
    return match.group(1)


def _ids(platform: Platform, report_id: int) -> tuple[int, list[int]]:
    with session_of(platform) as session:
        suspect = session.scalar(select(Subject.id).where(Subject.report_id == report_id, Subject.role == "suspect"))
        media = list(session.scalars(select(MediaRecord.id).where(MediaRecord.report_id == report_id)
                                     .order_by(MediaRecord.id)))
    assert suspect is not None
    return suspect, media


def test_what_happened_and_who_come_before_triage(client: TestClient, platform: Platform,
                                                  centre: dict[str, Any]) -> None:
    with session_scope(platform.engine) as session:
        bank = create_bank(session, "CEOP_KNOWN", description="synthetic")
        add_entry(session, bank, EntryRecord("md5", KNOWN_MD5, uk_category="A", vics_category=1, series="BLUEBIRD"))
    body = full_report_body(media=[{"md5": KNOWN_MD5}, {"md5": "0" * 32}])
    rid = post_report(client, centre["token"], body)
    # A second report on the same suspect address, with the same image: a network and a series of two.
    other = post_report(client, centre["token"], full_report_body(media=[{"md5": KNOWN_MD5}], external_id="pp-2"))
    suspect, (matched, unmatched) = _ids(platform, rid)

    page = client.get(f"/reports/{rid}")
    assert page.status_code == 200
    html = page.text
    order = [html.index(body["escalation"].replace("'", "&#39;")), html.index("What happened"),
             html.index(body["summary"]), html.index("PixelPlay"), html.index("ts-desk@example.com"),
             html.index("+447700900123"), html.index("Who is involved"), html.index("Child A"),
             html.index('id="media-heading"'), html.index('id="triage"')]
    assert order == sorted(order), "summary, reporter, subjects and media come before the triage panel"
    assert "<dt>Incident</dt><dd>Asked for nude or sexual images</dd>" in html

    # Each subject links to its network, and to its media's series where they form one.
    suspect_panel = html[html.index(f'id="subject-panel-{suspect}"'):html.index('id="media-heading"')]
    assert f'href="/networks/subject/{suspect}"' in suspect_panel
    assert "Network: 2 subjects" in suspect_panel  # the same suspect address in both reports
    series_links = set(re.findall(r'href="/series/(\d+)"', html))
    assert len(series_links) == 1
    (series_id,) = series_links
    assert f'href="/series/{series_id}"' not in suspect_panel  # the API's media belong to the report
    with session_scope(platform.engine) as session:
        session.execute(update(MediaRecord).where(MediaRecord.id == matched).values(subject_id=suspect))
    html = client.get(f"/reports/{rid}").text
    suspect_panel = html[html.index(f'id="subject-panel-{suspect}"'):html.index('id="media-heading"')]
    assert f'href="/series/{series_id}"' in suspect_panel and "Series BLUEBIRD, 2 reports" in suspect_panel
    series = client.get(f"/series/{series_id}")
    assert series.status_code == 200 and "BLUEBIRD" in series.text
    with session_of(platform) as session:
        refs = dict(session.execute(select(Report.id, Report.reference).where(Report.id.in_([rid, other]))).all())
    assert refs[rid] in series.text and refs[other] in series.text

    # The media table: each match's bank, category and series; nothing for the unmatched item.
    row = _media_row(html, matched)
    assert "CEOP_KNOWN" in row and "UK A" in row and "VICS 1" in row and "series BLUEBIRD" in row
    assert "No match" in _media_row(html, unmatched)
    # Hashes only: no imagery and no link to media.
    assert "<img" not in html and "/media/" not in html


def test_a_growing_bank_reaches_the_report_page_the_series_page_and_the_queue(
        client: TestClient, platform: Platform, centre: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # An older report whose images are not in any bank yet: low band, no match.
    old = post_report(client, centre["token"], report_body(media=[{"md5": LATE_MD5}, {"pdq": STORED_PDQ}]))
    _, (old_media, old_pdq_media) = _ids(platform, old)
    assert _api_triage(client, centre["token"], old)["band"] == "P3"
    assert "No match" in _media_row(client.get(f"/reports/{old}").text, old_media)
    # A report of another image already known as series NIGHTJAR.
    with session_scope(platform.engine) as session:
        bank = create_bank(session, "LATE_INTELLIGENCE", description="synthetic")
        add_entry(session, bank, EntryRecord("md5", KNOWN_MD5, uk_category="B", series="NIGHTJAR"))
    known = post_report(client, centre["token"], report_body(
        media=[{"md5": KNOWN_MD5}], subjects=[{"role": "suspect", "identifiers": [
            {"type": "email", "value": "other.person@mail.pixelplay.test"}]}]))

    # The bank learns that the old report's image is category A, of the same series, and of a
    # near copy of its other image: found through the stored-media PDQ index, not a scan.
    searched: list[str] = []
    near = StoredMediaPdq.near

    def spy(index: StoredMediaPdq, session: Any, pdq: str, threshold: int) -> list[int]:
        searched.append(pdq)
        return near(index, session, pdq, threshold)

    monkeypatch.setattr(StoredMediaPdq, "near", spy)
    with session_scope(platform.engine) as session:
        bank = session.scalars(select(type(bank)).where(type(bank).name == "LATE_INTELLIGENCE")).one()
        add_entry(session, bank, EntryRecord("md5", LATE_MD5, uk_category="A", vics_category=1, series="NIGHTJAR"))
        add_entry(session, bank, EntryRecord("pdq", NEAR_PDQ, uk_category="C"))
    assert searched == [NEAR_PDQ]

    html = client.get(f"/reports/{old}").text
    row = _media_row(html, old_media)
    assert "LATE_INTELLIGENCE" in row and "UK A" in row and "VICS 1" in row and "series NIGHTJAR" in row
    near_row = _media_row(html, old_pdq_media)
    assert "LATE_INTELLIGENCE" in near_row and "distance 16" in near_row and "UK C" in near_row
    (series_id,) = set(re.findall(r'href="/series/(\d+)"', row))
    series = client.get(f"/series/{series_id}").text
    with session_of(platform) as session:
        refs = dict(session.execute(select(Report.id, Report.reference).where(Report.id.in_([old, known]))).all())
    assert "NIGHTJAR" in series and refs[old] in series and refs[known] in series

    # Triage re-scored it: the API, the panel on the page and the queue say the same.
    after = _api_triage(client, centre["token"], old)
    items = {i["id"]: i["value"] for i in after["explanation"]["items"]}
    assert items["bank_match"] == "yes" and items["category_a"] == "yes"
    assert after["band"] != "P3"
    panel = html[html.index('id="triage"'):]
    assert re.search(rf'<span class="tag[^"]*">{after["band"]}\b', panel)
    assert "bank entries added" in panel
    with session_of(platform) as session:
        queue, _total = triage_queries.triage_queue(session, limit=50, offset=0)
    assert {e.id: e.band for e in queue}[old] == after["band"]


@pytest.mark.parametrize(("moment", "zone"), [(datetime(2026, 7, 14, 9, 30, tzinfo=UTC), "10:30 BST"),
                                              (datetime(2026, 12, 14, 9, 30, tzinfo=UTC), "09:30 GMT")])
def test_the_report_page_shows_london_time_with_its_zone(client: TestClient, platform: Platform,
                                                         centre: dict[str, Any], moment: datetime,
                                                         zone: str) -> None:
    rid = post_report(client, centre["token"], report_body())
    with session_scope(platform.engine) as session:
        session.execute(update(Report).where(Report.id == rid).values(received_at=moment))
    html = client.get(f"/reports/{rid}").text
    assert f"{moment:%d %B %Y} {zone} via" in html
    assert " UTC" not in html
