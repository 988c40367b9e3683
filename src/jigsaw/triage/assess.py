"""Scoring reports in the database, and re-scoring them when the domain events say something changed.

Every assessment is appended (never updated) with the configuration version and its
explanation (whole, or what changed since the report's last whole one: :mod:`jigsaw.triage.history`),
so the history of a case's band can always be shown and audited. The queue reads
``triage_state``, one row per report, kept in step here. A person's override is applied on top
of the model's band; new information that makes the model *more* urgent than the case was when
it was overridden supersedes the override, so no downgrade can hide new danger.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    CursorResult,
    Dialect,
    MetaData,
    Table,
    TypeDecorator,
    and_,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, make_transient_to_detached

from jigsaw.audit.chain import AuditAction
from jigsaw.audit.service import Actor, NewEntry, defer, record
from jigsaw.db.base import table_of
from jigsaw.db.bulk import insert_returning_ids, insert_rows
from jigsaw.events import HandlerSwitch, MediaMatched, ReportsStored, ReportStored, SubjectInformationAdded
from jigsaw.intake.interfaces import Subject
from jigsaw.linking.interfaces import CaseScope, Holders, case_scopes, linked_reports, stored_batch_scopes
from jigsaw.triage import history
from jigsaw.triage.configs import active_config
from jigsaw.triage.inputs import SCOPE_FACTS, gather, gather_many, gather_scope_facts, scope_facts
from jigsaw.triage.model import Band, TriageConfig
from jigsaw.triage.models import IN_FORCE, OverrideStatus, TriageAssessment, TriageOverride, TriageState
from jigsaw.triage.scoring import PreviousDue, Scored, Scorer, assess, due_at

# Scoring runs inside the transaction of every stored report, so its statements are built once,
# on the tables (Core, no ORM unit of work), and it makes as few round trips as it can: one for
# the queue row with the override in force and the band that override was made against, one to
# append the assessment, one to insert or update the queue row.
_states_t, _assessments_t, _overrides_t = table_of(TriageState), table_of(TriageAssessment), table_of(TriageOverride)
_basis_t = _assessments_t.alias("basis")
_STATE = (select(_states_t.c.band, _states_t.c.due_at, _states_t.c.first_assessed_at, _overrides_t.c.id,
                 _overrides_t.c.to_band, _overrides_t.c.from_band, _basis_t.c.band, _states_t.c.assessment_id,
                 _states_t.c.view_digest)
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
                                                  "actionability", "due_at", "updated_at", "override_id",
                                                  "view_digest")}))
_SUPERSEDE = update(_overrides_t).where(_overrides_t.c.id == bindparam("oid")).values(status=OverrideStatus.SUPERSEDED)


def score_report(session: Session, report_id: int, trigger: str, *, now: datetime | None = None,
                 config: TriageConfig | None = None, scope: CaseScope | None = None) -> TriageAssessment:
    """Assess one report now, append the assessment and move its queue position."""
    assessed = _score_report(session, report_id, trigger, now, config, scope, if_view_changed=False)
    assert assessed is not None
    return assessed


def rescore_linked(session: Session, report_id: int, trigger: str, config: TriageConfig) -> bool:
    """Re-assess a report that a new report links to, if what the model sees of it changed
    (:meth:`Scorer.view`: the fact tests it passes, the records in force). A new link often changes
    only the count of linked reports past the test that reads it, and a busy identifier links
    dozens of reports; an assessment that would repeat the last one (band, score, due time and
    steps) is not appended again. Returns whether it was."""
    return _score_report(session, report_id, trigger, None, config, None, if_view_changed=True) is not None


def _score_report(session: Session, report_id: int, trigger: str, now: datetime | None,
                  config: TriageConfig | None, scope: CaseScope | None, *,
                  if_view_changed: bool) -> TriageAssessment | None:
    now = now or datetime.now(UTC)
    config = config or active_config(session)
    scope = scope or linked_reports(session, report_id)
    inputs = gather(session, report_id, now, scope)
    state = session.execute(_STATE, {"rid": report_id}).first()
    view = scorer_for(config).view(inputs)
    if if_view_changed and state is not None and Scorer.shared_part(state[8]) == Scorer.shared_part(view):
        return None
    assessment = assess(config, inputs)
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
             "due_at": due, "updated_at": now, "override_id": override_id, "view_digest": view}
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
        rescore_linked(session, linked, f"linked_report:{event.report_id}", config)


def on_reports_stored(session: Session, event: ReportsStored) -> None:
    """A batch: each new report is scored once, and each older report it links to is re-scored
    once for the whole batch (not once per new report, which grows quadratically), set-based
    (:func:`score_reports`)."""
    if not event.report_ids:
        return
    config = active_config(session)
    if _one_by_one.is_on:
        _score_one_by_one(session, event.report_ids, config)
        return
    batch = set(event.report_ids)
    holders: Holders = {}
    scopes = dict(stored_batch_scopes(session, event, holders))
    linked = dict.fromkeys(r for rid in event.report_ids for r in scopes[rid].linked_report_ids if r not in batch)
    scopes.update(case_scopes(session, linked, holders))
    triggers = {**dict.fromkeys(event.report_ids, "report_stored"), **dict.fromkeys(linked, "linked_reports:import")}
    score_reports(session, triggers, config=config, scopes=scopes, if_view_changed=linked.keys())


_one_by_one = HandlerSwitch("jigsaw_triage_one_by_one")


def one_report_at_a_time() -> AbstractContextManager[None]:
    """Score a batch's reports one after the other (:func:`score_report`), as before set-based
    batches: the reference the batch path is compared with (tests, benchmarks)."""
    return _one_by_one.on()


def _score_one_by_one(session: Session, report_ids: Sequence[int], config: TriageConfig) -> None:
    batch = set(report_ids)
    linked: dict[int, None] = {}
    for report_id in report_ids:
        scope = linked_reports(session, report_id)
        score_report(session, report_id, "report_stored", config=config, scope=scope)
        linked.update(dict.fromkeys(r for r in scope.linked_report_ids if r not in batch))
    for report_id in linked:
        rescore_linked(session, report_id, "linked_reports:import", config)


# -- set-based: a batch of reports -----------------------------------------------------------------

_STATES = (select(_states_t.c.report_id, *_STATE.selected_columns)
           .select_from(_states_t)
           .outerjoin(_overrides_t, and_(_overrides_t.c.id == _states_t.c.override_id,
                                         _overrides_t.c.status.in_(IN_FORCE)))
           .outerjoin(_basis_t, _basis_t.c.id == _overrides_t.c.assessment_id)
           .where(_states_t.c.report_id.in_(bindparam("ids", expanding=True))))
_EXPLANATIONS = select(_assessments_t.c.id, _assessments_t.c.explanation).where(
    _assessments_t.c.id.in_(bindparam("ids", expanding=True)))


class _JSONText(TypeDecorator[str]):
    """A JSON column written from JSON text the caller made (not serialised again): bound as is,
    and cast to ``json`` on PostgreSQL like any JSON parameter."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


