"""Triage in the database: scoring, re-scoring on events, records, overrides, configurations.

Every assessment is appended (never updated) with the configuration version and the whole
explanation, so the history of a case's band can always be shown and audited. The queue reads
``triage_state``, one row per report, kept in step here. A person's override is applied on top
of the model's band; new information that makes the model *more* urgent than the case was when
it was overridden supersedes the override, so no downgrade can hide new danger.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from jigsaw import events
from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import Role
from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.events import BankEntriesAdded, MediaMatched, ReportsStored, ReportStored, SubjectInformationAdded
from jigsaw.intake.models import Report, Subject
from jigsaw.triage.inputs import CaseScope, gather, linked_reports
from jigsaw.triage.matches import match_new_entries, match_report_media
from jigsaw.triage.model import Band, ConfigError, ItemValue, TriageConfig, load_config, shipped_text
from jigsaw.triage.models import (
    TriageAssessment,
    TriageConfigVersion,
    TriageItemRecord,
    TriageOverride,
    TriageState,
    table_of,
)
from jigsaw.triage.scoring import PreviousDue, assess, due_at

MAX_EVIDENCE_CHARS = 2000
MAX_REASON_CHARS = 2000


class TriageError(ValueError):
    """A triage request that cannot be carried out; the message says why, for the person asking."""


class ReasonCode(StrEnum):
    """Why a person changed a band (docs/design/triage.md §5: overrides need a reason code and text)."""

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

# -- configuration ----------------------------------------------------------------------------------

_parsed: dict[str, TriageConfig] = {}


def _parse_cached(text: str) -> TriageConfig:
    config = _parsed.get(text)
    if config is None:
        config = _parsed[text] = load_config(text)
    return config


def shipped_config() -> TriageConfig:
    return _parse_cached(shipped_text())


_configs_t = table_of(TriageConfigVersion)
_ACTIVE = (select(_configs_t.c.id, _configs_t.c.sha256).where(_configs_t.c.status == "approved")
           .order_by(_configs_t.c.approved_at.desc(), _configs_t.c.id.desc()).limit(1))
_CONFIG_TEXT = select(_configs_t.c.text).where(_configs_t.c.id == bindparam("id"))
_by_sha: dict[str, TriageConfig] = {}


def active_config(session: Session) -> TriageConfig:
    """The newest approved configuration, or the one shipped with this release if none is.

    Runs on every assessment, so it reads only the id and hash and parses a text once.
    """
    row = session.execute(_ACTIVE).first()
    if row is None:
        return shipped_config()
    config = _by_sha.get(row[1])
    if config is None:
        text = session.execute(_CONFIG_TEXT, {"id": row[0]}).scalar()
        config = _by_sha[row[1]] = _parse_cached(text or "")
    return config


def operator_label() -> str:
    """Who ran a CLI command when no --by was given (the OS account)."""
    return f"cli:{getpass.getuser()}"


def propose_config(session: Session, text: str, proposed_by: str, note: str | None = None) -> TriageConfigVersion:
    """Store a new configuration version for approval. It is checked in full first."""
    config = load_config(text)
    taken = {shipped_config().version} | set(session.scalars(select(TriageConfigVersion.version)))
    if config.version in taken:
        raise TriageError(f"version {config.version!r} already exists; give the proposal a new version")
    row = TriageConfigVersion(version=config.version, sha256=config.sha256, text=text, status="proposed",
                              proposed_by=proposed_by, note=note)
    session.add(row)
    session.flush()
    record(session, Actor(proposed_by), AuditAction.ADMINISTRATION, "triage_config", config.version,
           detail={"event": "proposed", "sha256": config.sha256})
    return row


def approve_config(session: Session, version: str, approver_email: str, *, approver_actor: Actor | None = None
                   ) -> TriageConfigVersion:
    """Approve a proposed version: the approver must be an active supervisor and not the proposer."""
    from jigsaw.accounts.models import User

    row = session.scalar(select(TriageConfigVersion).where(TriageConfigVersion.version == version))
    if row is None:
        raise TriageError(f"no proposed configuration {version!r}")
    if row.status != "proposed":
        raise TriageError(f"configuration {version!r} is {row.status}, not proposed")
    user = session.scalar(select(User).where(func.lower(User.email) == approver_email.strip().lower()))
    if user is None or user.role != Role.SUPERVISOR.value or not getattr(user, "active", True):
        raise TriageError(f"{approver_email} is not an active supervisor")
    if user.email.lower() == row.proposed_by.strip().lower():
        raise TriageError("a configuration must be approved by a different person from the one who proposed it")
    config = load_config(row.text)  # re-checked: the deny list may have grown since it was proposed
    now = datetime.now(UTC)
    for previous in session.scalars(select(TriageConfigVersion).where(TriageConfigVersion.status == "approved")):
        previous.status = "retired"
    row.status, row.approved_by, row.approved_at = "approved", user.email, now
    session.flush()
    record(session, approver_actor or Actor(f"user:{user.id}", user.organisation_id), AuditAction.ADMINISTRATION,
           "triage_config", version, detail={"event": "approved", "sha256": config.sha256,
                                             "proposed_by": row.proposed_by})
    return row


def config_versions(session: Session) -> list[TriageConfigVersion]:
    return list(session.scalars(select(TriageConfigVersion).order_by(TriageConfigVersion.id.desc())))


# -- scoring -----------------------------------------------------------------------------------------


# Scoring runs inside the transaction of every stored report, so its statements are built once,
# on the tables (Core, no ORM unit of work), and it makes as few round trips as it can: one for
# the queue row with the override in force and the band that override was made against, one to
# append the assessment, one to insert or update the queue row.
_states_t, _assessments_t, _overrides_t = table_of(TriageState), table_of(TriageAssessment), table_of(TriageOverride)
_basis_t = _assessments_t.alias("basis")
_STATE = (select(_states_t.c.band, _states_t.c.due_at, _states_t.c.first_assessed_at, _overrides_t.c.id,
                 _overrides_t.c.to_band, _overrides_t.c.from_band, _basis_t.c.band)
          .select_from(_states_t)
          .outerjoin(_overrides_t, and_(_overrides_t.c.id == _states_t.c.override_id,
                                        _overrides_t.c.status.in_(("applied", "approved"))))
          .outerjoin(_basis_t, _basis_t.c.id == _overrides_t.c.assessment_id)
          .where(_states_t.c.report_id == bindparam("rid")))
_APPEND = insert(_assessments_t)
_NEW_STATE = insert(_states_t)
_MOVE_STATE = (update(_states_t).where(_states_t.c.report_id == bindparam("rid"))
               .values({c: bindparam(c) for c in ("assessment_id", "model_band", "band", "band_rank", "score",
                                                  "actionability", "due_at", "updated_at", "override_id")}))
_SUPERSEDE = update(_overrides_t).where(_overrides_t.c.id == bindparam("oid")).values(status="superseded")


def score_report(session: Session, report_id: int, trigger: str, *, now: datetime | None = None,
                 config: TriageConfig | None = None, scope: CaseScope | None = None) -> TriageAssessment:
    """Assess one report now, append the assessment and move its queue position."""
    now = now or datetime.now(UTC)
    config = config or active_config(session)
    scope = scope or linked_reports(session, report_id)
    assessment = assess(config, gather(session, report_id, now, scope))
    state = session.execute(_STATE, {"rid": report_id}).first()
    previous = PreviousDue(Band(state[0]), state[1], state[2]) if state is not None else None

    band = assessment.band
    override_id: int | None = None
    if state is not None and state[3] is not None:
        override_id, to_band, from_band, basis_band = state[3], state[4], state[5], state[6]
        # Compare with the model's band when the person decided, not the band they changed.
        if assessment.band.rank < Band(basis_band or from_band).rank:
            # New information is more urgent than when it was overridden.
            session.execute(_SUPERSEDE, {"oid": override_id})
            _forget(session, TriageOverride, override_id)
            override_id = None
        else:
            band = Band(to_band)
    due = due_at(config, band, now, previous)
    values = {"report_id": report_id, "assessed_at": now, "trigger": trigger[:64], "config_version": config.version,
              "band": assessment.band.value, "score": assessment.score, "actionability": assessment.actionability,
              "worst_band": assessment.worst_band.value, "due_at": due, "explanation": assessment.explanation()}
    assessment_id = _append(session, values)
    moved = {"assessment_id": assessment_id, "model_band": assessment.band.value, "band": band.value,
             "band_rank": band.rank, "score": assessment.score, "actionability": assessment.actionability,
             "due_at": due, "updated_at": now, "override_id": override_id}
    if state is None:
        session.execute(_NEW_STATE, {"report_id": report_id, "first_assessed_at": now, "pending_override": False,
                                     **moved})
    else:
        session.execute(_MOVE_STATE, {"rid": report_id, **moved})
        _forget(session, TriageState, report_id)
    row = _persistent(session, TriageAssessment(id=assessment_id, **values))
    if scope.linked_report_ids:
        # Triage combined information from other reports: s.62 "combination".
        record(session, Actor.system(), AuditAction.COMBINATION, "report", report_id,
               detail={"triage": row.id, "linked_reports": list(scope.linked_report_ids[:50])})
    return row


def _append(session: Session, values: dict[str, Any]) -> int:
    """Insert one assessment and return its id (RETURNING on PostgreSQL, the row id on SQLite)."""
    key = cast(CursorResult[Any], session.execute(_APPEND, values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _forget(session: Session, entity: type[Any], key: int) -> None:
    """Expire the session's copy of a row just written with Core, if it holds one, so that the
    next read in this session sees the new values instead of what it had loaded before."""
    loaded = session.identity_map.get(session.identity_key(entity, key))
    if loaded is not None:
        session.expire(loaded)


def _persistent(session: Session, row: TriageAssessment) -> TriageAssessment:
    """The appended assessment as an ORM object in this session, without reading it back:
    callers get the same kind of object as before, and ``session.get`` finds it."""
    make_transient_to_detached(row)
    session.add(row)
    return row


def rescore(session: Session, report_ids: Iterable[int], trigger: str) -> list[TriageAssessment]:
    config = active_config(session)
    return [score_report(session, rid, trigger, config=config) for rid in dict.fromkeys(report_ids)]


def on_report_stored(session: Session, event: ReportStored) -> None:
    """A new report: match its media, score it, and re-score the reports it links to."""
    match_report_media(session, event.report_id)
    config = active_config(session)
    scope = linked_reports(session, event.report_id)
    score_report(session, event.report_id, "report_stored", config=config, scope=scope)
    for linked in scope.linked_report_ids:
        score_report(session, linked, f"linked_report:{event.report_id}", config=config)


def on_reports_stored(session: Session, event: ReportsStored) -> None:
    """A batch: each new report is matched and scored once, and each older report it links to
    is re-scored once for the whole batch (not once per new report, which grows quadratically)."""
    config = active_config(session)
    batch = set(event.report_ids)
    linked: dict[int, None] = {}
    for report_id in event.report_ids:
        match_report_media(session, report_id)
        scope = linked_reports(session, report_id)
        score_report(session, report_id, "report_stored", config=config, scope=scope)
        linked.update(dict.fromkeys(r for r in scope.linked_report_ids if r not in batch))
    for report_id in linked:
        score_report(session, report_id, "linked_reports:import", config=config)


def on_bank_entries_added(session: Session, event: BankEntriesAdded) -> None:
    """A bank grew: re-match the stored reports it may now hit, and re-score those that did."""
    config = active_config(session)
    for report_id in match_new_entries(session, event.entry_ids):
        score_report(session, report_id, "bank_entries_added", config=config)


def on_media_matched(session: Session, event: MediaMatched) -> None:
    score_report(session, event.report_id, "media_matched")


def on_subject_information_added(session: Session, event: SubjectInformationAdded) -> None:
    """An analyst recorded something on a subject: re-score its report and the linked ones."""
    report_id = session.scalar(select(Subject.report_id).where(Subject.id == event.subject_id))
    if report_id is None:
        return
    scope = linked_reports(session, report_id)
    rescore(session, [report_id, *scope.linked_report_ids], f"subject_information:{event.subject_id}")


def install() -> None:
    """Subscribe triage to the domain events (called once when the platform is composed)."""
    events.subscribe(ReportStored, on_report_stored)
    events.subscribe(ReportsStored, on_reports_stored)
    events.subscribe(MediaMatched, on_media_matched)
    events.subscribe(BankEntriesAdded, on_bank_entries_added)
    events.subscribe(SubjectInformationAdded, on_subject_information_added)


# -- analysts' records -----------------------------------------------------------------------------


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
    events.publish(session, SubjectInformationAdded(subject_id))
    return row


# -- overrides -------------------------------------------------------------------------------------


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
        requested_by_user_id=principal.user_id, status="pending" if lowering_top else "applied",
    )
    session.add(override)
    session.flush()
    for older in session.scalars(select(TriageOverride).where(TriageOverride.report_id == report_id,
                                                              TriageOverride.status == "pending",
                                                              TriageOverride.id != override.id)):
        older.status = "superseded"
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
    if override is None or override.status != "pending":
        raise TriageError("no pending override with that number")
    if principal.role is not Role.SUPERVISOR:
        raise TriageError("only a supervisor can approve a downgrade")
    if principal.user_id is not None and principal.user_id == override.requested_by_user_id:
        raise TriageError("a downgrade must be approved by a different person from the one who asked for it")
    now = datetime.now(UTC)
    override.status = "approved" if approve else "rejected"
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


# -- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageView:
    """What the report page and the API show about a report's triage."""

    state: TriageState
    assessment: TriageAssessment
    history: list[TriageAssessment]
    overrides: list[TriageOverride]
    records: list[TriageItemRecord]
    overdue: bool


