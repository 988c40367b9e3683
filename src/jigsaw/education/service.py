"""Recording the programme: deliverers and their status, sessions and surveys, each audited; and
the reach counts (children reached, settings reached) the annual review reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import CASE_ROLES
from jigsaw.appeals.interfaces import REGIONS
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import record
from jigsaw.education import rules
from jigsaw.education.models import Deliverer, EducationSession, Survey
from jigsaw.education.rules import DelivererRole, DelivererStatus, RecordRefused
from jigsaw.errors import NotAllowed, NotFound


def _now() -> datetime:
    return datetime.now(UTC)


def require_staff(principal: Principal) -> int:
    if not principal.at_centre or principal.role not in CASE_ROLES or principal.user_id is None:
        raise NotAllowed("programme records are kept by the centre's staff")
    return principal.user_id


def add_deliverer(session: Session, principal: Principal, *, name: str, email: str | None, organisation: str,
                  role: str, course: str, trained_on: date | None, conduct_accepted: bool) -> Deliverer:
    require_staff(principal)
    problems = rules.check_deliverer(name, course, trained_on, _now().date())
    if role not in {r.value for r in DelivererRole}:
        problems["role"] = "network_member or ambassador"
    if not conduct_accepted:
        problems["conduct_accepted"] = "deliverers accept the code of conduct before they deliver"
    if problems:
        raise RecordRefused(problems)
    assert trained_on is not None
    deliverer = Deliverer(name=name.strip(), email=(email or "").strip() or None, organisation=organisation.strip(),
                          role=role, course=course.strip(), trained_on=trained_on, conduct_accepted=True,
                          status=DelivererStatus.ACTIVE.value, status_changed_at=_now())
    session.add(deliverer)
    session.flush()
    record(session, principal.actor, AuditAction.COLLECTION, "deliverer", deliverer.id, detail={"role": role})
    return deliverer


def set_status(session: Session, principal: Principal, deliverer_id: int, status: str, reason: str) -> Deliverer:
    require_staff(principal)
    deliverer = session.get(Deliverer, deliverer_id)
    if deliverer is None:
        raise NotFound("No such deliverer.")
    try:
        target = DelivererStatus(status)
    except ValueError:
        raise RecordRefused({"status": "active, suspended or ended"}) from None
    rules.check_status_move(DelivererStatus(deliverer.status), target, reason)
    deliverer.status = target.value
    deliverer.status_reason = reason.strip() or None
    deliverer.status_changed_at = _now()
    record(session, principal.actor, AuditAction.ALTERATION, "deliverer", deliverer.id, detail={"status": status})
    return deliverer


def deliverers(session: Session, principal: Principal, *, purpose: str) -> list[Deliverer]:
    require_staff(principal)
    found = list(session.scalars(select(Deliverer).order_by(Deliverer.id)))
    record(session, principal.actor, AuditAction.CONSULTATION, "deliverer", None, purpose=purpose,
           detail={"listed": len(found)})
    return found


def record_session(session: Session, principal: Principal, *, deliverer_id: int, setting_name: str,
                   setting_type: str, setting_urn: str | None, area: str, held_on: date | None, format_: str,
                   children: Mapping[str, Any], parents: Any, professionals: Any, resource: str,
                   resource_version: str) -> EducationSession:
    """Record a session that was held; an assembly, a session by a suspended deliverer or one with no
    audience is refused with the reason."""
    user_id = require_staff(principal)
    deliverer = session.get(Deliverer, deliverer_id)
    problems = rules.check_session(
        format_=format_, setting_type=setting_type, setting_name=setting_name, area=area, held_on=held_on,
        today=_now().date(), resource=resource, resource_version=resource_version,
        deliverer_status=deliverer.status if deliverer else None, areas=REGIONS)
    people, audience_problems = rules.audience(children, parents, professionals)
    problems.update(audience_problems)
    if problems:
        raise RecordRefused(problems)
    assert held_on is not None
    row = EducationSession(
        deliverer_id=deliverer_id, setting_name=" ".join(setting_name.split()), setting_type=setting_type,
        setting_urn=(setting_urn or "").strip() or None,
        setting_key=rules.settings_key(setting_urn, setting_name, area),
        area=area, held_on=held_on, format=format_, children=dict(people.children),
        children_total=people.children_total, parents=people.parents, professionals=people.professionals,
        resource=resource.strip(), resource_version=resource_version.strip(), recorded_by=user_id)
    session.add(row)
    session.flush()
    record(session, principal.actor, AuditAction.COLLECTION, "education_session", row.id,
           detail={"children": people.children_total, "format": format_})
    return row


def record_survey(session: Session, principal: Principal, *, title: str, instrument: str,
                  fieldwork_start: date | None, fieldwork_end: date | None, population: str, sample_size: Any,
                  results: list[Mapping[str, Any]], caveats: str) -> Survey:
    user_id = require_staff(principal)
    problems = rules.check_survey(instrument=instrument, fieldwork_start=fieldwork_start, fieldwork_end=fieldwork_end,
                                  sample_size=sample_size, results=results, caveats=caveats)
    if not title.strip():
        problems["title"] = "a title"
    if problems:
        raise RecordRefused(problems)
    assert fieldwork_start is not None and fieldwork_end is not None
    survey = Survey(title=title.strip(), instrument=instrument.strip(), fieldwork_start=fieldwork_start,
                    fieldwork_end=fieldwork_end, population=population.strip(), sample_size=int(sample_size),
                    results=[dict(r) for r in results], caveats=caveats.strip(), recorded_by=user_id)
    session.add(survey)
    session.flush()
    record(session, principal.actor, AuditAction.COLLECTION, "survey", survey.id, detail={"title": survey.title})
    return survey


def sessions(session: Session, *, start: date | None = None, end: date | None = None,
             limit: int = 500) -> list[EducationSession]:
    query = select(EducationSession).order_by(EducationSession.held_on.desc(), EducationSession.id.desc()).limit(limit)
    if start:
        query = query.where(EducationSession.held_on >= start)
    if end:
        query = query.where(EducationSession.held_on <= end)
    return list(session.scalars(query))


def surveys(session: Session) -> list[Survey]:
    return list(session.scalars(select(Survey).order_by(Survey.fieldwork_end.desc(), Survey.id.desc())))


@dataclass(frozen=True)
class Reach:
    """What the programme reached between two dates (inclusive). Children reached counts
    attendances (a child at two sessions counts twice); settings reached counts distinct settings."""

    start: date | None
    end: date | None
    sessions: int
    children_reached: int
    children_by_band: dict[str, int]
    settings_reached: int
    parents_reached: int
    professionals_reached: int


def reach(session: Session, start: date | None = None, end: date | None = None) -> Reach:
    where = []
    if start:
        where.append(EducationSession.held_on >= start)
    if end:
        where.append(EducationSession.held_on <= end)
    totals = session.execute(select(
        func.count(), func.coalesce(func.sum(EducationSession.children_total), 0),
        func.count(func.distinct(EducationSession.setting_key)), func.coalesce(func.sum(EducationSession.parents), 0),
        func.coalesce(func.sum(EducationSession.professionals), 0)).where(*where)).one()
    bands = {band: 0 for band in rules.AGE_BANDS}
    for (children,) in session.execute(select(EducationSession.children).where(*where)):
        for band, n in (children or {}).items():
            bands[band] = bands.get(band, 0) + int(n)
    return Reach(start, end, int(totals[0]), int(totals[1]), bands, int(totals[2]), int(totals[3]), int(totals[4]))
