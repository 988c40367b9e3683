"""Running an operation: creating it (by hand or from an approved package batch), its forces and
targets, its status, the live board counted from the forces' outcomes, and sitreps.

Who sees what: the centre's analysts and supervisors see every operation; a force (or partner)
taking part sees the operation and its own row of the board and its own targets, nothing of the
other forces; anyone else is answered as if the operation did not exist. Every change is audited,
and every read of the board or a sitrep is a consultation in the audit log.

The board is counted with a few grouped queries over the targets joined to the outcomes (never a
query per target), so a Tharsley-sized operation (2,000 targets, 42 forces) renders in well under
a second. A target matches the outcomes of its package, or of its suspect in the package when the
target names one; withdrawn outcomes never count; a warrant's stage is that of its latest record.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, insert, or_, select
from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation, User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import CASE_ROLES, OrgKind, Role
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.db.base import table_of
from jigsaw.dissemination import interfaces as dissemination
from jigsaw.errors import NotAllowed, NotFound
from jigsaw.markings import Classification, Descriptor, Marking, Tlp
from jigsaw.operations import rules
from jigsaw.operations.models import Operation, OperationForce, OperationTarget, Sitrep, SitrepRevision
from jigsaw.operations.rules import TOTAL_KEY, ForceFigures, OperationRefused, OperationStatus
from jigsaw.outcomes.interfaces import Outcome, OutcomeKind
from jigsaw.pdfdoc import table_document

BOARD_PURPOSE = "coordinating an operation from its live board"
SITREP_PURPOSE = "reading an operation's sitrep"
PARTICIPANT_KINDS = frozenset({OrgKind.UK_FORCE, OrgKind.PARTNER_AGENCY})
OVERDUE_SHOWN = 200  # the board lists this many overdue targets; the counts cover them all
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

_targets_t = table_of(OperationTarget)
_forces_t = table_of(OperationForce)


def _now() -> datetime:
    return datetime.now(UTC)


class OperationNotFound(NotFound, LookupError):
    pass


def is_centre_staff(principal: Principal) -> bool:
    return principal.at_centre and principal.role in CASE_ROLES


def is_force(principal: Principal) -> bool:
    return principal.role is Role.FORCE_LIAISON and principal.organisation_kind in PARTICIPANT_KINDS


def _require_centre(principal: Principal) -> int:
    if not is_centre_staff(principal) or principal.user_id is None:
        raise NotAllowed("operations are planned and run by the centre's analysts and supervisors")
    return principal.user_id


def _participates(session: Session, operation_id: int, org_id: int) -> bool:
    return session.scalar(select(OperationForce.org_id).where(OperationForce.operation_id == operation_id,
                                                              OperationForce.org_id == org_id)) is not None


def get_operation(session: Session, principal: Principal, operation_id: int) -> Operation:
    """The operation, if ``principal`` may see it: the centre sees all, a force only operations it
    takes part in (anything else is "not found", so a force cannot learn what exists)."""
    operation = session.get(Operation, operation_id)
    if operation is None:
        raise OperationNotFound("No such operation.")
    if is_centre_staff(principal):
        return operation
    if is_force(principal) and _participates(session, operation.id, principal.organisation_id):
        return operation
    raise OperationNotFound("No such operation.")


def read_operation(session: Session, principal: Principal, operation_id: int, *,
                   purpose: str = "reading an operation's details") -> Operation:
    """The operation with its objectives (encrypted: they may name people), audited as a consultation."""
    operation = get_operation(session, principal, operation_id)
    _audit(session, principal, AuditAction.CONSULTATION, operation, {"op": "details"}, purpose=purpose)
    return operation


def scope_of(principal: Principal) -> int | None:
    """The one force whose rows ``principal`` may see, or None for the centre (every row)."""
    return None if is_centre_staff(principal) else principal.organisation_id


def _editable(operation: Operation) -> None:
    if OperationStatus(operation.status) not in rules.EDITABLE:
        raise rules.MoveRefused("the operation is closed: its forces and targets no longer change")


def _reference(session: Session) -> str:
    while True:
        chars = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        reference = f"OP-{chars[:4]}-{chars[4:]}"
        if session.scalar(select(Operation.id).where(Operation.reference == reference)) is None:
            return reference


def _audit(session: Session, principal: Principal, action: AuditAction, operation: Operation,
           detail: Mapping[str, Any], *, purpose: str | None = None) -> None:
    record(session, principal.actor, action, "operation", operation.id, purpose=purpose,
           detail={"reference": operation.reference, **detail})


# --- creating and changing ---------------------------------------------------------------------------


def _check_lead(session: Session, lead_id: int | None, fallback: int) -> int:
    if lead_id is None:
        return fallback
    lead = session.get(User, lead_id)
    if lead is None or lead.organisation.kind != OrgKind.CENTRE.value or lead.role not in {r.value for r in CASE_ROLES}:
        raise OperationRefused({"lead_id": "the lead is an analyst or supervisor at the centre"})
    return lead.id


def _check_forces(session: Session, org_ids: Iterable[int], field_name: str = "force_ids") -> list[int]:
    wanted = sorted(set(org_ids))
    if not wanted:
        return []
    kinds = {oid: kind for oid, kind in session.execute(
        select(Organisation.id, Organisation.kind).where(Organisation.id.in_(wanted)))}
    if any(kinds.get(oid) not in {k.value for k in PARTICIPANT_KINDS} for oid in wanted):
        raise OperationRefused({field_name: "each is the id of a UK force or partner agency"})
    return wanted


def create_operation(session: Session, principal: Principal, *, name: str, starts_at: datetime | None,
                     ends_at: datetime | None, objectives: str = "", lead_id: int | None = None,
                     force_ids: Iterable[int] = (), batch_id: int | None = None) -> Operation:
    """A new operation in planning, coordinated by the caller's organisation (the centre)."""
    user_id = _require_centre(principal)
    problems = rules.check_operation(name, starts_at, ends_at, objectives)
    if problems:
        raise OperationRefused(problems)
    assert starts_at is not None and ends_at is not None
    lead = _check_lead(session, lead_id, user_id)
    forces = _check_forces(session, force_ids)
    now = _now()
    operation = Operation(reference=_reference(session), name=" ".join(name.split()), lead_id=lead,
                          coordinating_org_id=principal.organisation_id, starts_at=starts_at, ends_at=ends_at,
                          objectives=objectives.strip(), status=OperationStatus.PLANNING.value,
                          status_changed_at=now, batch_id=batch_id, created_by_id=user_id, created_at=now)
    session.add(operation)
    session.flush()
    _add_forces(session, operation.id, forces, now)
    _audit(session, principal, AuditAction.COLLECTION, operation, {"forces": len(forces), "batch_id": batch_id})
    return operation


