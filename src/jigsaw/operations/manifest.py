"""Operations: coordinated action by many forces, its live board and its sitreps."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from jigsaw.accounts.roles import Role
from jigsaw.capability import Capability, NavItem
from jigsaw.operations import api, pages, service
from jigsaw.platform import Platform


def due_work(platform: Platform, now: datetime) -> Mapping[str, int]:
    """Log sitrep revisions as outcomes arrive, so the board says what changed without being opened."""
    with platform.session() as session:
        return {"sitrep figures revised": service.revise_open_operations(session, now=now)}


CAPABILITY = Capability(
    name="operations",
    routers=(pages.router, api.api_router),
    templates=Path(__file__).parent / "templates",
    static=Path(__file__).parent / "static",
    nav=(NavItem("Operations", "/operations", frozenset({Role.ANALYST, Role.SUPERVISOR, Role.FORCE_LIAISON}),
                 order=35),),
    json_prefixes=("/api/v1/operations",),
    tables=("jigsaw.operations.models",),
    due_work=due_work,
    # Operations count the outcomes forces record against dispatched packages.
    after=("outcomes",),
)
