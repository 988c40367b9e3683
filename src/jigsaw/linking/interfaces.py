"""What other capabilities may use of linking: who is in a case (the one definition of linked
reports, for one report or a whole batch), network membership, and the network and series of a report's subjects
and media."""

from jigsaw.linking.batch_links import linked_report_map
from jigsaw.linking.case_scope import (
    MAX_LINKED_REPORTS,
    MAX_REPORTS_PER_IDENTIFIER,
    CaseScope,
    Holders,
    case_scopes,
    linked_reports,
    stored_batch_scopes,
)
from jigsaw.linking.models import LinkSubject
from jigsaw.linking.report_links import NetworkRef, SeriesRef, media_series, subject_networks

__all__ = ["MAX_LINKED_REPORTS", "MAX_REPORTS_PER_IDENTIFIER", "CaseScope", "Holders", "LinkSubject", "NetworkRef",
           "SeriesRef", "case_scopes", "linked_report_map", "linked_reports", "media_series", "stored_batch_scopes",
           "subject_networks"]
