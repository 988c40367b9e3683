"""What other capabilities may use of dissemination: the packages a report is in; read-only facts
about packages and approved batches (an operation's targets are dispatched packages); the package
table itself, read-only, for the centre's statistics (dispatched packages are counted by date) and
outcome figures (a package's band at dissemination and when it was sent); and for outcomes, a sent
package as its recipient may see it and the note that the package was acted on."""

from jigsaw.dissemination.acted import SentPackage, mark_acted_on, sent_package
from jigsaw.dissemination.briefs import (
    BatchBrief,
    PackageBrief,
    batch_brief,
    batch_id_by_reference,
    package_briefs,
    package_id_by_reference,
    package_references,
)
from jigsaw.dissemination.lifecycle import AWAITING_ACTION, STATUS_LABELS, PackageStatus
from jigsaw.dissemination.models import Package
from jigsaw.dissemination.service import PackageNotFound, packages_for_reports

__all__ = ["AWAITING_ACTION", "STATUS_LABELS", "BatchBrief", "Package", "PackageBrief", "PackageNotFound",
           "PackageStatus", "SentPackage", "batch_brief", "batch_id_by_reference", "mark_acted_on",
           "package_briefs", "package_id_by_reference", "package_references", "packages_for_reports",
           "sent_package"]
