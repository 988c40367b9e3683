"""Search end to end: every identifier kind found after a report is posted, references, purpose,
audit without plaintext, role refusal, the page and the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.casework.models import Case, CaseReport
from jigsaw.db.engine import session_scope
from jigsaw.intake.models import Report
from jigsaw.platform import Platform
from tests.factories import login, make_org, make_staff, make_token, post_report, report_body

PURPOSE = "CASE-TEST-0001 enquiry"

# One suspect holding one identifier of each kind the search box takes, as a platform sends them.
SUSPECT_IDENTIFIERS: list[dict[str, Any]] = [
    {"type": "email", "value": "ShadowFox@Mail.PixelPlay.test"},
    {"type": "phone", "value": "07700 900456"},
    {"type": "ip", "value": "198.51.100.23"},
    {"type": "username", "value": "@Shadow_Fox", "platform": "PixelPlay"},
    {"type": "esp_user_id", "value": "u-99812", "platform": "PixelPlay"},
    {"type": "imei", "value": "49-015420-323751-8"},
    {"type": "crypto_wallet", "value": "0x52908400098527886E0F7030069857D2E4169EE7"},
    {"type": "payment_id", "value": "GB29 NWBK 6016 1331 9268 19"},
    {"type": "postal_address", "value": "SW1A 1AA"},
]

# What an analyst types for each, in another spelling than the platform's.
SEARCHES: list[tuple[str, dict[str, str], str]] = [
    ("shadowfox@mail.pixelplay.test", {}, "email"),
    ("+44 7700 900456", {}, "phone"),
    ("198.51.100.23", {}, "ip"),
    ("shadow_fox", {"platform": "pixelplay"}, "username"),
    ("u-99812", {"platform": "PixelPlay", "type": "esp_user_id"}, "esp_user_id"),
    ("490154203237518", {}, "imei"),
    ("0x52908400098527886e0f7030069857d2e4169ee7", {}, "crypto_wallet"),
    ("gb29nwbk60161331926819", {}, "payment_id"),
    ("sw1a 1aa", {}, "postal_address"),
]


@pytest.fixture
def centre(platform: Platform) -> dict[str, Any]:
    centre_id = make_org(platform, "Centre")
    return {
        "id": centre_id,
        "token": make_token(platform, centre_id, "reports:submit", "reports:read"),
        "analyst": make_staff(platform, "analyst@centre.example", Role.ANALYST, centre_id),
        "supervisor": make_staff(platform, "supervisor@centre.example", Role.SUPERVISOR, centre_id),
    }


def api_search(client: TestClient, q: str, purpose: str | None = PURPOSE, **extra: str) -> Any:
    params = {"q": q, **extra}
    if purpose is not None:
        params["purpose"] = purpose
    return client.get("/api/v1/search", params=params)


def search_audits(platform: Platform) -> list[AuditEvent]:
    with session_scope(platform.engine) as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "search")
                                    .order_by(AuditEvent.id)))
        session.expunge_all()
        return rows


def test_every_identifier_kind_is_found_and_audited_without_plaintext(
        client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    body = report_body(subjects=[{"role": "suspect", "identifiers": SUSPECT_IDENTIFIERS},
                                 {"role": "victim", "name": "Child A", "age": 13}])
    report_id = post_report(client, centre["token"], body)
    post_report(client, centre["token"], report_body(
        subjects=[{"role": "suspect", "identifiers": [{"type": "email", "value": "someone.else@example.test"}]}]))
    login(client, platform, centre["analyst"])

    for text, extra, kind in SEARCHES:
        response = api_search(client, text, **extra)
        assert response.status_code == 200, (text, response.text)
        found = response.json()
        assert [r["id"] for r in found["reports"]] == [report_id], (text, found)
        assert kind in found["reports"][0]["matched"], (text, found)
        assert [(s["role"], s["report_id"]) for s in found["subjects"]] == [("suspect", report_id)], text

    audits = search_audits(platform)
    assert len(audits) == len(SEARCHES)
    for audit, (text, _extra, kind) in zip(audits, SEARCHES, strict=True):
        assert audit.action == "consultation" and audit.purpose == PURPOSE
        assert audit.actor == f"user:{centre['analyst'].id}"
        assert kind in audit.detail["types"]
        assert audit.detail["results"] == {"cases": 1, "reports": 1, "subjects": 1}  # every report is in a case
        assert audit.detail["blind_indexes"] and all(len(b) == 64 for b in audit.detail["blind_indexes"])
        stored = json.dumps(audit.detail).casefold()
        assert text.casefold() not in stored and "shadow" not in stored and "900456" not in stored


def test_normalisation_equivalence_on_the_page(client: TestClient, platform: Platform,
                                               centre: dict[str, Any]) -> None:
    report_id = post_report(client, centre["token"], report_body())  # shadowfox@mail.pixelplay.test
    with session_scope(platform.engine) as session:
        reference = session.scalar(select(Report.reference).where(Report.id == report_id))
    login(client, platform, centre["supervisor"])
    page = client.get("/search", params={"q": "  ShadowFox@Mail.PixelPlay.test ", "purpose": PURPOSE})
    assert page.status_code == 200
    assert f'href="/reports/{report_id}"' in page.text and reference in page.text
    assert "Nothing found" not in page.text
    missing = client.get("/search", params={"q": "shadowfox@mail.pixelplay.example", "purpose": PURPOSE})
    assert missing.status_code == 200 and "Nothing found" in missing.text and reference not in missing.text


def test_phone_found_in_national_and_international_formats(client: TestClient, platform: Platform,
                                                          centre: dict[str, Any]) -> None:
    report_id = post_report(client, centre["token"], report_body(subjects=[
        {"role": "suspect", "identifiers": [{"type": "phone", "value": "+44 (0)7700 900123"}]}]))
    login(client, platform, centre["analyst"])
    for typed in ("07700900123", "07700 900 123", "+447700900123", "0044 7700 900123"):
        found = api_search(client, typed).json()
        assert [r["id"] for r in found["reports"]] == [report_id], typed


def test_references_report_case_and_cybertip(client: TestClient, platform: Platform,
                                             centre: dict[str, Any]) -> None:
    first = post_report(client, centre["token"], report_body())
    second = post_report(client, centre["token"], report_body(
        external_id="cybertip:123456789",
        subjects=[{"role": "suspect", "identifiers": [{"type": "email", "value": "other@example.test"}]}]))
    with session_scope(platform.engine) as session:
        reference = session.scalar(select(Report.reference).where(Report.id == first))
        # Both reports in the first one's case, under a reference the test can type.
        case_id = session.scalars(select(CaseReport.case_id).where(CaseReport.report_id == first)).one()
        case = session.get(Case, case_id)
        assert case is not None
        case.reference, case.status = "CASE-AB12-CD34", "in_progress"
        moved = session.get(CaseReport, second)
        assert moved is not None
        moved.case_id = case_id
    assert reference is not None
    login(client, platform, centre["analyst"])

    by_ref = api_search(client, reference.lower()).json()
    assert [r["id"] for r in by_ref["reports"]] == [first] and by_ref["types"] == ["report"]
    assert by_ref["reports"][0]["case_reference"] == "CASE-AB12-CD34"
    assert [c["id"] for c in by_ref["cases"]] == [case_id]

    by_case = api_search(client, "case-ab12-cd34").json()
    assert [c["reference"] for c in by_case["cases"]] == ["CASE-AB12-CD34"]
    assert by_case["cases"][0]["status"] == "in_progress"
    assert sorted(by_case["cases"][0]["report_ids"]) == sorted([first, second])
    assert {r["id"] for r in by_case["reports"]} == {first, second}

    by_tip = api_search(client, "123456789").json()
    assert [r["id"] for r in by_tip["reports"]] == [second] and "cybertip" in by_tip["reports"][0]["matched"]
    typed = api_search(client, "123456789", type="cybertip").json()
    assert [r["id"] for r in typed["reports"]] == [second]

    page = client.get("/search", params={"q": "CASE-AB12-CD34", "purpose": PURPOSE})
    assert f'href="/cases/{case_id}"' in page.text


def test_purpose_is_required_and_nothing_is_looked_up_without_it(client: TestClient, platform: Platform,
                                                                  centre: dict[str, Any]) -> None:
    post_report(client, centre["token"], report_body())
    login(client, platform, centre["analyst"])
    for purpose in (None, "", "no"):
        response = api_search(client, "shadowfox@mail.pixelplay.test", purpose=purpose)
        assert response.status_code == 422
        assert "purpose" in response.json()["detail"] or "why you are searching" in response.json()["detail"]
    form = client.get("/search")
    assert form.status_code == 200 and 'name="purpose"' in form.text and "Results" not in form.text
    page = client.get("/search", params={"q": "shadowfox@mail.pixelplay.test"})
    assert page.status_code == 422 and "Say why you are searching" in page.text and "Results" not in page.text
    assert search_audits(platform) == []


def test_invalid_typed_value_is_explained(client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    login(client, platform, centre["analyst"])
    response = api_search(client, "not-a-phone", type="phone")
    assert response.status_code == 422 and "phone" in response.json()["detail"]
    page = client.get("/search", params={"q": "shadowfox", "type": "username", "purpose": PURPOSE})
    assert page.status_code == 422 and "needs the platform" in page.text


def test_only_case_roles_may_search(client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    force = make_org(platform, "Force", OrgKind.UK_FORCE)
    others = [make_staff(platform, "admin@centre.example", Role.ADMIN, centre["id"]),
              make_staff(platform, "auditor@centre.example", Role.AUDITOR, centre["id"]),
              make_staff(platform, "liaison@force.example", Role.FORCE_LIAISON, force)]
    for account in others:
        client.cookies.clear()
        login(client, platform, account)
        assert api_search(client, "shadowfox@mail.pixelplay.test").status_code == 403, account.role
        assert client.get("/search", params={"q": "x@y.test", "purpose": PURPOSE}).status_code == 403
        assert 'action="/search"' not in client.get("/").text
    client.cookies.clear()
    token = centre["token"]  # an organisation's token is not a case-worker
    refused = client.get("/api/v1/search", params={"q": "x@y.test", "purpose": PURPOSE},
                         headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code in (401, 403)
    assert search_audits(platform) == []


def test_header_search_box_for_case_roles(client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    login(client, platform, centre["analyst"])
    page = client.get("/search")
    assert 'class="header-search"' in page.text and 'id="header-search-purpose"' in page.text


def test_search_is_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/api/v1/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "purpose", "type", "platform"}
    assert "x-personal-data" in operation


def test_imported_cybertip_report_is_found_by_its_number(client: TestClient, platform: Platform,
                                                         centre: dict[str, Any]) -> None:
    """Through the real importer: the CyberTipline number is the report's external id."""
    from jigsaw.imports import synthetic
    from tests.imports.helpers import import_docs

    summary = import_docs(platform, synthetic.documents(880011, 2))
    assert summary.imported == 2, summary
    with session_scope(platform.engine) as session:
        wanted = session.scalar(select(Report.id).where(Report.external_id == "cybertip:880011"))
    login(client, platform, centre["analyst"])
    found = api_search(client, "880011").json()
    assert [r["id"] for r in found["reports"]] == [wanted] and "cybertip" in found["types"]
    assert api_search(client, "880012", type="cybertip").json()["reports"][0]["id"] != wanted
