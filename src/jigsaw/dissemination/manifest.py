"""Dissemination: packages from the record, four-eyes approval, dispatch, the force's inbox, exports."""

from __future__ import annotations

from pathlib import Path

from jigsaw.accounts.roles import Role
from jigsaw.capability import Capability, NavItem, ReportPanel
from jigsaw.dissemination import api, banners, cli, pages, work

CAPABILITY = Capability(
    name="dissemination",
    routers=(pages.router, api.api_router),
    templates=Path(__file__).parent / "templates",
    static=Path(__file__).parent / "static",
    nav=(NavItem("Packages", "/packages", frozenset({Role.ANALYST, Role.SUPERVISOR}), order=30),
         NavItem("Inbox", "/inbox", frozenset({Role.FORCE_LIAISON}), order=10)),
    landing={Role.FORCE_LIAISON: "/inbox"},
    json_prefixes=("/api/v1/packages", "/api/v1/package-batches", "/api/v1/recipients"),
    report_panels=(ReportPanel("dissemination/panel.html", pages.report_panel),),
    cli=cli.register,
    tables=("jigsaw.dissemination.models",),
    banners=banners.package_banners,
    due_work=work.due_work,
    # Packages are drafted from cases and their triage: those come first.
    after=("casework", "routing"),
)
