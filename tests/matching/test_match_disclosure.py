"""Issue 15, item 1: a partner token must not be able to dump the centre's PDQ bank.

The attack: with only ``hashes:read``, ``POST /api/v1/match`` at ``threshold: 128`` with two
complementary random hashes (every PDQ is within 128 bits of one of them) listed a whole bank,
with series names and whether each victim is identified. Now a caller's threshold may not be
wider than the bank's, the answer is capped per hash and per call, the sensitive metadata is the
centre's alone, and every match and lookup call is audited as a disclosure.
"""

from __future__ import annotations

import random
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.db.engine import session_scope
from jigsaw.matching.banks import make_entry
from jigsaw.matching.routes import MAX_MATCHES_PER_QUERY, MAX_MATCHES_PER_RESPONSE
from jigsaw.matching.storage import add_entry, create_bank
from jigsaw.platform import Platform
from tests.factories import login, make_org, make_staff, make_token


def _random_pdq(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _flip(value: str, bits: int, rng: random.Random) -> str:
    n = int(value, 16)
    for b in rng.sample(range(256), bits):
        n ^= 1 << b
    return f"{n:064x}"


def _bank(platform: Platform, values: list[str], name: str = "CENTRE_BANK") -> None:
    with platform.session() as session:
        bank = create_bank(session, name)
        for v in values:
            add_entry(session, bank, make_entry("pdq", v, series="Series Nightjar", victim_identified=True,
                                                tags=["seized-2026"]))


def _bearer(platform: Platform, kind: OrgKind = OrgKind.PLATFORM) -> dict[str, str]:
    org = make_org(platform, f"Org {kind.value}", kind)
    return {"Authorization": f"Bearer {make_token(platform, org, 'hashes:read')}"}


def _disclosures(platform: Platform) -> list[dict[str, Any]]:
    with session_scope(platform.engine) as session:
        return [dict(e.detail or {}) | {"actor": e.actor, "recipient": e.recipient}
                for e in session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "bank_match")
                                         .order_by(AuditEvent.seq))]


def test_complementary_hashes_at_threshold_128_are_refused(client: TestClient, platform: Platform) -> None:
    rng = random.Random(15)
    _bank(platform, [_random_pdq(rng) for _ in range(200)])
    reader = _bearer(platform)
    probe = _random_pdq(rng)
    opposite = f"{int(probe, 16) ^ (2**256 - 1):064x}"
    body = {"hashes": [{"signal_type": "pdq", "value": probe}, {"signal_type": "pdq", "value": opposite}],
            "threshold": 128}
    r = client.post("/api/v1/match", json=body, headers=reader)
    assert r.status_code == 422, r.text
    assert "threshold" in r.json()["detail"]
    # Without a threshold the bank's own (31) applies: random probes match nothing.
    del body["threshold"]
    r = client.post("/api/v1/match", json=body, headers=reader)
    assert r.status_code == 200 and r.json()["matched"] == 0
    # The bank's own threshold itself is allowed.
    r = client.post("/api/v1/match", json=body | {"threshold": 31}, headers=reader)
    assert r.status_code == 200


def test_wider_banks_are_searched_at_their_own_threshold_only(client: TestClient, platform: Platform) -> None:
    rng = random.Random(7)
    base = _random_pdq(rng)
    far = _flip(base, 40, rng)
    with platform.session() as session:
        narrow = create_bank(session, "NARROW", pdq_threshold=10)
        wide = create_bank(session, "WIDE", pdq_threshold=50)
        add_entry(session, narrow, make_entry("pdq", far))
        add_entry(session, wide, make_entry("pdq", far))
    r = client.post("/api/v1/match", json={"hashes": [{"signal_type": "pdq", "value": base}], "threshold": 50},
                    headers=_bearer(platform))
    assert r.status_code == 200, r.text
    assert [m["bank"] for m in r.json()["results"][0]["matches"]] == ["WIDE"]


