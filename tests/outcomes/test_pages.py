"""The pages, without JavaScript: the force records on its inbox package page (a form per kind)
and withdraws there; the centre's package page shows the outcomes read-only; the centre records a
network dismantled from the network page, and through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.audit.models import AuditEvent
from jigsaw.db.engine import session_scope
from jigsaw.outcomes.models import NetworkDisruption, Outcome
from jigsaw.platform import Platform
from tests.accounts.helpers import bearer, personal_token
from tests.dissemination.conftest import as_user
from tests.factories import csrf_from
from tests.outcomes.conftest import Sent, World


def test_a_force_records_on_its_inbox_page_and_the_centre_reads(sqlite_client: TestClient, sqlite_platform: Platform,
                                                                 sqlite_world: World, sqlite_sent: Sent) -> None:
    client, pid = sqlite_client, sqlite_sent.package_id
    as_user(client, sqlite_platform, sqlite_world.kent)
    page = client.get(f"/inbox/packages/{pid}")
    assert page.status_code == 200
    assert 'id="outcomes"' in page.text and "No outcomes recorded yet" in page.text
    for form_id in ("form-warrant", "form-arrest", "form-child_safeguarded", "form-charge", "form-conviction",
                    "form-devices", "form-offender_located", "form-no_further_action", "form-voluntary_interview",
                    "form-home_office_outcome"):
        assert f'id="{form_id}"' in page.text
    assert "<script" not in page.text.split('id="outcomes"')[1]
    token = csrf_from(page.text)
    url = f"/inbox/packages/{pid}/outcomes"
    done = client.post(url, data={"csrf_token": token, "kind": "arrest", "reference": "KNT/77",
                                  "occurred_at": "2026-11-20T07:30", "registered_sex_offender": "true"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("#outcomes")
    for ref, category in (("KNT/78", "removed_from_harm"), ("KNT/79", "identified_from_imagery")):
        client.post(url, data={"csrf_token": token, "kind": "child_safeguarded", "reference": ref,
                               "occurred_at": "2026-11-20T09:00", "category": category, "count": "1",
                               "age_band": "4-7", "subject_id": ""})
    refused = client.post(url, data={"csrf_token": token, "kind": "charge", "reference": "KNT/80",
                                     "occurred_at": "2026-11-21T09:00"})
    assert "Not recorded: offence: is required for a charge; charge_count: is required for a charge" in refused.text
    page = client.get(f"/inbox/packages/{pid}")
    assert "KNT/77" in page.text and "Registered sex offender" in page.text
    assert "Removed from harm" in page.text and "Identified from imagery" in page.text
    with session_scope(sqlite_platform.engine) as session:
        arrest = session.scalar(select(Outcome).where(Outcome.reference == "KNT/77"))
        assert arrest is not None and arrest.occurred_at.isoformat() == "2026-11-20T07:30:00+00:00", "UK time, GMT"
        assert session.scalar(select(Outcome.count).where(Outcome.reference == "KNT/79")) == 1
        arrest_id = arrest.id
    # The same form again changes nothing.
    again = client.post(url, data={"csrf_token": token, "kind": "arrest", "reference": "KNT/77",
                                   "occurred_at": "2026-11-20T07:30", "registered_sex_offender": "true"})
    assert "was already recorded: nothing changed" in again.text
    gone = client.post(f"/inbox/packages/{pid}/outcomes/{arrest_id}/withdraw",
                       data={"csrf_token": token, "reason": "Duplicate of our custody record"})
    assert "Record KNT/77 withdrawn." in gone.text and "Duplicate of our custody record" in gone.text

    # The centre reads them on its package page, with no forms.
    as_user(client, sqlite_platform, sqlite_world.analyst)
    centre = client.get(f"/packages/{pid}")
    assert centre.status_code == 200 and 'id="outcomes-list"' in centre.text and "KNT/78" in centre.text
    assert 'id="outcome-forms"' not in centre.text and "/withdraw" not in centre.text
    # Another force sees nothing of it.
    as_user(client, sqlite_platform, sqlite_world.met)
    assert client.get(f"/inbox/packages/{pid}").status_code == 404
    assert client.post(url, data={"csrf_token": csrf_from(client.get("/inbox").text), "kind": "arrest",
                                  "reference": "MET/1", "occurred_at": "2026-11-20T07:30"}).status_code == 404


def test_the_centre_records_a_network_dismantled(sqlite_client: TestClient, sqlite_platform: Platform,
                                                 sqlite_world: World, sqlite_sent: Sent) -> None:
    client, sid = sqlite_client, sqlite_sent.suspect_id
    as_user(client, sqlite_platform, sqlite_world.analyst)
    network = client.get(f"/networks/subject/{sid}")
    assert network.status_code == 200 and f"/networks/subject/{sid}/disruptions" in network.text
    page = client.get(f"/networks/subject/{sid}/disruptions")
    assert page.status_code == 200 and "Nothing recorded for this network yet" in page.text
    done = client.post(f"/networks/subject/{sid}/disruptions", data={
        "csrf_token": csrf_from(page.text), "effect": "dismantled", "occurred_at": "2026-11-25T18:00",
        "evidence": "All three members charged; the shared wallet frozen.", "package_id": str(sqlite_sent.package_id)})
    assert "Network recorded as dismantled" in done.text and "shared wallet frozen" in done.text
    refused = client.post(f"/networks/subject/{sid}/disruptions", data={
        "csrf_token": csrf_from(page.text), "effect": "weakened", "occurred_at": "", "evidence": ""})
    assert "Not recorded:" in refused.text and "effect" in refused.text and "evidence" in refused.text

    analyst = personal_token(sqlite_platform, sqlite_world.analyst)[1]
    made = client.post(f"/api/v1/networks/subject/{sid}/disruptions", headers=bearer(analyst), json={
        "effect": "disrupted", "occurred_at": "2026-11-20T10:00:00Z", "evidence": "Accounts closed by the platform."})
    assert made.status_code == 201 and made.json()["reference"].startswith("NET-")
    assert made.json()["subject_count"] >= 1
    listed = client.get("/api/v1/network-disruptions", headers=bearer(analyst, **{"X-Purpose": "annual figures"}))
    assert [d["effect"] for d in listed.json()["disruptions"]] == ["dismantled", "disrupted"]
    assert client.get("/api/v1/network-disruptions", headers=bearer(analyst)).status_code == 422, "say why"
    kent = personal_token(sqlite_platform, sqlite_world.kent)[1]
    assert client.post(f"/api/v1/networks/subject/{sid}/disruptions", headers=bearer(kent), json={
        "effect": "disrupted", "occurred_at": "2026-11-20T10:00:00Z", "evidence": "x"}).status_code == 403
    with session_scope(sqlite_platform.engine) as session:
        raw = session.connection().exec_driver_sql("SELECT evidence FROM network_disruptions").scalars().all()
        assert all(b"wallet" not in bytes(r) for r in raw)
        assert session.scalar(select(NetworkDisruption.package_id).where(
            NetworkDisruption.effect == "dismantled")) == sqlite_sent.package_id
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity_type == "network_disruption")).all() == ["collection", "collection"]
