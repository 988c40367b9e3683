"""HMA-compatible routes and the batch match API, with tokens and staff roles."""

from __future__ import annotations

import io

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.matching.routes import router
from jigsaw.platform import Platform
from jigsaw.web.app import create_app
from tests.factories import login, make_org, make_staff, make_token


def app_client(platform: Platform) -> TestClient:
    app = create_app(platform=platform)
    app.include_router(router)
    return TestClient(app)


def png_bytes(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)).resize((128, 128))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_hma_flow_with_tokens(sqlite_platform: Platform) -> None:
    platform = sqlite_platform
    centre = make_org(platform, "Centre")
    platform_org = make_org(platform, "Platform", OrgKind.PLATFORM)
    curator = {"Authorization": f"Bearer {make_token(platform, centre, 'banks:write')}"}
    reader = {"Authorization": f"Bearer {make_token(platform, platform_org, 'hashes:read')}"}
    client = app_client(platform)

    assert client.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": "0" * 64}
                      ).status_code == 401
    assert client.post("/c/banks", json={"name": "X"}, headers=reader).status_code == 403
    r = client.post("/c/banks", json={"name": "TEST_BANK"}, headers=curator)
    assert r.status_code == 201 and r.json()["matching_enabled_ratio"] == 1.0
    assert client.post("/c/banks", json={"name": "TEST_BANK"}, headers=curator).status_code == 409

    # hash an upload in memory, bank its PDQ, then find it with HMA's lookups
    files = {"photo": ("x.png", png_bytes(1), "image/png")}
    hashed = client.post("/h/hash", files=files, headers=reader).json()
    assert set(hashed) >= {"pdq", "md5", "sha256"}
    r = client.post("/c/bank/TEST_BANK/signal", json={"pdq": hashed["pdq"]}, headers=curator)
    assert r.status_code == 200, r.text
    content_id = r.json()["id"]
    near = f"{int(hashed['pdq'], 16) ^ 0b111:064x}"
    r = client.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": near,
                                            "include_distance": "true"}, headers=reader)
    assert r.json() == {"matches": [{"bank_content_id": content_id, "distance": "3"}]}
    r = client.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": near}, headers=reader)
    assert r.json() == {"matches": [content_id]}
    r = client.get("/m/lookup", params={"signal_type": "pdq", "signal": near,
                                        "banks": "TEST_BANK"}, headers=reader)
    assert r.json() == {"TEST_BANK": [{"bank_content_id": content_id, "distance": "3"}]}
    assert client.get("/m/lookup", params={"signal_type": "pdq", "signal": "zz"},
                      headers=reader).status_code == 400
    assert client.get("/m/lookup", params={"url": "http://169.254.169.254/", "signal_type": "pdq",
                                           "signal": near}, headers=reader).status_code == 400
    banks = client.get("/c/banks", headers=reader).json()
    assert banks[0]["name"] == "TEST_BANK" and banks[0]["entries"] == {"pdq": 1}

    # batch API: many hashes, bank metadata and distance per match
    body = {"hashes": [{"signal_type": "pdq", "value": near},
                       {"signal_type": "md5", "value": hashed["md5"]},
                       {"signal_type": "pdq", "value": "f" * 64}], "threshold": 10}
    r = client.post("/api/v1/match", json=body, headers=reader)
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["matched"] == 1
    assert res["results"][0]["matches"][0] | {"tags": []} == {
        "bank": "TEST_BANK", "entry_id": content_id, "signal_type": "pdq", "hash": hashed["pdq"],
        "distance": 3, "uk_category": None, "vics_category": None, "series": None,
        "victim_identified": None, "tags": []}
    bad = client.post("/api/v1/match", json={"hashes": [{"signal_type": "x", "value": "1"}]},
                      headers=reader)
    assert bad.status_code == 422


def test_staff_roles(sqlite_platform: Platform) -> None:
    platform = sqlite_platform
    centre = make_org(platform, "Centre")
    client = app_client(platform)
    analyst = make_staff(platform, "a@example.org", Role.ANALYST, centre)
    login(client, platform, analyst)
    assert client.get("/c/banks").status_code == 200
    assert client.post("/c/banks", json={"name": "NOPE"}).status_code == 403
    auditor_client = app_client(platform)
    login(auditor_client, platform, make_staff(platform, "u@example.org", Role.AUDITOR, centre))
    assert auditor_client.get("/c/banks").status_code == 403
    sup_client = app_client(platform)
    login(sup_client, platform, make_staff(platform, "s@example.org", Role.SUPERVISOR, centre))
    # a staff session must echo its CSRF token to change banks
    assert sup_client.post("/c/banks", json={"name": "YES"}).status_code == 403
