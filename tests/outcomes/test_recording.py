"""A force records outcomes through the API with its liaison officer's personal token: each kind,
the warrant lifecycle per suspect, idempotent resubmission, 422 naming fields, withdrawal, another
force refused, the centre reading read-only, and every step in the audit log."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.audit.models import AuditEvent
from jigsaw.audit.service import verify
from jigsaw.db.engine import session_scope
from jigsaw.dissemination.models import Package, PackageEvent
from jigsaw.outcomes.models import Outcome
from jigsaw.platform import Platform
from tests.accounts.helpers import bearer, personal_token
from tests.outcomes.conftest import Sent, World, at, send_to_kent


def _post(client: TestClient, token: str, package_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/packages/{package_id}/outcomes", json=body, headers=bearer(token))


def test_a_force_records_each_kind_through_the_api(sqlite_client: TestClient, sqlite_platform: Platform,
                                                   sqlite_world: World, sqlite_sent: Sent) -> None:
    client, pid = sqlite_client, sqlite_sent.package_id
    kent = personal_token(sqlite_platform, sqlite_world.kent)[1]
    bodies = [
        {"kind": "warrant", "warrant_stage": "applied", "occurred_at": at(6)},
        {"kind": "warrant", "warrant_stage": "granted", "occurred_at": at(5)},
        {"kind": "warrant", "warrant_stage": "executed", "occurred_at": at(4)},
        {"kind": "arrest", "occurred_at": at(4), "registered_sex_offender": True, "position_of_trust": True},
        {"kind": "devices", "occurred_at": at(4), "devices_seized": 7, "devices_examined": 2},
        {"kind": "child_safeguarded", "occurred_at": at(4), "category": "removed_from_harm", "count": 2,
         "age_band": "8-11", "victim_subject_id": sqlite_sent.victim_id},
        {"kind": "child_safeguarded", "occurred_at": at(3), "category": "protective_measure"},
        {"kind": "voluntary_interview", "occurred_at": at(3)},
        {"kind": "charge", "occurred_at": at(2), "offence": "Making indecent photographs of a child",
         "charge_count": 4, "home_office_outcome": 1},
        {"kind": "conviction", "occurred_at": at(1), "offence": "Making indecent photographs of a child",
         "contact_offence": False, "sentence": "Two years, suspended"},
        {"kind": "offender_located", "occurred_at": at(1), "high_risk": True},
        {"kind": "no_further_action", "occurred_at": at(1), "home_office_outcome": 0},
        {"kind": "home_office_outcome", "occurred_at": at(1), "home_office_outcome": 16},
    ]
    ids = []
    for n, body in enumerate(bodies):
        made = _post(client, kent, pid, reference=f"KNT/OP/{n}", **body)
        assert made.status_code == 201, (body, made.text)
        out = made.json()
        assert out["kind"] == body["kind"] and out["reference"] == f"KNT/OP/{n}" and out["recorded_by"]
        ids.append(out["id"])
    listed = client.get(f"/api/v1/packages/{pid}/outcomes", headers=bearer(kent)).json()
    assert {o["id"] for o in listed["outcomes"]} == set(ids)
    by_kind = {o["kind"]: o for o in listed["outcomes"]}
    assert by_kind["charge"]["offence"] == "Making indecent photographs of a child"
    assert by_kind["charge"]["home_office_outcome_label"] == "Charged or summonsed"
    assert by_kind["no_further_action"]["home_office_outcome_counted"] is False, "type 0 is shown, never counted"
    assert by_kind["home_office_outcome"]["home_office_outcome_counted"] is True
    assert by_kind["arrest"]["subject_id"] == sqlite_sent.suspect_id, "the package's only suspect"
    [warrant] = listed["warrants"]
    assert warrant["stage"] == "executed" and not warrant["open"]
    assert [s for s, _ in warrant["history"]] == ["applied", "granted", "executed"]

    # Offences and sentences are encrypted at rest; counts and stages are clear.
    with session_scope(sqlite_platform.engine) as session:
        raw = session.connection().exec_driver_sql(
            "SELECT details, kind, count FROM outcomes WHERE kind = 'charge'").one()
        assert b"indecent" not in bytes(raw[0]) and raw[1] == "charge" and raw[2] == 1
        # The first outcome acknowledged the package's receipt... it was only dispatched.
        package = session.get(Package, pid)
        assert package is not None and package.first_outcome_at is not None and package.status == "acknowledged"
        kinds = [e.kind for e in session.scalars(select(PackageEvent).where(PackageEvent.package_id == pid))]
        assert kinds.count("first_outcome") == 1
        audit = [(e.action, e.entity_type) for e in session.scalars(select(AuditEvent).where(
            AuditEvent.entity_type.in_(["outcome", "package_outcomes"])))]
        assert audit.count(("collection", "outcome")) == len(bodies)
        assert ("consultation", "package_outcomes") in audit
        assert verify(session).ok


def test_the_warrant_lifecycle_is_kept_per_suspect(sqlite_client: TestClient, sqlite_platform: Platform,
                                                   sqlite_world: World) -> None:
    sent = send_to_kent(sqlite_client, sqlite_platform, sqlite_world, tag="two", suspects=2)
    with session_scope(sqlite_platform.engine) as session:
        from jigsaw.dissemination.models import PackageSubject

        first, second = session.scalars(select(PackageSubject.subject_id).where(
            PackageSubject.package_id == sent.package_id).order_by(PackageSubject.subject_id)).all()
    kent = personal_token(sqlite_platform, sqlite_world.kent)[1]
    client, pid = sqlite_client, sent.package_id
    assert _post(client, kent, pid, reference="W1", kind="warrant", warrant_stage="applied",
                 occurred_at=at(3)).status_code == 422, "two suspects: say which"
    assert _post(client, kent, pid, reference="W1", kind="warrant", warrant_stage="applied", subject_id=first,
                 occurred_at=at(3)).status_code == 201
    refused = _post(client, kent, pid, reference="W2", kind="warrant", warrant_stage="executed", subject_id=first,
                    occurred_at=at(2))
    assert refused.status_code == 422
    assert refused.json()["detail"] == [{"type": "invalid", "loc": ["body", "warrant_stage"],
                                         "msg": "executed cannot come after applied; next may be: granted, refused"}]
    # The other suspect's warrant starts from nothing.
    assert _post(client, kent, pid, reference="W3", kind="warrant", warrant_stage="granted", subject_id=second,
                 occurred_at=at(2)).status_code == 422
    assert _post(client, kent, pid, reference="W4", kind="warrant", warrant_stage="planned", subject_id=second,
                 occurred_at=at(2)).status_code == 201
    assert _post(client, kent, pid, reference="W5", kind="warrant", warrant_stage="refused", subject_id=first,
                 occurred_at=at(2)).status_code == 201
    assert _post(client, kent, pid, reference="W6", kind="warrant", warrant_stage="applied", subject_id=first,
                 occurred_at=at(1.5)).status_code == 201, "a fresh application after a refusal"
    assert _post(client, kent, pid, reference="W7", kind="warrant", warrant_stage="granted", subject_id=first,
                 occurred_at=at(1)).status_code == 201
    assert _post(client, kent, pid, reference="W8", kind="warrant", warrant_stage="no_trace", subject_id=first,
                 occurred_at=at(0.5)).status_code == 201
    warrants = {w["subject_id"]: w for w in client.get(f"/api/v1/packages/{pid}/outcomes",
                                                       headers=bearer(kent)).json()["warrants"]}
    assert warrants[first]["stage"] == "no_trace" and not warrants[first]["open"]
    assert warrants[second]["stage"] == "planned" and warrants[second]["open"]


def test_resubmission_is_idempotent_and_a_different_body_is_a_conflict(
        sqlite_client: TestClient, sqlite_platform: Platform, sqlite_world: World, sqlite_sent: Sent) -> None:
    client, pid = sqlite_client, sqlite_sent.package_id
    kent = personal_token(sqlite_platform, sqlite_world.kent)[1]
    body = {"reference": "KNT/2026/0001", "kind": "arrest", "occurred_at": "2026-11-29T10:00:00Z"}
    first = _post(client, kent, pid, **body)
    assert first.status_code == 201
    again = _post(client, kent, pid, **{**body, "occurred_at": "2026-11-29T10:00:00+00:00"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    clash = _post(client, kent, pid, **{**body, "occurred_at": "2026-11-28T10:00:00Z"})
    assert clash.status_code == 409
    assert clash.json()["existing"] == {"id": first.json()["id"], "reference": "KNT/2026/0001"}
    assert f"outcome record {first.json()['id']}" in clash.json()["detail"]
    with session_scope(sqlite_platform.engine) as session:
        rows = session.scalars(select(Outcome)).all()
        assert len(rows) == 1
        collected = session.scalars(select(AuditEvent.id).where(AuditEvent.entity_type == "outcome")).all()
        assert len(collected) == 1, "a resubmission writes nothing"


def test_422_names_every_failing_field(sqlite_client: TestClient, sqlite_platform: Platform, sqlite_world: World,
                                       sqlite_sent: Sent) -> None:
    kent = personal_token(sqlite_platform, sqlite_world.kent)[1]
    made = _post(sqlite_client, kent, sqlite_sent.package_id, reference="X1", kind="child_safeguarded",
                 occurred_at=at(1), age_band="teen", victim_subject_id=sqlite_sent.suspect_id, offence="Assault")
    assert made.status_code == 422
    fields = {tuple(d["loc"]): d["msg"] for d in made.json()["detail"]}
    assert set(fields) == {("body", "category"), ("body", "age_band"), ("body", "victim_subject_id"),
                           ("body", "offence")}
    assert "Assault" not in made.text and "teen" not in made.text
    # Types are checked by the schema first, still by name and without the value.
    typed = _post(sqlite_client, kent, sqlite_sent.package_id, reference="X2", kind="arrest", occurred_at="soon")
    assert typed.status_code == 422 and typed.json()["detail"][0]["loc"] == ["body", "occurred_at"]
    assert "soon" not in typed.text


def test_another_force_and_the_centre_cannot_record(sqlite_client: TestClient, sqlite_platform: Platform,
                                                    sqlite_world: World, sqlite_sent: Sent) -> None:
    pid = sqlite_sent.package_id
    met = personal_token(sqlite_platform, sqlite_world.met)[1]
    body = {"reference": "MET/1", "kind": "arrest", "occurred_at": at(1)}
    assert _post(sqlite_client, met, pid, **body).status_code == 404, "as dissemination: not found"
    assert sqlite_client.get(f"/api/v1/packages/{pid}/outcomes", headers=bearer(met)).status_code == 404
    analyst = personal_token(sqlite_platform, sqlite_world.analyst)[1]
    assert _post(sqlite_client, analyst, pid, **body).status_code == 403
    kent = personal_token(sqlite_platform, sqlite_world.kent)[1]
    assert _post(sqlite_client, kent, pid, **body).status_code == 201
    # The centre reads them (saying why), and cannot withdraw them.
    read = sqlite_client.get(f"/api/v1/packages/{pid}/outcomes",
                             headers=bearer(analyst, **{"X-Purpose": "checking the result of the package"}))
    assert read.status_code == 200 and len(read.json()["outcomes"]) == 1
    oid = read.json()["outcomes"][0]["id"]
    assert sqlite_client.post(f"/api/v1/packages/{pid}/outcomes/{oid}/withdraw", json={"reason": "no"},
                              headers=bearer(analyst)).status_code == 403
    with session_scope(sqlite_platform.engine) as session:
        purposes = session.scalars(select(AuditEvent.purpose).where(
            AuditEvent.entity_type == "package_outcomes", AuditEvent.action == "consultation")).all()
        assert "checking the result of the package" in purposes


def test_withdrawing_a_record(sqlite_client: TestClient, sqlite_platform: Platform, sqlite_world: World,
                              sqlite_sent: Sent) -> None:
    client, pid = sqlite_client, sqlite_sent.package_id
    kent = personal_token(sqlite_platform, sqlite_world.kent)[1]
    applied = _post(client, kent, pid, reference="A", kind="warrant", warrant_stage="applied", occurred_at=at(2)).json()
    granted = _post(client, kent, pid, reference="B", kind="warrant", warrant_stage="granted", occurred_at=at(1)).json()
    url = f"/api/v1/packages/{pid}/outcomes/{{}}/withdraw"
    assert client.post(url.format(applied["id"]), json={"reason": ""}, headers=bearer(kent)).status_code == 422
    early = client.post(url.format(applied["id"]), json={"reason": "Keyed on the wrong package"}, headers=bearer(kent))
    assert early.status_code == 422 and "withdraw the later warrant stage first" in early.text
    done = client.post(url.format(granted["id"]), json={"reason": "Keyed on the wrong package"}, headers=bearer(kent))
    assert done.status_code == 200 and done.json()["withdrawn_reason"] == "Keyed on the wrong package"
    assert client.post(url.format(granted["id"]), json={"reason": "again"}, headers=bearer(kent)).status_code == 409
    # The lifecycle goes on from what is left: the warrant is applied again, so it may be granted.
    assert _post(client, kent, pid, reference="C", kind="warrant", warrant_stage="granted",
                 occurred_at=at(0.5)).status_code == 201
    with session_scope(sqlite_platform.engine) as session:
        withdrawn = session.get(Outcome, granted["id"])
        assert withdrawn is not None and withdrawn.withdrawn_at is not None and withdrawn.withdrawn_by_id
        raw = session.connection().exec_driver_sql(
            f"SELECT withdrawn_reason FROM outcomes WHERE id = {granted['id']}").scalar()
        assert b"wrong package" not in bytes(raw)
        ops = [(e.action, (e.detail or {}).get("op")) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "outcome", AuditEvent.entity_id == str(granted["id"])))]
        assert ops == [("collection", None), ("alteration", "withdrawn")]


def test_a_returned_package_takes_no_outcome(sqlite_client: TestClient, sqlite_platform: Platform,
                                             sqlite_world: World, sqlite_sent: Sent) -> None:
    kent = personal_token(sqlite_platform, sqlite_world.kent)[1]
    pid = sqlite_sent.package_id
    assert sqlite_client.post(f"/api/v1/packages/{pid}/reject", json={"reason": "Not our area"},
                              headers=bearer(kent)).status_code == 200
    made = _post(sqlite_client, kent, pid, reference="R1", kind="arrest", occurred_at=at(1))
    assert made.status_code == 409 and "returned to the centre" in made.text
