"""The staff pages do what the API does: draft from the form, add the photo, send, approve twice."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from jigsaw.platform import Platform
from tests.appeals.helpers import appeal_body, make_world, synthetic_jpeg
from tests.factories import csrf_from, login


def _form(world_body: dict[str, object]) -> dict[str, str]:
    public = world_body["public"]
    just = world_body["justification"]
    assert isinstance(public, dict) and isinstance(just, dict)
    values = {"subject_id": str(world_body["subject_id"]), "reason": "wanted",
              "owning_force_id": str(world_body["owning_force_id"]), "region": "London",
              "name": public["name"], "aliases": "Dan Marsh", "age": "41", "description": public["description"],
              "area_last_seen": public["area_last_seen"], "caution": public["caution"],
              "legal_basis": just["legal_basis"], "necessity": just["necessity"],
              "proportionality": just["proportionality"]}
    for risk, entry in just["risks"].items():
        values[f"risk_{risk}_level"] = entry["level"]
        values[f"risk_{risk}"] = entry["assessment"]
    return values


def test_draft_photo_submit_and_two_approvals_from_the_pages(client: TestClient, platform: Platform) -> None:
    world = make_world(platform)
    login(client, platform, world.analyst)
    new = client.get("/appeals/new")
    assert new.status_code == 200 and "What the public will see" in new.text
    values = _form(appeal_body(world))
    bad = client.post("/appeals", data={**values, "description": "Convicted in 2010",
                                        "csrf_token": csrf_from(new.text)})
    assert bad.status_code == 422 and "conviction or victim" in bad.text
    made = client.post("/appeals", data={**values, "csrf_token": csrf_from(new.text)}, follow_redirects=False)
    assert made.status_code == 303
    url = made.headers["location"]
    page = client.get(url)
    assert page.status_code == 200 and "Draft" in page.text
    token = csrf_from(page.text)
    up = client.post(f"{url}/photo", data={"csrf_token": token},
                     files={"photo": ("p.png", synthetic_jpeg((500, 400), fmt="PNG"), "image/png")})
    assert up.status_code == 200 and "Photo added" in up.text
    sent = client.post(f"{url}/submit", data={"csrf_token": token})
    assert "Awaiting approval" in sent.text
    for sup in (world.supervisor, world.supervisor2):
        client.cookies.clear()
        login(client, platform, sup)
        page = client.get(url)
        approved = client.post(f"{url}/approve", data={"csrf_token": csrf_from(page.text), "note": "agreed"})
        assert approved.status_code == 200
    assert "Published" in approved.text
    slug = re.search(r'href="/most-wanted/([a-z0-9]+)"', approved.text)
    assert slug
    public = client.get(f"/most-wanted/{slug[1]}")
    assert public.status_code == 200 and "Daniel Mercer" in public.text and "photo.jpg" in public.text
