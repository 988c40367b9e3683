"""Matching: hash banks, the matcher and its indexes, HMA-compatible lookup routes, ``jigsaw bank``."""

from __future__ import annotations

from jigsaw.capability import Capability, Subscription
from jigsaw.events import BankEntriesAdded, ReportsStored, ReportStored
from jigsaw.matching import cli, hooks, routes
from jigsaw.matching.service import MatchingService
from jigsaw.platform import Platform


def _open(platform: Platform) -> None:
    # One matcher per platform: its indexes are large, so the routes, linking and triage share it.
    platform.register(MatchingService,
                      MatchingService(platform.engine, snapshot_dir=platform.settings.data_dir / "index"))


HMA_PREFIXES = ("/h/", "/m/", "/c/")  # routes that follow HMA's blueprints


CAPABILITY = Capability(
    name="matching",
    routers=(routes.router,),
    json_prefixes=HMA_PREFIXES,
    bad_request_prefixes=HMA_PREFIXES,  # Hasher-Matcher-Actioner answers invalid input with 400
    cli=cli.register,
    tables=("jigsaw.matching.storage",),
    subscriptions=(Subscription(ReportStored, hooks.on_report_stored),
                   Subscription(ReportsStored, hooks.on_reports_stored),
                   Subscription(BankEntriesAdded, hooks.on_bank_entries_added)),
    open=_open,
)