def _add_forces(session: Session, operation_id: int, org_ids: Iterable[int], now: datetime) -> list[int]:
    have = set(session.scalars(select(OperationForce.org_id).where(OperationForce.operation_id == operation_id)))
    new = sorted(set(org_ids) - have)
    if new:
        session.execute(insert(_forces_t), [{"operation_id": operation_id, "org_id": o, "added_at": now} for o in new])
    return new


def add_forces(session: Session, principal: Principal, operation_id: int, org_ids: Iterable[int]) -> list[int]:
    """Add participating forces (those already in are left alone); the ids added."""
    _require_centre(principal)
    operation = get_operation(session, principal, operation_id)
    _editable(operation)
    forces = _check_forces(session, org_ids, "org_ids")
    if not forces:
        raise OperationRefused({"org_ids": "at least one force"})
    added = _add_forces(session, operation.id, forces, _now())
    _audit(session, principal, AuditAction.ALTERATION, operation, {"op": "forces_added", "org_ids": added})
    return added


def set_status(session: Session, principal: Principal, operation_id: int, status: str) -> Operation:
    """Move the operation on: planning → live → closed."""
    _require_centre(principal)
    operation = get_operation(session, principal, operation_id)
    before = operation.status
    operation.status = rules.next_status(before, status).value
    operation.status_changed_at = _now()
    _audit(session, principal, AuditAction.ALTERATION, operation, {"op": "status", "from": before,
                                                                   "to": operation.status})
    return operation


@dataclass(frozen=True)
class TargetSpec:
    """A package (by id), optionally one suspect of it, and the force it goes to (default: the
    package's recipient), due by ``action_by`` (default: the operation's end)."""

    package_id: int
    subject_id: int | None = None
    org_id: int | None = None
    action_by: datetime | None = None


@dataclass
class TargetsAdded:
    added: int = 0
    skipped: dict[int, str] = field(default_factory=dict)  # package id -> why it is not a target


