"""Working an appeal: drafting, the photo, sending for approval, the two approvals that publish it,
review, and its end (located, withdrawn, or expired by the review rule).

Every change writes an :class:`AppealEvent` (the takedown log among them) and an audit record in
the caller's transaction. Publication is recorded as a disclosure to the public. The rules live in
:mod:`jigsaw.appeals.lifecycle`; this module applies them to storage.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation, User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import CASE_ROLES, OrgKind, Role
from jigsaw.appeals import lifecycle as rules
from jigsaw.appeals.lifecycle import AppealReason, AppealRefused, AppealStatus, Justification, PublicFields
from jigsaw.appeals.models import Appeal, AppealApproval, AppealEvent, AppealPhoto, AppealTip
from jigsaw.appeals.photo import reencode
from jigsaw.appeals.subscriptions import Links, purge_unconfirmed, queue_alert
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.errors import NotAllowed, NotFound
from jigsaw.intake.interfaces import Subject, SubjectRole

READ_PURPOSE = "working a Most Wanted appeal"
PUBLIC = "the public (Most Wanted page)"


class AppealNotFound(NotFound, LookupError):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def _rand(n: int) -> int:
    return secrets.randbelow(n)


def require_staff(principal: Principal, *, supervisor: bool = False) -> None:
    if not principal.at_centre or principal.role not in CASE_ROLES or principal.user_id is None:
        raise NotAllowed("Most Wanted appeals are worked by the centre's analysts and supervisors")
    if supervisor and principal.role is not Role.SUPERVISOR:
        raise NotAllowed("only a supervisor may do this")


def get_appeal(session: Session, appeal_id: int, *, lock: bool = False) -> Appeal:
    query = select(Appeal).where(Appeal.id == appeal_id)
    if lock:
        query = query.with_for_update()
    appeal = session.scalar(query)
    if appeal is None:
        raise AppealNotFound("No such appeal.")
    return appeal


def public_of(appeal: Appeal) -> PublicFields:
    fields, _ = rules.public_fields(appeal.public or {})
    return fields


def justification_of(appeal: Appeal) -> Justification:
    return Justification.from_dict(appeal.justification or {})


def _event(session: Session, appeal: Appeal, kind: str, principal: Principal | None, note: str | None = None,
           *, at: datetime | None = None) -> AppealEvent:
    at = at or _now()
    entry = AppealEvent(appeal_id=appeal.id, kind=kind, at=at, by_user_id=principal.user_id if principal else None,
                        by_label=principal.label if principal else "system", note=note or None)
    session.add(entry)
    appeal.updated_at = at
    session.flush()
    return entry


def _audit(session: Session, actor: Actor, action: AuditAction, appeal: Appeal, detail: Mapping[str, Any],
           **kwargs: Any) -> None:
    record(session, actor, action, "appeal", appeal.id, detail={"reference": appeal.reference, **detail}, **kwargs)


def _check_force(session: Session, force_id: int) -> None:
    org = session.get(Organisation, force_id)
    if org is None or org.kind != OrgKind.UK_FORCE:
        raise AppealRefused({"owning_force_id": "the owning force is a UK police force known to Jigsaw"})


def _check_subject(session: Session, subject_id: int) -> None:
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise AppealRefused({"subject_id": "no such subject"})
    if subject.role != SubjectRole.SUSPECT:
        raise AppealRefused({"subject_id": "an appeal is only ever about a suspect, never a victim or recipient"})
    if subject.age is not None and subject.age < rules.ADULT_AGE:
        raise AppealRefused({"subject_id": "an appeal is only ever about an adult"})


def _check_region(region: str) -> str:
    if region not in rules.REGIONS:
        raise AppealRefused({"region": f"one of: {', '.join(rules.REGIONS)}"})
    return region


def _unused(session: Session, column: Any, make: Any) -> str:
    for _ in range(10):
        value = make()
        if session.scalar(select(Appeal.id).where(column == value)) is None:
            return str(value)
    raise RuntimeError("could not find an unused appeal reference")


def create_appeal(session: Session, principal: Principal, *, subject_id: int, reason: str, owning_force_id: int,
                  region: str, public: Mapping[str, Any], justification: Mapping[str, Any] | None = None,
                  review_by: date | None = None) -> Appeal:
    """A draft appeal about ``subject_id`` (a suspect, an adult). Public fields must be valid from
    the start; the justification may be completed before the draft is sent for approval."""
    require_staff(principal)
    assert principal.user_id is not None
    try:
        reason_value = AppealReason(reason)
    except ValueError:
        raise AppealRefused({"reason": "wanted or notification_breach"}) from None
    _check_subject(session, subject_id)
    _check_force(session, owning_force_id)
    fields, problems = rules.public_fields(public)
    if problems:
        raise AppealRefused(problems)
    just, _ = rules.justification(justification or {})
    now = _now()
    appeal = Appeal(
        reference=_unused(session, Appeal.reference, lambda: rules.make_reference("MW", _rand)),
        slug=_unused(session, Appeal.slug, lambda: rules.make_slug(_rand)),
        status=AppealStatus.DRAFT.value, reason=reason_value.value, subject_id=subject_id,
        owning_force_id=owning_force_id, region=_check_region(region), public=fields.as_dict(),
        justification=just.as_dict(), review_by=review_by or rules.default_review_by(now.date()),
        author_id=principal.user_id, created_at=now, updated_at=now,
    )
    session.add(appeal)
    session.flush()
    _event(session, appeal, "created", principal, at=now)
    _audit(session, principal.actor, AuditAction.COLLECTION, appeal, {"subject_id": subject_id})
    return appeal


def update_appeal(session: Session, principal: Principal, appeal_id: int, *, public: Mapping[str, Any] | None = None,
                  justification: Mapping[str, Any] | None = None, region: str | None = None,
                  owning_force_id: int | None = None, review_by: date | None = None) -> Appeal:
    require_staff(principal)
    appeal = get_appeal(session, appeal_id, lock=True)
    rules.check_editable(AppealStatus(appeal.status))
    if public is not None:
        fields, problems = rules.public_fields(public)
        if problems:
            raise AppealRefused(problems)
        appeal.public = fields.as_dict()
    if justification is not None:
        appeal.justification = rules.justification(justification)[0].as_dict()
    if region is not None:
        appeal.region = _check_region(region)
    if owning_force_id is not None:
        _check_force(session, owning_force_id)
        appeal.owning_force_id = owning_force_id
    if review_by is not None:
        appeal.review_by = review_by
    _event(session, appeal, "edited", principal)
    _audit(session, principal.actor, AuditAction.ALTERATION, appeal, {"change": "edited"})
    return appeal


def has_photo(session: Session, appeal_id: int) -> bool:
    return session.scalar(select(AppealPhoto.appeal_id).where(AppealPhoto.appeal_id == appeal_id)) is not None


def set_photo(session: Session, principal: Principal, appeal_id: int, upload: bytes) -> AppealPhoto:
    """Re-encode ``upload`` without metadata and keep it as the draft's photo (replacing any)."""
    require_staff(principal)
    assert principal.user_id is not None
    appeal = get_appeal(session, appeal_id, lock=True)
    rules.check_editable(AppealStatus(appeal.status))
    fields = public_of(appeal)
    if fields.age is None:
        raise AppealRefused({"age": "give the person's age (an adult's) before adding a photo"})
    clean = reencode(upload)
    session.execute(delete(AppealPhoto).where(AppealPhoto.appeal_id == appeal.id))
    photo = AppealPhoto(appeal_id=appeal.id, data=clean.data, media_type=clean.media_type, width=clean.width,
                        height=clean.height, sha256=clean.sha256, uploaded_by=principal.user_id, uploaded_at=_now())
    session.add(photo)
    session.flush()
    _event(session, appeal, "photo_added", principal, f"{clean.width}x{clean.height}, {len(clean.data)} bytes")
    _audit(session, principal.actor, AuditAction.COLLECTION, appeal, {"photo": clean.sha256})
    return photo


