"""A readable API reference rendered on the server from the OpenAPI document.

FastAPI's Swagger page loads its script from a CDN with an inline initialiser, which the
Content-Security-Policy (and an offline deployment) forbid; partners need a reference that
simply works, so this one is plain HTML. The machine-readable document stays at /openapi.json.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jigsaw.http.templating import render

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")


def schema_label(schema: dict[str, Any]) -> str:
    """A short human type for a JSON schema: ``ReportIn``, ``array of string``, ``integer | null``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(schema_label(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"array of {schema_label(schema.get('items', {}))}"
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    return str(schema.get("type", "any"))


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body: dict[str, Any] = op.get("requestBody", {}).get("content", {})
            first: dict[str, Any] = next(iter(body.values()), {}) if body else {}
            body_schema = first.get("schema")
            found.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "tags": op.get("tags", []),
                "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                "type": schema_label(p.get("schema", {})), "description": p.get("description", "")}
                               for p in op.get("parameters", [])],
                "body": schema_label(body_schema) if body_schema else None,
                "body_media": next(iter(body), None),
                "responses": [(code, r.get("description", "")) for code, r in op.get("responses", {}).items()],
            })
    return found


@router.get("/api/docs", response_class=HTMLResponse)
def api_reference(request: Request) -> Response:
    spec = request.app.openapi()
    schemas = {
        name: [{"name": prop, "type": schema_label(s), "required": prop in body.get("required", []),
                "description": s.get("description", "")} for prop, s in body.get("properties", {}).items()]
        for name, body in sorted(spec.get("components", {}).get("schemas", {}).items())
    }
    return render(request, "api_docs.html", {
        "principal": None, "spec": spec, "operations": operations(spec), "schemas": schemas,
    })
