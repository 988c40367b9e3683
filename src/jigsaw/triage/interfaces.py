"""What other capabilities may use of triage: a report's triage as the API shows it, and the band and
danger-now flag of reports (for the duty alerts)."""

from jigsaw.triage.queries import DangerFacts, api_triage, danger_facts, p0_rescored_since, triage_view
from jigsaw.triage.schemas import TriageOut

__all__ = ["DangerFacts", "TriageOut", "api_triage", "danger_facts", "p0_rescored_since", "triage_view"]
