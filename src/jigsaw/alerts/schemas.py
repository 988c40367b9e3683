"""The duty alerts as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AlertOut(BaseModel):
    """One duty alert: which report, why, and where it stands (no case content)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    report_id: int
    reference: str
    band: str | None
    reason: str
    raised_at: datetime
    escalated_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class AlertList(BaseModel):
    alerts: list[AlertOut]
