"""Triage: scoring and explanation, the supervisors' oversight pages, the triage API and ``jigsaw triage``."""

from __future__ import annotations

from pathlib import Path

from jigsaw.accounts.roles import Role
from jigsaw.capability import Capability, NavItem, ReportPanel, Subscription
from jigsaw.events import (
    ContactConvictionRecorded,
    ContactConvictionWithdrawn,
    MediaMatched,
    ReportsStored,
    ReportStored,
    SubjectInformationAdded,
)
from jigsaw.platform import Platform
from jigsaw.triage import assess, cli, records, routes
from jigsaw.triage.configs import ParsedConfigs


def _open(platform: Platform) -> None:
    platform.register(ParsedConfigs, ParsedConfigs())


CAPABILITY = Capability(
    name="triage",
    routers=(routes.router, routes.api_router),
    templates=Path(__file__).parent / "templates",
    # The work queue (/queue) is case work's: it lists cases, ranked by their reports' bands.
    nav=(NavItem("Triage oversight", "/triage/monitor", frozenset({Role.SUPERVISOR})),),
    report_panels=(ReportPanel("triage/panel.html", routes.report_panel),),
    cli=cli.register,
    tables=("jigsaw.triage.models",),
    subscriptions=(
        Subscription(ReportStored, assess.on_report_stored),
        Subscription(ReportsStored, assess.on_reports_stored),
        Subscription(MediaMatched, assess.on_media_matched),
        Subscription(SubjectInformationAdded, assess.on_subject_information_added),
        # A force's recorded contact-offence conviction joins the subject's history.
        Subscription(ContactConvictionRecorded, records.on_contact_conviction_recorded),
        Subscription(ContactConvictionWithdrawn, records.on_contact_conviction_withdrawn),
    ),
    # Scores read network membership and bank series, so linking reacts first.
    after=("linking", "matching"),
    open=_open,
)