# The assessments table with the explanation as JSON text: the batch path stores the text it made.
_RAW_ASSESSMENTS = Table(_assessments_t.name, MetaData(), *(
    Column(c.name, _JSONText() if c.name == "explanation" else c.type, primary_key=c.primary_key)
    for c in _assessments_t.columns))
_ASSESSMENT_COLUMNS = ("report_id", "assessed_at", "trigger", "config_version", "band", "score", "actionability",
                       "worst_band", "due_at", "explanation")
_STATE_COLUMNS = ("report_id", "assessment_id", "model_band", "band", "band_rank", "score", "actionability",
                  "due_at", "first_assessed_at", "updated_at", "override_id", "pending_override", "view_digest")
_CHUNK = 900
SCORE_CHUNK = 2000
"""Reports scored together at most (read, scored and written as one set)."""
_scorers: dict[int, Scorer] = {}


def scorer_for(config: TriageConfig) -> Scorer:
    """One memoising :class:`Scorer` per configuration object (configurations are few)."""
    found = _scorers.get(id(config))
    if found is None or found.config is not config:
        if len(_scorers) > 16:
            _scorers.clear()
        found = _scorers[id(config)] = Scorer(config, SCOPE_FACTS)
    return found


def score_reports(session: Session, triggers: Mapping[int, str], *, now: datetime | None = None,
                  config: TriageConfig | None = None, scopes: Mapping[int, CaseScope] | None = None,
                  if_view_changed: Collection[int] = ()) -> int:
    """Assess many reports now, each once (``triggers``: report id -> why, in the order to append):
    the same assessments, queue rows and audit entries as :func:`score_report` on each (or, for
    the reports in ``if_view_changed``, as :func:`rescore_linked`), with a fixed number of
    statements per chunk of reports (reads with ``IN`` lists, writes with ``executemany``).
    Returns the number of assessments appended."""
    ids = list(triggers)
    if not ids:
        return 0
    now = now or datetime.now(UTC)
    config = config or active_config(session)
    if len(ids) > SCORE_CHUNK:
        # A batch can re-score tens of thousands of linked reports; in chunks, memory stays bounded
        # (each holds its reports' inputs and previous explanations). No score reads another's.
        return sum(score_reports(session, {r: triggers[r] for r in ids[start:start + SCORE_CHUNK]}, now=now,
                                 config=config, scopes=scopes, if_view_changed=if_view_changed)
                   for start in range(0, len(ids), SCORE_CHUNK))
    known = dict(scopes or {})
    missing = [r for r in ids if r not in known]
    if missing:
        known.update(case_scopes(session, missing))
    conn = session.connection()
    states: dict[int, Any] = {}
    for part in _chunks(sorted(ids)):
        states.update((row[0], row[1:]) for row in conn.execute(_STATES, {"ids": part}))
    scorer = scorer_for(config)
    # What other reports can change is read first, and only those whose part of the view moved
    # are gathered in full and assessed (as :func:`rescore_linked` decides for one).
    check = {r: known[r] for r in ids if r in if_view_changed and r in states and states[r][8]}
    if check:
        shared = gather_scope_facts(session, check)
        unchanged = {r for r, scope in check.items() if Scorer.shared_part(states[r][8]) == scorer.shared_view(
            scope_facts(scope, shared[r][0]), shared[r][1])}
        ids = [r for r in ids if r not in unchanged]
        if not ids:
            return 0
    inputs = gather_many(session, {r: known[r] for r in ids}, now)
    views = {rid: scorer.view(inputs[rid]) for rid in ids}
    previous = _stored_explanations(conn, [states[r][7] for r in ids if r in states])
    rows: list[tuple[Any, ...]] = []
    moves: list[tuple[int, dict[str, Any]]] = []
    for rid in ids:
        scored = scorer.score(inputs[rid])
        state = states.get(rid)
        band = scored.band
        override_id: int | None = None
        if state is not None and state[3] is not None:
            override_id, to_band, from_band, basis_band = state[3], state[4], state[5], state[6]
            if scored.band.rank < Band(basis_band or from_band).rank:  # as in score_report
                session.execute(_SUPERSEDE, {"oid": override_id})
                _forget(session, TriageOverride, override_id)
                override_id = None
            else:
                band = Band(to_band)
        due = due_at(config, band, now, PreviousDue(Band(state[0]), state[1], state[2]) if state is not None else None)
        text = scored.explanation
        if state is not None:
            text = _delta_text(scored, state[7], previous)
        rows.append((rid, now, triggers[rid][:64], config.version, scored.band.value, scored.score,
                     scored.actionability, scored.worst_band.value, due, text))
        moves.append((rid, {"model_band": scored.band.value, "band": band.value, "band_rank": band.rank,
                            "score": scored.score, "actionability": scored.actionability, "due_at": due,
                            "updated_at": now, "override_id": override_id, "view_digest": views[rid]}))
    assessment_ids = insert_returning_ids(conn, _RAW_ASSESSMENTS, _ASSESSMENT_COLUMNS, rows)
    fresh: list[tuple[Any, ...]] = []
    moved: list[dict[str, Any]] = []
    for (rid, values), aid in zip(moves, assessment_ids, strict=True):
        if rid in states:
            moved.append({"rid": rid, "assessment_id": aid, **values})
        else:
            fresh.append((rid, aid, values["model_band"], values["band"], values["band_rank"], values["score"],
                          values["actionability"], values["due_at"], now, now, values["override_id"], False,
                          values["view_digest"]))
    insert_rows(conn, _states_t, _STATE_COLUMNS, fresh)
    if moved:
        conn.execute(_MOVE_STATE, moved)
        for values in moved:
            _forget(session, TriageState, values["rid"])
    # Triage combined information from other reports: s.62 "combination" (as score_report records).
    defer(session, [NewEntry(Actor.system(), AuditAction.COMBINATION, "report", rid,
                             detail={"triage": aid, "linked_reports": list(known[rid].linked_report_ids[:50])})
                    for rid, aid in zip(ids, assessment_ids, strict=True) if known[rid].linked_report_ids])
    return len(rows)


def _stored_explanations(conn: Connection, assessment_ids: Iterable[int]) -> dict[int, Any]:
    """Stored explanations of the given assessments and of the keyframes they are deltas against."""
    out: dict[int, Any] = {}
    wanted = sorted(set(assessment_ids))
    for _round in range(2):
        for part in _chunks(wanted):
            out.update(conn.execute(_EXPLANATIONS, {"ids": part}).all())
        wanted = sorted({history.keyframe_of(v or {}, k) for k, v in out.items()} - out.keys())
        if not wanted:
            break
    return out


def _delta_text(scored: Scored, previous_id: int, stored: Mapping[int, Any]) -> str:
    """What :func:`_to_store` stores for a scored explanation, as JSON text."""
    text = scored.explanation
    previous = stored.get(previous_id) or {}
    keyframe_id = history.keyframe_of(previous, previous_id)
    keyframe = previous if keyframe_id == previous_id else stored.get(keyframe_id)
    if not keyframe:
        return text
    kept = history.to_store(scored.whole(), keyframe, keyframe_id, new_size=len(text))
    return text if not history.is_delta(kept) else json.dumps(kept, separators=(",", ":"))


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


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
