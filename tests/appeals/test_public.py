"""The public pages and the anonymous sighting: cacheable, script-free, cookie-free pages that say
call 999; a tip that keeps no IP address (not in the database, the audit log or the access log),
enters intake linked to its appeal for the owning force, and can be followed up by passphrase."""

from __future__ import annotations

import logging
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.appeals.interfaces import tips_for_force
from jigsaw.appeals.models import AppealTip
from jigsaw.audit.models import AuditEvent
from jigsaw.db.engine import session_scope
from jigsaw.http.access_log import ACCESS_LOGGER, AccessLogPrivacy
from jigsaw.intake.models import Report
from jigsaw.platform import Platform
from tests.appeals.helpers import make_world, publish

CLIENT_HOST = "testclient"  # the address Starlette's test client gives every request


def test_list_and_appeal_pages_are_cacheable_script_free_and_say_call_999(client: TestClient,
                                                                          platform: Platform) -> None:
    world = make_world(platform)
    appeal = publish(client, world)
    for url in ("/most-wanted", f"/most-wanted/{appeal['slug']}", "/most-wanted?region=North+West"):
        page = client.get(url)
        assert page.status_code == 200 and "Daniel Mercer" in page.text
        assert "999" in page.text and "not approach" in page.text.replace("Do not", "do not").lower()
        assert "<script" not in page.text
        assert page.headers["cache-control"] == "public, max-age=60" and "set-cookie" not in page.headers
        again = client.get(url, headers={"If-None-Match": page.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
    assert "Daniel Mercer" not in client.get("/most-wanted?region=London").text
    detail = client.get(f"/most-wanted/{appeal['slug']}").text
    # Only the allow-listed fields: nothing from the justification, the reason or the subject's report.
    for private in ("notification", "Child A", "legal basis", "DPA 2018", "vigilante", "Northshire Police"):
        assert private not in detail


def test_a_sighting_is_anonymous_and_reaches_intake_for_the_owning_force(client: TestClient,
                                                                         platform: Platform) -> None:
    world = make_world(platform)
    appeal = publish(client, world)
    client.cookies.clear()
    sent = client.post(f"/most-wanted/{appeal['slug']}/sighting", headers={"X-Forwarded-For": "203.0.113.9"},
                       data={"seen": "A man matching him boarding the 7:15 to Blackpool", "where": "Preston",
                             "when": "this morning"})
    assert sent.status_code == 200, sent.text
    assert "set-cookie" not in sent.headers and sent.headers["cache-control"] == "no-store"
    reference = re.search(r'id="tip-reference">([A-Z0-9-]+)<', sent.text)
    passphrase = re.search(r'id="tip-passphrase">([A-Z0-9-]+)<', sent.text)
    assert reference and passphrase
    with session_scope(platform.engine) as session:
        tip = session.scalars(select(AppealTip)).one()
        assert tip.reference == reference[1] and tip.owning_force_id == world.force_id
        assert passphrase[1] not in tip.passphrase_hash and tip.passphrase_hash.startswith("$argon2")
        refs = tips_for_force(session, world.force_id)
        assert [t.reference for t in refs] == [reference[1]] and len(refs[0].report_ids) == 1
        report = session.get(Report, refs[0].report_ids[0])
        assert report is not None and report.source == "public" and "Blackpool" in report.summary
        assert appeal["reference"] in report.summary and "most_wanted_sighting" in report.annotations
        assert report.reporter_name is None and report.reporter_email is None and report.reporter_phone is None
        # No address anywhere: the audit trail of the whole request is free of the client's address.
        for event in session.scalars(select(AuditEvent)):
            blob = f"{event.actor} {event.detail} {event.purpose} {event.recipient}"
            assert CLIENT_HOST not in blob and "203.0.113.9" not in blob
    # The follow-up: the right passphrase shows the status and adds more; a wrong one learns nothing.
    wrong = client.post("/most-wanted/follow-up", data={"reference": reference[1], "passphrase": "AAAAA-BBBBB-CCCCC"})
    assert wrong.status_code == 422 and "do not match" in wrong.text
    more = client.post("/most-wanted/follow-up", data={"reference": reference[1].lower(),
                                                       "passphrase": passphrase[1].replace("-", " ").lower(),
                                                       "more": "He was wearing a red coat"})
    assert more.status_code == 200 and "Received by the centre" in more.text and "has been sent" in more.text
    with session_scope(platform.engine) as session:
        assert len(tips_for_force(session, world.force_id)[0].report_ids) == 2
    staff = client.get(f"/api/v1/appeals/{appeal['id']}/tips", headers=world.auth("analyst"))
    assert staff.status_code == 200 and staff.json()["tips"][0]["reference"] == reference[1]


def test_sighting_form_refuses_files_empty_text_and_ended_appeals(client: TestClient, platform: Platform) -> None:
    world = make_world(platform)
    appeal = publish(client, world)
    url = f"/most-wanted/{appeal['slug']}/sighting"
    assert client.post(url, files={"seen": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")}).status_code == 415
    assert client.post("/most-wanted/subscribe", files={"email": ("a.jpg", b"x", "image/jpeg")}).status_code == 415
    empty = client.post(url, data={"seen": "  "})
    assert empty.status_code == 422 and "Tell us what you saw" in empty.text
    client.post(f"/api/v1/appeals/{appeal['id']}/located", headers=world.auth("analyst"))
    late = client.post(url, data={"seen": "him"})
    assert late.status_code == 410 and "has been found" in late.text
    assert client.post("/most-wanted/nosuchap/sighting", data={"seen": "x"}).status_code == 404


def test_the_access_log_drops_the_address_for_most_wanted_only(client: TestClient) -> None:
    del client  # building the app installs the filter
    logger = logging.getLogger(ACCESS_LOGGER)
    assert len([f for f in logger.filters if isinstance(f, AccessLogPrivacy)]) == 1

    def line(path: str) -> str:
        record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                                   ("198.51.100.7:5123", "POST", path, "1.1", 200), None)
        for f in logger.filters:
            f.filter(record)
        return record.getMessage()

    assert "198.51.100.7" not in line("/most-wanted/abcd2345/sighting")
    assert "198.51.100.7" not in line("/most-wanted/follow-up?x=1")
    assert "198.51.100.7" in line("/api/v1/reports")