def triage_view(session: Session, report_id: int, *, history: bool = True) -> TriageView | None:
    state = session.get(TriageState, report_id)
    if state is None:
        return None
    assessment = session.get(TriageAssessment, state.assessment_id)
    assert assessment is not None
    past = list(session.scalars(select(TriageAssessment).where(TriageAssessment.report_id == report_id)
                                .order_by(TriageAssessment.id.desc()).limit(50))) if history else [assessment]
    overrides = list(session.scalars(select(TriageOverride).where(TriageOverride.report_id == report_id)
                                     .order_by(TriageOverride.id.desc()))) if history else []
    records = list(session.scalars(select(TriageItemRecord).where(TriageItemRecord.report_id == report_id)
                                   .order_by(TriageItemRecord.id.desc()))) if history else []
    return TriageView(state, assessment, past, overrides, records, state.due_at < datetime.now(UTC))


def api_triage(view: TriageView | None) -> dict[str, Any] | None:
    """The ``triage`` object of ``GET /api/v1/reports/{id}``."""
    if view is None:
        return None
    state, assessment = view.state, view.assessment
    return {
        "band": state.band, "model_band": state.model_band, "due_at": state.due_at, "overdue": view.overdue,
        "score": state.score, "actionability": state.actionability, "config_version": assessment.config_version,
        "assessed_at": assessment.assessed_at, "override_pending": state.pending_override,
        "overridden": state.override_id is not None, "explanation": assessment.explanation,
    }


