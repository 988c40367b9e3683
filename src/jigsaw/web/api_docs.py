"""A readable API reference rendered on the server from the OpenAPI document.

FastAPI's Swagger page loads its script from a CDN with an inline initialiser, which the
Content-Security-Policy (and an offline deployment) forbid; partners need a reference that
simply works, so this one is plain HTML. The machine-readable document stays at /openapi.json.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from jigsaw.http.templating import render

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")


_INLINE_CODE = re.compile(r"``(.+?)``|`([^`]+)`")


def inline_code(text: str) -> Markup:
    """Docstring text for HTML: escaped, with ``code`` and `code` spans as <code> elements."""
    out: list[str] = []
    at = 0
    for found in _INLINE_CODE.finditer(text):
        out += [str(escape(text[at:found.start()])), "<code>", str(escape(found[1] or found[2])), "</code>"]
        at = found.end()
    out.append(str(escape(text[at:])))
    return Markup("".join(out))  # noqa: S704  (every piece above is escaped)


def schema_label(schema: dict[str, Any]) -> str:
    """A short human type for a JSON schema: ``ReportIn``, ``array of string``, ``integer | null``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(schema_label(s) for s in schema["anyOf"])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return schema_label(schema["allOf"][0])
    if schema.get("type") == "array":
        return f"array of {schema_label(schema.get('items', {}))}"
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return f"always {schema['const']}"
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {schema_label(schema['additionalProperties'])}"
    return str(schema.get("type", "any"))


def response_schema(op: dict[str, Any]) -> tuple[str, str] | None:
    """The success body of an operation as (media type, label), if it declares one."""
    for code, response in op.get("responses", {}).items():
        if str(code).startswith("2"):
            for media, content in response.get("content", {}).items():
                if content.get("schema"):
                    return media, schema_label(content["schema"])
    return None


def schema_entry(body: dict[str, Any]) -> dict[str, Any]:
    """What the reference shows for one named schema: its fields, or its values for an enum."""
    return {
        "description": inline_code(body.get("description", "")),
        "allowed": [str(v) for v in body.get("enum", [])],
        "shape": None if "properties" in body or "enum" in body else schema_label(body),
        "fields": [{"name": prop, "type": schema_label(s), "required": prop in body.get("required", []),
                    "description": inline_code(s.get("description", ""))}
                   for prop, s in body.get("properties", {}).items()],
    }


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
            answer = response_schema(op)
            found.append({
                "method": method.upper(), "path": path, "summary": inline_code(op.get("summary", "")),
                "description": inline_code(op.get("description", "")), "tags": op.get("tags", []),
                "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                "type": schema_label(p.get("schema", {})),
                                "description": inline_code(p.get("description", ""))}
                               for p in op.get("parameters", [])],
                "body": schema_label(body_schema) if body_schema else None,
                "body_media": next(iter(body), None),
                "response": answer[1] if answer else None,
                "response_media": answer[0] if answer else None,
                "responses": [(code, inline_code(r.get("description", "")))
                              for code, r in op.get("responses", {}).items()],
            })
    return found


@router.get("/api/docs", response_class=HTMLResponse)
def api_reference(request: Request) -> Response:
    spec = request.app.openapi()
    schemas = {name: schema_entry(body)
               for name, body in sorted(spec.get("components", {}).get("schemas", {}).items())}
    return render(request, "api_docs.html", {
        "principal": None, "spec": spec, "description": inline_code(spec.get("info", {}).get("description", "")),
        "operations": operations(spec), "schemas": schemas,
    })
