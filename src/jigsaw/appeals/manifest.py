"""Most Wanted: appeals with two-person approval and review, public pages, anonymous sightings, email alerts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jigsaw.accounts.roles import Role
from jigsaw.appeals import banners, public, routes, service
from jigsaw.capability import Capability, NavItem
from jigsaw.platform import Platform


def _due_work(platform: Platform, now: datetime) -> dict[str, int]:
    with platform.session() as session:
        return service.due_work(session, now)


CAPABILITY = Capability(
    name="appeals",
    routers=(routes.router, routes.api_router, public.router),
    templates=Path(__file__).parent / "templates",
    static=Path(__file__).parent / "static",
    nav=(NavItem("Most Wanted", "/appeals", frozenset({Role.ANALYST, Role.SUPERVISOR}), order=40),),
    json_prefixes=("/api/v1/appeals",),
    tables=("jigsaw.appeals.models",),
    anonymous_paths=("/most-wanted",),  # sightings and their follow-up: no address in the access log
    due_work=_due_work,
    banners=banners.review_banners,
)
