"""Working a case: reading it (audited), claiming and assigning, moving its status, closing and
reopening, merging and splitting, and the actions log.

Every change writes a :class:`CaseAction` entry and an audit record in the caller's transaction,
so the log and the audit trail cannot disagree. The rules themselves live in the pure modules
(:mod:`jigsaw.casework.lifecycle`, :mod:`jigsaw.casework.entries`); errors are Jigsaw's kinds,
so pages and the API map them the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from jigsaw.accounts.models import User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import CASE_ROLES, Role
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import record
from jigsaw.casework import assembly
from jigsaw.casework.entries import (
    PRESERVATION_WARNING,
    EntryInvalid,
    preservation_state,
    validate_comms_update,
    validate_entry,
)
from jigsaw.casework.hooks import OutcomeSummary
from jigsaw.casework.lifecycle import (
    OPEN_STATUSES,
    ActionKind,
    CaseStatus,
    CloseReason,
    TransitionRefused,
    check_close,
    check_move,
    check_reopen,
)
from jigsaw.casework.models import Case, CaseAction, CaseReport
from jigsaw.errors import Conflict, FieldErrors, NotAllowed, NotFound
from jigsaw.intake.interfaces import Report, Subject
from jigsaw.platform import platform_for
from jigsaw.triage.interfaces import report_triage

READ_PURPOSE = "working a case"


class CaseNotFound(NotFound, LookupError):
    pass


class CaseInputError(FieldErrors):
    """A case change given wrongly; ``fields`` maps each field to what is wrong."""


@dataclass(frozen=True)
class CaseReportRow:
    id: int
    reference: str
    received_at: datetime
    source: str
    incident_type: str
    platform: str | None
    new_information: bool
    band: str | None
    due_at: datetime | None
    escalated: bool


@dataclass(frozen=True)
class SubjectRow:
    id: int
    report_id: int
    role: str
    name: str | None


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    assignee: str | None
    reports: list[CaseReportRow]
    subjects: list[SubjectRow]
    actions: list[CaseAction]  # newest first
    preservation_warnings: list[tuple[CaseAction, str]]


def _now() -> datetime:
    return datetime.now(UTC)


def _require_case_role(principal: Principal) -> None:
    if not principal.at_centre or principal.role not in CASE_ROLES:
        raise NotAllowed("case work is for the centre's analysts and supervisors")


def get_case(session: Session, case_id: int, *, lock: bool = False) -> Case:
    query = select(Case).where(Case.id == case_id)
    if lock:
        query = query.with_for_update()
    case = session.scalar(query)
    if case is None:
        raise CaseNotFound("No such case.")
    return case


def case_by_reference(session: Session, reference: str) -> Case:
    case = session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None:
        raise CaseNotFound(f"No case {reference.strip()}.")
    return case


def _log(session: Session, principal: Principal | None, case: Case, kind: ActionKind, text: str | None = None,
         details: Mapping[str, Any] | None = None, *, expires_at: datetime | None = None,
         status: str | None = None) -> CaseAction:
    entry = CaseAction(case_id=case.id, kind=kind.value, at=_now(),
                       by_user_id=principal.user_id if principal else None,
                       by_label=principal.label if principal else "system", text=text, details=dict(details or {}),
                       expires_at=expires_at, status=status)
    session.add(entry)
    case.updated_at = entry.at
    session.flush()
    return entry


def _audit(session: Session, principal: Principal, action: AuditAction, case: Case,
           detail: Mapping[str, Any]) -> None:
    record(session, principal.actor, action, "case", case.id, detail={"reference": case.reference, **detail})


def read_case(session: Session, principal: Principal, case_id: int, *, purpose: str = READ_PURPOSE) -> CaseDetail:
    """Everything the case page and the API show of a case; the read is audited (it names people)."""
    _require_case_role(principal)
    case = get_case(session, case_id)
    # Overrides and re-scores made on a report page publish no event: bring the band up to date.
    assembly.refresh_triage(session, [case.id])
    session.refresh(case)
    triage_rows = session.execute(
        select(Report.id, Report.reference, Report.received_at, Report.source, Report.incident_type,
               Report.platform, CaseReport.new_information)
        .join(CaseReport, CaseReport.report_id == Report.id).where(CaseReport.case_id == case.id)
        .order_by(Report.received_at, Report.id)).all()
    triage = report_triage(session, [r[0] for r in triage_rows])
    reports = [CaseReportRow(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]),
                             triage[r[0]].band if r[0] in triage else None,
                             triage[r[0]].due_at if r[0] in triage else None,
                             triage[r[0]].escalated if r[0] in triage else False) for r in triage_rows]
    subjects = [SubjectRow(s.id, s.report_id, s.role, s.name) for s in session.scalars(
        select(Subject).where(Subject.report_id.in_([r.id for r in reports])).order_by(Subject.id))] if reports else []
    actions = list(session.scalars(select(CaseAction).where(CaseAction.case_id == case.id)
                                   .order_by(CaseAction.id.desc())))
    now = _now()
    warnings = [(a, state) for a in actions if a.kind == ActionKind.PRESERVATION_REQUEST
                and a.superseded_by_id is None and (state := preservation_state(a.expires_at, now)) is not None]
    assignee = session.get(User, case.assignee_id).display_name if case.assignee_id else None  # type: ignore[union-attr]
    record(session, principal.actor, AuditAction.CONSULTATION, "case", case.id, purpose=purpose,
           detail={"reference": case.reference, "reports": [r.id for r in reports]})
    return CaseDetail(case, assignee, reports, subjects, actions, warnings)


def seen(session: Session, case: Case) -> None:
    """The assignee has looked: the case's new-information flag clears."""
    if case.new_information:
        case.new_information = False
        session.execute(update(CaseReport).where(CaseReport.case_id == case.id).values(new_information=False))


