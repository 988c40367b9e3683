"""Search: find cases, reports and subjects by identifier or reference, for a stated purpose."""

from __future__ import annotations

from pathlib import Path

from jigsaw.accounts.roles import Role
from jigsaw.capability import Capability, NavItem
from jigsaw.search import routes

CAPABILITY = Capability(
    name="search",
    routers=(routes.pages_router, routes.api_router),
    templates=Path(__file__).parent / "templates",
    nav=(NavItem("Search", "/search", frozenset({Role.ANALYST, Role.SUPERVISOR}), order=15),),
)
