"""Read-only facts about packages and batches for other capabilities (an operation's targets).

Nothing here changes a package or a batch, and nothing offers what four eyes have not passed: a
batch is offered only once a second person approved it, and of its packages only those that were
dispatched (a draft, or one awaiting approval, is never a target). No personal data: references,
statuses, recipients and the suspects' ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.dissemination.lifecycle import SENT
from jigsaw.dissemination.models import Package, PackageBatch, PackageSubject

_SENT = [s.value for s in SENT]


@dataclass(frozen=True)
class PackageBrief:
    id: int
    reference: str
    status: str
    recipient_org_id: int | None
    action_by: datetime | None
    sent: bool  # dispatched to its recipient (approved by a second person)
    subject_ids: tuple[int, ...]


@dataclass(frozen=True)
class BatchBrief:
    id: int
    reference: str
    approved_at: datetime | None  # None: not yet approved as a set, so not yet usable
    packages: tuple[PackageBrief, ...]


def package_briefs(session: Session, package_ids: Iterable[int]) -> dict[int, PackageBrief]:
    """The packages named, by id (unknown ids are left out), with their suspects."""
    ids = sorted(set(package_ids))
    found: dict[int, PackageBrief] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        subjects: dict[int, list[int]] = {}
        for pid, sid in session.execute(select(PackageSubject.package_id, PackageSubject.subject_id)
                                        .where(PackageSubject.package_id.in_(part))
                                        .order_by(PackageSubject.package_id, PackageSubject.subject_id)):
            subjects.setdefault(pid, []).append(sid)
        for pid, ref, status, org, action_by in session.execute(
                select(Package.id, Package.reference, Package.status, Package.recipient_org_id, Package.action_by)
                .where(Package.id.in_(part))):
            found[pid] = PackageBrief(pid, ref, status, org, action_by, status in _SENT, tuple(subjects.get(pid, ())))
    return found


def package_id_by_reference(session: Session, reference: str) -> int | None:
    return session.scalar(select(Package.id).where(Package.reference == reference.strip().upper()))


def package_references(session: Session, package_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(package_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        found.update({pid: ref for pid, ref in session.execute(
            select(Package.id, Package.reference).where(Package.id.in_(ids[start:start + 500])))})
    return found


def batch_brief(session: Session, batch_id: int) -> BatchBrief | None:
    """A batch and its packages, or None if there is no such batch."""
    batch = session.get(PackageBatch, batch_id)
    if batch is None:
        return None
    ids = list(session.scalars(select(Package.id).where(Package.batch_id == batch.id).order_by(Package.id)))
    briefs = package_briefs(session, ids)
    return BatchBrief(batch.id, batch.reference, batch.approved_at, tuple(briefs[i] for i in ids if i in briefs))


def batch_id_by_reference(session: Session, reference: str) -> int | None:
    return session.scalar(select(PackageBatch.id).where(PackageBatch.reference == reference.strip().upper()))
