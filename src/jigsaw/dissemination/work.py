"""Dissemination's periodic work, run by the duty-alerts loop (``jigsaw serve``, ``jigsaw alerts
check``): escalate packages not acknowledged in time, flag packages past their action-by date."""

from __future__ import annotations

from datetime import datetime

from jigsaw.dissemination import service
from jigsaw.platform import Platform


def due_work(platform: Platform, now: datetime) -> dict[str, int]:
    with platform.session() as session:
        done = service.escalate_due(session, platform.settings, now=now)
    return {"packages escalated": done.escalated, "packages past action-by": done.stale}
