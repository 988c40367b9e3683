"""Walks the app's whole route table: no staff route answers an anonymous or wrong-role request.

Every route must either be on the public allow-list below or depend on ``authorize()``; the
test reads each route's requirement and proves it is enforced for every other role.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.bootstrap import Platform
from jigsaw.web.deps import Authorize
from tests.factories import login, make_org, make_staff

PUBLIC_PREFIXES = ("/report", "/login", "/static", "/openapi.json", "/api/docs", "/docs/oauth2-redirect")
PUBLIC_PATHS = {"/", "/healthz"}


def api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # FastAPI's included router
            yield from api_routes(route.original_router.routes, prefix + route.include_context.prefix)


def requirement(route: APIRoute) -> Authorize | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Authorize):
            return dep.call
        stack.extend(dep.dependencies)
    return None


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def test_every_route_is_public_or_guarded(client: TestClient) -> None:
    unguarded = [path for path, route in api_routes(client.app.routes)  # type: ignore[attr-defined]
                 if not is_public(path) and requirement(route) is None]
    assert unguarded == []


def test_no_guarded_route_answers_anonymous_or_wrong_role(client: TestClient, platform: Platform) -> None:
    centre = make_org(platform, "Centre")
    force = make_org(platform, "Force", OrgKind.UK_FORCE)
    staff = {role: make_staff(platform, f"{role.value}@centre.example", role, centre)
             for role in Role if role is not Role.FORCE_LIAISON}
    staff[Role.FORCE_LIAISON] = make_staff(platform, "liaison@force.example", Role.FORCE_LIAISON, force)
    guarded = [(path, route, req) for path, route in api_routes(client.app.routes)  # type: ignore[attr-defined]
               if (req := requirement(route)) is not None]
    assert guarded, "expected guarded routes"

    for path, route, _req in guarded:
        for method in route.methods:
            response = client.request(method, concrete(path), follow_redirects=False)
            assert response.status_code in (401, 303), f"anonymous {method} {path} -> {response.status_code}"
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login")

    for role, account in staff.items():
        client.cookies.clear()
        login(client, platform, account)
        for path, route, req in guarded:
            org_kind = OrgKind.UK_FORCE if role is Role.FORCE_LIAISON else OrgKind.CENTRE
            allowed = role in req.roles and org_kind in req.org_kinds
            if allowed:
                continue
            for method in route.methods:
                response = client.request(method, concrete(path), follow_redirects=False)
                # Token-only routes do not recognise staff sessions at all (401); role routes say 403.
                expected = (403,) if req.roles else (401, 403)
                assert response.status_code in expected, f"{role.value} {method} {path} -> {response.status_code}"
