"""The demo's operation: "Kestrel", a 48-hour week-of-action style operation by three forces on the
story's dispatched packages, with warrants executed, arrests, children safeguarded, one warrant still
open past its due time, a sitrep frozen half way, and a late-recorded arrest revising it.

Two more packages are drafted from everyday reports by one analyst and approved by a supervisor (four
eyes, through dissemination's service) for Kent Police and Essex Police, so the board has three forces.
The forces' outcomes are written as the forces would have recorded them (the records the board
counts); the operation, its targets and its sitrep go through the operations service.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation, User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.dissemination import service as dissemination
from jigsaw.dissemination.models import Package, PackageReport, PackageSubject
from jigsaw.intake.models import Report, Subject
from jigsaw.operations import service as operations
from jigsaw.operations.models import Operation, OperationTarget
from jigsaw.outcomes.interfaces import Outcome

OPERATION_NAME = "Kestrel"
OTHER_FORCES = ("Kent Police", "Essex Police")


def _principal(session: Session, email: str) -> Principal:
    user = session.scalar(select(User).where(User.email == email))
    assert user is not None, f"demo staff {email} missing"
    return Principal(organisation_id=user.organisation_id, organisation_kind=OrgKind(user.organisation.kind),
                     user_id=user.id, role=Role(user.role), label=user.email)


def _more_packages(session: Session, analyst: Principal, supervisor: Principal, sent_at: datetime) -> list[int]:
    """One package each for Kent and Essex, from the first everyday reports no package is about yet,
    dispatched at ``sent_at`` (before the operation, so the forces' outcomes come after it)."""
    forces = [session.scalar(select(Organisation.id).where(Organisation.name == name)) for name in OTHER_FORCES]
    used = select(PackageReport.report_id)
    candidates = list(session.scalars(
        select(Report.id).where(Report.id.not_in(used), Report.id.in_(
            select(Subject.report_id).where(Subject.role == "suspect")))
        .order_by(Report.id).limit(len(forces))))
    made = []
    for report_id, org_id in zip(candidates, forces, strict=False):
        if org_id is None:
            continue
        package = dissemination.create_package(session, analyst, dissemination.DraftSpec(
            (report_id,), "An adult sent a child sexual messages and asked to meet; the account holder's address "
            "is in the force area (Operation Kestrel).", recipient_org_id=org_id,
            route_reason="The subscriber's address is in the force area (demo).",
            handling="Not to be disclosed outside the receiving force without the centre's consent."))
        dissemination.submit(session, analyst, package.id)
        dissemination.approve(session, supervisor, package.id, now=sent_at)
        made.append(package.id)
    return made


def _record(session: Session, package_id: int, org_id: int, kind: str, at: datetime, *, recorded_at: datetime,
            subject_id: int | None, **fields: Any) -> None:
    reference = f"DEMO-KESTREL-{package_id}-{kind}-{fields.get('warrant_stage') or fields.get('category') or 'x'}"
    session.add(Outcome(package_id=package_id, org_id=org_id, reference=reference,
                        body_digest=hashlib.sha256(reference.encode()).hexdigest(), kind=kind, occurred_at=at,
                        subject_id=subject_id, count=fields.pop("count", 1), details={}, recorded_at=recorded_at,
                        **fields))


def load_operation(session: Session, *, now: datetime | None = None) -> int | None:
    """Operation Kestrel, once (idempotent); its id, or None if the story has no dispatched packages."""
    existing = session.scalar(select(Operation.id).where(Operation.name == OPERATION_NAME))
    if existing is not None:
        return existing
    now = now or datetime.now(UTC)
    analyst = _principal(session, "analyst2@demo.example")
    supervisor = _principal(session, "supervisor2@demo.example")
    lead = _principal(session, "supervisor@demo.example")
    start = (now - timedelta(days=3)).replace(hour=5, minute=0, second=0, microsecond=0)
    extra = _more_packages(session, analyst, supervisor, sent_at=start - timedelta(days=4))
    sent = list(session.scalars(select(Package.id).where(Package.status.in_(
        ["dispatched", "acknowledged", "accepted"])).order_by(Package.id)))
    if not sent:
        return None
    end = start + timedelta(hours=48)
    op = operations.create_operation(
        session, lead, name=OPERATION_NAME, starts_at=start, ends_at=end, lead_id=lead.user_id,
        objectives="Execute warrants at the addresses of the suspects referred in the week's packages, "
                   "safeguard the children in their care, and seize their devices for examination.")
    subjects: dict[int, int | None] = {}
    for pid, sid in session.execute(select(PackageSubject.package_id, PackageSubject.subject_id)
                                    .where(PackageSubject.package_id.in_(sent)).order_by(PackageSubject.subject_id)):
        subjects.setdefault(pid, sid)
    operations.add_targets(session, lead, op.id, [operations.TargetSpec(pid) for pid in sent], strict=False)
    # Planned two days before it began: the targets were on the board before the sitrep's cut-off.
    planned = start - timedelta(days=2)
    session.execute(update(OperationTarget).where(OperationTarget.operation_id == op.id).values(added_at=planned))
    op.created_at = planned
    operations.set_status(session, lead, op.id, "live")
    recipients: dict[int, int] = {pid: org for pid, org in session.execute(
        select(Package.id, Package.recipient_org_id).where(Package.id.in_(sent))) if org is not None}
    cutoff = start + timedelta(hours=24)
    early = cutoff - timedelta(hours=1)
    # The first Met package: warrant executed, an arrest, devices seized, two children protected.
    # Only packages the force already had when its warrants were applied (a day before the window).
    dispatched: dict[int, datetime] = {pid: at.replace(tzinfo=UTC) for pid, at in session.execute(
        select(Package.id, Package.dispatched_at).where(Package.id.in_(sent))) if at is not None}
    held = [p for p in sent if p not in extra and p in dispatched and dispatched[p] < start - timedelta(hours=30)]
    if not held:
        return op.id
    first, *rest = held
    met = recipients[first]
    for stage, hours in (("applied", -30), ("granted", -20), ("executed", 2)):
        _record(session, first, met, "warrant", start + timedelta(hours=hours), recorded_at=start + timedelta(hours=3),
                subject_id=subjects.get(first), warrant_stage=stage, devices_seized=6 if stage == "executed" else None)
    _record(session, first, met, "arrest", start + timedelta(hours=2), recorded_at=start + timedelta(hours=3),
            subject_id=subjects.get(first))
    _record(session, first, met, "child_safeguarded", start + timedelta(hours=4), recorded_at=early,
            subject_id=subjects.get(first), category="protective_measure", count=2, age_band="8-11")
    # The next Met package: a warrant granted and never executed (overdue once the window closed).
    if rest:
        for stage, hours in (("applied", -30), ("granted", -6)):
            _record(session, rest[0], met, "warrant", start + timedelta(hours=hours), recorded_at=start,
                    subject_id=subjects.get(rest[0]), warrant_stage=stage)
    # Kent: executed, an arrest, a child removed from harm. Essex: a voluntary interview.
    for n, pid in enumerate(extra):
        org = recipients[pid]
        if n == 0:
            for stage, hours in (("applied", -28), ("granted", -18), ("executed", 1)):
                _record(session, pid, org, "warrant", start + timedelta(hours=hours),
                        recorded_at=start + timedelta(hours=2), subject_id=subjects.get(pid), warrant_stage=stage,
                        devices_seized=4 if stage == "executed" else None)
            _record(session, pid, org, "child_safeguarded", start + timedelta(hours=1),
                    recorded_at=start + timedelta(hours=2), subject_id=subjects.get(pid),
                    category="removed_from_harm", age_band="12-15")
        else:
            _record(session, pid, org, "voluntary_interview", start + timedelta(hours=10), recorded_at=early,
                    subject_id=subjects.get(pid))
    session.flush()
    operations.freeze_sitrep(session, lead, op.id, cutoff_at=cutoff)
    # Kent records its arrest, made before the sitrep's cut-off, only afterwards: the sitrep is revised.
    if extra:
        _record(session, extra[0], recipients[extra[0]], "arrest", start + timedelta(hours=1), recorded_at=now,
                subject_id=subjects.get(extra[0]))
        session.flush()
    operations.log_revisions(session, session.get(Operation, op.id) or op, now=now)
    _mark_acted_on(session, sent)
    return op.id


def _mark_acted_on(session: Session, package_ids: list[int]) -> None:
    """What recording through the outcomes service does to a package: it is acted on from its first
    outcome (no longer "past action-by with no outcome" at the centre)."""
    first = session.execute(select(Outcome.package_id, func.min(Outcome.recorded_at))
                            .where(Outcome.package_id.in_(package_ids)).group_by(Outcome.package_id)).all()
    for package_id, at in first:
        session.execute(update(Package).where(Package.id == package_id, Package.first_outcome_at.is_(None))
                        .values(first_outcome_at=at))
