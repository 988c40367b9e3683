"""The operations API with personal staff tokens (the centre plans and runs; a force reads its own
row), 422s that name the field, and the pages: the board, a force's view and the sitrep CSV."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from jigsaw.platform import Platform
from tests.accounts.helpers import bearer, personal_token
from tests.dissemination.conftest import as_user
from tests.factories import csrf_from
from tests.operations.conftest import END, START, Batch, World, outcome


def _iso(moment: object) -> str:
    return moment.isoformat()  # type: ignore[attr-defined]


def test_the_centre_runs_an_operation_through_the_api(client: TestClient, platform: Platform, world: World,
                                                      batch: Batch) -> None:
    analyst = bearer(personal_token(platform, world.analyst)[1])
    kent = bearer(personal_token(platform, world.kent)[1])
    made = client.post("/api/v1/operations/from-batch", headers=analyst, json={
        "batch_id": batch.id, "name": "Tharsley", "starts_at": _iso(START), "ends_at": _iso(END),
        "objectives": "Warrants at every address."})
    assert made.status_code == 201, made.text
    op_id = made.json()["operation"]["id"]
    assert made.json()["added"] == {"added": 5, "skipped": {str(batch.draft): "only a dispatched package "
                                                             "(approved by a second person) can be a target"}}
    assert {f["org_id"] for f in made.json()["operation"]["forces"]} == {world.kent_id, world.met_id}
    assert client.post(f"/api/v1/operations/{op_id}/status", headers=analyst,
                       json={"status": "live"}).json()["status"] == "live"
    k1, s1 = batch.kent[0]
    outcome(platform, k1, world.kent_id, "warrant", subject_id=s1, warrant_stage="executed")
    outcome(platform, k1, world.kent_id, "arrest", subject_id=s1)
    board = client.get(f"/api/v1/operations/{op_id}/board", headers=analyst)
    assert board.status_code == 200, board.text
    assert board.json()["total"]["figures"]["arrests"] == 1
    assert board.json()["total"]["figures"]["warrants_executed"] == 1
    assert len(board.json()["rows"]) == 2
    # A force's personal token: its own row, no grand total, no objectives; writes are refused.
    own = client.get(f"/api/v1/operations/{op_id}/board", headers=kent).json()
    assert [r["org_id"] for r in own["rows"]] == [world.kent_id] and own["total"] is None and own["own_rows_only"]
    assert client.get(f"/api/v1/operations/{op_id}", headers=kent).json()["objectives"] is None
    assert client.post(f"/api/v1/operations/{op_id}/sitreps", headers=kent, json={}).status_code == 403
    # A sitrep, as JSON and as CSV.
    frozen = client.post(f"/api/v1/operations/{op_id}/sitreps", headers=analyst, json={})
    assert frozen.status_code == 201, frozen.text
    assert frozen.json()["number"] == 1 and frozen.json()["rows"][-1]["figures"]["arrests"] == 1
    as_csv = client.get(f"/api/v1/operations/{op_id}/sitreps/1?format=csv", headers=analyst)
    assert as_csv.headers["content-type"].startswith("text/csv") and "Kent Police" in as_csv.text
    mine = client.get(f"/api/v1/operations/{op_id}/sitreps/1", headers=kent).json()
    assert [r["org_id"] for r in mine["rows"]] == [world.kent_id]
    # Closing, and a closed operation takes no more targets.
    assert client.post(f"/api/v1/operations/{op_id}/status", headers=analyst,
                       json={"status": "closed"}).status_code == 200
    refused = client.post(f"/api/v1/operations/{op_id}/targets", headers=analyst,
                          json={"targets": [{"package_id": batch.met[0][0]}]})
    assert refused.status_code == 409


def test_refusals_name_the_field_and_never_echo_input(client: TestClient, platform: Platform, world: World,
                                                      batch: Batch) -> None:
    analyst = bearer(personal_token(platform, world.analyst)[1])
    secret = "Operation about Mr Somebody at 1 Secret Lane"
    bad = client.post("/api/v1/operations", headers=analyst, json={
        "name": "X", "starts_at": _iso(END), "ends_at": _iso(START), "objectives": "", "lead_id": None})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("ends_at:")
    long = client.post("/api/v1/operations", headers=analyst, json={
        "name": secret * 5, "starts_at": _iso(START), "ends_at": _iso(END)})
    assert long.status_code == 422 and "name" in long.text and secret not in long.text
    made = client.post("/api/v1/operations", headers=analyst, json={
        "name": "Notarise", "starts_at": _iso(START), "ends_at": _iso(START + timedelta(days=180))})
    op_id = made.json()["id"]
    target = client.post(f"/api/v1/operations/{op_id}/targets", headers=analyst,
                         json={"targets": [{"package_id": batch.kent[0][0], "subject_id": batch.met[0][1]}]})
    assert target.status_code == 422 and target.json()["detail"].startswith("subject_id:")
    force = client.post(f"/api/v1/operations/{op_id}/forces", headers=analyst, json={"org_ids": [999_999]})
    assert force.status_code == 422 and force.json()["detail"].startswith("org_ids:")
    kent = bearer(personal_token(platform, world.kent)[1])
    assert client.get(f"/api/v1/operations/{op_id}/board", headers=kent).status_code == 404


def test_the_board_page_for_the_centre_and_a_force_and_the_sitrep_csv(client: TestClient, platform: Platform,
                                                                      world: World, batch: Batch) -> None:
    as_user(client, platform, world.analyst)
    page = client.get("/operations")
    form = {"csrf_token": csrf_from(page.text), "batch": batch.reference, "name": "Tharsley",
            "starts_at": START.strftime("%Y-%m-%dT%H:%M"), "ends_at": END.strftime("%Y-%m-%dT%H:%M")}
    made = client.post("/operations/from-batch", data=form, follow_redirects=False)
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    k1, s1 = batch.kent[0]
    outcome(platform, k1, world.kent_id, "arrest", subject_id=s1)
    outcome(platform, k1, world.kent_id, "child_safeguarded", subject_id=s1, category="identified_from_imagery",
            count=2)
    board = client.get(url)
    assert board.status_code == 200 and "Kent Police" in board.text and "Metropolitan Police Service" in board.text
    assert "All forces" in board.text and "Targets past due with nothing recorded: 5" not in board.text
    frozen = client.post(f"{url}/sitreps", data={"csrf_token": csrf_from(board.text)}, follow_redirects=False)
    assert frozen.status_code == 303 and frozen.headers["location"] == f"{url}/sitreps/1"
    sitrep = client.get(f"{url}/sitreps/1")
    assert "No figure has been revised since the cut-off." in sitrep.text
    csv_text = client.get(f"{url}/sitreps/1/sitrep.csv").text
    assert csv_text.splitlines()[1].startswith("force,targets,warrants")
    pdf = client.get(f"{url}/sitreps/1/sitrep.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # Kent's liaison officer sees Kent's row and not the Met's.
    as_user(client, platform, world.kent)
    own = client.get(url)
    assert own.status_code == 200 and "Kent Police" in own.text and "Metropolitan Police Service" not in own.text
    assert "Freeze a sitrep" not in own.text
    as_user(client, platform, world.met)
    assert "Kent Police" not in client.get(f"{url}/sitreps/1").text
