"""Outcomes: what receiving forces did with packages, and networks the centre disrupted."""

from __future__ import annotations

from pathlib import Path

from jigsaw.capability import Capability, PackagePanel
from jigsaw.casework.interfaces import OutcomeSummary
from jigsaw.outcomes import figures, routes
from jigsaw.platform import Platform
from jigsaw.triage.interfaces import BandOutcomes


def _open(platform: Platform) -> None:
    # Triage and case work come before outcomes: they ask for what was recorded through these hooks.
    platform.register(BandOutcomes, BandOutcomes(figures.band_rows))
    platform.register(OutcomeSummary, OutcomeSummary(figures.case_outcome_lines))


CAPABILITY = Capability(
    name="outcomes",
    routers=(routes.router, routes.api_router),
    templates=Path(__file__).parent / "templates",
    static=Path(__file__).parent / "static",
    json_prefixes=("/api/v1/packages", "/api/v1/networks/subject", "/api/v1/network-disruptions"),
    package_panels=(PackagePanel("outcomes/panel.html", routes.package_panel),),
    tables=("jigsaw.outcomes.models",),
    open=_open,
    # Outcomes are recorded against dispatched packages; a contact conviction re-scores triage.
    after=("dissemination", "triage"),
)