def test_matches_are_capped_per_hash_and_per_call(client: TestClient, platform: Platform) -> None:
    rng = random.Random(3)
    centres = [_random_pdq(rng) for _ in range(MAX_MATCHES_PER_RESPONSE // MAX_MATCHES_PER_QUERY + 1)]
    # Every probe has more near neighbours in the bank than one hash may answer with.
    _bank(platform, [_flip(c, 1 + k % 8, rng) for c in centres for k in range(MAX_MATCHES_PER_QUERY + 5)])
    reader = _bearer(platform)
    one = client.post("/api/v1/match", json={"hashes": [{"signal_type": "pdq", "value": centres[0]}]},
                      headers=reader)
    assert one.status_code == 200, one.text
    result = one.json()["results"][0]
    assert len(result["matches"]) == MAX_MATCHES_PER_QUERY and result["truncated"] is True
    distances = [m["distance"] for m in result["matches"]]
    assert distances == sorted(distances) and max(distances) <= 8  # the nearest are kept
    raw = client.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": centres[0]}, headers=reader)
    assert raw.status_code == 200 and len(raw.json()["matches"]) == MAX_MATCHES_PER_QUERY
    everything = {"hashes": [{"signal_type": "pdq", "value": c} for c in centres]}
    r = client.post("/api/v1/match", json=everything, headers=reader)
    assert r.status_code == 422 and "fewer hashes" in r.json()["detail"]
    r = client.post("/api/v1/match", json={"hashes": everything["hashes"][:-1]}, headers=reader)
    assert r.status_code == 200 and r.json()["matched"] == len(centres) - 1


def test_series_and_victim_identification_are_the_centres_alone(client: TestClient, platform: Platform) -> None:
    rng = random.Random(11)
    value = _random_pdq(rng)
    _bank(platform, [value])
    body = {"hashes": [{"signal_type": "pdq", "value": value}]}
    partner = client.post("/api/v1/match", json=body, headers=_bearer(platform)).json()
    match = partner["results"][0]["matches"][0]
    assert (match["series"], match["victim_identified"], match["tags"]) == (None, None, [])
    assert match["entry_id"] and match["distance"] == 0
    centre_token = client.post("/api/v1/match", json=body, headers=_bearer(platform, OrgKind.CENTRE)).json()
    match = centre_token["results"][0]["matches"][0]
    assert (match["series"], match["victim_identified"], match["tags"]) == (
        "Series Nightjar", True, ["seized-2026"])
    centre = make_org(platform, "Centre staff")
    login(client, platform, make_staff(platform, "analyst@centre.example", Role.ANALYST, centre))
    staff = client.post("/api/v1/match", json=body).json()
    assert staff["results"][0]["matches"][0]["series"] == "Series Nightjar"


def test_every_match_and_lookup_call_is_audited(client: TestClient, platform: Platform) -> None:
    rng = random.Random(5)
    value = _random_pdq(rng)
    _bank(platform, [value])
    reader = _bearer(platform)
    entry_id = client.post("/api/v1/match", json={"hashes": [{"signal_type": "pdq", "value": value}]},
                           headers=reader).json()["results"][0]["matches"][0]["entry_id"]
    client.post("/api/v1/match", json={"hashes": [{"signal_type": "pdq", "value": _random_pdq(rng)}]},
                headers=reader)
    client.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": value}, headers=reader)
    client.get("/m/lookup", params={"signal_type": "pdq", "signal": value}, headers=reader)
    audited = _disclosures(platform)
    assert [(a["route"], a["queries"], a["matched"], a["entries"]) for a in audited] == [
        ("/api/v1/match", 1, 1, [entry_id]), ("/api/v1/match", 1, 0, []),
        ("/m/raw_lookup", 1, 1, [entry_id]), ("/m/lookup", 1, 1, [entry_id])]
    assert all(a["actor"].startswith("token:") and a["recipient"] == a["actor"] for a in audited)