# --- ownership ---------------------------------------------------------------------------------


def claim(session: Session, principal: Principal, case_id: int) -> Case:
    """An analyst or supervisor takes an unassigned case (or one already theirs)."""
    _require_case_role(principal)
    case = get_case(session, case_id, lock=True)
    if case.assignee_id not in (None, principal.user_id):
        raise Conflict("this case is assigned to someone else; a supervisor reassigns it")
    if case.status == CaseStatus.CLOSED:
        raise Conflict("a closed case is reopened before it is claimed")
    if case.assignee_id == principal.user_id:
        return case
    case.assignee_id = principal.user_id
    _log(session, principal, case, ActionKind.ASSIGNMENT, details={"to_user_id": principal.user_id,
                                                                    "from_user_id": None, "claimed": True})
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.IN_PROGRESS.value
        _log(session, principal, case, ActionKind.STATUS_CHANGE, details={"from": "new", "to": "in_progress"})
    _audit(session, principal, AuditAction.ALTERATION, case, {"claimed_by": principal.user_id})
    return case


def assignable_staff(session: Session, organisation_id: int) -> list[User]:
    """The centre's active analysts and supervisors, by name (the assign form's choices)."""
    return list(session.scalars(select(User).where(User.organisation_id == organisation_id, User.active.is_(True),
                                                   User.role.in_([r.value for r in CASE_ROLES]))
                                .order_by(User.display_name, User.id)))


def assign(session: Session, principal: Principal, case_id: int, assignee_id: int | None) -> Case:
    """A supervisor assigns or reassigns a case to an analyst or supervisor of the centre (or to nobody)."""
    _require_case_role(principal)
    if principal.role is not Role.SUPERVISOR:
        raise NotAllowed("only a supervisor assigns cases")
    case = get_case(session, case_id, lock=True)
    if assignee_id is not None:
        user = session.get(User, assignee_id)
        if (user is None or not user.active or user.organisation_id != principal.organisation_id
                or user.role not in {r.value for r in CASE_ROLES}):
            raise CaseInputError({"assignee_id": "is not an active analyst or supervisor of the centre"})
    if case.assignee_id == assignee_id:
        return case
    before = case.assignee_id
    case.assignee_id = assignee_id
    _log(session, principal, case, ActionKind.ASSIGNMENT, details={"to_user_id": assignee_id, "from_user_id": before})
    _audit(session, principal, AuditAction.ALTERATION, case, {"assignee_id": assignee_id, "previous": before})
    return case


# --- lifecycle ---------------------------------------------------------------------------------


