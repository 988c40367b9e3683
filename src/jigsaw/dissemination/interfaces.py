"""What other capabilities may use of dissemination: the packages a report is in; read-only facts
about packages and approved batches (an operation's targets are dispatched packages); the package
table itself, read-only, for the centre's statistics (dispatched packages are counted by date)."""

from jigsaw.dissemination.briefs import (
    BatchBrief,
    PackageBrief,
    batch_brief,
    batch_id_by_reference,
    package_briefs,
    package_id_by_reference,
    package_references,
)
from jigsaw.dissemination.lifecycle import STATUS_LABELS, PackageStatus
from jigsaw.dissemination.models import Package
from jigsaw.dissemination.service import packages_for_reports

__all__ = ["STATUS_LABELS", "BatchBrief", "Package", "PackageBrief", "PackageStatus", "batch_brief",
           "batch_id_by_reference", "package_briefs", "package_id_by_reference", "package_references",
           "packages_for_reports"]
