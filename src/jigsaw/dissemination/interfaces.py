"""What other capabilities may use of dissemination: the packages a report is in, and the package
table itself, read-only, for the centre's statistics (dispatched packages are counted by date)."""

from jigsaw.dissemination.lifecycle import STATUS_LABELS, PackageStatus
from jigsaw.dissemination.models import Package
from jigsaw.dissemination.service import packages_for_reports

__all__ = ["STATUS_LABELS", "Package", "PackageStatus", "packages_for_reports"]