def change_status(session: Session, principal: Principal, case_id: int, status: str) -> Case:
    _require_case_role(principal)
    case = get_case(session, case_id, lock=True)
    try:
        target = CaseStatus(status)
    except ValueError:
        raise CaseInputError({"status": f"must be one of {', '.join(s.value for s in CaseStatus)}"}) from None
    try:
        check_move(CaseStatus(case.status), target)
    except TransitionRefused as exc:
        raise CaseInputError({"status": str(exc)}) from None
    before = case.status
    case.status = target.value
    _log(session, principal, case, ActionKind.STATUS_CHANGE, details={"from": before, "to": target.value})
    _audit(session, principal, AuditAction.ALTERATION, case, {"status": target.value, "previous": before})
    return case


def close(session: Session, principal: Principal, case_id: int, reason: str | None, explanation: str = "",
          duplicate_of: str = "") -> Case:
    """Close a case with a reason from the fixed list; nothing closes a case but this."""
    _require_case_role(principal)
    case = get_case(session, case_id, lock=True)
    try:
        why = CloseReason(reason or "")
    except ValueError:
        raise CaseInputError({"reason": f"must be one of {', '.join(r.value for r in CloseReason)}"}) from None
    explanation = (explanation or "").strip()
    problems = check_close(CaseStatus(case.status), why, explanation, duplicate_of or "")
    other: Case | None = None
    if not problems and why is CloseReason.DUPLICATE:
        try:
            other = case_by_reference(session, duplicate_of)
        except CaseNotFound:
            problems["duplicate_of"] = "names no case"
        else:
            if other.id == case.id:
                problems["duplicate_of"] = "a case is not a duplicate of itself"
    if not problems and why is CloseReason.OUTCOME_RECORDED:
        lines = _recorded_outcomes(session, case)
        if not lines:
            problems["reason"] = "no outcome is recorded yet on the packages of this case's reports"
        explanation = explanation or "; ".join(lines)[:2000]
    if problems:
        raise CaseInputError(problems)
    _close(session, principal, case, why, explanation, other)
    return case


def _recorded_outcomes(session: Session, case: Case) -> list[str]:
    """What forces recorded on the packages of the case's reports, through the hook outcomes registers."""
    try:
        summary = platform_for(session).find(OutcomeSummary)
    except LookupError:
        return []
    report_ids = list(session.scalars(select(CaseReport.report_id).where(CaseReport.case_id == case.id)))
    return summary.summarise(session, report_ids)


def _close(session: Session, principal: Principal, case: Case, why: CloseReason, explanation: str,
           other: Case | None, *, merged: bool = False) -> None:
    before = case.status
    case.status = CaseStatus.CLOSED.value
    case.closed_at = _now()
    case.close_reason = why.value
    case.close_explanation = explanation or None
    case.duplicate_of_id = other.id if other is not None else None
    if merged and other is not None:
        case.merged_into_id = other.id
    details: dict[str, Any] = {"from": before, "to": "closed", "reason": why.value}
    if other is not None:
        details["duplicate_of"] = other.reference
    _log(session, principal, case, ActionKind.STATUS_CHANGE, explanation or None, details)
    _audit(session, principal, AuditAction.ALTERATION, case, {"status": "closed", "reason": why.value,
                                                              "duplicate_of": other.id if other else None})


def reopen(session: Session, principal: Principal, case_id: int, reason: str = "") -> Case:
    _require_case_role(principal)
    case = get_case(session, case_id, lock=True)
    try:
        check_reopen(CaseStatus(case.status))
    except TransitionRefused as exc:
        raise CaseInputError({"status": str(exc)}) from None
    if case.merged_into_id is not None:
        raise Conflict("this case was merged into another; its reports are there now (split them out instead)")
    case.status = CaseStatus.IN_PROGRESS.value
    case.closed_at = None
    previous_reason = case.close_reason
    case.close_reason = None
    case.close_explanation = None
    case.duplicate_of_id = None
    _log(session, principal, case, ActionKind.STATUS_CHANGE, reason.strip() or None,
         {"from": "closed", "to": "in_progress", "reopened": True, "previous_reason": previous_reason})
    _audit(session, principal, AuditAction.ALTERATION, case, {"status": "in_progress", "reopened": True})
    return case


