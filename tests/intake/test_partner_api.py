"""The partner API's vocabulary and answers (issue 14): NCMEC incident-type names, a reused
external_id, and one 422 naming every failing field without echoing long values."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jigsaw.accounts.roles import OrgKind
from jigsaw.imports import cybertip
from jigsaw.imports.synthetic import report_xml
from jigsaw.intake.domain import NCMEC_INCIDENT_TYPES, IncidentType
from jigsaw.intake.models import Report
from jigsaw.platform import Platform
from tests.factories import full_report_body, make_org, make_token, session_of


def _auth(platform: Platform) -> dict[str, str]:
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    return {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit', 'reports:read')}"}


def _stored_type(platform: Platform, report_id: int) -> str:
    with session_of(platform) as session:
        return str(session.scalar(select(Report.incident_type).where(Report.id == report_id)))


def _imported_type(ncmec_name: str, annotations: str = "") -> str:
    """What the CyberTipline importer makes of a referral naming this incident type."""
    xml = report_xml(1).decode()
    xml = re.sub(r"<incidentType>.*?</incidentType>", f"<incidentType>{ncmec_name}</incidentType>"
                 + annotations, xml, count=1)
    parsed = cybertip.parse_report("1.xml", xml.encode())
    return parsed.draft.incident_type


def test_every_ncmec_name_maps_as_the_importer_maps_it(client: TestClient, platform: Platform) -> None:
    auth = _auth(platform)
    assert cybertip.INCIDENT_TYPES is NCMEC_INCIDENT_TYPES  # one table for both doors
    for i, name in enumerate(NCMEC_INCIDENT_TYPES):
        spelled = name.title() if i % 2 else f"  {name.upper()} "
        response = client.post("/api/v1/reports", json=full_report_body(
            incident_type=spelled, external_id=f"n{i}"), headers=auth)
        assert response.status_code == 201, response.text
        assert _stored_type(platform, response.json()["id"]) == _imported_type(spelled), name


def test_online_enticement_with_sextortion_is_sextortion_both_ways(client: TestClient, platform: Platform) -> None:
    response = client.post("/api/v1/reports", json=full_report_body(
        incident_type="Online Enticement of Children for Sexual Acts", annotations=["sextortion"]),
        headers=_auth(platform))
    assert response.status_code == 201, response.text
    assert _stored_type(platform, response.json()["id"]) == IncidentType.SEXTORTION
    flagged = "<reportAnnotations><sextortion/></reportAnnotations>"
    assert _imported_type("Online Enticement of Children for Sexual Acts", flagged) == IncidentType.SEXTORTION


def test_unknown_incident_names_are_still_refused(client: TestClient, platform: Platform) -> None:
    response = client.post("/api/v1/reports", json=full_report_body(incident_type="jaywalking"),
                           headers=_auth(platform))
    assert response.status_code == 422
    assert ["body", "incident_type"] in [d["loc"] for d in response.json()["detail"]]


def test_api_docs_list_the_ncmec_names(client: TestClient) -> None:
    page = client.get("/api/docs").text
    for name in ("online enticement of children for sexual acts", "child sex trafficking",
                 "unsolicited obscene material sent to a child", "child pornography"):
        assert name in page
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ReportIn"]
    assert "online enticement" in schema["properties"]["incident_type"]["description"]


def test_reusing_an_external_id_with_a_different_body_is_a_conflict(client: TestClient, platform: Platform) -> None:
    auth = _auth(platform)
    first = client.post("/api/v1/reports", json=full_report_body(), headers=auth)
    assert first.status_code == 201
    same = client.post("/api/v1/reports", json=full_report_body(), headers=auth)
    assert (same.status_code, same.json()["id"]) == (200, first.json()["id"])
    changed = client.post("/api/v1/reports", json=full_report_body(summary="Something else entirely."),
                          headers=auth)
    assert changed.status_code == 409
    body = changed.json()
    assert body["existing"] == {"id": first.json()["id"], "reference": first.json()["reference"], "created": False}
    assert first.json()["reference"] in body["detail"] and "pp-2026-0001" in body["detail"]
    with session_of(platform) as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1


def test_the_same_report_under_an_ncmec_name_is_the_same_body(client: TestClient, platform: Platform) -> None:
    auth = _auth(platform)
    first = client.post("/api/v1/reports", json=full_report_body(incident_type="indecent_images"), headers=auth)
    again = client.post("/api/v1/reports", json=full_report_body(incident_type="Child Pornography"), headers=auth)
    assert (first.status_code, again.status_code) == (201, 200)


def test_one_422_names_schema_and_domain_failures_without_echoing_long_values(
    client: TestClient, platform: Platform,
) -> None:
    auth = _auth(platform)
    long_summary = "x" * 30_000
    long_url = "https://" + "a" * 2100 + ".example"
    bad = full_report_body(source="carrier_pigeon", summary=long_summary)
    bad["reporter"]["email"] = "not-an-email"
    bad["reporter"]["phone"] = "12"
    idents = bad["subjects"][0]["identifiers"]
    idents[0]["value"] = "also-not-an-email"
    idents[2]["value"] = "999.1.1.1"
    idents[5]["value"] = long_url  # over the schema's limit: named once, by the schema
    bad["media"][0]["md5"] = "zz"
    response = client.post("/api/v1/reports", json=bad, headers=auth)
    assert response.status_code == 422
    detail = response.json()["detail"]
    locs = [tuple(d["loc"]) for d in detail]
    assert {("body", "source"), ("body", "summary"), ("body", "reporter", "email"), ("body", "reporter", "phone"),
            ("body", "subjects", 0, "identifiers", 0), ("body", "subjects", 0, "identifiers", 2),
            ("body", "subjects", 0, "identifiers", 5, "value"), ("body", "media", 0, "md5")} <= set(locs)
    assert len(locs) == len(set(locs))
    assert ("body", "subjects", 0, "identifiers", 5) not in locs  # not named twice
    assert not [loc for loc in locs if loc[:4] == ("body", "subjects", 0, "identifiers") and loc[4] in (1, 3, 4, 6)]
    assert len(response.content) < 6_000
    assert "x" * 100 not in response.text and "a" * 100 not in response.text
    email = next(d for d in detail if tuple(d["loc"]) == ("body", "reporter", "email"))
    assert "email" in email["msg"]


@pytest.mark.parametrize("value", ["not-an-ip", "a" * 1500])
def test_domain_only_422_does_not_echo_long_values(client: TestClient, platform: Platform, value: str) -> None:
    body = full_report_body()
    body["subjects"][0]["identifiers"][2]["value"] = value
    response = client.post("/api/v1/reports", json=body, headers=_auth(platform))
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "subjects", 0, "identifiers", 2]
    assert len(problem["msg"]) <= 200 and "a" * 200 not in problem["msg"]
