"""Overrides: a person sets a case's band, with a reason code and text.

Raising a band, or lowering a P2 or P3 case, applies at once. Lowering a P0 or P1 case waits
until a supervisor other than the requester approves it, so one person alone cannot hide danger.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import record
from jigsaw.events import BandOverridden
from jigsaw.platform import publish
from jigsaw.triage.configs import active_config
from jigsaw.triage.errors import TriageError
from jigsaw.triage.model import Band
from jigsaw.triage.models import OverrideStatus, TriageOverride, TriageState
from jigsaw.triage.scoring import PreviousDue, due_at

MAX_REASON_CHARS = 2000


class ReasonCode(StrEnum):
    """Why a person changed a band (research/triage.md §5: overrides need a reason code and text)."""

    NEW_INFORMATION = "new_information"
    INFORMATION_INCORRECT = "information_incorrect"
    ALREADY_ACTIONED = "already_actioned"
    DUPLICATE = "duplicate"
    RISK_HIGHER_THAN_SCORED = "risk_higher_than_scored"
    RISK_LOWER_THAN_SCORED = "risk_lower_than_scored"
    PROFESSIONAL_JUDGEMENT = "professional_judgement"


REASON_LABELS = {
    ReasonCode.NEW_INFORMATION: "New information not yet in Jigsaw",
    ReasonCode.INFORMATION_INCORRECT: "Information the score used is wrong",
    ReasonCode.ALREADY_ACTIONED: "Already actioned by a force or partner",
    ReasonCode.DUPLICATE: "Duplicate of a case being worked",
    ReasonCode.RISK_HIGHER_THAN_SCORED: "Risk is higher than the score shows",
    ReasonCode.RISK_LOWER_THAN_SCORED: "Risk is lower than the score shows",
    ReasonCode.PROFESSIONAL_JUDGEMENT: "Professional judgement (explain)",
}


def request_override(session: Session, principal: Principal, report_id: int, to_band: str, reason_code: str,
                     reason_text: str) -> TriageOverride:
    """A person sets the band. Lowering a P0 or P1 case waits for a different supervisor."""
    state = session.get(TriageState, report_id)
    if state is None:
        raise TriageError("this report has not been assessed yet")
    try:
        target, code = Band(to_band), ReasonCode(reason_code)
    except ValueError:
        raise TriageError("choose a band (P0-P3) and a reason code") from None
    text = (reason_text or "").strip()
    if not text:
        raise TriageError("explain the override in words as well as the reason code")
    if len(text) > MAX_REASON_CHARS:
        raise TriageError(f"the explanation is limited to {MAX_REASON_CHARS} characters")
    current = Band(state.band)
    if target is current:
        raise TriageError(f"the case is already {current.value}")
    lowering_top = target.rank > current.rank and current in (Band.P0, Band.P1)
    override = TriageOverride(
        report_id=report_id, assessment_id=state.assessment_id, from_band=current.value, to_band=target.value,
        reason_code=code.value, reason_text=text, requested_by=principal.label or principal.actor.label,
        requested_by_user_id=principal.user_id,
        status=OverrideStatus.PENDING if lowering_top else OverrideStatus.APPLIED,
    )
    session.add(override)
    session.flush()
    for older in session.scalars(select(TriageOverride).where(TriageOverride.report_id == report_id,
                                                              TriageOverride.status == OverrideStatus.PENDING,
                                                              TriageOverride.id != override.id)):
        older.status = OverrideStatus.SUPERSEDED
    if lowering_top:
        state.pending_override = True
    else:
        _apply_override(session, state, override)
    record(session, principal.actor, AuditAction.ALTERATION, "report", report_id,
           detail={"triage_override": override.id, "from": current.value, "to": target.value,
                   "reason_code": code.value, "status": override.status})
    return override


def decide_override(session: Session, principal: Principal, override_id: int, approve: bool,
                    note: str | None = None) -> TriageOverride:
    """A supervisor other than the requester approves or rejects a pending downgrade."""
    override = session.get(TriageOverride, override_id)
    if override is None or override.status != OverrideStatus.PENDING:
        raise TriageError("no pending override with that number")
    if principal.role is not Role.SUPERVISOR:
        raise TriageError("only a supervisor can approve a downgrade")
    if principal.user_id is not None and principal.user_id == override.requested_by_user_id:
        raise TriageError("a downgrade must be approved by a different person from the one who asked for it")
    now = datetime.now(UTC)
    override.status = OverrideStatus.APPROVED if approve else OverrideStatus.REJECTED
    override.decided_by, override.decided_by_user_id = principal.label, principal.user_id
    override.decided_at, override.decision_note = now, (note or "").strip()[:MAX_REASON_CHARS] or None
    state = session.get(TriageState, override.report_id)
    if state is not None:
        state.pending_override = False
        if approve:
            _apply_override(session, state, override)
    session.flush()
    record(session, principal.actor, AuditAction.ALTERATION, "report", override.report_id,
           detail={"triage_override": override.id, "decision": override.status})
    return override


def _apply_override(session: Session, state: TriageState, override: TriageOverride) -> None:
    config = active_config(session)
    band = Band(override.to_band)
    previous = PreviousDue(Band(state.band), state.due_at, state.first_assessed_at)
    state.due_at = due_at(config, band, datetime.now(UTC), previous)
    state.band, state.band_rank, state.override_id = band.value, band.rank, override.id
    state.updated_at = datetime.now(UTC)
    session.flush()
    # The case queue and the duty alert follow a person's band as they follow a score.
    publish(session, BandOverridden(state.report_id, band.value))
