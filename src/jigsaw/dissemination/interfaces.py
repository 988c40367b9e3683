"""What other capabilities may use of dissemination: the packages a report is in, and for outcomes, a
sent package as its recipient may see it and the note that the package was acted on (the package
table itself is read by outcome figures: its band at dissemination and when it was sent)."""

from jigsaw.dissemination.acted import SentPackage, mark_acted_on, sent_package
from jigsaw.dissemination.lifecycle import AWAITING_ACTION, STATUS_LABELS, PackageStatus
from jigsaw.dissemination.models import Package
from jigsaw.dissemination.service import PackageNotFound, packages_for_reports

__all__ = ["AWAITING_ACTION", "STATUS_LABELS", "Package", "PackageNotFound", "PackageStatus", "SentPackage",
           "mark_acted_on", "packages_for_reports", "sent_package"]
