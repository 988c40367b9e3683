"""Linking: networks and image series, joined as reports arrive; their pages, API and ``jigsaw networks``."""

from __future__ import annotations

from pathlib import Path

from jigsaw.accounts.roles import Role
from jigsaw.capability import Capability, NavItem, Subscription
from jigsaw.events import MediaMatched, ReportsStored, ReportStored
from jigsaw.linking import cli, hooks, routes
from jigsaw.linking.rules import LinkingConfig
from jigsaw.linking.settings import config_from_env
from jigsaw.platform import Platform

_CASE_WORKERS = frozenset({Role.ANALYST, Role.SUPERVISOR})


def _open(platform: Platform) -> None:
    platform.register(LinkingConfig, config_from_env())


CAPABILITY = Capability(
    name="linking",
    routers=(routes.pages_router, routes.api_router),
    templates=Path(__file__).parent / "templates",
    static=Path(__file__).parent / "static",
    nav=(NavItem("Networks", "/networks", _CASE_WORKERS), NavItem("Series", "/series", _CASE_WORKERS)),
    cli=cli.register,
    tables=("jigsaw.linking.models",),
    subscriptions=(Subscription(ReportStored, hooks.on_report_stored),
                   Subscription(ReportsStored, hooks.on_reports_stored),
                   Subscription(MediaMatched, hooks.on_media_matched)),
    after=("matching",),
    open=_open,
)