def add_targets(session: Session, principal: Principal, operation_id: int, specs: Sequence[TargetSpec], *,
                strict: bool = True) -> TargetsAdded:
    """Allocate packages (or suspects of them) to forces; each force becomes a participant.

    Only dispatched packages can be targets: whatever four eyes have not passed stays out. With
    ``strict`` the first problem refuses the whole request (a person adding targets); otherwise
    each problem package is skipped with the reason (a batch, where some were never dispatched).
    """
    user_id = _require_centre(principal)
    operation = get_operation(session, principal, operation_id)
    _editable(operation)
    if not specs:
        raise OperationRefused({"targets": "at least one package"})
    briefs = dissemination.package_briefs(session, [s.package_id for s in specs])
    existing: dict[int, set[int | None]] = {}
    for pid, sid in session.execute(select(OperationTarget.package_id, OperationTarget.subject_id).where(
            OperationTarget.operation_id == operation.id,
            OperationTarget.package_id.in_(sorted({s.package_id for s in specs})))):
        existing.setdefault(pid, set()).add(sid)
    _check_forces(session, [s.org_id for s in specs if s.org_id is not None], "org_id")
    result = TargetsAdded()
    rows: list[dict[str, Any]] = []
    now = _now()
    for spec in specs:
        brief = briefs.get(spec.package_id)
        problem = _target_problem(spec, brief, existing.get(spec.package_id, set()))
        if problem is not None:
            if strict:
                raise OperationRefused({problem[0]: problem[1]})
            result.skipped[spec.package_id] = problem[1]
            continue
        assert brief is not None
        org_id = spec.org_id or brief.recipient_org_id
        assert org_id is not None
        existing.setdefault(spec.package_id, set()).add(spec.subject_id)
        rows.append({"operation_id": operation.id, "package_id": spec.package_id, "subject_id": spec.subject_id,
                     "org_id": org_id, "action_by": spec.action_by, "added_at": now, "added_by_id": user_id})
    if rows:
        session.execute(insert(_targets_t), rows)
        _add_forces(session, operation.id, {r["org_id"] for r in rows}, now)
    result.added = len(rows)
    _audit(session, principal, AuditAction.COMBINATION, operation,
           {"op": "targets_added", "targets": len(rows), "skipped": len(result.skipped)})
    return result


def _target_problem(spec: TargetSpec, brief: dissemination.PackageBrief | None,
                    taken: set[int | None]) -> tuple[str, str] | None:
    """Why ``spec`` cannot be a target (field, reason), or None."""
    if brief is None:
        return "package_id", "no such package"
    if not brief.sent:
        return "package_id", "only a dispatched package (approved by a second person) can be a target"
    if spec.subject_id is not None and spec.subject_id not in brief.subject_ids:
        return "subject_id", "the suspect is one of the package's subjects"
    if spec.org_id is None and brief.recipient_org_id is None:
        return "org_id", "the package has no recipient: say which force it is allocated to"
    if spec.subject_id in taken:
        return "package_id", "already a target of this operation"
    if (spec.subject_id is None and taken) or (spec.subject_id is not None and None in taken):
        return "subject_id", "a package is targeted whole or suspect by suspect, not both"
    return None


def remove_target(session: Session, principal: Principal, operation_id: int, target_id: int) -> None:
    _require_centre(principal)
    operation = get_operation(session, principal, operation_id)
    _editable(operation)
    target = session.get(OperationTarget, target_id)
    if target is None or target.operation_id != operation.id:
        raise NotFound("No such target in this operation.")
    session.delete(target)
    _audit(session, principal, AuditAction.ALTERATION, operation, {"op": "target_removed", "target_id": target_id,
                                                                   "package_id": target.package_id})


def create_from_batch(session: Session, principal: Principal, batch_id: int, *, name: str,
                      starts_at: datetime | None, ends_at: datetime | None, objectives: str = "",
                      lead_id: int | None = None) -> tuple[Operation, TargetsAdded]:
    """An operation whose targets are an approved batch's dispatched packages, each allocated to
    its recipient force (the forces become participants). A batch not yet approved as a set by a
    second person is refused: the operation cannot get ahead of four eyes."""
    _require_centre(principal)
    batch = dissemination.batch_brief(session, batch_id)
    if batch is None:
        raise OperationRefused({"batch_id": "no such package batch"})
    if batch.approved_at is None:
        raise OperationRefused({"batch_id": "the batch has not been approved as a set yet"})
    operation = create_operation(session, principal, name=name, starts_at=starts_at, ends_at=ends_at,
                                 objectives=objectives, lead_id=lead_id, batch_id=batch.id)
    specs = [TargetSpec(p.id, p.subject_ids[0] if len(p.subject_ids) == 1 else None) for p in batch.packages]
    if not specs:
        raise OperationRefused({"batch_id": "the batch has no packages"})
    added = add_targets(session, principal, operation.id, specs, strict=False)
    if not added.added:
        raise OperationRefused({"batch_id": "none of the batch's packages has been dispatched"})
    return operation, added


