"""Item records: yes, no or unknown for one item on a subject, with the evidence: an analyst's, or
what a force's recorded outcome adds to the subject's history (a contact-offence conviction)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.events import ContactConvictionRecorded, ContactConvictionWithdrawn, SubjectInformationAdded
from jigsaw.intake.interfaces import Subject
from jigsaw.platform import publish
from jigsaw.triage.configs import active_config
from jigsaw.triage.errors import TriageError
from jigsaw.triage.model import ItemValue
from jigsaw.triage.models import TriageItemRecord

MAX_EVIDENCE_CHARS = 2000


def record_item(session: Session, principal: Principal, report_id: int, subject_id: int, item_id: str,
                value: str, evidence: str) -> TriageItemRecord:
    """Record yes/no/unknown for one item on a subject, with evidence; audited as alteration."""
    config = active_config(session)
    if item_id not in config.items:
        raise TriageError(f"unknown item {item_id!r}")
    try:
        item_value = ItemValue(value)
    except ValueError:
        raise TriageError("value must be yes, no or unknown") from None
    evidence = (evidence or "").strip()
    if item_value is not ItemValue.UNKNOWN and not evidence:
        raise TriageError("say what the answer rests on (the evidence), so others can check it")
    if len(evidence) > MAX_EVIDENCE_CHARS:
        raise TriageError(f"evidence is limited to {MAX_EVIDENCE_CHARS} characters")
    owner = session.scalar(select(Subject.report_id).where(Subject.id == subject_id))
    if owner != report_id:
        raise TriageError("that subject is not in this report")
    row = TriageItemRecord(subject_id=subject_id, report_id=report_id, item_id=item_id, value=item_value.value,
                           evidence=evidence, recorded_by=principal.label or principal.actor.label,
                           recorded_by_user_id=principal.user_id)
    session.add(row)
    session.flush()
    record(session, principal.actor, AuditAction.ALTERATION, "subject", subject_id,
           detail={"triage_item": item_id, "value": item_value.value, "record": row.id, "report": report_id})
    publish(session, SubjectInformationAdded(subject_id))
    return row


CONTACT_CONVICTION = "prior_contact_conviction"
OUTCOMES = Actor("system:outcomes")


def _outcome_mark(outcome_id: int) -> str:
    return f"(outcome record {outcome_id})"


def on_contact_conviction_recorded(session: Session, event: ContactConvictionRecorded) -> None:
    """A force recorded a contact-offence conviction: it is the subject's history now, so the item
    "previous contact conviction" is yes on the subject (the P1 floor) and its reports are re-scored."""
    owner = session.scalar(select(Subject.report_id).where(Subject.id == event.subject_id))
    if owner is None or CONTACT_CONVICTION not in active_config(session).items:
        return
    _system_record(session, event.subject_id, owner, ItemValue.YES,
                   f"Convicted of a contact sexual offence: recorded by {event.force} against package "
                   f"{event.package_reference} {_outcome_mark(event.outcome_id)}.", event.outcome_id)


def on_contact_conviction_withdrawn(session: Session, event: ContactConvictionWithdrawn) -> None:
    """The conviction record was withdrawn: if the subject's latest answer came from it, it is unknown
    again (an analyst's own later answer is left alone)."""
    latest = session.scalar(select(TriageItemRecord).where(TriageItemRecord.subject_id == event.subject_id,
                                                           TriageItemRecord.item_id == CONTACT_CONVICTION)
                            .order_by(TriageItemRecord.id.desc()).limit(1))
    if latest is None or latest.recorded_by != OUTCOMES.label or _outcome_mark(event.outcome_id) not in latest.evidence:
        return
    _system_record(session, event.subject_id, latest.report_id, ItemValue.UNKNOWN,
                   f"The force withdrew the conviction {_outcome_mark(event.outcome_id)}.", event.outcome_id)


def _system_record(session: Session, subject_id: int, report_id: int, value: ItemValue, evidence: str,
                   outcome_id: int) -> None:
    row = TriageItemRecord(subject_id=subject_id, report_id=report_id, item_id=CONTACT_CONVICTION, value=value.value,
                           evidence=evidence, recorded_by=OUTCOMES.label, recorded_by_user_id=None)
    session.add(row)
    session.flush()
    record(session, OUTCOMES, AuditAction.ALTERATION, "subject", subject_id,
           detail={"triage_item": CONTACT_CONVICTION, "value": value.value, "record": row.id, "report": report_id,
                   "outcome": outcome_id})
    publish(session, SubjectInformationAdded(subject_id))
