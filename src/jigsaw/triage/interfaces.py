"""What other capabilities may use of triage: a report's triage as the API shows it, the band and
due time of many reports at once (case work's queue), and the band and danger-now flag of reports
(the duty alerts), the explanations that dissemination packages quote, and the hook through which
outcomes fill the monitor's bands against outcomes."""

from jigsaw.triage.queries import (
    BandOutcomes,
    DangerFacts,
    ReportTriage,
    api_triage,
    danger_facts,
    p0_rescored_since,
    report_explanations,
    report_triage,
    triage_view,
)
from jigsaw.triage.schemas import TriageOut

__all__ = ["BandOutcomes", "DangerFacts", "ReportTriage", "TriageOut", "api_triage", "danger_facts",
           "p0_rescored_since", "report_explanations", "report_triage", "triage_view"]