# --- the figures -------------------------------------------------------------------------------------


def _matches() -> ColumnElement[bool]:
    """An outcome belongs to a target: the same package, and the target's suspect if it names one."""
    return and_(Outcome.package_id == OperationTarget.package_id,
                or_(OperationTarget.subject_id.is_(None), Outcome.subject_id == OperationTarget.subject_id))


def _standing(as_at: datetime | None, known_at: datetime | None) -> list[ColumnElement[bool]]:
    """The outcomes that count: what happened by ``as_at`` (None: ever), as the record stood at
    ``known_at`` (None: now, withdrawn ones left out; a time: recorded by then and not withdrawn by then)."""
    where: list[ColumnElement[bool]] = []
    if known_at is None:
        where.append(Outcome.withdrawn_at.is_(None))
    else:
        where += [Outcome.recorded_at <= known_at,
                  or_(Outcome.withdrawn_at.is_(None), Outcome.withdrawn_at > known_at)]
    if as_at is not None:
        where.append(Outcome.occurred_at <= as_at)
    return where


def _past_due(operation: Operation, now: datetime) -> ColumnElement[bool]:
    """The target's due time (its action-by, else the operation's end) is before ``now``."""
    own = and_(OperationTarget.action_by.is_not(None), OperationTarget.action_by < now)
    if operation.ends_at < now:
        return or_(own, OperationTarget.action_by.is_(None))
    return own


@dataclass(frozen=True)
class OverdueTarget:
    target_id: int
    package_id: int
    reference: str
    subject_id: int | None
    org_id: int
    force: str
    due: datetime
    warrant_stage: str | None  # None: nothing recorded at all


@dataclass
class Figures:
    rows: list[ForceFigures]  # one per participating force in scope, by name
    total: ForceFigures
    overdue: list[OverdueTarget]
    overdue_count: int


def figures(session: Session, operation: Operation, *, org_id: int | None = None, as_at: datetime | None = None,
            known_at: datetime | None = None, now: datetime | None = None,
            overdue_limit: int = OVERDUE_SHOWN) -> Figures:
    """The board's figures by force (``org_id``: that force's only), in five grouped queries.

    ``as_at`` and ``known_at`` freeze them (see :func:`_standing`); overdue is judged at ``now``
    (default: ``known_at`` or the present)."""
    now = now or known_at or _now()
    standing = _standing(as_at, known_at)
    targets_where: list[ColumnElement[bool]] = [OperationTarget.operation_id == operation.id]
    if as_at is not None:
        targets_where.append(OperationTarget.added_at <= as_at)
    if org_id is not None:
        targets_where.append(OperationTarget.org_id == org_id)
    past_due = _past_due(operation, now)

    forces = select(OperationForce.org_id, Organisation.name) \
        .join(Organisation, Organisation.id == OperationForce.org_id).where(OperationForce.operation_id == operation.id)
    if org_id is not None:
        forces = forces.where(OperationForce.org_id == org_id)
    rows = {oid: ForceFigures(oid, name) for oid, name in session.execute(forces.order_by(Organisation.name))}

    def row(oid: int) -> ForceFigures:
        if oid not in rows:  # a target allocated to a force that has since left the list
            rows[oid] = ForceFigures(oid, f"organisation {oid}")
        return rows[oid]

    silent = ~exists().where(_matches(), *standing)
    for oid, n, quiet in session.execute(
            select(OperationTarget.org_id, func.count(), func.sum(case((and_(silent, past_due), 1), else_=0)))
            .where(*targets_where).group_by(OperationTarget.org_id)):
        row(oid).targets, row(oid).nothing_recorded = int(n), int(quiet or 0)

    for oid, kind, category, n, devices in session.execute(
            select(OperationTarget.org_id, Outcome.kind, Outcome.category, func.sum(Outcome.count),
                   func.sum(func.coalesce(Outcome.devices_seized, 0)))
            .join(Outcome, _matches()).where(*targets_where, *standing)
            .group_by(OperationTarget.org_id, Outcome.kind, Outcome.category)):
        r = row(oid)
        r.devices_seized += int(devices or 0)
        if kind == OutcomeKind.ARREST.value:
            r.arrests += int(n)
        elif kind == OutcomeKind.VOLUNTARY_INTERVIEW.value:
            r.voluntary_interviews += int(n)
        elif kind == OutcomeKind.CHILD_SAFEGUARDED.value and category in r.children:
            r.children[category] += int(n)

    latest = _latest_warrants(targets_where, standing, past_due)
    open_stage = latest.c.stage.in_(sorted(rules.OPEN_STAGES))
    for oid, stage, n, late in session.execute(
            select(latest.c.org_id, latest.c.stage, func.count(),
                   func.sum(case((and_(open_stage, latest.c.late == 1), 1), else_=0)))
            .where(latest.c.rn == 1).group_by(latest.c.org_id, latest.c.stage)):
        r = row(oid)
        if stage in r.warrants:
            r.warrants[stage] += int(n)
        r.overdue_warrants += int(late or 0)

    listed = _overdue_list(session, operation, targets_where, standing, past_due, latest, overdue_limit)
    ordered = sorted(rows.values(), key=lambda r: (r.name, r.org_id or 0))
    total = rules.grand_total(ordered)
    names = {r.org_id: r.name for r in ordered}
    overdue = [OverdueTarget(t[0], t[1], t[2], t[3], t[4], names.get(t[4], ""), t[5], t[6]) for t in listed]
    return Figures(ordered, total, overdue, total.overdue_warrants + total.nothing_recorded)