def _delete_photo(session: Session, appeal: Appeal, principal: Principal | None) -> bool:
    gone = session.execute(delete(AppealPhoto).where(AppealPhoto.appeal_id == appeal.id))
    if not gone.rowcount:  # type: ignore[attr-defined]
        return False
    _event(session, appeal, "photo_deleted", principal)
    record(session, principal.actor if principal else Actor.system(), AuditAction.ERASURE, "appeal", appeal.id,
           detail={"reference": appeal.reference, "photo": "deleted"})
    return True


def remove_photo(session: Session, principal: Principal, appeal_id: int) -> bool:
    require_staff(principal)
    appeal = get_appeal(session, appeal_id, lock=True)
    rules.check_editable(AppealStatus(appeal.status))
    return _delete_photo(session, appeal, principal)


def submit(session: Session, principal: Principal, appeal_id: int) -> Appeal:
    """Send a complete draft for approval (two supervisors, neither its author)."""
    require_staff(principal)
    appeal = get_appeal(session, appeal_id, lock=True)
    _, public_problems = rules.public_fields(appeal.public or {})
    _, just_problems = rules.justification(justification_of(appeal).as_dict())
    problems = {**public_problems, **just_problems}
    rules.check_submit(AppealStatus(appeal.status), problems, has_photo(session, appeal.id))
    now = _now()
    appeal.status = AppealStatus.AWAITING_APPROVAL.value
    appeal.submitted_at = now
    _event(session, appeal, "submitted", principal, at=now)
    _audit(session, principal.actor, AuditAction.ALTERATION, appeal, {"status": appeal.status})
    return appeal


