"""What other capabilities may use of dissemination: the packages a report is in."""

from jigsaw.dissemination.lifecycle import STATUS_LABELS, PackageStatus
from jigsaw.dissemination.service import packages_for_reports

__all__ = ["STATUS_LABELS", "PackageStatus", "packages_for_reports"]
