"""What other capabilities may use of alerts: raising alerts for reports, the open alerts, and the
periodic work (escalation and mail delivery)."""

from jigsaw.alerts.models import AlertReason, DutyAlert
from jigsaw.alerts.service import acknowledge, open_alerts, raise_alerts
from jigsaw.alerts.work import DueWorkThread, WorkDone, run_due_work

__all__ = ["AlertReason", "DueWorkThread", "DutyAlert", "WorkDone", "acknowledge", "open_alerts", "raise_alerts",
           "run_due_work"]
