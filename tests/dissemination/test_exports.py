"""Exports: the STIX 2.1 bundle (valid under stix2-validator, OASIS TLP 2.0 ids, the classification
as a statement marking, PDQ as a custom hash key), the PDF and the printable page (the banner at the
top and bottom of every page), and the point of contact's mail over real SMTP."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from stix2validator import ValidationOptions, validate_string

from jigsaw.alerts.work import run_due_work
from jigsaw.dissemination import pdf, stix
from jigsaw.markings import Classification, Descriptor, Marking, Tlp
from jigsaw.platform import Platform
from tests.alerts.conftest import configure
from tests.alerts.smtp import Inbox, smtp_server
from tests.dissemination.conftest import World, address, as_user, suspect
from tests.factories import post_report, report_body

T0 = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
EVIDENCE = {
    "subjects": [{"ref": "S1", "role": "suspect", "name": "Sam Example", "age": None}],
    "identifiers": [
        {"type": "email", "value": "sam@mail.example.test", "platform": None, "first_seen": T0.isoformat(),
         "last_seen": T0.isoformat(), "time_zone": "UTC", "times_seen": 1, "subjects": ["S1"]},
        {"type": "ip", "value": "2001:db8::1", "platform": None, "first_seen": None, "last_seen": None,
         "time_zone": "UTC", "times_seen": 1, "subjects": ["S1"]},
        {"type": "ip", "value": "198.51.100.7", "platform": None, "first_seen": None, "last_seen": None,
         "time_zone": "UTC", "times_seen": 1, "subjects": ["S1"]},
        {"type": "username", "value": "shadowfox", "platform": "pixelplay", "first_seen": None, "last_seen": None,
         "time_zone": "UTC", "times_seen": 1, "subjects": ["S1"]},
        {"type": "url", "value": "https://social.example/u/sam", "platform": None, "first_seen": None,
         "last_seen": None, "time_zone": "UTC", "times_seen": 1, "subjects": ["S1"]},
        {"type": "phone", "value": "+447700900123", "platform": None, "first_seen": None, "last_seen": None,
         "time_zone": "UTC", "times_seen": 1, "subjects": ["S1"]},
    ],
    "hash_matches": {"media_matched": 1, "by_category": {"A": 1}, "by_series": {"Series-X": 1}},
    "triage": {"band": "P1", "reports": []},
    "lines_of_enquiry": [{"title": "Identify the account holder"}],
}


def _package(**changes: object) -> stix.StixPackage:
    base = dict(reference="PKG-TEST-0001", created_at=T0, published_at=T0, summary="Summary",
                items=[("An item", "2C P")], marking=Marking(Classification.OFFICIAL_SENSITIVE, Descriptor.PERSONAL,
                                                              Tlp.AMBER_STRICT, "Named officers only"),
                evidence=EVIDENCE, centre_name="Centre", recipient_name="Kent Police",
                files=[stix.FileHashes(md5="d41d8cd98f00b204e9800998ecf8427e", pdq="f" * 64)],
                receipt=("accepted", "Our ref KNT/1", T0), action_by=T0)
    base.update(changes)
    return stix.StixPackage(**base)  # type: ignore[arg-type]


def test_the_bundle_is_valid_stix_2_1_with_the_oasis_tlp_2_ids() -> None:
    text = stix.to_json(_package())
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    assert not result.warnings, [str(w) for w in result.warnings]
    objects = json.loads(text)["objects"]
    by_type: dict[str, list[dict[str, object]]] = {}
    for o in objects:
        by_type.setdefault(str(o["type"]), []).append(o)
    tlp = next(o for o in by_type["marking-definition"] if "extensions" in o)
    assert tlp["id"] == "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003" and tlp["name"] == "TLP:AMBER+STRICT"
    assert tlp["created"] == "2022-10-01T00:00:00.000Z"
    assert tlp["extensions"][stix.TLP2_EXTENSION] == {"extension_type": "property-extension",  # type: ignore[index]
                                                      "tlp_2_0": "amber+strict"}
    gsc = next(o for o in by_type["marking-definition"] if o.get("definition_type") == "statement")
    assert gsc["definition"] == {"statement": "OFFICIAL-SENSITIVE PERSONAL. Handling: Named officers only"}
    [report] = by_type["report"]
    assert report["object_marking_refs"] == [tlp["id"], gsc["id"]]
    assert {o["type"] for o in objects} >= {"identity", "email-addr", "ipv4-addr", "ipv6-addr", "user-account", "url",
                                           "file", "relationship", "note", "opinion"}
    [file] = by_type["file"]
    assert file["hashes"] == {"MD5": "d41d8cd98f00b204e9800998ecf8427e", stix.PDQ_KEY: "f" * 64}
    assert all("name" not in f for f in by_type["file"])  # never a file name
    assert "+447700900123" in by_type["note"][0]["content"]  # no phone observable in STIX
    assert by_type["opinion"][0]["opinion"] == "agree"
    assert all(set(o.get("object_marking_refs", [])) == {tlp["id"], gsc["id"]} for o in objects
               if o["type"] != "marking-definition")
    # The same package always exports the same bundle.
    assert stix.to_json(_package()) == text


def test_every_tlp_level_has_its_fixed_id() -> None:
    for level, ident in stix.TLP2_IDS.items():
        marking = json.loads(stix.tlp_marking(level).serialize())
        assert marking["id"] == ident and marking["name"] == f"TLP:{level.value.upper()}"


def test_the_pdf_has_the_banner_at_the_top_and_bottom_of_every_page() -> None:
    long_items = [("2C P", "source untested", "Line of text. " * 80) for _ in range(12)]
    doc = pdf.PrintablePackage("PKG-TEST-0001", "OFFICIAL-SENSITIVE PERSONAL · TLP:AMBER", "Named officers only",
                               "Dispatched", "P1", "Kent Police", T0, T0, T0, "Summary", long_items, EVIDENCE)
    raw = pdf.render(doc, unicode=False, compress=False)
    assert raw.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type /Page\b", raw))
    assert pages >= 3
    banner = b"(OFFICIAL-SENSITIVE PERSONAL - TLP:AMBER)"
    assert raw.count(banner) == 2 * pages
    assert pdf.render(doc).startswith(b"%PDF")  # the Unicode font, where installed


def _dispatched(client: TestClient, platform: Platform, world: World) -> int:
    rid = post_report(client, world.token, report_body(
        subjects=[suspect(address("1 High Street, Rochester, ME1 1AA"), name="Sam Example")],
        media=[{"md5": "0" * 32, "pdq": "f" * 64}], external_id="x-1"))
    as_user(client, platform, world.analyst)
    pid = int(client.post("/api/v1/packages", json={"report_ids": [rid], "summary": "Summary"}).json()["id"])
    client.post(f"/api/v1/packages/{pid}/submit")
    as_user(client, platform, world.supervisor)
    assert client.post(f"/api/v1/packages/{pid}/approve").json()["status"] == "dispatched"
    return pid


def test_exports_through_the_api_for_the_centre_and_the_force(sqlite_client: TestClient, sqlite_platform: Platform,
                                                              world_sqlite: World) -> None:
    client, platform, world = sqlite_client, sqlite_platform, world_sqlite
    pid = _dispatched(client, platform, world)
    centre = client.get(f"/api/v1/packages/{pid}/stix")
    assert centre.status_code == 200 and centre.headers["content-type"].startswith("application/stix+json")
    assert validate_string(centre.text, ValidationOptions(version="2.1")).is_valid
    as_user(client, platform, world.kent)
    force = client.get(f"/api/v1/packages/{pid}/stix")
    assert force.status_code == 200 and "Kent Police" in force.text and "JIG-" not in force.text
    assert client.get(f"/inbox/packages/{pid}/export.pdf").content.startswith(b"%PDF")
    api_pdf = client.get(f"/api/v1/packages/{pid}/pdf")
    assert api_pdf.status_code == 200 and api_pdf.content.startswith(b"%PDF")
    assert api_pdf.headers["cache-control"] == "no-store"
    printed = client.get(f"/inbox/packages/{pid}/print")
    assert printed.status_code == 200
    assert printed.text.count("OFFICIAL-SENSITIVE PERSONAL<") >= 2  # no TLP given: a UK force needs none
    assert 'class="classification top"' in printed.text and 'class="classification bottom"' in printed.text
    as_user(client, platform, world.met)
    assert client.get(f"/api/v1/packages/{pid}/stix").status_code == 404
    assert client.get(f"/api/v1/packages/{pid}/pdf").status_code == 404
    assert client.get(f"/inbox/packages/{pid}/export.pdf").status_code == 404
    assert client.get(f"/inbox/packages/{pid}/print").status_code == 404


def test_the_point_of_contact_is_mailed_over_smtp(sqlite_client: TestClient, sqlite_platform: Platform,
                                                  world_sqlite: World) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        configure(sqlite_platform, smtp_url=f"smtp://127.0.0.1:{port}")
        pid = _dispatched(sqlite_client, sqlite_platform, world_sqlite)
        done = run_due_work(sqlite_platform)
        assert done.delivery.sent >= 1 and "dissemination" in done.others
    [message] = inbox.to("referrals@kent.police.test")
    text = message.text
    assert f"/inbox/packages/{pid}" in text and "PKG-" in text
    assert "Sam" not in text and "Rochester" not in text and "ME1" not in text
