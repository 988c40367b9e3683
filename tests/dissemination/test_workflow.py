"""A case becomes a package, is routed by postcode, approved by a second person, dispatched,
acknowledged and accepted by the force, through the API, on both backends; and everything that
must be refused is refused and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from jigsaw.audit.models import AuditEvent
from jigsaw.audit.service import verify
from jigsaw.casework.models import Case, CaseReport
from jigsaw.db.engine import session_scope
from jigsaw.dissemination import service
from jigsaw.dissemination.models import Package, PackageEvent
from jigsaw.mail.models import OutboxMail
from jigsaw.platform import Platform
from tests.dissemination.conftest import BASE_URL, World, address, as_user, suspect
from tests.factories import post_report, report_body, session_of


def _report(client: TestClient, world: World, *identifiers: dict[str, Any], **extra: Any) -> int:
    body = report_body(subjects=[suspect({"type": "email", "value": f"s{len(identifiers)}@mail.example.test"},
                                         *identifiers, name="Sam Example")], **extra)
    return post_report(client, world.token, body)


def _audit(platform: Platform, package_id: int) -> list[tuple[str, str | None, str | None]]:
    with session_of(platform) as session:
        return [(e.action, (e.detail or {}).get("op"), e.recipient) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "package", AuditEvent.entity_id == str(package_id))
            .order_by(AuditEvent.seq))]


def test_package_from_case_to_force_through_the_api(client: TestClient, platform: Platform, world: World) -> None:
    rid = _report(client, world, address("1 High Street, Rochester, ME1 1AA"), external_id="e2e-1")
    as_user(client, platform, world.analyst)
    made = client.post("/api/v1/packages", json={
        "report_ids": [rid], "summary": "Suspect asked a child for images; lives in Rochester.",
        "classification": "OFFICIAL-SENSITIVE", "tlp": "amber"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "draft" and body["reference"].startswith("PKG-") and body["id"]
    assert body["recipient"]["name"] == "Kent Police" and body["recipient"]["ons_code"] == "E23000032"
    [proposal] = body["routing_proposals"]
    assert proposal["name"] == "Kent Police" and proposal["ons_code"] == "E23000032"
    assert proposal["basis"] == "postal_address" and "ME1 1AA" in proposal["reason"]
    assert body["banner"] == "OFFICIAL-SENSITIVE PERSONAL · TLP:AMBER" and body["needs"] == []
    assert body["items"][0]["grade"] == "2C P"
    ev = body["evidence"]
    assert {i["type"] for i in ev["identifiers"]} == {"email", "postal_address"}
    assert all(i["time_zone"] == "UTC" and i["first_seen"] for i in ev["identifiers"])
    assert ev["subjects"][0]["name"] == "Sam Example" and ev["cases"]
    pid = body["id"]

    # The author cannot approve (not a supervisor), and a supervisor cannot approve a draft.
    assert client.post(f"/api/v1/packages/{pid}/approve").status_code == 403
    submitted = client.post(f"/api/v1/packages/{pid}/submit", json={"comment": "Ready"})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"

    # The force sees nothing before dispatch.
    as_user(client, platform, world.kent)
    assert client.get(f"/api/v1/packages/{pid}").status_code == 404
    assert client.get("/api/v1/packages").json()["packages"] == []

    as_user(client, platform, world.supervisor)
    approved = client.post(f"/api/v1/packages/{pid}/approve", json={"comment": "Agreed"})
    assert approved.status_code == 200, approved.text
    out = approved.json()
    assert out["status"] == "dispatched" and out["approved_by"] and out["dispatched_at"]
    sent = datetime.fromisoformat(out["dispatched_at"])
    assert datetime.fromisoformat(out["action_by"]) - sent == timedelta(days=30)  # unassessed: dated as P3
    assert out["acknowledge_by"] is None

    # The point of contact is mailed: a reference and a link, no content.
    with session_of(platform) as session:
        [mail] = session.scalars(select(OutboxMail).where(OutboxMail.dedupe_key == f"package:{pid}:dispatch"))
        assert mail.recipients == ["referrals@kent.police.test"]
        assert out["reference"] in mail.subject and f"{BASE_URL}/inbox/packages/{pid}" in mail.body
        assert "Rochester" not in mail.body and "Sam" not in mail.body and "ME1" not in mail.body

    # Another force sees nothing; Kent sees it, without the centre's references.
    as_user(client, platform, world.met)
    assert client.get(f"/api/v1/packages/{pid}").status_code == 404
    assert client.post(f"/api/v1/packages/{pid}/acknowledge").status_code == 404
    assert client.get("/api/v1/packages").json()["packages"] == []
    as_user(client, platform, world.kent)
    listed = client.get("/api/v1/packages").json()["packages"]
    assert [p["id"] for p in listed] == [pid]
    seen = client.get(f"/api/v1/packages/{pid}").json()
    assert seen["report_ids"] is None and seen["routing_proposals"] == [] and "cases" not in seen["evidence"]
    assert seen["available_actions"] == ["acknowledge", "accept", "reject"]
    assert client.post(f"/api/v1/packages/{pid}/approve").status_code == 403
    ack = client.post(f"/api/v1/packages/{pid}/acknowledge")
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged" and ack.json()["acknowledged_at"]
    msg = client.post(f"/api/v1/packages/{pid}/messages", json={"text": "Can you send the platform's account id?"})
    assert msg.status_code == 201, msg.text
    accepted = client.post(f"/api/v1/packages/{pid}/accept", json={"comment": "Our ref KNT/123"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["messages"][0]["text"].startswith("Can you send")

    kinds = [(a, op) for a, op, _ in _audit(platform, pid)]
    assert ("combination", "drafted") in kinds and ("alteration", "submitted") in kinds
    assert ("alteration", "approved") in kinds and ("alteration", "accepted") in kinds
    [disclosure] = [x for x in _audit(platform, pid) if x[0] == "disclosure"]
    assert disclosure[1] == "dispatched" and disclosure[2].startswith("Kent Police")
    assert ("consultation", None) in kinds  # the force's reading is audited
    with session_of(platform) as session:
        assert verify(session).ok


def test_self_approval_is_refused_in_the_service_and_the_database(client: TestClient, platform: Platform,
                                                                   world: World) -> None:
    rid = _report(client, world, address("10 Downing Street, London, SW1A 2AA"), external_id="e2e-2")
    as_user(client, platform, world.supervisor)
    pid = client.post("/api/v1/packages", json={"report_ids": [rid], "summary": "S"}).json()["id"]
    assert client.post(f"/api/v1/packages/{pid}/submit").status_code == 200
    before = _audit(platform, pid)
    refused = client.post(f"/api/v1/packages/{pid}/approve")
    assert refused.status_code == 403 and "second supervisor" in refused.text
    assert _audit(platform, pid) == before
    with session_of(platform) as session:
        package = session.get(Package, pid)
        assert package.status == "submitted" and package.approved_by_id is None
    # Returning one's own package is refused too; a second supervisor may.
    assert client.post(f"/api/v1/packages/{pid}/return", json={"comment": "x"}).status_code == 403
    # The database holds the rule even if the service were bypassed.
    with pytest.raises(IntegrityError), session_scope(platform.engine) as session:
        session.execute(update(Package).where(Package.id == pid).values(approved_by_id=world.supervisor.id))
    as_user(client, platform, world.supervisor2)
    assert client.post(f"/api/v1/packages/{pid}/approve").json()["status"] == "dispatched"


def test_no_basis_cannot_be_sent_and_says_a_comms_data_request_is_needed(client: TestClient, platform: Platform,
                                                                          world: World) -> None:
    rid = _report(client, world, {"type": "ip", "value": "203.0.113.9", "seen_at": "2026-11-20T21:00:00Z"},
                  external_id="e2e-3")
    as_user(client, platform, world.analyst)
    body = client.post("/api/v1/packages", json={"report_ids": [rid], "summary": "S"}).json()
    assert body["recipient"] is None and body["routing_proposals"] == []
    assert any("communications-data request" in n and "203.0.113.9" in n for n in body["needs"])
    refused = client.post(f"/api/v1/packages/{body['id']}/submit")
    assert refused.status_code == 422 and "communications-data request" in refused.text

    # The comms-data result on the case gives the subscriber's address: routing finds the force.
    with session_of(platform) as session:
        case_id = session.scalar(select(CaseReport.case_id).where(CaseReport.report_id == rid))
        case_ref = session.scalar(select(Case.reference).where(Case.id == case_id))
    made = client.post(f"/api/v1/cases/{case_id}/actions", json={
        "kind": "comms_data_request", "reference": "CD-77", "purpose": "Identify the subscriber",
        "necessity": "Only the provider knows", "proportionality": "One IP at one time", "identifier": "203.0.113.9",
        "seen_at": "2026-11-20T21:00:00Z", "status": "submitted"}).json()
    pending = client.post(f"/api/v1/packages/{body['id']}/route").json()
    assert pending["needs"] == [f"needs an answer to communications-data request CD-77 on {case_ref} (now submitted)"]
    client.post(f"/api/v1/cases/{case_id}/actions/{made['id']}/update",
                json={"status": "approved", "result": "Subscriber: A. Person, 4 Station Road, London EC1A 1BB"})
    routed = client.post(f"/api/v1/packages/{body['id']}/route").json()
    assert routed["recipient"]["name"] == "City of London Police" and routed["route_basis"] == "comms_data"
    assert "CD-77" in routed["routing_proposals"][0]["reason"]


def test_straddling_district_manual_choice_needs_a_reason(client: TestClient, platform: Platform,
                                                          world: World) -> None:
    rid = _report(client, world, address("Flat 3, Dartford, DA1 9XY"), external_id="e2e-4")
    as_user(client, platform, world.analyst)
    body = client.post("/api/v1/packages", json={"report_ids": [rid], "summary": "S"}).json()
    shares = [(p["name"], p["share"]) for p in body["routing_proposals"]]
    assert shares == [("Kent Police", 0.75), ("Metropolitan Police Service", 0.25)] and body["recipient"] is None
    pid = body["id"]
    chosen = client.patch(f"/api/v1/packages/{pid}", json={"recipient_org_id": world.met_id})
    assert chosen.json()["recipient"]["name"] == "Metropolitan Police Service"
    assert chosen.json()["route_basis"] == "postcode_district"
    # A recipient the record does not point to at all is a manual choice, and needs a reason.
    btp = next(r for r in client.get("/api/v1/recipients").json() if r["name"] == "British Transport Police")
    manual = client.patch(f"/api/v1/packages/{pid}", json={"recipient_org_id": btp["org_id"]}).json()
    assert manual["route_basis"] == "manual" and "a recipient chosen by hand needs a reason" in manual["needs"]
    assert client.post(f"/api/v1/packages/{pid}/submit").status_code == 422
    fixed = client.patch(f"/api/v1/packages/{pid}", json={"route_reason": "Offences on the railway"}).json()
    assert fixed["needs"] == [] and client.post(f"/api/v1/packages/{pid}/submit").status_code == 200


def test_markings_only_a_supervisor_lowers_with_a_reason(client: TestClient, platform: Platform,
                                                         world: World) -> None:
    rid = _report(client, world, address("1 High Street, Rochester, ME1 1AB"), external_id="e2e-5")
    as_user(client, platform, world.analyst)
    pid = client.post("/api/v1/packages", json={"report_ids": [rid], "summary": "S", "tlp": "red"}).json()["id"]
    assert client.patch(f"/api/v1/packages/{pid}", json={"classification": "OFFICIAL", "descriptor": "",
                                                          "tlp": "red"}).status_code == 403
    raised = client.patch(f"/api/v1/packages/{pid}", json={"handling": "Named officers only"})
    assert raised.status_code == 200 and raised.json()["handling"] == "Named officers only"
    as_user(client, platform, world.supervisor)
    assert client.post(f"/api/v1/packages/{pid}/marking", json={"tlp": "amber", "reason": ""}).status_code == 422
    lowered = client.post(f"/api/v1/packages/{pid}/marking", json={"tlp": "amber", "reason": "Force needs to brief"})
    assert lowered.status_code == 200 and lowered.json()["tlp"] == "amber"
    [event] = [e for e in lowered.json()["events"] if e["kind"] == "marking_lowered"]
    assert event["comment"] == "Force needs to brief" and "TLP:RED" in event["details"]["from"]
    # A recipient that may not receive the marking refuses it at submission.
    ncmec = next(r for r in client.get("/api/v1/recipients").json() if r["name"].startswith("National Center"))
    client.patch(f"/api/v1/packages/{pid}", json={"recipient_org_id": ncmec["org_id"], "route_reason": "test"})
    out = client.get(f"/api/v1/packages/{pid}").json()
    assert any("OFFICIAL-SENSITIVE" in n and "up to OFFICIAL" in n for n in out["needs"])


def test_force_returns_it_and_the_centre_reroutes(client: TestClient, platform: Platform, world: World) -> None:
    rid = _report(client, world, address("1 High Street, Rochester, ME1 1AA"), external_id="e2e-6")
    as_user(client, platform, world.analyst)
    pid = client.post("/api/v1/packages", json={"report_ids": [rid], "summary": "S"}).json()["id"]
    client.post(f"/api/v1/packages/{pid}/submit")
    as_user(client, platform, world.supervisor)
    client.post(f"/api/v1/packages/{pid}/approve")
    as_user(client, platform, world.kent)
    assert client.post(f"/api/v1/packages/{pid}/reject", json={"reason": ""}).status_code == 422
    rejected = client.post(f"/api/v1/packages/{pid}/reject", json={"reason": "Not our area: moved to London"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["response_reason"].startswith("Not our area")
    as_user(client, platform, world.analyst)
    new = client.post(f"/api/v1/packages/{pid}/reroute", json={"recipient_org_id": world.met_id,
                                                               "reason": "Force says he moved to London"})
    assert new.status_code == 201 and new.json()["status"] == "draft" and new.json()["rerouted_from_id"] == pid
    assert new.json()["recipient"]["name"] == "Metropolitan Police Service"
    as_user(client, platform, world.kent)
    assert client.get(f"/api/v1/packages/{pid}").json()["status"] == "rejected"  # Kent keeps its record
    assert client.get(f"/api/v1/packages/{new.json()['id']}").status_code == 404


def test_a_country_routes_to_the_partner_and_needs_a_tlp(client: TestClient, platform: Platform,
                                                         world: World) -> None:
    rid = _report(client, world, address("100 Main St, Springfield, IL 62701, US"), external_id="e2e-7")
    as_user(client, platform, world.analyst)
    body = client.post("/api/v1/packages", json={"report_ids": [rid], "summary": "S", "tlp": ""}).json()
    assert [p["name"] for p in body["routing_proposals"]] == [
        "Federal Bureau of Investigation", "Homeland Security Investigations",
        "National Center for Missing & Exploited Children"]
    assert body["recipient"]["name"] == "Federal Bureau of Investigation"
    assert "an international partner's package carries a TLP level" in body["needs"]


def test_escalation_of_an_unacknowledged_p0(client: TestClient, platform: Platform, world: World) -> None:
    rid = _report(client, world, address("1 High Street, Rochester, ME1 1AA"), external_id="e2e-8")
    as_user(client, platform, world.analyst)
    pid = client.post("/api/v1/packages", json={"report_ids": [rid], "summary": "S"}).json()["id"]
    with session_scope(platform.engine) as session:
        session.execute(update(Package).where(Package.id == pid).values(band="P0"))
    client.post(f"/api/v1/packages/{pid}/submit")
    as_user(client, platform, world.supervisor)
    out = client.post(f"/api/v1/packages/{pid}/approve").json()
    sent = datetime.fromisoformat(out["dispatched_at"])
    assert datetime.fromisoformat(out["acknowledge_by"]) == sent + timedelta(hours=1)
    assert datetime.fromisoformat(out["action_by"]) == sent + timedelta(hours=24)
    with session_scope(platform.engine) as session:
        early = service.escalate_due(session, platform.settings, now=sent + timedelta(minutes=59))
        assert early.escalated == 0
    with session_scope(platform.engine) as session:
        done = service.escalate_due(session, platform.settings, now=sent + timedelta(minutes=61))
        assert done.escalated == 1
    with session_scope(platform.engine) as session:
        again = service.escalate_due(session, platform.settings, now=sent + timedelta(hours=25))
        assert again.escalated == 0 and again.stale == 1
        mails = {m.recipients[0] for m in session.scalars(select(OutboxMail).where(
            OutboxMail.dedupe_key.like(f"package:{pid}:escalation:%")))}
        assert mails == {"supervisor@centre.example", "supervisor2@centre.example"}
        kinds = [e.kind for e in session.scalars(select(PackageEvent).where(PackageEvent.package_id == pid))]
        assert "escalated" in kinds and "past_action_by" in kinds
    page = client.get("/packages")
    assert "1 package not acknowledged by the force in time" in page.text


def test_batch_drafted_then_approved_as_a_set_by_a_second_person(client: TestClient, platform: Platform,
                                                                 world: World) -> None:
    ids = [_report(client, world, address(f"{n} High Street, Rochester, ME1 1AA"), external_id=f"b-{n}")
           for n in range(3)]
    ids.append(_report(client, world, external_id="b-none"))  # no basis: stays a draft
    as_user(client, platform, world.analyst)
    batch = client.post("/api/v1/package-batches", json={"report_ids": ids})
    assert batch.status_code == 201, batch.text
    bid = batch.json()["id"]
    assert len(batch.json()["packages"]) == 4
    submitted = client.post(f"/api/v1/package-batches/{bid}/submit").json()
    assert len(submitted["not_ready"]) == 1
    as_user(client, platform, world.supervisor)
    approved = client.post(f"/api/v1/package-batches/{bid}/approve").json()
    statuses = sorted(p["status"] for p in approved["packages"])
    assert statuses == ["dispatched", "dispatched", "dispatched", "draft"] and approved["approved_at"]


def test_case_status_is_not_touched_and_reports_link_to_packages(client: TestClient, platform: Platform,
                                                                 world: World) -> None:
    rid = _report(client, world, address("1 High Street, Rochester, ME1 1AA"), external_id="e2e-9")
    as_user(client, platform, world.analyst)
    pid = client.post("/api/v1/packages", json={"report_ids": [rid], "summary": "S"}).json()["id"]
    page = client.get(f"/reports/{rid}")
    assert page.status_code == 200 and f"/packages/{pid}" in page.text
    with session_of(platform) as session:
        case = session.scalar(select(Case).join(CaseReport).where(CaseReport.report_id == rid))
        assert case is not None
    case_page = client.get(f"/cases/{case.id}")
    assert f"/packages/new?case={case.reference}" in case_page.text
    new = client.get(f"/packages/new?case={case.reference}")
    assert new.status_code == 200 and f'value="{rid}"' in new.text


def test_a_postcode_given_on_the_public_form_routes_the_package(client: TestClient, platform: Platform,
                                                                world: World) -> None:
    from tests.intake.test_public_form import CHILD, Journey, stored

    journey = Journey(client)
    journey.answer_all({**CHILD, "contact": {**CHILD["contact"], "postcode": "me1 1ab"}})
    assert "ME1 1AB" in journey.open("/report/check").text
    report = stored(platform, journey.send())
    assert report.source_data["postcode"] == "ME1 1AB"
    as_user(client, platform, world.analyst)
    made = client.post("/api/v1/packages", json={
        "report_ids": [report.id], "summary": "A child in Rochester is being threatened.",
        "classification": "OFFICIAL-SENSITIVE", "tlp": "amber"})
    assert made.status_code == 201, made.text
    [proposal] = made.json()["routing_proposals"]
    assert proposal["name"] == "Kent Police" and "ME1 1AB" in proposal["reason"]


def test_a_postcode_on_the_public_form_must_be_a_uk_postcode(client: TestClient) -> None:
    from tests.intake.test_public_form import CHILD, Journey

    journey = Journey(client)
    answers = dict(CHILD)
    contact = answers.pop("contact")
    answers.pop("safe-to-contact")
    journey.answer_all(answers)
    refused = journey.post("/report/contact", {**contact, "postcode": "Oakfield School"})
    assert refused.status_code == 400 and "Enter a UK postcode" in refused.text