def merge(session: Session, principal: Principal, case_id: int, into: str, reason: str) -> Case:
    """Move every report of ``case_id`` into the case ``into`` (a reference or id); the source is
    closed as a duplicate merged into the target. Returns the target."""
    _require_case_role(principal)
    problems: dict[str, str] = {}
    if not (reason or "").strip():
        problems["reason"] = "is required"
    source = get_case(session, case_id, lock=True)
    target: Case | None = None
    try:
        target = get_case(session, int(into), lock=True) if str(into).strip().isdigit() \
            else case_by_reference(session, str(into))
    except CaseNotFound:
        problems["into"] = "names no case"
    if target is not None and target.id == source.id:
        problems["into"] = "a case is not merged into itself"
    if source.status == CaseStatus.CLOSED:
        problems["case"] = "a closed case is reopened before it is merged"
    if target is not None and target.status == CaseStatus.CLOSED:
        problems["into"] = "the target case is closed; reopen it first"
    if problems:
        raise CaseInputError(problems)
    assert target is not None
    moved = list(session.scalars(select(CaseReport.report_id).where(CaseReport.case_id == source.id)))
    session.execute(update(CaseReport).where(CaseReport.case_id == source.id)
                    .values(case_id=target.id, new_information=True))
    reason = reason.strip()
    _log(session, principal, target, ActionKind.MERGE, reason,
         {"from_case": source.reference, "from_case_id": source.id, "report_ids": moved})
    target.new_information = True
    _log(session, principal, source, ActionKind.MERGE, reason,
         {"into_case": target.reference, "into_case_id": target.id, "report_ids": moved})
    _close(session, principal, source, CloseReason.DUPLICATE, reason, target, merged=True)
    session.flush()
    assembly.refresh_triage(session, [source.id, target.id])
    session.refresh(source)
    session.refresh(target)
    record(session, principal.actor, AuditAction.COMBINATION, "case", target.id,
           detail={"reference": target.reference, "merged_from": source.id, "report_ids": moved})
    return target


def split(session: Session, principal: Principal, case_id: int, report_ids: Iterable[int], reason: str) -> Case:
    """Move the chosen reports of a case into a new case (with a reason); returns the new case."""
    _require_case_role(principal)
    chosen = sorted(set(report_ids))
    case = get_case(session, case_id, lock=True)
    members = set(session.scalars(select(CaseReport.report_id).where(CaseReport.case_id == case.id)))
    problems: dict[str, str] = {}
    if not (reason or "").strip():
        problems["reason"] = "is required"
    if not chosen:
        problems["report_ids"] = "choose at least one report to move"
    elif not set(chosen) <= members:
        problems["report_ids"] = "only reports in this case can be split out"
    elif set(chosen) == members:
        problems["report_ids"] = "leave at least one report in the case"
    if case.status == CaseStatus.CLOSED:
        problems["case"] = "a closed case is reopened before it is split"
    if problems:
        raise CaseInputError(problems)
    now = _now()
    new = Case(reference=assembly.new_references(session, 1)[0], status=CaseStatus.NEW.value, opened_at=now,
               updated_at=now, new_information=False, escalated=False, band_rank=assembly.UNASSESSED_RANK)
    session.add(new)
    session.flush()
    session.execute(update(CaseReport).where(CaseReport.report_id.in_(chosen)).values(case_id=new.id))
    reason = reason.strip()
    _log(session, principal, case, ActionKind.SPLIT, reason, {"to_case": new.reference, "to_case_id": new.id,
                                                              "report_ids": chosen})
    _log(session, principal, new, ActionKind.SPLIT, reason, {"from_case": case.reference, "from_case_id": case.id,
                                                             "report_ids": chosen})
    session.flush()
    assembly.refresh_triage(session, [case.id, new.id])
    session.refresh(case)
    session.refresh(new)
    record(session, principal.actor, AuditAction.ALTERATION, "case", case.id,
           detail={"reference": case.reference, "split_to": new.id, "report_ids": chosen})
    record(session, principal.actor, AuditAction.COLLECTION, "case", new.id,
           detail={"reference": new.reference, "split_from": case.id, "report_ids": chosen})
    return new


# --- the actions log ---------------------------------------------------------------------------


