"""Publications: the annual review and the strategic threat assessment."""

from __future__ import annotations

from pathlib import Path

from jigsaw.accounts.roles import Role
from jigsaw.capability import Capability, NavItem
from jigsaw.publications import routes

CAPABILITY = Capability(
    name="publications",
    routers=(routes.router, routes.review_api, routes.threat_api),
    templates=Path(__file__).parent / "templates",
    nav=(NavItem("Publications", "/publications", frozenset({Role.ANALYST, Role.SUPERVISOR}), order=48),),
    json_prefixes=("/api/v1/annual-review", "/api/v1/threat-assessments"),
    tables=("jigsaw.publications.models",),
    after=("statistics",),
)
