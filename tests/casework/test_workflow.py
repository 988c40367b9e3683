"""Working a case through the API and the pages: claim, assign, actions, status, close, reopen,
merge and split; who may do what; the queue's filters; and the audit trail they leave."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.audit.models import AuditEvent
from jigsaw.casework.models import Case, CaseAction
from jigsaw.intake.models import Report
from jigsaw.platform import Platform
from tests.casework.conftest import case_of
from tests.factories import csrf_from, login, post_report, report_body, session_of

OTHER = {"subjects": [{"role": "suspect", "identifiers": [{"type": "email", "value": "nightowl@mail.chatspace.test"}]}]}


def as_user(client: TestClient, platform: Platform, account: Any) -> None:
    client.cookies.clear()
    login(client, platform, account)


def audit_of(platform: Platform, case_id: int) -> list[tuple[str, str]]:
    with session_of(platform) as session:
        return [(e.action, e.actor) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "case", AuditEvent.entity_id == str(case_id))
            .order_by(AuditEvent.seq))]


def test_api_round_trip(sqlite_client: TestClient, sqlite_platform: Platform, centre: dict[str, Any]) -> None:
    client, platform = sqlite_client, sqlite_platform
    rid = post_report(client, centre["token"], report_body(external_id="a"))
    case_id = case_of(platform, rid).id
    as_user(client, platform, centre["analyst"])
    me = centre["analyst"].id

    listed = client.get("/api/v1/cases", params={"assignee": "unassigned"}).json()
    assert [c["id"] for c in listed["cases"]] == [case_id] and listed["cases"][0]["report_ids"] == [rid]

    claimed = client.post(f"/api/v1/cases/{case_id}/claim")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["assignee_id"] == me and claimed.json()["status"] == "in_progress"
    assert client.get("/api/v1/cases", params={"assignee": "mine"}).json()["total"] == 1

    note = client.post(f"/api/v1/cases/{case_id}/actions", json={"kind": "note", "text": "Checked the account."})
    assert note.status_code == 201 and note.json()["by_user_id"] == me
    bad = client.post(f"/api/v1/cases/{case_id}/actions", json={"kind": "comms_data_request", "reference": "CD-9"})
    assert bad.status_code == 422
    assert all(name in bad.json()["detail"] for name in ("purpose", "necessity", "identifier", "seen_at"))
    comms = client.post(f"/api/v1/cases/{case_id}/actions", json={
        "kind": "comms_data_request", "reference": "CD-9", "purpose": "Prevent serious harm",
        "necessity": "Only the provider knows the subscriber", "proportionality": "One address at one time",
        "identifier": "203.0.113.50:51234", "seen_at": "2026-11-20T21:00:00Z", "status": "submitted"})
    assert comms.status_code == 201, comms.text
    first = comms.json()["id"]
    update = client.post(f"/api/v1/cases/{case_id}/actions/{first}/update",
                         json={"status": "approved", "result": "12 Acacia Avenue, Leeds LS1 1AA"})
    assert update.status_code == 201 and update.json()["details"]["update_of"] == first
    assert update.json()["details"]["result"] == "12 Acacia Avenue, Leeds LS1 1AA"

    assert client.post(f"/api/v1/cases/{case_id}/status", json={"status": "new"}).status_code == 422
    assert client.post(f"/api/v1/cases/{case_id}/status",
                       json={"status": "awaiting_information"}).json()["status"] == "awaiting_information"
    assert client.post(f"/api/v1/cases/{case_id}/close", json={}).status_code == 422
    nfa = client.post(f"/api/v1/cases/{case_id}/close", json={"reason": "no_further_action"})
    assert nfa.status_code == 422 and "explanation" in nfa.json()["detail"]
    closed = client.post(f"/api/v1/cases/{case_id}/close",
                         json={"reason": "no_further_action", "explanation": "Adult, consenting, no child involved."})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["close_reason"] == "no_further_action"
    assert client.post(f"/api/v1/cases/{case_id}/status", json={"status": "in_progress"}).status_code == 422
    reopened = client.post(f"/api/v1/cases/{case_id}/reopen")
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress"
    assert reopened.json()["close_reason"] is None

    detail = client.get(f"/api/v1/cases/{case_id}").json()
    kinds = [a["kind"] for a in detail["actions"]]
    assert kinds[0] == "status_change" and "comms_data_request" in kinds and "note" in kinds
    superseded = next(a for a in detail["actions"] if a["id"] == first)
    assert superseded["superseded_by_id"] == update.json()["id"] and superseded["status"] == "submitted"
    actions = [a for a, _ in audit_of(platform, case_id)]
    assert actions.count("alteration") == 5 and "consultation" in actions and "collection" in actions
    assert "/api/v1/cases/{case_id}/close" in client.get("/openapi.json").json()["paths"]


def test_claim_assign_and_roles(sqlite_client: TestClient, sqlite_platform: Platform, centre: dict[str, Any]) -> None:
    client, platform = sqlite_client, sqlite_platform
    case_id = case_of(platform, post_report(client, centre["token"], report_body(external_id="a"))).id
    for role in ("liaison", "admin", "auditor"):
        as_user(client, platform, centre[role])
        assert client.get("/api/v1/cases").status_code == 403, role
        assert client.post(f"/api/v1/cases/{case_id}/claim").status_code == 403, role
        assert client.get("/queue", follow_redirects=False).status_code == 403, role

    as_user(client, platform, centre["analyst"])
    assert client.post(f"/api/v1/cases/{case_id}/claim").status_code == 200
    assert client.post(f"/api/v1/cases/{case_id}/claim").status_code == 200  # already theirs: no change
    assert client.post(f"/api/v1/cases/{case_id}/assign",
                       json={"assignee_id": centre["analyst2"].id}).status_code == 403

    as_user(client, platform, centre["analyst2"])
    taken = client.post(f"/api/v1/cases/{case_id}/claim")
    assert taken.status_code == 409 and "assigned to someone else" in taken.json()["detail"]

    as_user(client, platform, centre["supervisor"])
    assert client.post(f"/api/v1/cases/{case_id}/assign",
                       json={"assignee_id": centre["liaison"].id}).status_code == 422
    assert client.post(f"/api/v1/cases/{case_id}/assign",
                       json={"assignee_id": centre["admin"].id}).status_code == 422
    moved = client.post(f"/api/v1/cases/{case_id}/assign", json={"assignee_id": centre["analyst2"].id})
    assert moved.status_code == 200 and moved.json()["assignee_id"] == centre["analyst2"].id
    assignments = [a for a in moved.json()["actions"] if a["kind"] == "assignment"]
    assert [a["details"]["to_user_id"] for a in assignments] == [centre["analyst2"].id, centre["analyst"].id]

    workload = client.get("/cases/workload")
    assert workload.status_code == 200
    row = workload.text.split(f'href="/queue?assignee={centre["analyst2"].id}"')[1].split("</tr>")[0]
    assert row.count("<td>1</td>") == 2  # one open case, in its band and in the total
    as_user(client, platform, centre["analyst"])
    assert client.get("/cases/workload").status_code == 403


def test_merge_and_split(sqlite_client: TestClient, sqlite_platform: Platform, centre: dict[str, Any]) -> None:
    client, platform = sqlite_client, sqlite_platform
    a = post_report(client, centre["token"], report_body(external_id="a"))
    b = post_report(client, centre["token"], report_body(external_id="b", **OTHER))
    source, target = case_of(platform, b), case_of(platform, a)
    as_user(client, platform, centre["analyst"])
    assert client.post(f"/api/v1/cases/{source.id}/merge", json={"into": target.reference}).status_code == 422
    assert client.post(f"/api/v1/cases/{source.id}/merge",
                       json={"into": source.reference, "reason": "same"}).status_code == 422
    merged = client.post(f"/api/v1/cases/{source.id}/merge",
                         json={"into": target.reference, "reason": "Same man: the victim named both accounts."})
    assert merged.status_code == 200 and sorted(merged.json()["report_ids"]) == [a, b]
    gone = client.get(f"/api/v1/cases/{source.id}").json()
    assert gone["status"] == "closed" and gone["close_reason"] == "duplicate"
    assert gone["merged_into_id"] == target.id and gone["report_ids"] == []

    assert client.post(f"/api/v1/cases/{target.id}/split", json={"report_ids": [a, b],
                                                                 "reason": "x"}).status_code == 422
    split = client.post(f"/api/v1/cases/{target.id}/split",
                        json={"report_ids": [b], "reason": "Different people after all."})
    assert split.status_code == 201 and split.json()["report_ids"] == [b]
    assert split.json()["reference"] not in (source.reference, target.reference)
    assert client.get(f"/api/v1/cases/{target.id}").json()["report_ids"] == [a]
    kinds = {(r["kind"]) for r in client.get(f"/api/v1/cases/{target.id}").json()["actions"]}
    assert {"merge", "split"} <= kinds
    assert "combination" in [x for x, _ in audit_of(platform, target.id)]


def test_case_page_forms_queue_and_report_panel(sqlite_client: TestClient, sqlite_platform: Platform,
                                                centre: dict[str, Any]) -> None:
    client, platform = sqlite_client, sqlite_platform
    urgent = post_report(client, centre["token"], report_body(external_id="u", escalation="Outside her school now."))
    calm = post_report(client, centre["token"], report_body(external_id="c", **OTHER))
    urgent_case, calm_case = case_of(platform, urgent), case_of(platform, calm)
    as_user(client, platform, centre["analyst"])

    queue = client.get("/queue")
    assert queue.status_code == 200 and "Case queue" in queue.text
    assert queue.text.index(urgent_case.reference) < queue.text.index(calm_case.reference)
    assert 'class="stands-out"' in queue.text and "1 unassigned P0/P1 case" in queue.text
    assert f'/reports/{urgent}"' in queue.text
    danger = client.get("/queue?danger=1")
    assert urgent_case.reference in danger.text and calm_case.reference not in danger.text
    assert 'name="danger" value="1" checked' in danger.text  # the filter is kept in the page and the URL
    calm_band = case_of(platform, calm).band
    by_band = client.get(f"/queue?band={calm_band}&sort=updated").text
    assert calm_case.reference in by_band and urgent_case.reference not in by_band
    mine = client.get("/queue?assignee=mine")
    assert urgent_case.reference not in mine.text

    page = client.get(f"/cases/{urgent_case.id}")
    assert page.status_code == 200 and "Claim this case" in page.text and f"/reports/{urgent}" in page.text
    assert "/networks/subject/" in page.text
    token = csrf_from(page.text)
    assert client.post(f"/cases/{urgent_case.id}/claim", data={"csrf_token": "wrong"}).status_code == 403
    claimed = client.post(f"/cases/{urgent_case.id}/claim", data={"csrf_token": token}, follow_redirects=True)
    assert "is yours now" in claimed.text and "Claim this case" not in claimed.text
    assert urgent_case.reference in client.get("/queue?assignee=mine").text

    refused = client.post(f"/cases/{urgent_case.id}/actions", data={
        "csrf_token": token, "kind": "preservation_request", "platform": "PixelPlay"}, follow_redirects=True)
    assert "Not done" in refused.text and "expires_on" in refused.text
    soon = (date.today() + timedelta(days=3)).isoformat()
    kept = client.post(f"/cases/{urgent_case.id}/actions", data={
        "csrf_token": token, "kind": "preservation_request", "platform": "PixelPlay", "what": "Account and chats",
        "expires_on": soon}, follow_redirects=True)
    assert "Data-preservation request recorded" in kept.text and f"expires on {soon}" in kept.text
    assert "Preservation expiring" in client.get("/queue").text

    closed = client.post(f"/cases/{urgent_case.id}/close", data={"csrf_token": token, "reason": ""},
                         follow_redirects=True)
    assert "Not done" in closed.text
    closed = client.post(f"/cases/{urgent_case.id}/close", data={"csrf_token": token, "reason": "not_in_remit"},
                         follow_redirects=True)
    assert "closed: Not in remit" in closed.text and "Reopen" in closed.text
    assert urgent_case.reference not in client.get("/queue").text  # the default queue shows open cases
    assert urgent_case.reference in client.get("/queue?status=closed").text

    report = client.get(f"/reports/{urgent}")
    assert f'href="/cases/{urgent_case.id}"' in report.text and urgent_case.reference in report.text
    # Where the report stands comes under its heading, before what happened.
    assert report.text.index(f'href="/cases/{urgent_case.id}"') < report.text.index('id="what-happened"')
    with session_of(platform) as session:
        reads = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "consultation", AuditEvent.entity_type == "case",
            AuditEvent.entity_id == str(urgent_case.id))).all()
        assert reads and all(r.purpose for r in reads)
        entries = session.scalars(select(CaseAction).where(CaseAction.case_id == urgent_case.id)).all()
        assert {e.kind for e in entries} >= {"assignment", "status_change", "preservation_request"}
        assert all(e.by_user_id == centre["analyst"].id for e in entries)
        stored = session.get(Case, urgent_case.id)
        assert stored is not None and stored.closed_at is not None and stored.closed_at <= datetime.now(UTC)


def test_queue_filters_sorts_and_pages_through_the_api(sqlite_client: TestClient, sqlite_platform: Platform,
                                                      centre: dict[str, Any]) -> None:
    from jigsaw.db.engine import session_scope

    client, platform = sqlite_client, sqlite_platform
    ids = [post_report(client, centre["token"], report_body(
        external_id=f"q{i}", platform="ChatSpace" if i == 1 else "PixelPlay",
        incident_type="online_grooming" if i == 2 else "indecent_images",
        source="police" if i == 3 else "platform",
        subjects=[{"role": "suspect", "identifiers": [{"type": "email", "value": f"q{i}@mail.pixelplay.test"}]}]))
        for i in range(5)]
    cases = [case_of(platform, r) for r in ids]
    with session_scope(platform.engine) as session:  # one case long past its act-by time
        late = session.get(Case, cases[4].id)
        assert late is not None
        late.due_at = datetime.now(UTC) - timedelta(hours=1)
    as_user(client, platform, centre["analyst"])

    def refs(**params: Any) -> list[str]:
        response = client.get("/api/v1/cases", params=params)
        assert response.status_code == 200, response.text
        return [c["reference"] for c in response.json()["cases"]]

    assert refs(platform="chatspace") == [cases[1].reference]
    assert refs(incident="online_grooming") == [cases[2].reference]
    assert refs(source="police") == [cases[3].reference]
    assert refs(overdue="true") == [cases[4].reference]
    assert refs()[0] == cases[4].reference  # band then due: the overdue one first among equals
    assert refs(sort="received")[0] == cases[4].reference and len(refs(sort="received")) == 5
    assert refs(status="closed") == [] and len(refs(status="all")) == 5
    listing = client.get("/api/v1/cases").json()
    assert listing["total"] == 5 and listing["pages"] == 1

    from jigsaw.casework.queue import case_queue, parse_filters
    from tests.casework.test_assembly import _principal

    with session_of(platform) as session:
        principal = _principal(platform, centre["analyst"])
        seen = []
        for page in (1, 2, 3):
            result = case_queue(session, principal, parse_filters({"page": str(page)}), page_size=2)
            assert result.total == 5 and result.pages == 3
            seen += [r.reference for r in result.rows]
    assert seen == refs()
    page = client.get("/queue?source=police&sort=received")
    assert cases[3].reference in page.text and cases[0].reference not in page.text
    assert '<option value="police" selected>' in page.text


def test_the_log_names_a_joining_report_by_its_reference(sqlite_client: TestClient, sqlite_platform: Platform,
                                                         centre: dict[str, Any]) -> None:
    client, platform = sqlite_client, sqlite_platform
    first = post_report(client, centre["token"], report_body(external_id="first"))
    later = post_report(client, centre["token"], report_body(external_id="later"))  # same suspect: joins
    case = case_of(platform, first)
    assert case_of(platform, later).id == case.id
    with session_of(platform) as session:
        reference = session.scalars(select(Report.reference).where(Report.id == later)).one()
    as_user(client, platform, centre["analyst"])
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200
    assert f'<a href="/reports/{later}">{reference}</a>' in page.text and f"report {later}<" not in page.text
