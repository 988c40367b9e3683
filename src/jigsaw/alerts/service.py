"""Raising, acknowledging and escalating duty alerts.

An alert is raised inside the transaction that stored or re-scored the report (the event
handlers below run after triage), so a P0 cannot be committed without its alert and its duty
mail in the outbox. The mail says which report, its band and where to open it: never what the
report says, because mail leaves the system and sits in inboxes and phones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jigsaw.accounts.models import Organisation, User
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.alerts.models import REASON_LABELS, AlertReason, DutyAlert
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.config import Settings
from jigsaw.db.base import table_of
from jigsaw.errors import NotFound
from jigsaw.events import BandOverridden, MediaMatched, ReportsStored, ReportStored, SubjectInformationAdded
from jigsaw.intake.interfaces import Subject
from jigsaw.linking.interfaces import linked_reports
from jigsaw.mail import interfaces as mail
from jigsaw.platform import platform_for
from jigsaw.triage.interfaces import DangerFacts, danger_facts, p0_rescored_since

_alerts_t = table_of(DutyAlert)
# How far back a batch looks for reports it re-scored to P0: longer than any one import transaction.
_RESCORE_WINDOW = timedelta(minutes=30)


def _reason(facts: DangerFacts) -> AlertReason | None:
    p0 = facts.band == "P0"
    if p0 and facts.escalated:
        return AlertReason.BOTH
    if p0:
        return AlertReason.P0
    if facts.escalated:
        return AlertReason.DANGER_NOW
    return None


def raise_alerts(session: Session, report_ids: Iterable[int], *, now: datetime | None = None) -> list[DutyAlert]:
    """Raise an alert for each of ``report_ids`` that is P0 or escalated and has none yet, and
    queue its duty mail; the alerts raised now (a report is alerted once, whatever happens later)."""
    now = now or datetime.now(UTC)
    ids = list(dict.fromkeys(report_ids))
    alerted: set[int] = set()
    for start in range(0, len(ids), 500):
        alerted.update(session.scalars(select(DutyAlert.report_id).where(
            DutyAlert.report_id.in_(ids[start:start + 500]))))
    candidates = [f for f in danger_facts(session, [i for i in ids if i not in alerted]).values()
                  if _reason(f) is not None]
    if not candidates:
        return []
    settings = platform_for(session).settings
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    raised: list[DutyAlert] = []
    for facts in candidates:
        reason = _reason(facts)
        assert reason is not None
        alert_id = session.scalar(
            insert(_alerts_t).values(report_id=facts.report_id, reference=facts.reference, band=facts.band,
                                     reason=reason.value, raised_at=now)
            .on_conflict_do_nothing(index_elements=["report_id"]).returning(_alerts_t.c.id))
        if alert_id is None:
            continue  # alerted before
        alert = session.get(DutyAlert, alert_id)
        assert alert is not None
        record(session, Actor.system(), AuditAction.ADMINISTRATION, "duty_alert", alert.id,
               detail={"event": "raised", "report_id": facts.report_id, "band": facts.band, "reason": reason.value,
                       "mailed_to_duty": bool(settings.duty_email)})
        if settings.duty_email:
            mail.enqueue(session, settings.duty_email, _subject(alert), _duty_body(alert, settings),
                         f"duty-alert:{alert.id}:duty", now=now)
        raised.append(alert)
    return raised


def report_link(settings: Settings, report_id: int) -> str:
    return f"{settings.base_url.rstrip('/')}/reports/{report_id}"


def _what(alert: DutyAlert) -> str:
    return REASON_LABELS[AlertReason(alert.reason)]


def _subject(alert: DutyAlert, *, escalated: bool = False) -> str:
    lead = "ESCALATED duty alert" if escalated else "Duty alert"
    return f"{lead}: {alert.reference} ({_what(alert)})"


def _duty_body(alert: DutyAlert, settings: Settings) -> str:
    return (f"Report {alert.reference} needs the duty team now.\n\n"
            f"Band: {alert.band or 'not yet assessed'}\n"
            f"Why: {_what(alert)}\n"
            f"Open it: {report_link(settings, alert.report_id)}\n\n"
            "Acknowledge the alert in Jigsaw (the banner on every staff page). If nobody acknowledges it within "
            f"{settings.alert_escalate_minutes} minutes, it goes to the supervisors.\n\n"
            "This message carries no case content: sign in to Jigsaw to read the report.\n")


def _escalation_body(alert: DutyAlert, settings: Settings) -> str:
    return (f"Nobody has acknowledged the duty alert for report {alert.reference} "
            f"within {settings.alert_escalate_minutes} minutes.\n\n"
            f"Band: {alert.band or 'not yet assessed'}\n"
            f"Why: {_what(alert)}\n"
            f"Open it: {report_link(settings, alert.report_id)}\n\n"
            "Please make sure someone is acting on it, then acknowledge the alert in Jigsaw.\n\n"
            "This message carries no case content: sign in to Jigsaw to read the report.\n")


# -- reading and acknowledging -------------------------------------------------------------------


def open_alerts(session: Session, *, limit: int = 100) -> list[DutyAlert]:
    """Unacknowledged alerts, oldest first (the one waiting longest leads)."""
    return list(session.scalars(select(DutyAlert).where(DutyAlert.acknowledged_at.is_(None))
                                .order_by(DutyAlert.raised_at, DutyAlert.id).limit(limit)))


def recent_alerts(session: Session, *, limit: int = 50) -> list[DutyAlert]:
    """The newest alerts, acknowledged or not."""
    return list(session.scalars(select(DutyAlert).order_by(DutyAlert.id.desc()).limit(limit)))


def acknowledge(session: Session, principal: Principal, alert_id: int, *, now: datetime | None = None
                ) -> tuple[DutyAlert, bool]:
    """Record that ``principal`` has the alert in hand; ``(alert, False)`` if someone already had.

    A second acknowledgement changes nothing (two people pressing the button at once is not an
    error; the first is the one recorded).
    """
    now = now or datetime.now(UTC)
    alert = session.get(DutyAlert, alert_id)
    if alert is None:
        raise NotFound("no such alert")
    done = session.execute(update(DutyAlert).where(DutyAlert.id == alert_id, DutyAlert.acknowledged_at.is_(None))
                           .values(acknowledged_at=now, acknowledged_by=principal.label,
                                   acknowledged_by_user_id=principal.user_id)
                           .execution_options(synchronize_session=False))
    session.refresh(alert)
    if not done.rowcount:  # type: ignore[attr-defined]
        return alert, False
    record(session, principal.actor, AuditAction.ADMINISTRATION, "duty_alert", alert.id,
           detail={"event": "acknowledged", "report_id": alert.report_id,
                   "minutes_open": round((now - alert.raised_at).total_seconds() / 60, 1)})
    return alert, True


# -- escalation ----------------------------------------------------------------------------------------


def supervisors(session: Session) -> list[User]:
    """The centre's active supervisors."""
    return list(session.scalars(
        select(User).join(Organisation, Organisation.id == User.organisation_id)
        .where(User.role == Role.SUPERVISOR, User.active.is_(True), Organisation.kind == OrgKind.CENTRE)
        .order_by(User.id)))