def approvers(session: Session, appeal_id: int) -> list[int]:
    return list(session.scalars(select(AppealApproval.approver_id).where(AppealApproval.appeal_id == appeal_id)
                                .order_by(AppealApproval.id)))


def approve(session: Session, principal: Principal, appeal_id: int, note: str, links: Links) -> Appeal:
    """Record a supervisor's approval; the second, by a second supervisor, publishes the appeal."""
    require_staff(principal, supervisor=True)
    assert principal.user_id is not None
    appeal = get_appeal(session, appeal_id, lock=True)
    publishes = rules.check_approval(AppealStatus(appeal.status), appeal.author_id, principal.user_id,
                                     approvers(session, appeal.id))
    now = _now()
    session.add(AppealApproval(appeal_id=appeal.id, approver_id=principal.user_id, approved_at=now,
                               note=note.strip() or None))
    session.flush()
    _event(session, appeal, "approved", principal, note, at=now)
    _audit(session, principal.actor, AuditAction.ALTERATION, appeal, {"approval": len(approvers(session, appeal.id))})
    if publishes:
        _publish(session, appeal, principal, links, now)
    return appeal


def _publish(session: Session, appeal: Appeal, principal: Principal, links: Links, now: datetime) -> None:
    today = now.date()
    try:
        rules.check_review_by(appeal.review_by, today)
    except AppealRefused:
        appeal.review_by = rules.default_review_by(today)
    appeal.status = AppealStatus.PUBLISHED.value
    appeal.published_at = now
    appeal.review_flagged_at = None
    _event(session, appeal, "published", principal, f"review by {appeal.review_by.isoformat()}", at=now)
    _audit(session, principal.actor, AuditAction.DISCLOSURE, appeal, {"fields": list(rules.PUBLIC_FIELDS)},
           purpose="Most Wanted appeal approved by two supervisors", recipient=PUBLIC)
    queue_alert(session, links, appeal.id, "published", public_of(appeal), appeal.region, appeal.slug, now=now)


def return_to_draft(session: Session, principal: Principal, appeal_id: int, reason: str) -> Appeal:
    """A supervisor sends a submitted appeal back to its author; its approvals are cleared."""
    require_staff(principal, supervisor=True)
    if not reason.strip():
        raise AppealRefused({"reason": "say what needs changing"})
    appeal = get_appeal(session, appeal_id, lock=True)
    rules.check_return_to_draft(AppealStatus(appeal.status))
    session.execute(delete(AppealApproval).where(AppealApproval.appeal_id == appeal.id))
    appeal.status = AppealStatus.DRAFT.value
    _event(session, appeal, "returned", principal, reason)
    _audit(session, principal.actor, AuditAction.ALTERATION, appeal, {"status": appeal.status})
    return appeal


def review(session: Session, principal: Principal, appeal_id: int, review_by: date, note: str) -> Appeal:
    """A supervisor confirms a published appeal is still necessary and sets the next review date."""
    require_staff(principal, supervisor=True)
    if not note.strip():
        raise AppealRefused({"note": "record why the appeal is still necessary and proportionate"})
    appeal = get_appeal(session, appeal_id, lock=True)
    if appeal.status != AppealStatus.PUBLISHED:
        raise AppealRefused("only a published appeal is reviewed")
    rules.check_review_by(review_by, _now().date())
    appeal.review_by = review_by
    appeal.review_flagged_at = None
    _event(session, appeal, "reviewed", principal, f"next review by {review_by.isoformat()}: {note}")
    _audit(session, principal.actor, AuditAction.ALTERATION, appeal, {"review_by": review_by.isoformat()})
    return appeal


