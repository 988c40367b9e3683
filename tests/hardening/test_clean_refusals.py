"""Issue 15, item 10: hostile numbers and strings get clean refusals, never a 500.

Before: ids and page numbers beyond 64 bits, a negative offset on PostgreSQL, a NUL in an API
string on PostgreSQL and a lone surrogate in a JSON body each answered 500; FastAPI's 422 echoed
what was sent (personal data included); and a 500 went out without the security headers.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.http.security import SECURITY_HEADERS
from jigsaw.platform import Platform
from jigsaw.web.app import create_app
from tests.accounts.helpers import bearer, personal_token
from tests.factories import login, make_org, make_staff, make_token, report_body
from tests.foundation.test_route_access import api_routes, requirement

HOSTILE = (2**64, 2**63, -1)


def _int_query_params(route: object) -> list[str]:
    return [f.alias for f in route.dependant.query_params  # type: ignore[attr-defined]
            if "int" in str(f.field_info.annotation)]


def test_no_page_or_api_read_answers_500_to_numbers_out_of_range(client: TestClient, platform: Platform) -> None:
    centre, force = make_org(platform, "Centre"), make_org(platform, "Force", OrgKind.UK_FORCE)
    client = TestClient(client.app, base_url="http://testserver", raise_server_exceptions=False)
    tried = 0
    for role in Role:
        account = make_staff(platform, f"{role.value}@x.example", role,
                             force if role is Role.FORCE_LIAISON else centre)
        client.cookies.clear()
        login(client, platform, account)
        for path, route in api_routes(client.app.routes):  # type: ignore[attr-defined]
            req = requirement(route)
            if req is None or role not in req.roles or "GET" not in route.methods:
                continue
            for number in HOSTILE:
                url = re.sub(r"\{([^}]+)\}", lambda m, n=number: str(n) if m[1].endswith("id") else "graphml", path)
                for name in [None, *_int_query_params(route)]:
                    full = url + (f"?{name}={number}" if name else "")
                    response = client.get(full, follow_redirects=False)
                    tried += 1
                    assert response.status_code < 500, f"{role.value} GET {full} -> {response.status_code}"
                    if name is None and "{" in path and re.search(r"_id\}", path):
                        assert response.status_code == 404, f"{role.value} GET {full} -> {response.status_code}"
    assert tried > 200


def test_a_negative_offset_and_a_huge_limit_are_refused(client: TestClient, platform: Platform) -> None:
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    headers = {"Authorization": f"Bearer {make_token(platform, org, 'reports:read')}"}
    for query in ("offset=-1", f"offset={2**63}", f"limit={2**64}"):
        response = client.get(f"/api/v1/reports?{query}", headers=headers)
        assert response.status_code == 422, (query, response.text)
    assert client.get("/api/v1/reports?offset=0", headers=headers).status_code == 200


def test_a_body_number_beyond_64_bits_is_refused(client: TestClient, platform: Platform) -> None:
    admin = make_staff(platform, "admin@centre.example", Role.ADMIN, make_org(platform, "Centre"))
    _, token = personal_token(platform, admin)
    response = client.post("/api/v1/admin/users", headers=bearer(token), json={
        "email": "new@centre.example", "role": "analyst", "organisation_id": 2**64})
    assert response.status_code == 422, response.text


def _submitter(platform: Platform) -> dict[str, str]:
    org = make_org(platform, "PixelPlay", OrgKind.PLATFORM)
    return {"Authorization": f"Bearer {make_token(platform, org, 'reports:submit')}"}


def test_a_nul_in_an_api_string_is_refused_by_name(client: TestClient, platform: Platform) -> None:
    headers = _submitter(platform)
    response = client.post("/api/v1/reports", headers=headers,
                           json=report_body(summary="Account uploaded\x00 an image."))
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == [{"type": "text_not_storable", "loc": ["body", "summary"],
                                          "msg": "contains a NUL character"}]
    assert "uploaded" not in response.text
    nul_query = client.get("/api/v1/search?q=JIG%00&purpose=x", headers=headers)
    assert nul_query.status_code == 422 and nul_query.json()["detail"][0]["loc"] == ["query", "q"]
    page = client.get("/login")
    form = client.post("/login", data={"email": "a\x00@b.example", "password": "x", "code": "1",
                                       "csrf_token": "x", "next": "/"})
    assert page.status_code == 200 and form.status_code == 422


def test_a_lone_surrogate_anywhere_in_a_json_body_is_refused(client: TestClient, platform: Platform) -> None:
    body = report_body()
    body["subjects"][0]["identifiers"][0]["value"] = "shadow\ud800fox@mail.pixelplay.test"
    raw = json.dumps(body)  # writes the escape \ud800, as a hostile client would
    response = client.post("/api/v1/reports", content=raw, headers={
        **_submitter(platform), "content-type": "application/json"})
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "subjects", 0, "identifiers", 0, "value"]
    assert "lone surrogate" in problem["msg"] and "shadow" not in response.text


def test_validation_errors_do_not_echo_what_was_sent(client: TestClient, platform: Platform) -> None:
    body = report_body(reporter={"name": ["Jane Secret-Reporter"], "email": "jane.secret@example.test"},
                       incident_type="Jane's private words")
    response = client.post("/api/v1/reports", headers=_submitter(platform), json=body)
    assert response.status_code == 422
    assert "Secret" not in response.text and "private words" not in response.text
    assert all({"type", "loc", "msg"} <= set(e) <= {"type", "loc", "msg", "ctx"} and "input" not in e
               for e in response.json()["detail"])


def test_a_500_still_carries_the_security_headers(sqlite_platform: Platform) -> None:
    app = create_app(platform=sqlite_platform)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert response.headers["cache-control"] == "no-store"
    assert "a bug" not in response.text


@pytest.mark.parametrize("path", ["/report", "/login", "/api/docs"])
def test_pages_keep_their_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-frame-options"] == "DENY" and response.headers["cache-control"] == "no-store"
