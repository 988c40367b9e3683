"""Outcomes: what receiving forces did with packages, and networks the centre disrupted."""

from __future__ import annotations

from jigsaw.capability import Capability

CAPABILITY = Capability(
    name="outcomes",
    tables=("jigsaw.outcomes.models",),
    # Outcomes are recorded against dispatched packages.
    after=("dissemination",),
)
