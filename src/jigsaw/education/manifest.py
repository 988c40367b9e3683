"""Education programme records: deliverers, sessions (never assemblies) and surveys, and their reach."""

from __future__ import annotations

from pathlib import Path

from jigsaw.accounts.roles import Role
from jigsaw.capability import Capability, NavItem
from jigsaw.education import routes

CAPABILITY = Capability(
    name="education",
    routers=(routes.router, routes.api_router),
    templates=Path(__file__).parent / "templates",
    nav=(NavItem("Education", "/education", frozenset({Role.ANALYST, Role.SUPERVISOR}), order=45),),
    json_prefixes=("/api/v1/education",),
    tables=("jigsaw.education.models",),
)
