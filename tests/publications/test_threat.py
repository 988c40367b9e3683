"""The strategic threat assessment: figures counted from the record, drafted and approved by two
different people, frozen on approval, a new version on a later edit, and a PDF marked on every page."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind
from jigsaw.db.engine import session_scope
from jigsaw.errors import NotAllowed
from jigsaw.platform import Platform
from jigsaw.publications import service, threat
from jigsaw.publications.models import ThreatAssessment
from jigsaw.statistics.interfaces import Period
from tests.accounts.helpers import bearer, personal_token
from tests.factories import StaffAccount, csrf_from, login
from tests.publications.seed import seed_two_years


@pytest.fixture
def client(sqlite_platform: Platform) -> Iterator[TestClient]:
    from jigsaw.web.app import create_app

    with TestClient(create_app(platform=sqlite_platform), base_url="http://testserver") as c:
        yield c


def test_threat_areas_ages_and_the_minimum_base() -> None:
    assert threat.threat_area("online_grooming") == "grooming"
    assert threat.threat_area("online_grooming", ["sextortion"]) == "sextortion"
    assert threat.threat_area("indecent_images", ["minor_to_minor"]) == "self_generated"
    assert threat.threat_area("image_request") == "self_generated"
    assert threat.threat_area("livestreaming") == "livestreaming"
    assert [threat.age_band(a) for a in (None, 2, 9, 13, 17, 18)] == ["unknown", "0-3", "8-11", "12-15", "16-17",
                                                                      "unknown"]
    found = threat.emerging({"A": 2, "B": 30, "C": 12, "D": 10}, {"A": 1, "B": 20, "C": 10})
    # A doubled on a base of one: not emerging. B +50%, C +20%, D new with ten.
    assert [t.key for t in found] == ["B", "C", "D"]


def _principal(account: StaffAccount) -> Principal:
    return Principal(organisation_id=account.organisation_id, organisation_kind=OrgKind.CENTRE,
                     user_id=account.id, role=account.role, label=account.email)


def test_figures_are_counted_from_the_record_and_frozen_on_approval(sqlite_platform: Platform) -> None:
    people = seed_two_years(sqlite_platform)
    with session_scope(sqlite_platform.engine) as s:
        f = service.threat_figures(s, Period.financial_year(2025))
    areas = {t["key"]: t for t in f["areas"]}
    assert areas["grooming"]["now"] == 17 and areas["grooming"]["before"] == 10
    assert areas["sextortion"]["now"] == 10 and areas["self_generated"]["now"] == 3
    ages = {t["key"]: t["now"] for t in f["ages"]}
    assert ages["12-15"] == 12 and ages["8-11"] == 1
    assert [t["key"] for t in f["emerging"]] == ["Snapchat"]  # Roblox grew from 2: below the base of 10

    with session_scope(sqlite_platform.engine) as s:
        ta = service.create(s, _principal(people.analyst), start=date(2025, 4, 1), end=date(2026, 3, 31),
                            sections={"summary": "Grooming remains the most reported threat."})
        tid = ta.id
        service.submit(s, _principal(people.analyst), tid)
    with session_scope(sqlite_platform.engine) as s, pytest.raises(NotAllowed, match="supervisor"):
        service.approve(s, _principal(people.analyst2), tid)
    with session_scope(sqlite_platform.engine) as s:
        ta = service.approve(s, _principal(people.supervisor), tid)
        assert ta.status == "approved" and ta.figures is not None and ta.frozen_at is not None
        assert ta.figures["reports"]["now"] == 30
    # A later report changes the record, not the approved version's figures.
    from tests.publications.seed import _report, utc
    with session_scope(sqlite_platform.engine) as s:
        _report(s, utc(2025, 12, 1, 12), "public", "livestreaming", "Twitch", suspect=False)
    with session_scope(sqlite_platform.engine) as s:
        frozen = service.figures_of(s, s.get(ThreatAssessment, tid))
        assert frozen["reports"]["now"] == 30
        v2 = service.edit(s, _principal(people.analyst2), tid, sections={"outlook": "Live-streaming is rising."})
        assert v2.id != tid and v2.version == 2 and v2.supersedes_id == tid and v2.status == "draft"
        assert service.figures_of(s, v2)["reports"]["now"] == 31
        v2_id = v2.id
    with session_scope(sqlite_platform.engine) as s:
        service.submit(s, _principal(people.analyst2), v2_id)
        service.approve(s, _principal(people.supervisor), v2_id)
        assert s.get(ThreatAssessment, tid).status == "superseded"  # type: ignore[union-attr]


def test_the_author_cannot_approve_their_own_even_as_a_supervisor(sqlite_platform: Platform) -> None:
    people = seed_two_years(sqlite_platform)
    with session_scope(sqlite_platform.engine) as s:
        ta = service.create(s, _principal(people.supervisor), start=date(2025, 4, 1), end=date(2026, 3, 31),
                            sections={"summary": "Key judgements."})
        service.submit(s, _principal(people.supervisor), ta.id)
        with pytest.raises(threat.FourEyesRefused, match="second person"):
            service.approve(s, _principal(people.supervisor), ta.id)
        assert service.approve(s, _principal(people.supervisor2), ta.id).status == "approved"


def test_drafted_in_the_pages_approved_by_api_and_exported_marked(client: TestClient,
                                                                  sqlite_platform: Platform) -> None:
    people = seed_two_years(sqlite_platform)
    login(client, sqlite_platform, people.analyst)
    index = client.get("/publications")
    assert index.status_code == 200 and "<script" not in index.text
    made = client.post("/publications/threat-assessments", data={
        "csrf_token": csrf_from(index.text), "start": "2025-04-01", "end": "2026-03-31",
        "classification": "OFFICIAL-SENSITIVE", "descriptor": "LOCSEN", "tlp": "amber",
        "handling": "Not for release outside UK policing."}, follow_redirects=False)
    assert made.status_code == 303
    url = made.headers["location"]
    page = client.get(url)
    assert page.status_code == 200 and "<script" not in page.text and "<svg" in page.text
    assert "OFFICIAL-SENSITIVE LOCSEN · TLP:AMBER" in page.text
    csrf = csrf_from(page.text)
    saved = client.post(url, data={"csrf_token": csrf, "section_summary": "Sextortion of boys is rising fast.",
                                   "section_emerging": "Snapchat grows on a large base."}, follow_redirects=True)
    assert "Sextortion of boys is rising fast." in saved.text
    client.post(f"{url}/submit", data={"csrf_token": csrf})
    tid = int(url.rsplit("/", 1)[1])

    own = bearer(personal_token(sqlite_platform, people.analyst)[1])
    assert client.post(f"/api/v1/threat-assessments/{tid}/approve", headers=own).status_code == 403
    sup = bearer(personal_token(sqlite_platform, people.supervisor)[1])
    approved = client.post(f"/api/v1/threat-assessments/{tid}/approve", headers=sup)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert client.get(f"/api/v1/threat-assessments/{tid}", headers=sup).status_code == 422  # no X-Purpose
    read = client.get(f"/api/v1/threat-assessments/{tid}", headers={**sup, "X-Purpose": "checking the test"})
    assert read.json()["sections"]["summary"] == "Sextortion of boys is rising fast."
    assert read.json()["figures_frozen_at"] is not None

    pdf = client.get(f"/api/v1/threat-assessments/{tid}/pdf", headers={**sup, "X-Purpose": "export test"})
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages]
    assert pages
    for text in pages:
        assert text.count("OFFICIAL-SENSITIVE LOCSEN") >= 2
    whole = "\n".join(pages)
    assert "Sextortion of boys is rising fast." in whole and "Not for release outside UK policing." in whole
    assert "Approved" in whole and "Snapchat" in whole

    listed = client.get("/api/v1/threat-assessments", headers=own).json()
    assert [a["id"] for a in listed] == [tid] and "sections" not in listed[0]
    bad = client.post("/api/v1/threat-assessments", headers=own, json={"start": "2025-04-01", "end": "2025-01-01"})
    assert bad.status_code == 422 and "from" in bad.text
    auditor = bearer(personal_token(sqlite_platform, people.auditor)[1])
    assert client.get("/api/v1/threat-assessments", headers=auditor).status_code == 403