def escalate_due(session: Session, settings: Settings, *, now: datetime | None = None) -> list[DutyAlert]:
    """Escalate every alert unacknowledged for ``alert_escalate_minutes``: one mail to each active
    supervisor (queued once per supervisor, whoever runs this and how often), and the banner
    says it escalated."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(minutes=settings.alert_escalate_minutes)
    due = list(session.scalars(
        select(DutyAlert).where(DutyAlert.acknowledged_at.is_(None), DutyAlert.escalated_at.is_(None),
                                DutyAlert.raised_at <= cutoff).order_by(DutyAlert.id)))
    escalated: list[DutyAlert] = []
    if not due:
        return escalated
    people = supervisors(session)
    for alert in due:
        claimed = session.execute(update(DutyAlert).where(DutyAlert.id == alert.id, DutyAlert.escalated_at.is_(None),
                                                          DutyAlert.acknowledged_at.is_(None))
                                  .values(escalated_at=now).execution_options(synchronize_session=False))
        if not claimed.rowcount:  # type: ignore[attr-defined]
            continue  # acknowledged or escalated by another process meanwhile
        session.refresh(alert)
        for person in people:
            mail.enqueue(session, person.email, _subject(alert, escalated=True), _escalation_body(alert, settings),
                         f"duty-alert:{alert.id}:escalation:user:{person.id}", now=now)
        record(session, Actor.system(), AuditAction.ADMINISTRATION, "duty_alert", alert.id,
               detail={"event": "escalated", "report_id": alert.report_id, "supervisors": [p.id for p in people]})
        escalated.append(alert)
    return escalated


# -- event handlers ----------------------------------------------------------------------------------


def on_report_stored(session: Session, event: ReportStored) -> None:
    """A new report, already scored: alert it, and any linked report its arrival raised to P0."""
    raise_alerts(session, [event.report_id, *linked_reports(session, event.report_id).linked_report_ids])


def on_reports_stored(session: Session, event: ReportsStored) -> None:
    """A batch: alert each report that is now P0 or escalated, and the older reports the batch raised
    to P0. Those are found from triage's own clock (a few queries a batch), not by asking linking for
    each report's links, which imports of thousands of reports a second cannot afford."""
    since = datetime.now(UTC) - _RESCORE_WINDOW
    raise_alerts(session, [*event.report_ids, *p0_rescored_since(session, since)])


def on_media_matched(session: Session, event: MediaMatched) -> None:
    """A bank grew and a stored report matched: its re-score may have made it P0."""
    raise_alerts(session, [event.report_id])


def on_band_overridden(session: Session, event: BandOverridden) -> None:
    """A person raised a report to P0: the duty officer hears of it as of a scored P0."""
    raise_alerts(session, [event.report_id])


def on_subject_information_added(session: Session, event: SubjectInformationAdded) -> None:
    """An analyst's record on a subject re-scored its report and the linked ones."""
    report_id = session.scalar(select(Subject.report_id).where(Subject.id == event.subject_id))
    if report_id is not None:
        raise_alerts(session, [report_id, *linked_reports(session, report_id).linked_report_ids])
