"""Case work: cases, their lifecycle, owners, actions log and the work queue."""

from __future__ import annotations

from jigsaw.capability import Capability

CAPABILITY = Capability(
    name="casework",
    tables=("jigsaw.casework.models",),
    after=("linking", "triage"),
)
