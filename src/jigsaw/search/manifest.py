"""Search: find cases, reports and subjects by identifier or reference, for a stated purpose."""

from __future__ import annotations

from jigsaw.capability import Capability

CAPABILITY = Capability(name="search")
