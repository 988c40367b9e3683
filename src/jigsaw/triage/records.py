"""Analysts' item records: yes, no or unknown for one item on a subject, with the evidence."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import record
from jigsaw.events import SubjectInformationAdded
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