def _latest_warrants(targets_where: list[ColumnElement[bool]], standing: list[ColumnElement[bool]],
                     past_due: ColumnElement[bool]) -> Any:
    """Each target's warrants (one per package and suspect) at their latest recorded stage: a
    subquery with ``rn == 1`` on the latest record of each, ``late`` when the target is past due."""
    rn = func.row_number().over(partition_by=(OperationTarget.id, Outcome.package_id, Outcome.subject_id),
                                order_by=(Outcome.occurred_at.desc(), Outcome.id.desc()))
    return select(OperationTarget.id.label("target_id"), OperationTarget.org_id.label("org_id"),
                  OperationTarget.package_id.label("package_id"), OperationTarget.subject_id.label("subject_id"),
                  OperationTarget.action_by.label("action_by"), Outcome.warrant_stage.label("stage"),
                  rn.label("rn"), case((past_due, 1), else_=0).label("late")) \
        .join(Outcome, _matches()) \
        .where(*targets_where, *standing, Outcome.kind == OutcomeKind.WARRANT.value,
               Outcome.warrant_stage.is_not(None)).subquery()


def _overdue_list(session: Session, operation: Operation, targets_where: list[ColumnElement[bool]],
                  standing: list[ColumnElement[bool]], past_due: ColumnElement[bool], latest: Any,
                  limit: int) -> list[tuple[Any, ...]]:
    """Up to ``limit`` overdue targets: open warrants past due first, then silent targets past due."""
    found: list[tuple[Any, ...]] = []
    for tid, pid, sid, oid, action_by, stage in session.execute(
            select(latest.c.target_id, latest.c.package_id, latest.c.subject_id, latest.c.org_id,
                   latest.c.action_by, latest.c.stage)
            .where(latest.c.rn == 1, latest.c.late == 1, latest.c.stage.in_(sorted(rules.OPEN_STAGES)))
            .order_by(latest.c.target_id).limit(limit)):
        found.append((tid, pid, sid, oid, action_by, stage))
    if len(found) < limit:
        silent = ~exists().where(_matches(), *standing)
        for tid, pid, sid, oid, action_by in session.execute(
                select(OperationTarget.id, OperationTarget.package_id, OperationTarget.subject_id,
                       OperationTarget.org_id, OperationTarget.action_by)
                .where(*targets_where, silent, past_due).order_by(OperationTarget.id).limit(limit - len(found))):
            found.append((tid, pid, sid, oid, action_by, None))
    refs = dissemination.package_references(session, [f[1] for f in found])
    return [(tid, pid, refs.get(pid, f"package {pid}"), sid, oid, rules.target_due(action_by, operation.ends_at),
             stage) for tid, pid, sid, oid, action_by, stage in found]


# --- the board ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    sitrep_number: int
    row: str
    force: str
    figure: str
    frozen: int
    now: int
    detected_at: datetime

    @property
    def line(self) -> str:
        return rules.revision_line(self.figure, self.frozen, self.now, self.sitrep_number)


@dataclass
class Board:
    operation: Operation
    lead: str
    coordinator: str
    figures: Figures
    forces_only: bool  # a participating force's view: its own row only
    sitreps: list[Sitrep]
    revisions: list[Revision]  # since the latest sitrep, in the rows the viewer may see
    now: datetime


