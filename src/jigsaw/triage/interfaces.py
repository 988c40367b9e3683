"""What other capabilities may use of triage: a report's triage as the API shows it, and the
band and due time of many reports at once (case work's queue)."""

from jigsaw.triage.queries import ReportTriage, api_triage, report_triage, triage_view
from jigsaw.triage.schemas import TriageOut

__all__ = ["ReportTriage", "TriageOut", "api_triage", "report_triage", "triage_view"]
