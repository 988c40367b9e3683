"""The duty-alert banner drawn on every staff page of analysts and supervisors."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import CASE_ROLES
from jigsaw.alerts.models import REASON_LABELS, AlertReason, DutyAlert
from jigsaw.alerts.service import open_alerts
from jigsaw.capability import Banner
from jigsaw.http.timefmt import london

SHOWN = 3  # more than this many open alerts: the rest are counted, with a link to the list


def duty_banners(session: Session, principal: Principal) -> list[Banner]:
    """One banner per open alert (the oldest first), then one counting the rest."""
    if principal.role not in CASE_ROLES or not principal.at_centre:
        return []
    alerts = open_alerts(session, limit=SHOWN)
    if not alerts:
        return []
    banners = [_banner(alert) for alert in alerts]
    total = session.scalar(select(func.count()).select_from(DutyAlert).where(DutyAlert.acknowledged_at.is_(None))) or 0
    if total > SHOWN:
        banners.append(Banner(f"{total - SHOWN} more unacknowledged duty alert(s).", href="/alerts",
                              href_label="See all duty alerts"))
    return banners


def _banner(alert: DutyAlert) -> Banner:
    what = REASON_LABELS[AlertReason(alert.reason)]
    message = f"Duty alert: {alert.reference} ({what}) raised {london(alert.raised_at, 'short')}, not acknowledged"
    if alert.escalated_at is not None:
        message += f"; escalated to supervisors {london(alert.escalated_at, 'short')}"
    return Banner(message + ".", href=f"/reports/{alert.report_id}", href_label="Open the report",
                  action_url=f"/alerts/{alert.id}/acknowledge", action_label="Acknowledge")
