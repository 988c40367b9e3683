"""Scoring reports in the database, and re-scoring them when the domain events say something changed.

Every assessment is appended (never updated) with the configuration version and its
explanation (whole, or what changed since the report's last whole one: :mod:`jigsaw.triage.history`),
so the history of a case's band can always be shown and audited. The queue reads
``triage_state``, one row per report, kept in step here. A person's override is applied on top
of the model's band; new information that makes the model *more* urgent than the case was when
it was overridden supersedes the override, so no downgrade can hide new danger.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, record
from jigsaw.db.base import table_of
from jigsaw.events import MediaMatched, ReportsStored, ReportStored, SubjectInformationAdded
from jigsaw.intake.interfaces import Subject
from jigsaw.linking.interfaces import CaseScope, linked_reports
from jigsaw.triage import history
from jigsaw.triage.configs import active_config
from jigsaw.triage.inputs import gather
from jigsaw.triage.model import Band, TriageConfig
from jigsaw.triage.models import IN_FORCE, OverrideStatus, TriageAssessment, TriageOverride, TriageState
from jigsaw.triage.scoring import PreviousDue, assess, due_at

# Scoring runs inside the transaction of every stored report, so its statements are built once,
# on the tables (Core, no ORM unit of work), and it makes as few round trips as it can: one for
# the queue row with the override in force and the band that override was made against, one to
# append the assessment, one to insert or update the queue row.
_states_t, _assessments_t, _overrides_t = table_of(TriageState), table_of(TriageAssessment), table_of(TriageOverride)
_basis_t = _assessments_t.alias("basis")
_STATE = (select(_states_t.c.band, _states_t.c.due_at, _states_t.c.first_assessed_at, _overrides_t.c.id,
                 _overrides_t.c.to_band, _overrides_t.c.from_band, _basis_t.c.band, _states_t.c.assessment_id)
          .select_from(_states_t)
          .outerjoin(_overrides_t, and_(_overrides_t.c.id == _states_t.c.override_id,
                                        _overrides_t.c.status.in_(IN_FORCE)))
          .outerjoin(_basis_t, _basis_t.c.id == _overrides_t.c.assessment_id)
          .where(_states_t.c.report_id == bindparam("rid")))
_APPEND = insert(_assessments_t)
_EXPLANATION = select(_assessments_t.c.explanation).where(_assessments_t.c.id == bindparam("aid"))
_NEW_STATE = insert(_states_t)
_MOVE_STATE = (update(_states_t).where(_states_t.c.report_id == bindparam("rid"))
               .values({c: bindparam(c) for c in ("assessment_id", "model_band", "band", "band_rank", "score",
                                                  "actionability", "due_at", "updated_at", "override_id")}))
_SUPERSEDE = update(_overrides_t).where(_overrides_t.c.id == bindparam("oid")).values(status=OverrideStatus.SUPERSEDED)


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
    explanation = assessment.explanation()
    values = {"report_id": report_id, "assessed_at": now, "trigger": trigger[:64], "config_version": config.version,
              "band": assessment.band.value, "score": assessment.score, "actionability": assessment.actionability,
              "worst_band": assessment.worst_band.value, "due_at": due,
              "explanation": _to_store(session, explanation, None if state is None else state[7])}
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
    # The object handed back carries the whole explanation, whatever was stored for it.
    row = _persistent(session, TriageAssessment(id=assessment_id, **{**values, "explanation": explanation}))
    if scope.linked_report_ids:
        # Triage combined information from other reports: s.62 "combination".
        record(session, Actor.system(), AuditAction.COMBINATION, "report", report_id,
               detail={"triage": row.id, "linked_reports": list(scope.linked_report_ids[:50])})
    return row


def _to_store(session: Session, explanation: dict[str, Any], previous_id: int | None) -> dict[str, Any]:
    """The explanation as it is stored: a delta against the report's latest keyframe when small
    (:mod:`jigsaw.triage.history`), so a re-assessment that changes little stores little."""
    if previous_id is None:
        return explanation
    previous = session.execute(_EXPLANATION, {"aid": previous_id}).scalar() or {}
    keyframe_id = history.keyframe_of(previous, previous_id)
    keyframe = previous if keyframe_id == previous_id else session.execute(_EXPLANATION, {"aid": keyframe_id}).scalar()
    return history.to_store(explanation, keyframe, keyframe_id if keyframe else None)


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
    """A new report (its media already matched): score it, and re-score the reports it links to."""
    config = active_config(session)
    scope = linked_reports(session, event.report_id)
    score_report(session, event.report_id, "report_stored", config=config, scope=scope)
    for linked in scope.linked_report_ids:
        score_report(session, linked, f"linked_report:{event.report_id}", config=config)


def on_reports_stored(session: Session, event: ReportsStored) -> None:
    """A batch: each new report is scored once, and each older report it links to
    is re-scored once for the whole batch (not once per new report, which grows quadratically)."""
    config = active_config(session)
    batch = set(event.report_ids)
    linked: dict[int, None] = {}
    for report_id in event.report_ids:
        scope = linked_reports(session, report_id)
        score_report(session, report_id, "report_stored", config=config, scope=scope)
        linked.update(dict.fromkeys(r for r in scope.linked_report_ids if r not in batch))
    for report_id in linked:
        score_report(session, report_id, "linked_reports:import", config=config)


def on_media_matched(session: Session, event: MediaMatched) -> None:
    """A stored report gained bank hits (a bank grew): re-score it, saying why."""
    score_report(session, event.report_id, event.cause)


def on_subject_information_added(session: Session, event: SubjectInformationAdded) -> None:
    """An analyst recorded something on a subject: re-score its report and the linked ones."""
    report_id = session.scalar(select(Subject.report_id).where(Subject.id == event.subject_id))
    if report_id is None:
        return
    scope = linked_reports(session, report_id)
    rescore(session, [report_id, *scope.linked_report_ids], f"subject_information:{event.subject_id}")