def board(session: Session, principal: Principal, operation_id: int, *, purpose: str = BOARD_PURPOSE,
          now: datetime | None = None) -> Board:
    """The live board as ``principal`` may see it (a force: its own row), audited as a consultation.
    Revisions of the latest sitrep are brought up to date first, so the board says what changed."""
    operation = get_operation(session, principal, operation_id)
    now = now or _now()
    latest = session.scalar(select(func.max(Sitrep.number)).where(Sitrep.operation_id == operation.id))
    if latest is not None:  # the board shows the latest sitrep's revisions; the periodic loop logs them all
        log_revisions(session, operation, now=now, numbers=[latest])
    scope = scope_of(principal)
    counted = figures(session, operation, org_id=scope, now=now)
    sitreps = list(session.scalars(select(Sitrep).where(Sitrep.operation_id == operation.id)
                                   .order_by(Sitrep.number)))
    revisions = _revisions(session, sitreps[-1:], scope) if sitreps else []
    _audit(session, principal, AuditAction.CONSULTATION, operation, {"op": "board", "scope": scope or "all"},
           purpose=purpose)
    return Board(operation, _user_name(session, operation.lead_id), _org_name(session, operation.coordinating_org_id),
                 counted, scope is not None, sitreps, revisions, now)


def _user_name(session: Session, user_id: int) -> str:
    return session.scalar(select(User.display_name).where(User.id == user_id)) or f"user {user_id}"


def _org_name(session: Session, org_id: int) -> str:
    return session.scalar(select(Organisation.name).where(Organisation.id == org_id)) or f"organisation {org_id}"


@dataclass(frozen=True)
class OperationRow:
    id: int
    reference: str
    name: str
    status: str
    starts_at: datetime
    ends_at: datetime
    forces: int
    targets: int


def list_operations(session: Session, principal: Principal) -> list[OperationRow]:
    """The operations ``principal`` may see, newest first (a force: those it takes part in)."""
    forces = select(OperationForce.operation_id, func.count().label("n")).group_by(OperationForce.operation_id) \
        .subquery()
    targets = select(OperationTarget.operation_id, func.count().label("n")) \
        .group_by(OperationTarget.operation_id).subquery()
    query = select(Operation.id, Operation.reference, Operation.name, Operation.status, Operation.starts_at,
                   Operation.ends_at, func.coalesce(forces.c.n, 0), func.coalesce(targets.c.n, 0)) \
        .outerjoin(forces, forces.c.operation_id == Operation.id) \
        .outerjoin(targets, targets.c.operation_id == Operation.id)
    if not is_centre_staff(principal):
        if not is_force(principal):
            raise NotAllowed("operations are for the centre and the forces taking part")
        query = query.where(Operation.id.in_(select(OperationForce.operation_id).where(
            OperationForce.org_id == principal.organisation_id)))
    return [OperationRow(*r) for r in session.execute(query.order_by(Operation.starts_at.desc(), Operation.id.desc()))]


def participants(session: Session, operation_id: int) -> list[tuple[int, str]]:
    return [(oid, name) for oid, name in session.execute(
        select(Organisation.id, Organisation.name).join(OperationForce, OperationForce.org_id == Organisation.id)
        .where(OperationForce.operation_id == operation_id).order_by(Organisation.name))]


def force_choices(session: Session) -> list[tuple[int, str]]:
    """Forces and partner agencies that can take part, by name (for the pages' pickers)."""
    return [(oid, name) for oid, name in session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.kind.in_([k.value for k in PARTICIPANT_KINDS]))
        .order_by(Organisation.name))]


def lead_choices(session: Session) -> list[tuple[int, str]]:
    return [(uid, name) for uid, name in session.execute(
        select(User.id, User.display_name).join(Organisation, Organisation.id == User.organisation_id)
        .where(Organisation.kind == OrgKind.CENTRE.value, User.role.in_([r.value for r in CASE_ROLES]))
        .order_by(User.display_name))]


# --- sitreps and their revisions ----------------------------------------------------------------------


def _frozen_rows(counted: Figures) -> dict[str, Any]:
    return {"rows": {**{str(r.org_id): r.flat() for r in counted.rows}, TOTAL_KEY: counted.total.flat()},
            "names": {str(r.org_id): r.name for r in counted.rows}}


