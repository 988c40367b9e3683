"""Case work: cases, their lifecycle, owners, actions log and the work queue."""

from __future__ import annotations

from pathlib import Path

from jigsaw.accounts.roles import Role
from jigsaw.capability import Capability, NavItem, ReportPanel, Subscription
from jigsaw.casework import assembly, cli, routes
from jigsaw.events import BandOverridden, MediaMatched, ReportsStored, ReportStored, SubjectInformationAdded

CAPABILITY = Capability(
    name="casework",
    routers=(routes.router, routes.api_router),
    templates=Path(__file__).parent / "templates",
    static=Path(__file__).parent / "static",
    nav=(NavItem("Queue", "/queue", frozenset({Role.ANALYST, Role.SUPERVISOR}), order=10),
         NavItem("Workload", "/cases/workload", frozenset({Role.SUPERVISOR}), order=20)),
    landing={Role.ANALYST: "/queue", Role.SUPERVISOR: "/queue"},
    json_prefixes=("/api/v1/cases",),
    report_panels=(ReportPanel("casework/panel.html", routes.report_panel, top=True),),
    cli=cli.register,
    tables=("jigsaw.casework.models",),
    subscriptions=(
        Subscription(ReportStored, assembly.on_report_stored),
        Subscription(ReportsStored, assembly.on_reports_stored),
        # A re-scored report moves its case in the queue.
        Subscription(MediaMatched, assembly.on_triage_changed),
        Subscription(SubjectInformationAdded, assembly.on_triage_changed),
        Subscription(BandOverridden, assembly.on_triage_changed),
    ),
    # Cases join reports by their links and rank by their bands: linking and triage come first.
    after=("linking", "triage"),
)
