"""The partner API end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jigsaw.accounts.roles import OrgKind
from jigsaw.audit.models import AuditEvent
from jigsaw.intake.models import IdentifierRecord, MediaRecord, Observation, Report, Subject
from jigsaw.platform import Platform
from tests.factories import full_report_body, make_org, make_token, session_of


def counts(platform: Platform) -> tuple[int, ...]:
    with session_of(platform) as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) or 0
                     for t in (Report, Subject, Observation, IdentifierRecord, MediaRecord))


def test_submit_and_read_back_normalised(client: TestClient, platform: Platform) -> None:
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    token = make_token(platform, org, "reports:submit", "reports:read")
    auth = {"Authorization": f"Bearer {token}"}

    created = client.post("/api/v1/reports", json=full_report_body(), headers=auth)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["reference"].startswith("JIG-") and body["created"] is True

    got = client.get(f"/api/v1/reports/{body['id']}", headers={**auth, "X-Purpose": "check receipt"})
    assert got.status_code == 200
    report = got.json()
    assert report["reference"] == body["reference"]
    assert report["reporter"] == {"name": "Trust & Safety desk", "email": "ts-desk@example.com",
                                  "phone": "+447700900123"}
    suspect, victim = report["subjects"]
    values = {(i["type"], i["value"], i["platform"]) for i in suspect["identifiers"]}
    assert values == {
        ("email", "offender@xn--bcher-kva.example", None),
        ("phone", "+447700900456", None),
        ("ip", "2001:db8::1", None),
        ("username", "shadowfox", "pixelplay"),
        ("esp_user_id", "u-99812", "pixelplay"),
        ("url", "https://pixelplay.example/u/99812", None),
        ("device_id", "352099001761481", None),
    }
    ip = next(i for i in suspect["identifiers"] if i["type"] == "ip")
    assert ip["port"] == 51234 and ip["seen_at"].startswith("2026-11-20T21:00:00")
    assert victim["age"] == 13 and victim["name"] == "Child A"
    assert report["media"][0]["pdq"] == "f" * 64

    with session_of(platform) as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "report"))]
        read = session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation"))
    # Stored (collection), joined into networks by linking (combination), then read (consultation).
    assert actions == ["collection", "combination", "consultation"]
    assert read is not None and read.purpose == "check receipt"


def test_invalid_body_names_every_failing_field_and_writes_nothing(client: TestClient, platform: Platform) -> None:
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    auth = {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit')}"}
    before = counts(platform)

    bad = full_report_body(source="carrier_pigeon", summary="")
    response = client.post("/api/v1/reports", json=bad, headers=auth)
    assert response.status_code == 422
    locs = {tuple(d["loc"]) for d in response.json()["detail"]}
    assert ("body", "source") in locs and ("body", "summary") in locs

    # Structurally valid, but an identifier cannot be normalised: found by the domain layer.
    bad_ident = full_report_body()
    bad_ident["subjects"][0]["identifiers"][0]["value"] = "not-an-email"
    bad_ident["subjects"][1]["identifiers"][0].pop("platform")
    response = client.post("/api/v1/reports", json=bad_ident, headers=auth)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert {tuple(d["loc"]) for d in detail} == {
        ("body", "subjects", 0, "identifiers", 0), ("body", "subjects", 1, "identifiers", 0)}
    assert "email" in detail[0]["msg"]
    assert counts(platform) == before


def test_external_id_makes_resubmission_idempotent(client: TestClient, platform: Platform) -> None:
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    auth = {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit')}"}
    first = client.post("/api/v1/reports", json=full_report_body(), headers=auth)
    again = client.post("/api/v1/reports", json=full_report_body(), headers=auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert counts(platform)[0] == 1


def test_shared_identifiers_are_stored_once(client: TestClient, platform: Platform) -> None:
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    auth = {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit')}"}
    client.post("/api/v1/reports", json=full_report_body(external_id="a"), headers=auth)
    client.post("/api/v1/reports", json=full_report_body(external_id="b"), headers=auth)
    _, _, observations, identifiers, _ = counts(platform)
    assert identifiers == 8 and observations == 16


def test_platform_token_reads_only_its_own_submissions(client: TestClient, platform: Platform) -> None:
    one = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    two = make_org(platform, "GameHub", OrgKind.PLATFORM)
    centre = make_org(platform, "Centre", OrgKind.CENTRE)
    t1 = {"Authorization": f"Bearer {make_token(platform, one, 'reports:submit', 'reports:read')}"}
    t2 = {"Authorization": f"Bearer {make_token(platform, two, 'reports:submit', 'reports:read')}"}
    tc = {"Authorization": f"Bearer {make_token(platform, centre, 'reports:read')}", "X-Purpose": "assessment"}
    r1 = client.post("/api/v1/reports", json=full_report_body(), headers=t1).json()["id"]
    r2 = client.post("/api/v1/reports", json=full_report_body(), headers=t2).json()["id"]

    assert client.get(f"/api/v1/reports/{r1}", headers=t1).status_code == 200
    assert client.get(f"/api/v1/reports/{r2}", headers=t1).status_code == 404
    assert [i["id"] for i in client.get("/api/v1/reports", headers=t1).json()["items"]] == [r1]
    assert client.get(f"/api/v1/reports/{r1}", headers=tc).status_code == 200
    assert client.get(f"/api/v1/reports/{r2}", headers=tc).status_code == 200
    assert client.get("/api/v1/reports", headers=tc).json()["total"] == 2


def test_scopes_and_revocation(client: TestClient, platform: Platform) -> None:
    from jigsaw.accounts import service as accounts
    from jigsaw.accounts.models import ApiToken
    from jigsaw.audit.service import Actor

    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    submit_only = {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit')}"}
    rid = client.post("/api/v1/reports", json=full_report_body(), headers=submit_only).json()["id"]
    assert client.get(f"/api/v1/reports/{rid}", headers=submit_only).status_code == 403
    assert client.post("/api/v1/reports", json=full_report_body(),
                       headers={"Authorization": "Bearer jgs_forged"}).status_code == 401
    assert client.post("/api/v1/reports", json=full_report_body()).status_code == 401

    with session_of(platform) as session:
        token_id = session.scalar(select(ApiToken.id))
        accounts.revoke_token(session, Actor("test"), token_id)
        session.commit()
    assert client.post("/api/v1/reports", json=full_report_body(external_id="z"),
                       headers=submit_only).status_code == 401


def test_tokens_are_stored_hashed(platform: Platform) -> None:
    from jigsaw.accounts.models import ApiToken

    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    token = make_token(platform, org, "reports:submit")
    with session_of(platform) as session:
        stored = session.scalars(select(ApiToken)).one()
    assert token not in (stored.secret_digest, stored.prefix) and len(stored.secret_digest) == 64


def test_openapi_documents_the_reports_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/v1/reports"]["post"]
    assert "201" in post["responses"] and "422" in post["responses"]
    schema = spec["components"]["schemas"]["ReportIn"]
    assert {"source", "incident_type", "summary", "subjects", "media", "reporter"} <= set(schema["properties"])
    assert "/api/v1/reports/{report_id}" in spec["paths"]


def test_each_suspect_opens_a_line_of_enquiry(client: TestClient, platform: Platform) -> None:
    from jigsaw.intake.models import LineOfEnquiry

    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    auth = {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit')}"}
    body = full_report_body()
    body["subjects"].append({"role": "suspect", "name": "Second suspect"})
    rid = client.post("/api/v1/reports", json=body, headers=auth).json()["id"]
    with session_of(platform) as session:
        lines = session.scalars(select(LineOfEnquiry).where(LineOfEnquiry.report_id == rid)).all()
        suspects = session.scalars(select(Subject).where(Subject.report_id == rid, Subject.role == "suspect")).all()
    assert len(lines) == 2 and {line.subject_id for line in lines} == {s.id for s in suspects}
    assert any("Second suspect" in line.title for line in lines)
