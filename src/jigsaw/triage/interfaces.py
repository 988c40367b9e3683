"""What other capabilities may use of triage: a report's triage as the API shows it."""

from jigsaw.triage.queries import api_triage, triage_view
from jigsaw.triage.schemas import TriageOut

__all__ = ["TriageOut", "api_triage", "triage_view"]