@dataclass(frozen=True)
class QueueEntry:
    id: int
    reference: str
    received_at: datetime
    source: str
    channel: str
    incident_type: str
    platform: str | None
    subjects: int
    escalated: bool
    band: str | None
    due_at: datetime | None
    score: int | None
    actionability: int | None
    overdue: bool
    overridden: bool
    pending_override: bool


def triage_queue(session: Session, *, limit: int = 50, offset: int = 0, now: datetime | None = None
                 ) -> tuple[list[QueueEntry], int]:
    """Assessed reports by band, then due time, then actionability; unassessed ones after them.

    Returns the page and the number of reports (for the pager). Counting is what made the first
    page slow on a large store, so it is kept to the minimum: ``count(*)`` of reports (SQLite
    answers that from its smallest index; ``count(reports.id)`` read the whole table), and the
    assessed reports are counted only when a page runs past them and that number cannot be
    told from the page itself (a page that ends early ends exactly where they do).
    """
    now = now or datetime.now(UTC)
    subjects = (select(func.count(Subject.id)).where(Subject.report_id == Report.id)
                .correlate(Report).scalar_subquery())
    columns = (Report.id, Report.reference, Report.received_at, Report.source, Report.channel, Report.incident_type,
               Report.platform, subjects, Report.escalation.is_not(None))
    total = session.scalar(select(func.count()).select_from(Report)) or 0
    rows = session.execute(
        select(*columns, TriageState.band, TriageState.due_at, TriageState.score, TriageState.actionability,
               TriageState.override_id.is_not(None), TriageState.pending_override)
        .join(TriageState, TriageState.report_id == Report.id)
        .order_by(TriageState.band_rank, TriageState.due_at, TriageState.actionability.desc(), Report.id)
        .limit(limit).offset(offset)).all()
    entries = [_entry(tuple(r[:9]), r[9], r[10], r[11], r[12], r[10] < now, bool(r[13]), bool(r[14])) for r in rows]
    if len(entries) < limit:
        if entries or offset == 0:
            assessed = offset + len(entries)
        else:
            assessed = session.scalar(select(func.count()).select_from(TriageState)) or 0
        if total > assessed:
            rest = session.execute(
                select(*columns).where(~select(TriageState.report_id).where(TriageState.report_id == Report.id)
                                       .exists())
                .order_by(Report.received_at.desc(), Report.id.desc())
                .limit(limit - len(entries)).offset(max(0, offset - assessed))).all()
            entries.extend(_entry(tuple(r), None, None, None, None, False, False, False) for r in rest)
    return entries, total