def freeze_sitrep(session: Session, principal: Principal, operation_id: int, *,
                  cutoff_at: datetime | None = None) -> Sitrep:
    """Freeze the board's figures at ``cutoff_at`` (default: now) as the next sitrep: what had
    happened by the cut-off as the record stood at the cut-off. The cut-off cannot be in the future."""
    user_id = _require_centre(principal)
    operation = get_operation(session, principal, operation_id)
    now = _now()
    cutoff = cutoff_at or now
    if cutoff > now:
        raise OperationRefused({"cutoff_at": "a sitrep freezes what is known: the cut-off is not in the future"})
    counted = figures(session, operation, as_at=cutoff, known_at=cutoff, now=cutoff)
    number = (session.scalar(select(func.max(Sitrep.number)).where(Sitrep.operation_id == operation.id)) or 0) + 1
    sitrep = Sitrep(operation_id=operation.id, number=number, cutoff_at=cutoff, figures=_frozen_rows(counted),
                    created_by_id=user_id, created_at=now)
    session.add(sitrep)
    session.flush()
    _audit(session, principal, AuditAction.COLLECTION, operation, {"op": "sitrep", "number": number})
    return sitrep


def log_revisions(session: Session, operation: Operation, *, now: datetime | None = None,
                  numbers: Iterable[int] | None = None) -> list[SitrepRevision]:
    """Compare each sitrep's (or those ``numbers``) frozen figures with what the record says now of the same cut-off
    (outcomes recorded since about what happened before it, or withdrawn since), and log each
    figure that moved since it was frozen or last revised. Idempotent: nothing new, nothing logged."""
    now = now or _now()
    logged: list[SitrepRevision] = []
    query = select(Sitrep).where(Sitrep.operation_id == operation.id).order_by(Sitrep.number)
    if numbers is not None:
        query = query.where(Sitrep.number.in_(sorted(set(numbers))))
    for sitrep in session.scalars(query):
        current = figures(session, operation, as_at=sitrep.cutoff_at, now=sitrep.cutoff_at, overdue_limit=0)
        now_rows = _frozen_rows(current)["rows"]
        last: dict[tuple[str, str], int] = {}
        for rev in session.scalars(select(SitrepRevision).where(SitrepRevision.sitrep_id == sitrep.id)
                                   .order_by(SitrepRevision.id)):
            last[(rev.row, rev.figure)] = rev.after
        for change in rules.changes(sitrep.figures.get("rows", {}), last, now_rows):
            rev = SitrepRevision(sitrep_id=sitrep.id, row=change.row, figure=change.figure, before=change.before,
                                 after=change.after, detected_at=now)
            session.add(rev)
            logged.append(rev)
    if logged:
        session.flush()
        record(session, Actor.system(), AuditAction.ALTERATION, "operation", operation.id,
               detail={"reference": operation.reference, "op": "sitrep_revisions", "logged": len(logged)})
    return logged


def _revisions(session: Session, sitreps: Sequence[Sitrep], scope: int | None) -> list[Revision]:
    """Per sitrep, each revised figure once: its frozen value beside its latest (a force: its own row)."""
    found: list[Revision] = []
    for sitrep in sitreps:
        rows = sitrep.figures.get("rows", {})
        names = sitrep.figures.get("names", {})
        latest: dict[tuple[str, str], SitrepRevision] = {}
        query = select(SitrepRevision).where(SitrepRevision.sitrep_id == sitrep.id).order_by(SitrepRevision.id)
        if scope is not None:
            query = query.where(SitrepRevision.row == str(scope))
        for rev in session.scalars(query):
            latest[(rev.row, rev.figure)] = rev
        for (row, figure), rev in latest.items():
            frozen = int(rows.get(row, {}).get(figure, 0))
            if frozen != rev.after:
                found.append(Revision(sitrep.number, row, "All forces" if row == TOTAL_KEY else names.get(row, row),
                                      figure, frozen, rev.after, rev.detected_at))
    order = {k: n for n, k in enumerate(rules.FIGURE_LABELS)}
    return sorted(found, key=lambda r: (r.sitrep_number, r.row != TOTAL_KEY, r.force, order.get(r.figure, 99)))


@dataclass
class SitrepView:
    operation: Operation
    sitrep: Sitrep
    rows: list[tuple[str, str, dict[str, int]]]  # (row key, force name, figures), the total last
    revisions: list[Revision]


