"""Education records: deliverers whose status can be suspended or ended, sessions that refuse
assemblies and inactive deliverers, surveys with caveats, and reach (children reached counted
apart from settings reached) through the API with personal tokens and on the page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from jigsaw.db.engine import session_scope
from jigsaw.education import rules
from jigsaw.education.interfaces import children_reached, settings_reached
from jigsaw.platform import Platform
from tests.accounts.helpers import bearer, personal_token
from tests.factories import csrf_from, login, make_org, make_staff

TODAY = date.today()


def _session(deliverer_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"deliverer_id": deliverer_id, "setting_name": "Hillside Primary", "setting_type":
                            "primary_school", "setting_urn": "100001", "area": "London",
                            "held_on": (TODAY - timedelta(days=3)).isoformat(), "format": "classroom",
                            "children": {"8-10": 28}, "resource": "Jessie & Friends", "resource_version": "2"}
    body.update(overrides)
    return body


def _setup(client: TestClient, platform: Platform) -> tuple[dict[str, str], int]:
    from jigsaw.accounts.roles import Role

    centre = make_org(platform, "Centre")
    analyst = make_staff(platform, "edu@centre.example", Role.ANALYST, centre)
    auth = bearer(personal_token(platform, analyst)[1])
    made = client.post("/api/v1/education/deliverers", headers=auth, json={
        "name": "PC Sam Lee", "email": "sam.lee@force.example", "organisation": "Northshire Police",
        "role": "ambassador", "course": "ThinkUKnow Introduction", "trained_on": "2026-09-01",
        "conduct_accepted": True})
    assert made.status_code == 201, made.text
    return auth, made.json()["id"]


def test_sessions_refuse_assemblies_and_inactive_deliverers_and_reach_counts_apart(client: TestClient,
                                                                                   platform: Platform) -> None:
    auth, deliverer = _setup(client, platform)
    ok = client.post("/api/v1/education/sessions", headers=auth, json=_session(deliverer))
    assert ok.status_code == 201 and ok.json()["children_total"] == 28
    # The same school again (by its number) and a parents' evening there; then a second school.
    client.post("/api/v1/education/sessions", headers=auth,
                json=_session(deliverer, setting_name="Hillside Primary School", children={"4-7": 30}))
    client.post("/api/v1/education/sessions", headers=auth,
                json=_session(deliverer, format="parents_session", children={}, parents=40))
    client.post("/api/v1/education/sessions", headers=auth,
                json=_session(deliverer, setting_name="Riverside Academy", setting_urn=None,
                              setting_type="secondary_school", children={"11-13": 25, "14-18": 5}, professionals=2,
                              held_on=(TODAY - timedelta(days=400)).isoformat()))
    assembly = client.post("/api/v1/education/sessions", headers=auth,
                           json=_session(deliverer, format="assembly", children={"11-13": 300}))
    assert assembly.status_code == 422 and "not assemblies" in assembly.text
    future = client.post("/api/v1/education/sessions", headers=auth,
                         json=_session(deliverer, held_on=(TODAY + timedelta(days=2)).isoformat()))
    assert future.status_code == 422
    empty = client.post("/api/v1/education/sessions", headers=auth, json=_session(deliverer, children={}))
    assert empty.status_code == 422 and "audience" in empty.text
    bad_band = client.post("/api/v1/education/sessions", headers=auth, json=_session(deliverer, children={"3-4": 5}))
    assert bad_band.status_code == 422

    reach = client.get("/api/v1/education/reach", headers=auth).json()
    assert reach["children_reached"] == 28 + 30 + 30 and reach["settings_reached"] == 2
    assert reach["children_by_band"] == {"4-7": 30, "8-10": 28, "11-13": 25, "14-18": 5}
    assert reach["parents_reached"] == 40 and reach["professionals_reached"] == 2 and reach["sessions"] == 4
    year = client.get("/api/v1/education/reach", headers=auth,
                      params={"start": (TODAY - timedelta(days=365)).isoformat(), "end": TODAY.isoformat()}).json()
    assert year["children_reached"] == 58 and year["settings_reached"] == 1
    with session_scope(platform.engine) as session:
        assert children_reached(session) == 88 and settings_reached(session) == 2

    suspended = client.post(f"/api/v1/education/deliverers/{deliverer}/status", headers=auth,
                            json={"status": "suspended", "reason": "modified the resources"})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    refused = client.post("/api/v1/education/sessions", headers=auth, json=_session(deliverer))
    assert refused.status_code == 422 and "suspended" in refused.text
    client.post(f"/api/v1/education/deliverers/{deliverer}/status", headers=auth, json={"status": "ended",
                                                                                          "reason": "left"})
    again = client.post(f"/api/v1/education/deliverers/{deliverer}/status", headers=auth, json={"status": "active"})
    assert again.status_code == 422  # ended is final


def test_surveys_carry_fieldwork_sample_and_caveats(client: TestClient, platform: Platform) -> None:
    auth, _ = _setup(client, platform)
    body = {"title": "Meeting online contacts offline", "instrument": "Self-completion questionnaire in schools",
            "fieldwork_start": "2007-03-01", "fieldwork_end": "2007-05-31", "population": "children aged 11-16",
            "sample_size": 6000, "caveats": "Not a random sample; the wording of 2007 is kept with the figure.",
            "results": [{"measure": "met offline someone first met online", "share": 0.25, "count": 1500,
                         "base": 6000, "wording": "Have you ever met in person someone you first met online?"}]}
    made = client.post("/api/v1/education/surveys", headers=auth, json=body)
    assert made.status_code == 201 and made.json()["results"][0]["share"] == 0.25
    backwards = client.post("/api/v1/education/surveys", headers=auth,
                            json={**body, "fieldwork_start": "2007-06-01"})
    assert backwards.status_code == 422 and "fieldwork" in backwards.text
    assert client.post("/api/v1/education/surveys", headers=auth, json={**body, "caveats": ""}).status_code == 422
    listed = client.get("/api/v1/education/surveys", headers=auth).json()
    assert [s["title"] for s in listed] == [body["title"]]


def test_the_page_records_a_session_and_refuses_an_assembly(client: TestClient, platform: Platform) -> None:
    from jigsaw.accounts.roles import Role

    _, deliverer = _setup(client, platform)
    centre = make_org(platform, "Centre 2")
    login(client, platform, make_staff(platform, "edu.page@centre.example", Role.SUPERVISOR, centre))
    page = client.get("/education")
    assert page.status_code == 200 and "PC Sam Lee" in page.text
    form = {"csrf_token": csrf_from(page.text), "deliverer_id": str(deliverer), "setting_name": "Oak Primary",
            "setting_type": "primary_school", "area": "Wales", "held_on": (TODAY - timedelta(days=1)).isoformat(),
            "format": "assembly", "children_8-10": "200", "resource": "Jessie & Friends", "resource_version": "2"}
    refused = client.post("/education/sessions", data=form)
    assert "not assemblies" in refused.text and 'id="children-reached">0' in refused.text
    done = client.post("/education/sessions", data={**form, "format": "small_group", "children_8-10": "12"})
    assert "recorded (12 children)" in done.text and 'id="children-reached">12' in done.text


@given(st.lists(st.tuples(st.sampled_from(["100001", "100002", "", ""]), st.sampled_from(["Oak", "oak ", "Elm"]),
                          st.sampled_from(["London", "Wales"])), max_size=12))
def test_settings_key_counts_a_school_once_by_number_else_by_name_and_area(rows: list[tuple[str, str, str]]) -> None:
    keys = {rules.settings_key(urn, name, area) for urn, name, area in rows}
    expected = {f"urn:{urn}" if urn else f"name:{name.strip().lower()}|{area}" for urn, name, area in rows}
    assert keys == expected
