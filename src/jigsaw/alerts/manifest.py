"""Duty alerts: banners, duty email, acknowledgement and escalation."""

from __future__ import annotations

from pathlib import Path

from jigsaw.accounts.roles import Role
from jigsaw.alerts import banners, cli, routes, service
from jigsaw.capability import Capability, NavItem, Subscription
from jigsaw.events import BandOverridden, MediaMatched, ReportsStored, ReportStored, SubjectInformationAdded

CAPABILITY = Capability(
    name="alerts",
    routers=(routes.router, routes.api_router),
    templates=Path(__file__).parent / "templates",
    nav=(NavItem("Duty alerts", "/alerts", frozenset({Role.ANALYST, Role.SUPERVISOR}), order=15),),
    cli=cli.register,
    tables=("jigsaw.alerts.models",),
    subscriptions=(
        Subscription(ReportStored, service.on_report_stored),
        Subscription(ReportsStored, service.on_reports_stored),
        Subscription(MediaMatched, service.on_media_matched),
        Subscription(BandOverridden, service.on_band_overridden),
        Subscription(SubjectInformationAdded, service.on_subject_information_added),
    ),
    # Alerts read the band triage has just written.
    after=("triage",),
    banners=banners.duty_banners,
)
