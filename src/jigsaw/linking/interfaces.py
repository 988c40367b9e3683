"""What other capabilities may use of linking: who is in a case (the one definition of linked
reports, for one report or a whole batch) and network membership."""

from jigsaw.linking.batch_links import linked_report_map
from jigsaw.linking.case_scope import MAX_LINKED_REPORTS, MAX_REPORTS_PER_IDENTIFIER, CaseScope, linked_reports
from jigsaw.linking.models import LinkSubject

__all__ = ["MAX_LINKED_REPORTS", "MAX_REPORTS_PER_IDENTIFIER", "CaseScope", "LinkSubject", "linked_report_map",
           "linked_reports"]