def read_sitrep(session: Session, principal: Principal, operation_id: int, number: int, *,
                purpose: str = SITREP_PURPOSE) -> SitrepView:
    """A frozen sitrep with the revisions logged against it since (a force: its own row only), audited."""
    operation = get_operation(session, principal, operation_id)
    sitrep = session.scalar(select(Sitrep).where(Sitrep.operation_id == operation.id, Sitrep.number == number))
    if sitrep is None:
        raise NotFound("No such sitrep.")
    log_revisions(session, operation, numbers=[number])
    scope = scope_of(principal)
    frozen = sitrep.figures.get("rows", {})
    names = sitrep.figures.get("names", {})
    keys = [k for k in frozen if k != TOTAL_KEY] if scope is None else [k for k in frozen if k == str(scope)]
    keys.sort(key=lambda k: names.get(k, k))
    rows = [(k, names.get(k, k), dict(frozen[k])) for k in keys]
    if scope is None and TOTAL_KEY in frozen:
        rows.append((TOTAL_KEY, "All forces", dict(frozen[TOTAL_KEY])))
    _audit(session, principal, AuditAction.CONSULTATION, operation, {"op": "sitrep", "number": number,
                                                                     "scope": scope or "all"}, purpose=purpose)
    return SitrepView(operation, sitrep, rows, _revisions(session, [sitrep], scope))


def sitrep_csv(view: SitrepView) -> str:
    """The sitrep as CSV: one line per force and the total, a column per figure, then the
    revisions logged since (figure, frozen, now), so a spreadsheet shows both."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["operation", view.operation.reference, view.operation.name, "sitrep", view.sitrep.number,
                     "cut-off (UTC)", view.sitrep.cutoff_at.isoformat()])
    writer.writerow(["force", *rules.FIGURE_LABELS.values()])
    for _, name, values in view.rows:
        writer.writerow([_safe(name), *(values.get(k, 0) for k in rules.FIGURE_LABELS)])
    if view.revisions:
        writer.writerow([])
        writer.writerow(["revised since the cut-off", "figure", "frozen", "now", "detected (UTC)"])
        for r in view.revisions:
            writer.writerow([_safe(r.force), rules.FIGURE_LABELS.get(r.figure, r.figure), r.frozen, r.now,
                             r.detected_at.isoformat()])
    return out.getvalue()


def _safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


SITREP_MARKING = Marking(Classification.OFFICIAL_SENSITIVE, Descriptor.LOCSEN, Tlp.AMBER)
"""A sitrep is operational: OFFICIAL-SENSITIVE LOCSEN, need-to-know within the forces taking part."""


def sitrep_pdf(view: SitrepView, *, unicode: bool | None = None, compress: bool = True) -> bytes:
    """The sitrep as a PDF: the frozen table by force, then the revisions logged since."""
    s, op = view.sitrep, view.operation
    header = ["Force", *(rules.FIGURE_LABELS[k] for k in rules.FIGURE_LABELS)]
    return table_document(
        title=f"Operation {op.name}: sitrep {s.number}", banner=SITREP_MARKING.banner,
        reference=f"{op.reference} sitrep {s.number}",
        lines=[f"Figures frozen at {s.cutoff_at:%Y-%m-%d %H:%M} UTC: what had happened by the cut-off, as the "
               "forces had recorded it by then.", f"Window: {op.starts_at:%Y-%m-%d %H:%M} to "
               f"{op.ends_at:%Y-%m-%d %H:%M} UTC."],
        header=header, rows=[[name, *(values.get(k, 0) for k in rules.FIGURE_LABELS)] for _, name, values in view.rows],
        notes=[f"{r.force}: {r.line} (noticed {r.detected_at:%Y-%m-%d %H:%M} UTC)" for r in view.revisions]
        or ["No figure has been revised since the cut-off."], unicode=unicode, compress=compress)


def sitrep_dict(view: SitrepView) -> dict[str, Any]:
    return {"operation_id": view.operation.id, "reference": view.operation.reference, "name": view.operation.name,
            "number": view.sitrep.number, "cutoff_at": view.sitrep.cutoff_at, "created_at": view.sitrep.created_at,
            "rows": [{"org_id": None if k == TOTAL_KEY else int(k), "force": name, "figures": values}
                     for k, name, values in view.rows],
            "revisions": [{"org_id": None if r.row == TOTAL_KEY else int(r.row), "force": r.force,
                           "figure": r.figure, "frozen": r.frozen, "now": r.now, "detected_at": r.detected_at,
                           "line": r.line} for r in view.revisions]}


def revise_open_operations(session: Session, *, now: datetime | None = None) -> int:
    """Log revisions for every operation with a sitrep that is not closed (the periodic loop)."""
    done = 0
    for operation in session.scalars(select(Operation).where(
            Operation.status != OperationStatus.CLOSED.value,
            Operation.id.in_(select(Sitrep.operation_id)))):
        done += len(log_revisions(session, operation, now=now))
    return done
