"""The mark on routes that answer with personal data (the route-table test holds them to it).

Such a route serves what an audited read function returns (one that takes a ``purpose`` and
records the consultation itself, as :func:`jigsaw.intake.service.read_report` does).
``tests/foundation/test_route_access.py`` calls every marked route and checks that it left an
audit entry. Pass it as ``openapi_extra=PERSONAL_DATA``; it also tells partners reading
``/openapi.json`` that the call is audited.
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

PERSONAL_DATA: dict[str, Any] = {"x-personal-data": "Returns personal data; every call is audited with its purpose."}


def returns_personal_data(route: APIRoute) -> bool:
    return bool(route.openapi_extra and "x-personal-data" in route.openapi_extra)
