"""Appeals through the API with personal staff tokens: drafting, the photo, two approvals by two
people (one never publishes), located unpublishing at once, withdrawal, the review rule, audit."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select, update

from jigsaw.alerts.interfaces import run_due_work
from jigsaw.appeals.models import Appeal, AppealPhoto
from jigsaw.audit.models import AuditEvent
from jigsaw.db.engine import session_scope
from jigsaw.platform import Platform
from tests.appeals.helpers import World, appeal_body, create, make_world, publish, synthetic_jpeg


def _photo(client: TestClient, world: World, appeal_id: int, data: bytes | None = None) -> dict[str, object]:
    response = client.put(f"/api/v1/appeals/{appeal_id}/photo", headers=world.auth("analyst"),
                          files={"photo": ("p.jpg", data or synthetic_jpeg(), "image/jpeg")})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_one_approval_does_not_publish_and_nobody_approves_twice_or_their_own(client: TestClient,
                                                                              platform: Platform) -> None:
    world = make_world(platform)
    appeal = create(client, world)
    appeal_id = appeal["id"]
    assert appeal["status"] == "draft" and appeal["review_by"] == (date.today() + timedelta(days=28)).isoformat()
    # Approving a draft is refused: it must be sent first.
    assert client.post(f"/api/v1/appeals/{appeal_id}/approve", headers=world.auth("sup1")).status_code == 422
    assert client.post(f"/api/v1/appeals/{appeal_id}/submit", headers=world.auth("analyst")).status_code == 200
    # Analysts cannot approve at all.
    assert client.post(f"/api/v1/appeals/{appeal_id}/approve", headers=world.auth("analyst")).status_code == 403
    first = client.post(f"/api/v1/appeals/{appeal_id}/approve", json={"note": "lawful"}, headers=world.auth("sup1"))
    assert first.status_code == 200 and first.json()["status"] == "awaiting_approval"
    again = client.post(f"/api/v1/appeals/{appeal_id}/approve", headers=world.auth("sup1"))
    assert again.status_code == 422 and "second person" in again.json()["detail"]
    public = client.get(f"/most-wanted/{appeal['slug']}")
    assert public.status_code == 404 and "Daniel Mercer" not in public.text
    assert "Daniel Mercer" not in client.get("/most-wanted").text
    second = client.post(f"/api/v1/appeals/{appeal_id}/approve", headers=world.auth("sup2"))
    assert second.status_code == 200 and second.json()["status"] == "published"
    assert [a["approver"] for a in second.json()["approvals"]] == ["sup1", "sup2"]
    page = client.get(f"/most-wanted/{appeal['slug']}")
    assert page.status_code == 200 and "Daniel Mercer" in page.text and "999" in page.text


def test_the_author_cannot_approve_even_as_a_supervisor(client: TestClient, platform: Platform) -> None:
    world = make_world(platform)
    response = client.post("/api/v1/appeals", json=appeal_body(world), headers=world.auth("sup1"))
    appeal_id = response.json()["id"]
    client.post(f"/api/v1/appeals/{appeal_id}/submit", headers=world.auth("sup1"))
    own = client.post(f"/api/v1/appeals/{appeal_id}/approve", headers=world.auth("sup1"))
    assert own.status_code == 422 and "author" in own.json()["detail"]


def test_an_appeal_is_only_about_an_adult_suspect_and_public_fields_are_allow_listed(client: TestClient,
                                                                                     platform: Platform) -> None:
    world = make_world(platform)
    victim = client.post("/api/v1/appeals", json=appeal_body(
        world, subject_id=world.victim_subject_id), headers=world.auth("analyst"))
    assert victim.status_code == 422 and "suspect" in victim.text
    body = appeal_body(world)
    body["public"]["conviction"] = "2019, Crown Court"
    assert client.post("/api/v1/appeals", json=body, headers=world.auth("analyst")).status_code == 422
    body = appeal_body(world)
    body["public"]["description"] = "Convicted of offences against a victim aged 12"
    refused = client.post("/api/v1/appeals", json=body, headers=world.auth("analyst"))
    assert refused.status_code == 422 and "conviction or victim" in refused.text
    incomplete = create(client, world, justification={})
    submit = client.post(f"/api/v1/appeals/{incomplete['id']}/submit", headers=world.auth("analyst"))
    assert submit.status_code == 422 and "legal_basis" in submit.text


def test_photo_is_clean_public_while_published_and_deleted_when_located(client: TestClient,
                                                                        platform: Platform) -> None:
    world = make_world(platform)
    appeal = create(client, world)
    stored = _photo(client, world, appeal["id"])
    assert stored["media_type"] == "image/jpeg" and max(stored["width"], stored["height"]) <= 800  # type: ignore[type-var]
    with session_scope(platform.engine) as session:
        data = session.scalars(select(AppealPhoto.data)).one()
    with Image.open(io.BytesIO(data)) as image:
        assert len(image.getexif()) == 0 and "exif" not in image.info
    assert b"SecretCam" not in data
    # Not public before publication.
    assert client.get(f"/most-wanted/{appeal['slug']}/photo.jpg").status_code == 404
    client.post(f"/api/v1/appeals/{appeal['id']}/submit", headers=world.auth("analyst"))
    client.post(f"/api/v1/appeals/{appeal['id']}/approve", headers=world.auth("sup1"))
    client.post(f"/api/v1/appeals/{appeal['id']}/approve", headers=world.auth("sup2"))
    photo = client.get(f"/most-wanted/{appeal['slug']}/photo.jpg")
    assert photo.status_code == 200 and photo.content == data and photo.headers["cache-control"].startswith("public")
    # A photo cannot be swapped on a published appeal without going back through approval.
    assert client.put(f"/api/v1/appeals/{appeal['id']}/photo", headers=world.auth("analyst"),
                      files={"photo": ("p.jpg", synthetic_jpeg(), "image/jpeg")}).status_code == 422

    located = client.post(f"/api/v1/appeals/{appeal['id']}/located", json={"note": "arrested in Preston"},
                          headers=world.auth("analyst"))
    assert located.status_code == 200 and located.json()["status"] == "located"
    assert located.json()["has_photo"] is False
    with session_scope(platform.engine) as session:
        assert session.scalar(select(func.count()).select_from(AppealPhoto)) == 0
    gone = client.get(f"/most-wanted/{appeal['slug']}")
    assert gone.status_code == 410 and "has been found" in gone.text and "Daniel Mercer" not in gone.text
    assert client.get(f"/most-wanted/{appeal['slug']}/photo.jpg").status_code == 404
    assert "Daniel Mercer" not in client.get("/most-wanted").text
    kinds = [e["kind"] for e in located.json()["history"]]
    assert kinds[:3] == ["photo_deleted", "unpublished", "located"]
    # Located again, or withdrawn after: refused.
    assert client.post(f"/api/v1/appeals/{appeal['id']}/withdraw", json={"reason": "x"},
                       headers=world.auth("analyst")).status_code == 422


def test_withdraw_and_list_and_audit(client: TestClient, platform: Platform) -> None:
    world = make_world(platform)
    published = publish(client, world)
    listed = client.get("/api/v1/appeals", headers=world.auth("analyst"))
    assert listed.status_code == 200 and [a["reference"] for a in listed.json()["appeals"]] == [published["reference"]]
    gone = client.post(f"/api/v1/appeals/{published['id']}/withdraw", json={"reason": "force asked"},
                       headers=world.auth("analyst"))
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert client.get(f"/most-wanted/{published['slug']}").status_code == 410
    with session_scope(platform.engine) as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "appeal")).all()
        disclosure = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "appeal",
                                                             AuditEvent.action == "disclosure")).one()
    assert {"collection", "alteration", "consultation", "disclosure"} <= set(actions)
    assert disclosure.recipient and "public" in disclosure.recipient


def test_past_review_is_flagged_then_unpublished_by_the_due_work(client: TestClient, platform: Platform) -> None:
    world = make_world(platform)
    published = publish(client, world)
    with session_scope(platform.engine) as session:
        session.execute(update(Appeal).where(Appeal.id == published["id"])
                        .values(review_by=date.today() - timedelta(days=1)))
    now = datetime.now(UTC)
    assert run_due_work(platform, now=now).others["appeals"]["review_flagged"] == 1
    detail = client.get(f"/api/v1/appeals/{published['id']}", headers=world.auth("sup1")).json()
    assert detail["status"] == "published" and detail["review_flagged"] is True
    assert client.get(f"/most-wanted/{published['slug']}").status_code == 200
    # A supervisor's review clears the flag; without one, the grace ends and the appeal is unpublished.
    reviewed = client.post(f"/api/v1/appeals/{published['id']}/review", headers=world.auth("sup1"),
                           json={"review_by": (date.today() + timedelta(days=14)).isoformat(),
                                 "note": "still necessary: no trace"})
    assert reviewed.status_code == 200 and reviewed.json()["review_flagged"] is False
    too_far = client.post(f"/api/v1/appeals/{published['id']}/review", headers=world.auth("sup1"),
                          json={"review_by": (date.today() + timedelta(days=40)).isoformat(), "note": "x"})
    assert too_far.status_code == 422
    with session_scope(platform.engine) as session:
        session.execute(update(Appeal).where(Appeal.id == published["id"])
                        .values(review_by=date.today() - timedelta(days=5)))
    assert run_due_work(platform, now=now).others["appeals"]["expired"] == 1
    detail = client.get(f"/api/v1/appeals/{published['id']}", headers=world.auth("sup1")).json()
    assert detail["status"] == "expired"
    assert client.get(f"/most-wanted/{published['slug']}").status_code == 410