def _entry(report: tuple[Any, ...], *triage: Any) -> QueueEntry:
    return QueueEntry(*report, *triage)


# -- digest and monitoring ----------------------------------------------------------------------------


def digest(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Overdue work and work due by the end of today (UTC), by band: the daily digest."""
    now = now or datetime.now(UTC)
    end_of_day = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    rows = session.execute(
        select(TriageState.report_id, Report.reference, TriageState.band, TriageState.due_at,
               TriageState.pending_override)
        .join(Report, Report.id == TriageState.report_id)
        .where(TriageState.due_at < end_of_day)
        .order_by(TriageState.band_rank, TriageState.due_at)).all()
    out: dict[str, Any] = {"generated_at": now.isoformat(), "overdue": {b.value: [] for b in Band},
                           "due_today": {b.value: [] for b in Band}}
    for report_id, reference, band, due, pending in rows:
        entry = {"report_id": report_id, "reference": reference, "band": band, "due_at": due.isoformat(),
                 "hours_overdue": round((now - due).total_seconds() / 3600, 1) if due < now else 0.0,
                 "pending_override": bool(pending)}
        out["overdue" if due < now else "due_today"][band].append(entry)
    return out


def monitoring(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Counts per band, overdue, override rates by band and analyst, and outcomes when recorded."""
    now = now or datetime.now(UTC)
    per_band = _pairs(session.execute(select(TriageState.band, func.count()).group_by(TriageState.band)).all())
    overdue = _pairs(session.execute(select(TriageState.band, func.count()).where(TriageState.due_at < now)
                                   .group_by(TriageState.band)).all())
    model_counts = _pairs(session.execute(select(TriageState.model_band, func.count())
                                        .group_by(TriageState.model_band)).all())
    overridden = _pairs(session.execute(
        select(TriageOverride.from_band, func.count(func.distinct(TriageOverride.report_id)))
        .group_by(TriageOverride.from_band)).all())
    bands = []
    for band in Band:
        n = model_counts.get(band.value, 0)
        o = overridden.get(band.value, 0)
        bands.append({"band": band.value, "current": per_band.get(band.value, 0),
                      "overdue": overdue.get(band.value, 0), "model": n, "overridden": o,
                      "override_rate": (o / n) if n else None})
    analysts = []
    for who, total, lowered, pending, rejected in session.execute(
        select(TriageOverride.requested_by, func.count(),
               func.sum(_lowered_case()), func.sum(_status_case("pending")), func.sum(_status_case("rejected")))
        .group_by(TriageOverride.requested_by).order_by(func.count().desc())):
        analysts.append({"analyst": who, "overrides": total, "lowered": int(lowered or 0),
                         "pending": int(pending or 0), "rejected": int(rejected or 0)})
    assessed_by = _pairs(session.execute(
        select(TriageItemRecord.recorded_by, func.count(func.distinct(TriageItemRecord.report_id)))
        .group_by(TriageItemRecord.recorded_by)).all())
    for row in analysts:
        worked = assessed_by.get(row["analyst"], 0)
        row["reports_worked"] = worked
        row["override_rate"] = (row["overrides"] / worked) if worked else None
    pending = list(session.scalars(select(TriageOverride).where(TriageOverride.status == "pending")
                                   .order_by(TriageOverride.requested_at)))
    return {"generated_at": now, "bands": bands, "analysts": analysts, "pending": pending,
            "total": sum(per_band.values()), "overdue_total": sum(overdue.values()),
            "outcomes": band_outcomes(session)}


def _lowered_case() -> Any:
    from sqlalchemy import case

    return case((TriageOverride.to_band > TriageOverride.from_band, 1), else_=0)


def _status_case(status: str) -> Any:
    from sqlalchemy import case

    return case((TriageOverride.status == status, 1), else_=0)


def band_outcomes(session: Session) -> list[dict[str, Any]] | None:
    """Bands against outcomes (child safeguarded, arrest, no further action), for local validation.

    The seam for the outcomes capability: it does not exist yet, so this returns None and the
    monitoring page says no outcomes are recorded. When ``jigsaw.outcomes`` lands, join its
    outcome rows to ``triage_assessments`` (the band *at dissemination*, not the current one,
    to avoid hindsight) and return one row per band: ``{"band", "cases", "<outcome>": count}``.
    """
    try:
        import jigsaw.outcomes  # noqa: F401
    except ImportError:
        return None
    return None


def check_config_text(text: str) -> TriageConfig:
    """Load a configuration for the CLI's check command (errors propagate as ConfigError)."""
    return load_config(text)


__all__ = ["ConfigError", "TriageError", "active_config", "install", "score_report"]


def _pairs(rows: Iterable[Any]) -> dict[Any, Any]:
    """Two-column rows as a dict (first column -> second)."""
    return {row[0]: row[1] for row in rows}
