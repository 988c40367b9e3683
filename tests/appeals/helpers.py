"""A centre, a force, staff with personal tokens and a suspect subject, for the appeals tests; and
synthetic photos drawn with Pillow (never a real photo)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.db.engine import session_scope
from jigsaw.intake.domain import ReportDraft, SubjectDraft
from jigsaw.intake.models import Subject
from jigsaw.intake.service import submit_report
from jigsaw.platform import Platform
from tests.accounts.helpers import bearer, personal_token
from tests.factories import ACTOR, StaffAccount, make_org, make_staff


@dataclass
class World:
    centre_id: int
    force_id: int
    analyst: StaffAccount
    supervisor: StaffAccount
    supervisor2: StaffAccount
    tokens: dict[str, str]
    subject_id: int
    victim_subject_id: int

    def auth(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])


def make_world(platform: Platform, tag: str = "") -> World:
    """``tag`` keeps names apart when several worlds share one database (the browser tests' server)."""
    centre = make_org(platform, f"Centre{tag}")
    force = make_org(platform, f"Northshire Police{tag}", OrgKind.UK_FORCE)
    analyst = make_staff(platform, f"analyst{tag}@centre.example", Role.ANALYST, centre)
    sup1 = make_staff(platform, f"sup1{tag}@centre.example", Role.SUPERVISOR, centre)
    sup2 = make_staff(platform, f"sup2{tag}@centre.example", Role.SUPERVISOR, centre)
    tokens = {name: personal_token(platform, acc)[1]
              for name, acc in (("analyst", analyst), ("sup1", sup1), ("sup2", sup2))}
    draft = ReportDraft(source="police", incident_type="other", summary="Registered offender failed to notify.",
                        subjects=(SubjectDraft(role="suspect", name="Daniel Mercer", age=41),
                                  SubjectDraft(role="victim", name="Child A", age=12)))
    with session_scope(platform.engine) as session:
        report = submit_report(session, draft, ACTOR).report
        subjects = sorted(session.query(Subject).filter(Subject.report_id == report.id), key=lambda s: s.id)
        suspect, victim = subjects[0].id, subjects[1].id
    return World(centre, force, analyst, sup1, sup2, tokens, suspect, victim)


def appeal_body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject_id": world.subject_id, "reason": "notification_breach", "owning_force_id": world.force_id,
        "region": "North West",
        "public": {"name": "Daniel Mercer", "aliases": ["Dan Marsh"], "age": 41,
                   "description": "White man, 1.80 m, thin build, short grey hair, swallow tattoo on the left hand.",
                   "area_last_seen": "Preston bus station", "caution": "Do not approach. Call 999."},
        "justification": {
            "legal_basis": "Common law policing purpose; DPA 2018 s.35 law enforcement processing.",
            "necessity": "All other enquiries to trace him have failed over six weeks.",
            "proportionality": "Few fields, 28-day review; the vigilante risk is weighed against the danger.",
            "risks": {"family": {"level": "medium", "assessment": "Family informed and supported by the force."},
                      "vigilante": {"level": "medium", "assessment": "No current address is published."},
                      "rehabilitation": {"level": "low", "assessment": "He is in breach; the appeal ends on arrest."}},
        },
    }
    body.update(overrides)
    return body


def create(client: TestClient | httpx.Client, world: World, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/appeals", json=appeal_body(world, **overrides), headers=world.auth("analyst"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def publish(client: TestClient | httpx.Client, world: World, **overrides: Any) -> dict[str, Any]:
    appeal = create(client, world, **overrides)
    assert client.post(f"/api/v1/appeals/{appeal['id']}/submit", headers=world.auth("analyst")).status_code == 200
    first = client.post(f"/api/v1/appeals/{appeal['id']}/approve", json={"note": "ok"}, headers=world.auth("sup1"))
    assert first.status_code == 200 and first.json()["status"] == "awaiting_approval", first.text
    second = client.post(f"/api/v1/appeals/{appeal['id']}/approve", json={}, headers=world.auth("sup2"))
    assert second.status_code == 200 and second.json()["status"] == "published", second.text
    return dict(second.json())


def synthetic_jpeg(size: tuple[int, int] = (1200, 900), *, exif: bool = True, fmt: str = "JPEG") -> bytes:
    """A drawn picture (shapes, no person) carrying camera EXIF with a GPS position and a comment."""
    image = Image.new("RGB", size, (40, 90, 160))
    draw = ImageDraw.Draw(image)
    draw.ellipse((size[0] // 4, size[1] // 6, 3 * size[0] // 4, 5 * size[1] // 6), fill=(230, 200, 170))
    draw.rectangle((0, size[1] - 60, size[0], size[1]), fill=(20, 20, 20))
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x0110] = "Model X"  # Model
        data[0x9286] = "taken at 12 Acacia Avenue"  # UserComment
        data[0x8825] = {1: "N", 2: (53.0, 45.0, 0.0), 3: "W", 4: (2.0, 42.0, 0.0)}  # GPS
        kwargs["exif"] = data.tobytes()
    if fmt == "JPEG":
        kwargs["comment"] = b"private comment"
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()
