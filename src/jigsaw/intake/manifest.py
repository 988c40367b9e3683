"""Intake: the public Report Abuse form, the partner reports API and the analyst's report pages."""

from __future__ import annotations

from pathlib import Path

from jigsaw.capability import Capability
from jigsaw.intake import api, pages, public, statistics

CAPABILITY = Capability(
    name="intake",
    routers=(pages.router, public.router, api.router, statistics.router, statistics.api),
    # The entry-route counts are linked from the statistics page, which has the "Statistics" nav item.
    templates=Path(__file__).parent / "templates",
    static=Path(__file__).parent / "static",
    template_filters={"incident_label": pages.incident_label},
    json_prefixes=("/api/",),
    unlogged_paths=("/report",),  # the report form: an access-log line would say an address reported abuse
    tables=("jigsaw.intake.models",),
)
