"""Triage end to end on SQLite and PostgreSQL: API, events, pages, overrides, configuration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.db.engine import session_scope
from jigsaw.intake.models import Subject
from jigsaw.matching.banks import EntryRecord
from jigsaw.matching.storage import add_entry, create_bank
from jigsaw.platform import Platform
from jigsaw.triage import assess, configs, overrides, queries
from jigsaw.triage.errors import TriageError
from jigsaw.triage.model import shipped_text
from jigsaw.triage.models import MediaMatchRecord, TriageAssessment, TriageState
from tests.factories import csrf_from, login, make_org, make_staff, make_token, post_report, report_body, session_of

KNOWN_MD5 = "5d41402abc4b2a76b9719d911017c592"


@pytest.fixture
def centre(platform: Platform) -> dict[str, Any]:
    centre_id = make_org(platform, "Centre")
    return {
        "token": make_token(platform, centre_id, "reports:submit", "reports:read"),
        "analyst": make_staff(platform, "analyst@centre.example", Role.ANALYST, centre_id),
        "supervisor": make_staff(platform, "supervisor@centre.example", Role.SUPERVISOR, centre_id),
        "supervisor2": make_staff(platform, "second@centre.example", Role.SUPERVISOR, centre_id),
    }


def triage_of(client: TestClient, token: str, report_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/reports/{report_id}", headers={"Authorization": f"Bearer {token}",
                                                                   "X-Purpose": "triage check"})
    assert response.status_code == 200, response.text
    found = response.json()["triage"]
    assert found is not None
    return dict(found)


def suspect_of(platform: Platform, report_id: int) -> int:
    with session_of(platform) as session:
        sid = session.scalar(select(Subject.id).where(Subject.report_id == report_id, Subject.role == "suspect"))
        assert sid is not None
        return sid


def record_on_page(client: TestClient, report_id: int, subject_id: int, item: str, value: str = "yes",
                   evidence: str = "Local force: lives with two children under 10 (ref LF/123).") -> None:
    page = client.get(f"/reports/{report_id}")
    assert page.status_code == 200 and "Advisory." in page.text
    response = client.post(f"/reports/{report_id}/triage/items", data={
        "subject_id": subject_id, "item_id": item, "value": value, "evidence": evidence,
        "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert response.status_code == 303, response.text


def test_escalated_cybertipline_report_is_p0_through_the_api(client: TestClient, centre: dict[str, Any]) -> None:
    rid = post_report(client, centre["token"], report_body(
        incident_type="online_grooming", annotations=["escalate_high_priority", "csam_solicitation"],
        summary="NCMEC CyberTipline report 123: online enticement."))
    found = triage_of(client, centre["token"], rid)
    assert found["band"] == "P0" and found["config_version"] == "triage-v1"
    assert {r["id"] for r in found["explanation"]["rules"]} == {"imminent_danger"}
    due = datetime.fromisoformat(found["due_at"])
    assert timedelta(hours=23) < due - datetime.now(UTC) <= timedelta(hours=24)
    assert found["score"] >= 35 and "advisory" in found["explanation"]["advisory"].lower()


def test_ceop_bank_match_plus_access_is_p0_with_history(client: TestClient, platform: Platform,
                                                        centre: dict[str, Any]) -> None:
    # A bank entry through the matching capability's storage API.
    with session_scope(platform.engine) as session:
        bank = create_bank(session, "CEOP_KNOWN", description="test bank (synthetic hashes)")
        add_entry(session, bank, EntryRecord("md5", KNOWN_MD5, uk_category="A", vics_category=1))

    rid = post_report(client, centre["token"], report_body(media=[{"md5": KNOWN_MD5}, {"md5": "0" * 32}]))
    before = triage_of(client, centre["token"], rid)
    # known category A material alone: bank match 15 + category A 15 + image evidence 5 = 35, no rule fires
    assert (before["band"], before["score"]) == ("P2", 35)
    items = {i["id"]: i for i in before["explanation"]["items"]}
    assert items["bank_match"]["value"] == "yes" and items["category_a"]["value"] == "yes"
    assert items["bank_match"]["evidence"][0]["label"].startswith("Media")
    unknowns = {u["id"]: u for u in before["explanation"]["unknowns"]}
    assert unknowns["lives_with_children"]["band_if_yes"] == "P0"
    with session_of(platform) as session:
        assert session.scalar(select(func.count()).select_from(MediaMatchRecord)) == 1

    login(client, platform, centre["analyst"])
    record_on_page(client, rid, suspect_of(platform, rid), "lives_with_children")
    after = triage_of(client, centre["token"], rid)
    assert after["band"] == "P0"
    assert "access_with_material_or_grooming" in {r["id"] for r in after["explanation"]["rules"]}
    lives = next(i for i in after["explanation"]["items"] if i["id"] == "lives_with_children")
    assert lives["evidence"][0]["recorded_by"] == "analyst@centre.example"

    with session_of(platform) as session:
        history = session.execute(select(TriageAssessment.band, TriageAssessment.trigger)
                                  .where(TriageAssessment.report_id == rid).order_by(TriageAssessment.id)).all()
        assert [b for b, _ in history] == ["P2", "P0"]
        assert history[0][1] == "report_stored" and history[1][1].startswith("subject_information:")
        alterations = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "alteration", AuditEvent.entity_type == "subject"))
        assert alterations == 1
    page = client.get(f"/reports/{rid}")
    assert "Current access to children" in page.text and "History" in page.text

    # A later report on the same suspect (same email) arrives already P0: the access record joins it.
    later = post_report(client, centre["token"], report_body(media=[{"md5": KNOWN_MD5}], external_id="second"))
    assert triage_of(client, centre["token"], later)["band"] == "P0"


def test_override_and_supervisor_approval(client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    rid = post_report(client, centre["token"], report_body(incident_type="contact_abuse"))
    assert triage_of(client, centre["token"], rid)["band"] == "P0"
    analyst, supervisor = centre["analyst"], centre["supervisor2"]
    with session_scope(platform.engine) as session:
        from jigsaw.accounts.principal import Principal

        as_analyst = Principal(1, OrgKind.CENTRE, user_id=analyst.id, role=Role.ANALYST, label=analyst.email)
        as_supervisor = Principal(1, OrgKind.CENTRE, user_id=supervisor.id, role=Role.SUPERVISOR,
                                  label=supervisor.email)
        with pytest.raises(TriageError, match="explain"):
            overrides.request_override(session, as_analyst, rid, "P2", "already_actioned", " ")
        pending = overrides.request_override(session, as_analyst, rid, "P2", "already_actioned",
                                           "Force attended yesterday; child safeguarded (ref 99).")
        assert pending.status == "pending"
        assert session.get(TriageState, rid).band == "P0"  # type: ignore[union-attr]
        with pytest.raises(TriageError, match="supervisor"):
            overrides.decide_override(session, as_analyst, pending.id, True)
        own = Principal(1, OrgKind.CENTRE, user_id=analyst.id, role=Role.SUPERVISOR, label=analyst.email)
        with pytest.raises(TriageError, match="different person"):
            overrides.decide_override(session, own, pending.id, True)
        overrides.decide_override(session, as_supervisor, pending.id, True, "Agreed.")
        state = session.get(TriageState, rid)
        assert state is not None and (state.band, state.model_band, state.pending_override) == ("P2", "P0", False)
        # Raising needs no approval.
        raised = overrides.request_override(session, as_analyst, rid, "P1", "risk_higher_than_scored", "New intel.")
        assert raised.status == "applied" and session.get(TriageState, rid).band == "P1"  # type: ignore[union-attr]

    found = triage_of(client, centre["token"], rid)
    assert found["band"] == "P1" and found["model_band"] == "P0" and found["overridden"] is True
    # Re-scoring keeps the person's decision (the model is not more urgent than when overridden).
    with session_scope(platform.engine) as session:
        assess.score_report(session, rid, "manual_rescore")
    assert triage_of(client, centre["token"], rid)["band"] == "P1"


def test_config_needs_a_second_person_and_assessments_name_it(client: TestClient, platform: Platform,
                                                             centre: dict[str, Any]) -> None:
    v2 = shipped_text().replace("version: triage-v1", "version: triage-v2").replace("min_score: 60", "min_score: 55")
    with session_scope(platform.engine) as session:
        configs.propose_config(session, v2, "supervisor@centre.example", note="P1 from 55")
        with pytest.raises(TriageError, match="already exists"):
            configs.propose_config(session, v2, "someone@centre.example")
        with pytest.raises(TriageError, match="different person"):
            configs.approve_config(session, "triage-v2", "Supervisor@centre.example")
        with pytest.raises(TriageError, match="not an active supervisor"):
            configs.approve_config(session, "triage-v2", "analyst@centre.example")
        assert configs.active_config(session).version == "triage-v1"
    with pytest.raises(Exception, match="prohibited input"), session_scope(platform.engine) as session:
        configs.propose_config(session, v2.replace("triage-v2", "triage-v3").replace(
            "id: domestic_abuse", "id: marital_status"), "supervisor@centre.example")

    login(client, platform, centre["supervisor2"])
    page = client.get("/triage/config")
    assert page.status_code == 200 and "triage-v2" in page.text
    response = client.post("/triage/config/triage-v2/approve", data={"csrf_token": csrf_from(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303 and "Approved" in response.headers["location"]
    rid = post_report(client, centre["token"], report_body())
    assert triage_of(client, centre["token"], rid)["config_version"] == "triage-v2"
    with session_of(platform) as session:
        events = session.execute(select(AuditEvent.detail).where(AuditEvent.entity_type == "triage_config")).all()
        assert [d["event"] for (d,) in events] == ["proposed", "approved"]
    atrs = client.get("/api/v1/triage/atrs?format=markdown")
    assert atrs.status_code == 200 and "triage-v2" in atrs.text


def test_queue_order_monitoring_and_digest(client: TestClient, platform: Platform, centre: dict[str, Any]) -> None:
    token = centre["token"]
    low = post_report(client, token, report_body(incident_type="other", external_id="low"))
    medium = post_report(client, token, report_body(incident_type="online_grooming", external_id="medium",
                                                    annotations=["csam_solicitation"]))
    urgent = post_report(client, token, report_body(incident_type="other", escalation="Will meet the child tonight.",
                                                    external_id="urgent"))
    # Two P2 cases due at the same minute: the more actionable one first.
    with session_scope(platform.engine) as session:
        same_band = [medium, post_report(client, token, report_body(
            incident_type="online_grooming", external_id="medium2", annotations=["csam_solicitation"],
            media=[{"md5": "1" * 32}]))]
        due = datetime.now(UTC) + timedelta(days=14)
        for rid in same_band:
            session.get(TriageState, rid).due_at = due  # type: ignore[union-attr]
        late = session.get(TriageState, low)
        assert late is not None
        late.due_at = datetime.now(UTC) - timedelta(hours=5)
    with session_of(platform) as session:
        rows, total = queries.triage_queue(session)
    assert total == 4
    assert [r.id for r in rows] == [urgent, same_band[1], medium, low]
    assert [r.band for r in rows] == ["P0", "P2", "P2", "P3"] and rows[-1].overdue

    login(client, platform, centre["analyst"])
    queue = client.get("/queue")
    # The queue lists cases: these reports share the suspect's address, so they are one case,
    # ranked by its most urgent report.
    assert queue.status_code == 200 and queue.text.count('href="/cases/') == 1
    assert all(f'/reports/{rid}"' in queue.text for rid in (urgent, medium, low, *same_band))
    assert '<span class="tag escalated">P0</span>' in queue.text and "Danger now" in queue.text
    assert client.get("/triage/monitor").status_code == 403

    client.cookies.clear()
    login(client, platform, centre["supervisor"])
    monitor = client.get("/triage/monitor")
    assert monitor.status_code == 200
    assert "Cases by band" in monitor.text and "No outcomes recorded yet" in monitor.text

    with session_of(platform) as session:
        digest = queries.digest(session)
    assert [e["report_id"] for e in digest["overdue"]["P3"]] == [low]
    assert digest["overdue"]["P0"] == [] and digest["due_today"]["P0"] == []


def test_queue_pages_run_on_from_assessed_into_unassessed_reports(client: TestClient, platform: Platform,
                                                                  centre: dict[str, Any]) -> None:
    """The queue counts as little as it can; its pages and total must still be exact."""
    ids = [post_report(client, centre["token"], report_body(external_id=f"page{i}")) for i in range(5)]
    with session_scope(platform.engine) as session:  # two reports not yet assessed (as before triage existed)
        session.query(TriageState).filter(TriageState.report_id.in_(ids[1:3])).delete()
    with session_of(platform) as session:
        everything, total = queries.triage_queue(session, limit=50)
        assert total == 5 and [e.band is None for e in everything] == [False] * 3 + [True] * 2
        for limit in (1, 2, 3, 4):
            for offset in range(0, 7):
                page, page_total = queries.triage_queue(session, limit=limit, offset=offset)
                assert page_total == 5
                assert [e.id for e in page] == [e.id for e in everything][offset:offset + limit]


def test_a_bank_growing_rematches_and_rescores_stored_reports(
    client: TestClient, platform: Platform, centre: dict[str, Any]
) -> None:
    """New intelligence reaches old cases: entries added after a report was stored still match it."""
    near_pdq = "f" * 60 + "0000"  # 16 bits from the stored hash below: within the default 31
    rid = post_report(client, centre["token"], report_body(media=[{"md5": KNOWN_MD5}, {"pdq": "f" * 64}]))
    assert triage_of(client, centre["token"], rid)["band"] == "P3"
    with session_of(platform) as session:
        assert session.scalar(select(func.count()).select_from(MediaMatchRecord)) == 0

    with session_scope(platform.engine) as session:
        bank = create_bank(session, "LATE_INTELLIGENCE", description="synthetic")
        add_entry(session, bank, EntryRecord("md5", KNOWN_MD5, uk_category="A", vics_category=1))
        add_entry(session, bank, EntryRecord("pdq", near_pdq, uk_category="B"))

    after = triage_of(client, centre["token"], rid)
    assert after["band"] == "P2"
    with session_of(platform) as session:
        kinds = sorted(s for (s,) in session.execute(select(MediaMatchRecord.signal_type)))
        triggers = [t for (t,) in session.execute(select(TriageAssessment.trigger)
                                                  .where(TriageAssessment.report_id == rid)
                                                  .order_by(TriageAssessment.id))]
    assert kinds == ["md5", "pdq"]
    assert triggers[0] == "report_stored" and triggers[-1] == "bank_entries_added"