def add_action(session: Session, principal: Principal, case_id: int, kind: str, text: str | None,
               details: Mapping[str, Any]) -> CaseAction:
    """Append an analyst's entry (note, contact, enquiry, preservation, comms-data, information request)."""
    _require_case_role(principal)
    case = get_case(session, case_id, lock=True)
    try:
        valid = validate_entry(kind, text, details)
    except EntryInvalid as exc:
        raise CaseInputError(exc.problems) from None
    entry = _log(session, principal, case, valid.kind, valid.text, valid.details, expires_at=valid.expires_at,
                 status=valid.status)
    _audit(session, principal, AuditAction.COLLECTION, case, {"action_id": entry.id, "kind": valid.kind.value})
    return entry


def update_comms_request(session: Session, principal: Principal, case_id: int, action_id: int, status: str,
                         result: str | None = None, text: str | None = None) -> CaseAction:
    """Record a comms-data request's new status (and its result) as a new entry referencing the
    first; the first entry shows the latest status and points to the update."""
    _require_case_role(principal)
    case = get_case(session, case_id, lock=True)
    first = session.get(CaseAction, action_id)
    if first is None or first.case_id != case.id or first.kind != ActionKind.COMMS_DATA_REQUEST:
        raise CaseNotFound("No such communications-data request on this case.")
    if first.superseded_by_id is not None:
        raise Conflict("this entry has been updated since; update the latest entry")
    try:
        target, clean = validate_comms_update(first.status or "drafted", status, result)
    except EntryInvalid as exc:
        raise CaseInputError(exc.problems) from None
    details = {**first.details, "status": target.value, "update_of": first.id}
    details.pop("result", None)
    if clean:
        details["result"] = clean
    elif first.details.get("result"):
        details["result"] = first.details["result"]
    entry = _log(session, principal, case, ActionKind.COMMS_DATA_REQUEST, (text or "").strip() or None, details,
                 status=target.value)
    first.superseded_by_id = entry.id
    _audit(session, principal, AuditAction.ALTERATION, case,
           {"action_id": entry.id, "update_of": first.id, "status": target.value, "result_recorded": bool(clean)})
    return entry


def preservation_due(session: Session, case_ids: Iterable[int] | None = None, *,
                     now: datetime | None = None) -> dict[int, list[tuple[CaseAction, str]]]:
    """Open cases' preservation requests that lapse within a week or have lapsed, per case
    (one query on the indexed expiry)."""
    now = now or _now()
    # Read by the expiry index first, then keep the open cases' (the planner may not pick that order).
    query = (select(CaseAction)
             .where(CaseAction.expires_at <= now + PRESERVATION_WARNING,
                    CaseAction.kind == ActionKind.PRESERVATION_REQUEST.value, CaseAction.superseded_by_id.is_(None))
             .order_by(CaseAction.expires_at))
    if case_ids is not None:
        ids = sorted(set(case_ids))
        if not ids:
            return {}
        query = query.where(CaseAction.case_id.in_(ids))
    actions = list(session.scalars(query.limit(1000)))
    if not actions:
        return {}
    open_ids = set(session.scalars(select(Case.id).where(Case.id.in_({a.case_id for a in actions}),
                                                         Case.status.in_([s.value for s in OPEN_STATUSES]))))
    found: dict[int, list[tuple[CaseAction, str]]] = {}
    for action in (a for a in actions if a.case_id in open_ids):
        state = preservation_state(action.expires_at, now)
        if state:
            found.setdefault(action.case_id, []).append((action, state))
    return found


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {uid: name for uid, name in session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))}


def report_references(session: Session, report_ids: Iterable[int]) -> dict[int, str]:
    """The human reference of each report the log names (a log entry keeps ids: references are shown)."""
    ids = sorted(set(report_ids))
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(select(Report.id, Report.reference).where(Report.id.in_(ids[start:start + 500])))
        found.update((report_id, reference) for report_id, reference in rows)
    return found


def open_case_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Case)
                          .where(Case.status.in_([s.value for s in OPEN_STATUSES]))) or 0


def report_ids_of(session: Session, case_ids: Iterable[int]) -> dict[int, list[int]]:
    """The report ids of each case, in one query."""
    ids = sorted(set(case_ids))
    found: dict[int, list[int]] = {}
    if ids:
        for cid, rid in session.execute(select(CaseReport.case_id, CaseReport.report_id)
                                        .where(CaseReport.case_id.in_(ids)).order_by(CaseReport.report_id)):
            found.setdefault(cid, []).append(rid)
    return found
