"""Statistics: headline figures counted from the record, their rules, charts and drill-down."""

from __future__ import annotations

from pathlib import Path

from jigsaw.capability import Capability, NavItem
from jigsaw.statistics import routes

CAPABILITY = Capability(
    name="statistics",
    routers=(routes.router, routes.api_router),
    templates=Path(__file__).parent / "templates",
    template_filters={"thousands": routes.thousands},
    nav=(NavItem("Statistics", "/statistics", routes.READERS, order=70),),
    json_prefixes=("/api/v1/statistics",),
)
