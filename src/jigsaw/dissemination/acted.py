"""What the outcomes capability reads of a sent package, and what it tells the package back.

A force records outcomes against a package it was sent; the package is then acted on: it is
no longer "past its action-by date with no outcome" at the centre, and a force that records what
it did has evidently received it, so an unacknowledged package is acknowledged by that too.
Visibility is dissemination's own: a recipient reaches only packages sent to its organisation,
and anything else is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.audit.chain import AuditAction
from jigsaw.dissemination.lifecycle import PackageStatus
from jigsaw.dissemination.models import PackageReport, PackageSubject
from jigsaw.dissemination.service import _audit, _event, get_package
from jigsaw.intake.interfaces import Subject, SubjectRole


@dataclass(frozen=True)
class SentPackage:
    """A package as outcomes sees it: who it went to, when, its band then, and who is in it."""

    id: int
    reference: str
    status: str
    recipient_org_id: int | None
    band: str
    dispatched_at: datetime | None
    first_outcome_at: datetime | None
    report_ids: tuple[int, ...]
    suspect_ids: tuple[int, ...]
    victim_ids: tuple[int, ...]

    @property
    def awaiting_action(self) -> bool:
        """Sent and not returned: outcomes can be recorded against it."""
        return self.status in {PackageStatus.DISPATCHED.value, PackageStatus.ACKNOWLEDGED.value,
                               PackageStatus.ACCEPTED.value}


def sent_package(session: Session, principal: Principal, package_id: int, *, lock: bool = False) -> SentPackage:
    """The package if ``principal`` may see it (the centre: any; a recipient: its own sent ones), else
    :class:`~jigsaw.dissemination.service.PackageNotFound`."""
    package = get_package(session, principal, package_id, lock=lock)
    report_ids = tuple(session.scalars(select(PackageReport.report_id).where(PackageReport.package_id == package.id)
                                       .order_by(PackageReport.report_id)))
    suspects = tuple(session.scalars(select(PackageSubject.subject_id).where(PackageSubject.package_id == package.id)
                                     .order_by(PackageSubject.subject_id)))
    victims = tuple(session.scalars(select(Subject.id).where(Subject.report_id.in_(report_ids),
                                                             Subject.role == SubjectRole.VICTIM.value)
                                    .order_by(Subject.id))) if report_ids else ()
    return SentPackage(package.id, package.reference, package.status, package.recipient_org_id, package.band,
                       package.dispatched_at, package.first_outcome_at, report_ids, suspects, victims)


def mark_acted_on(session: Session, principal: Principal, package_id: int, first_outcome_at: datetime | None) -> None:
    """Set when the package's first (live) outcome was recorded, or clear it when none is left.

    The first outcome clears the centre's past-action-by flag and, on a package not yet
    acknowledged, acknowledges it (the force plainly has it); both are in the package's history.
    """
    package = get_package(session, principal, package_id, lock=True)
    before = package.first_outcome_at
    package.first_outcome_at = first_outcome_at
    if first_outcome_at is None or before is not None:
        return
    package.stale_flagged_at = None
    if package.status == PackageStatus.DISPATCHED.value:
        package.status = PackageStatus.ACKNOWLEDGED.value
        package.acknowledged_at = package.acknowledged_at or first_outcome_at
        _event(session, principal, package, PackageStatus.ACKNOWLEDGED.value, None,
               {"from": PackageStatus.DISPATCHED.value, "by": "first outcome recorded"}, at=first_outcome_at)
    _event(session, principal, package, "first_outcome", None, {}, at=first_outcome_at)
    _audit(session, principal, AuditAction.ALTERATION, package, {"op": "first_outcome"})
