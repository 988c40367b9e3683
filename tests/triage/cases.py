"""Worked cases for the shipped model: facts as intake would produce them, records as analysts would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jigsaw.triage.model import ItemValue
from jigsaw.triage.scoring import RecordedItem, TriageInputs

WHEN = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def facts(**overrides: Any) -> dict[str, Any]:
    """A bare report: nothing known, no media, no victims, no identifiers."""
    base: dict[str, Any] = {
        "report.escalated": False, "report.annotations": set(), "report.incident_type": "other",
        "report.preservation_days_left": None, "media.count": 0, "media.classified_count": 0,
        "media.uk_categories": set(), "media.industry_classifications": set(), "media.file_annotations": set(),
        "media.unmatched_count": 0, "matches.count": 0, "matches.uk_categories": set(), "network.member": None,
        "victims.identified": False, "victims.min_age": None, "identifiers.count": 0,
        "identifiers.location_resolved": False, "linked.reports": 0,
    }
    base.update({k.replace("__", "."): v for k, v in overrides.items()})
    return base


def records(*yes: str, no: tuple[str, ...] = ()) -> dict[str, RecordedItem]:
    out = {i: RecordedItem(i, ItemValue.YES, f"checked {i}", "analyst@centre.example", WHEN) for i in yes}
    out.update({i: RecordedItem(i, ItemValue.NO, f"ruled out {i}", "analyst@centre.example", WHEN) for i in no})
    return out


def inputs(*yes: str, no: tuple[str, ...] = (), **fact_overrides: Any) -> TriageInputs:
    return TriageInputs(facts=facts(**fact_overrides), records=records(*yes, no=no))
