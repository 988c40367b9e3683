"""The partner API's contract: every JSON answer is described, and /api/docs renders it readably.

Partners integrate against ``/openapi.json``; an answer documented as an untyped object is one
they must reverse-engineer. These tests walk the whole document, so a new route without a
response model fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jigsaw.platform import Platform
from jigsaw.web.api_docs import inline_code


@pytest.fixture
def docs_client(sqlite_platform: Platform) -> Iterator[TestClient]:
    from jigsaw.web.app import create_app

    with TestClient(create_app(platform=sqlite_platform), base_url="http://testserver") as test_client:
        yield test_client


def _names_a_model(schema: dict[str, Any]) -> bool:
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return _names_a_model(schema.get("items", {}))
    return any(_names_a_model(s) for s in schema.get("anyOf", []))


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield method.upper(), path, op


def test_every_json_route_has_a_response_model(docs_client: TestClient) -> None:
    spec = docs_client.get("/openapi.json").json()
    untyped = []
    for method, path, op in _operations(spec):
        ok = [r for code, r in op["responses"].items() if code.startswith("2")]
        if ok and all(r.get("content") and "application/json" not in r["content"] for r in ok):
            continue  # a download (a PDF, a CSV): no JSON body to describe
        json_bodies = [r["content"]["application/json"].get("schema", {}) for r in ok
                       if "application/json" in r.get("content", {})]
        if not json_bodies or not all(_names_a_model(s) for s in json_bodies):
            untyped.append(f"{method} {path}")
    assert untyped == []


def _section(html: str, name: str) -> str:
    start = html.index(f'id="schema-{name}"')
    return html[start:html.index("</section>", start)]


def test_enum_schemas_render_their_values(docs_client: TestClient) -> None:
    spec = docs_client.get("/openapi.json").json()
    enums = {name: body["enum"] for name, body in spec["components"]["schemas"].items() if "enum" in body}
    assert "IdentifierType" in enums
    html = docs_client.get("/api/docs").text
    for name, values in enums.items():
        section = _section(html, name)
        assert "No fields." not in section, name
        assert all(f"<code>{value}</code>" in section for value in values), name


def test_rendered_descriptions_have_no_backticks(docs_client: TestClient) -> None:
    html = docs_client.get("/api/docs").text
    assert "`" not in html
    assert "<code>Authorization: Bearer &lt;token&gt;</code>" in html


def test_inline_code_escapes_and_marks_code() -> None:
    assert inline_code("send ``a<b>`` or `c`") == "send <code>a&lt;b&gt;</code> or <code>c</code>"
    assert inline_code("<i>plain</i>") == "&lt;i&gt;plain&lt;/i&gt;"


def test_personal_data_routes_say_so_in_openapi(docs_client: TestClient) -> None:
    spec = docs_client.get("/openapi.json").json()
    marked = {f"{m} {p}" for m, p, op in _operations(spec) if "x-personal-data" in op}
    assert {"GET /api/v1/reports/{report_id}", "GET /api/v1/networks", "GET /api/v1/networks/{network_id}",
            "GET /api/v1/series", "GET /api/v1/series/{series_id}"} <= marked
    assert not any(re.match(r"(POST|GET) /(h|m|c)/", op) for op in marked)