def _end(session: Session, appeal: Appeal, target: AppealStatus, principal: Principal | None, note: str,
         now: datetime) -> None:
    was_published = appeal.status == AppealStatus.PUBLISHED
    appeal.status = target.value
    appeal.ended_at = now
    appeal.end_note = note.strip() or None
    _event(session, appeal, target.value, principal, note, at=now)
    if was_published:
        _event(session, appeal, "unpublished", principal, at=now)
    _delete_photo(session, appeal, principal)
    _audit(session, principal.actor if principal else Actor.system(), AuditAction.ALTERATION, appeal,
           {"status": target.value, "unpublished": was_published})


def mark_located(session: Session, principal: Principal, appeal_id: int, note: str, links: Links) -> Appeal:
    """The person is found: unpublished at once, the photo deleted, the subscribers told."""
    require_staff(principal)
    appeal = get_appeal(session, appeal_id, lock=True)
    rules.check_end(AppealStatus(appeal.status), AppealStatus.LOCATED)
    now = _now()
    fields = public_of(appeal)
    _end(session, appeal, AppealStatus.LOCATED, principal, note, now)
    queue_alert(session, links, appeal.id, "located", fields, appeal.region, appeal.slug, now=now)
    return appeal


def withdraw(session: Session, principal: Principal, appeal_id: int, reason: str) -> Appeal:
    require_staff(principal)
    if not reason.strip():
        raise AppealRefused({"reason": "say why the appeal is withdrawn"})
    appeal = get_appeal(session, appeal_id, lock=True)
    rules.check_end(AppealStatus(appeal.status), AppealStatus.WITHDRAWN)
    _end(session, appeal, AppealStatus.WITHDRAWN, principal, reason, _now())
    return appeal


def review_due(session: Session, now: datetime) -> tuple[int, int]:
    """The review rule, run by the due-work loop: flag each published appeal past its review-by
    date, and unpublish (expire) each one past the grace after it. Returns (flagged, expired)."""
    flagged = expired = 0
    due = session.scalars(select(Appeal).where(Appeal.status == AppealStatus.PUBLISHED,
                                               Appeal.review_by < now.date()).with_for_update()).all()
    for appeal in due:
        state = rules.review_state(appeal.review_by, now)
        if state is rules.ReviewState.LAPSED:
            _end(session, appeal, AppealStatus.EXPIRED, None, "not reviewed in time: unpublished automatically", now)
            expired += 1
        elif state is rules.ReviewState.OVERDUE and appeal.review_flagged_at is None:
            appeal.review_flagged_at = now
            _event(session, appeal, "review_flagged", None, "past its review-by date", at=now)
            flagged += 1
    return flagged, expired


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppealDetail:
    appeal: Appeal
    public: PublicFields
    justification: Justification
    approvals: list[tuple[str, datetime, str | None]]
    events: list[AppealEvent]
    photo: AppealPhoto | None
    owning_force: str
    author: str
    tips: int


