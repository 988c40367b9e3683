"""Operations: coordinated action by many forces, its live board and its sitreps."""

from __future__ import annotations

from jigsaw.capability import Capability

CAPABILITY = Capability(
    name="operations",
    tables=("jigsaw.operations.models",),
    after=("outcomes",),
)