def _names(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def read_appeal(session: Session, principal: Principal, appeal_id: int, *, purpose: str = READ_PURPOSE) -> AppealDetail:
    """Everything staff see of an appeal; the read is audited (it names a person)."""
    require_staff(principal)
    appeal = get_appeal(session, appeal_id)
    approvals = session.scalars(select(AppealApproval).where(AppealApproval.appeal_id == appeal.id)
                                .order_by(AppealApproval.id)).all()
    events = session.scalars(select(AppealEvent).where(AppealEvent.appeal_id == appeal.id)
                             .order_by(AppealEvent.id.desc())).all()
    names = _names(session, [a.approver_id for a in approvals] + [appeal.author_id])
    force = session.get(Organisation, appeal.owning_force_id)
    tips = session.scalar(select(func.count()).select_from(AppealTip).where(AppealTip.appeal_id == appeal.id)) or 0
    record(session, principal.actor, AuditAction.CONSULTATION, "appeal", appeal.id, purpose=purpose,
           detail={"reference": appeal.reference})
    return AppealDetail(appeal, public_of(appeal), justification_of(appeal),
                        [(names.get(a.approver_id, str(a.approver_id)), a.approved_at, a.note) for a in approvals],
                        list(events), session.get(AppealPhoto, appeal.id), force.name if force else "?",
                        names.get(appeal.author_id, str(appeal.author_id)), tips)


@dataclass(frozen=True)
class AppealRow:
    id: int
    reference: str
    status: str
    name: str
    region: str
    owning_force: str
    review_by: date
    review_flagged: bool
    approvals: int
    updated_at: datetime


def list_appeals(session: Session, principal: Principal, *, statuses: list[str] | None = None,
                 purpose: str = "the Most Wanted appeals list") -> list[AppealRow]:
    """Appeals newest first (a read of names: audited once for the list)."""
    require_staff(principal)
    query = select(Appeal).order_by(Appeal.updated_at.desc(), Appeal.id.desc()).limit(500)
    if statuses:
        query = query.where(Appeal.status.in_(statuses))
    appeals = session.scalars(query).all()
    counts: dict[int, int] = {appeal_id: n for appeal_id, n in session.execute(
        select(AppealApproval.appeal_id, func.count()).group_by(AppealApproval.appeal_id))}
    forces = {o.id: o.name for o in session.scalars(select(Organisation).where(
        Organisation.id.in_({a.owning_force_id for a in appeals})))} if appeals else {}
    record(session, principal.actor, AuditAction.CONSULTATION, "appeal", None, purpose=purpose,
           detail={"listed": len(appeals)})
    return [AppealRow(a.id, a.reference, a.status, public_of(a).name, a.region, forces.get(a.owning_force_id, "?"),
                      a.review_by, a.review_flagged_at is not None, counts.get(a.id, 0), a.updated_at)
            for a in appeals]


def uk_forces(session: Session) -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in session.scalars(select(Organisation).where(
        Organisation.kind == OrgKind.UK_FORCE).order_by(Organisation.name))]


# --- what the public sees ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicAppeal:
    """An appeal as a public page shows it: the allow-listed fields and nothing else."""

    slug: str
    status: str
    fields: PublicFields | None  # None once the appeal has ended: nothing about the person is shown
    region: str
    has_photo: bool
    photo_version: str
    published_at: datetime | None
    updated_at: datetime


def _public(appeal: Appeal, photo_sha: str | None) -> PublicAppeal:
    live = appeal.status == AppealStatus.PUBLISHED
    return PublicAppeal(appeal.slug, appeal.status, public_of(appeal) if live else None, appeal.region,
                        live and photo_sha is not None, (photo_sha or "")[:12], appeal.published_at,
                        appeal.updated_at)


def published_appeals(session: Session, region: str | None = None) -> list[PublicAppeal]:
    query = (select(Appeal, AppealPhoto.sha256).outerjoin(AppealPhoto, AppealPhoto.appeal_id == Appeal.id)
             .where(Appeal.status == AppealStatus.PUBLISHED).order_by(Appeal.published_at.desc(), Appeal.id.desc()))
    if region:
        query = query.where(Appeal.region == region)
    return [_public(a, sha) for a, sha in session.execute(query).all()]


def public_appeal(session: Session, slug: str) -> PublicAppeal | None:
    """The appeal at ``slug`` (published, or ended: the page then says so), or None (never, or a draft)."""
    row = session.execute(select(Appeal, AppealPhoto.sha256).outerjoin(AppealPhoto, AppealPhoto.appeal_id == Appeal.id)
                          .where(Appeal.slug == slug)).first()
    if row is None or row[0].status in (AppealStatus.DRAFT, AppealStatus.AWAITING_APPROVAL):
        return None
    return _public(row[0], row[1])


def public_photo(session: Session, slug: str) -> AppealPhoto | None:
    """The photo of the published appeal at ``slug`` (never of one that is not published)."""
    return session.scalar(select(AppealPhoto).join(Appeal, Appeal.id == AppealPhoto.appeal_id)
                          .where(Appeal.slug == slug, Appeal.status == AppealStatus.PUBLISHED))


def staff_photo(session: Session, principal: Principal, appeal_id: int) -> AppealPhoto | None:
    require_staff(principal)
    return session.get(AppealPhoto, appeal_id)


def due_work(session: Session, now: datetime) -> dict[str, int]:
    """The appeals' periodic work: the review rule, and purging unconfirmed subscriptions."""
    flagged, expired = review_due(session, now)
    return {"review_flagged": flagged, "expired": expired, "unconfirmed_purged": purge_unconfirmed(session, now)}
