"""Set-based batch triage (issue 14) appends exactly the assessments, queue rows and audit entries of
scoring each report in turn, on the planted batches of the batch-linking test (identifiers shared
with earlier reports and within the batch, keys pushed over the fan-out cap, equal and near media,
a bank series), plus an analyst's record and a person's override on an earlier report that the
second batch links to. Both runs link set-based, so they score the same networks."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from jigsaw.accounts.principal import Principal
from jigsaw.accounts.roles import OrgKind, Role
from jigsaw.audit.models import AuditEvent
from jigsaw.audit.service import Actor, verify
from jigsaw.db.engine import session_scope
from jigsaw.imports import service
from jigsaw.imports.sources import Document
from jigsaw.intake.interfaces import Report, Subject
from jigsaw.platform import Platform
from jigsaw.triage import assess, overrides, queries, records
from jigsaw.triage.configs import active_config
from jigsaw.triage.inputs import gather
from jigsaw.triage.models import TriageAssessment, TriageItemRecord, TriageState
from jigsaw.triage.scoring import Scorer
from tests.conftest import _copy_sqlite_template, make_settings
from tests.linking.test_batch_equals_per_report import FIRST, _bank, _batches

ANALYST = Principal(1, OrgKind.CENTRE, user_id=None, role=Role.ANALYST, label="analyst@centre.example")
SUPERVISOR = Principal(1, OrgKind.CENTRE, user_id=None, role=Role.SUPERVISOR, label="supervisor@centre.example")


def _run(platform: Platform, mode: Callable[[], AbstractContextManager[Any]]) -> dict[str, Any]:
    first, second = _batches()
    _bank(platform, first, second)
    actor = Actor("test")
    with session_scope(platform.engine) as session:
        org_id, org_name = service.resolve_organisation(session, actor, None, "cybertip")
    options = service.ImportOptions(org_id, org_name, actor, workers=1, batch_size=500)
    with mode():
        done = service.import_cybertip(platform.engine, [Document(n, d) for n, d in first.items()], options)
        assert done.imported == 120 and not done.errors
        # Between the batches: a record on an earlier suspect and an override on its report, which
        # the second batch links to (pair_c), so re-scoring meets both.
        linked = next(r.report_id for r in done.reports if r.file == f"{FIRST + 42}.xml")
        with session_scope(platform.engine) as session:
            suspect = session.scalar(select(Subject.id).where(Subject.report_id == linked, Subject.role == "suspect"))
            assert suspect is not None
            records.record_item(session, ANALYST, linked, suspect, "lives_with_children", "yes",
                                "Lives with a partner's two children (visit note 7).")
            lowered = overrides.request_override(session, ANALYST, linked, "P2", "already_actioned",
                                                 "Force attended; child safeguarded (ref 99).")
            overrides.decide_override(session, SUPERVISOR, lowered.id, True, "Agreed.")
        done = service.import_cybertip(platform.engine, [Document(n, d) for n, d in second.items()], options)
        assert done.imported == 120 and not done.errors
    with session_scope(platform.engine) as session:
        assert verify(session).ok
        assessments = session.execute(select(TriageAssessment).order_by(TriageAssessment.id)).scalars().all()
        # Report references are drawn at random and records were made at different times: evidence
        # names them, so they are put in terms of ids before the two runs are compared.
        references = {**dict(session.execute(select(Report.reference, Report.id)).all()),
                      **{at.isoformat(): rid for at, rid in session.execute(
                          select(TriageItemRecord.recorded_at, TriageItemRecord.id))}}

        def same_terms(explanation: dict[str, Any]) -> Any:
            text = json.dumps(explanation)
            for reference, report_id in references.items():
                text = text.replace(reference, f"report #{report_id}")
            return json.loads(text)

        first: dict[int, Any] = {}
        for a in assessments:
            first.setdefault(a.report_id, a.assessed_at)
        return {
            "linked": linked,
            "assessments": [(a.id, a.report_id, a.trigger, a.config_version, a.band, a.score, a.actionability,
                             a.worst_band, _hours(a.due_at - first[a.report_id]), same_terms(a.explanation))
                            for a in assessments],
            "whole": {a.id: same_terms(queries.explanation_of(session, a)) for a in assessments},
            "states": {s.report_id: (s.assessment_id, s.model_band, s.band, s.band_rank, s.score, s.actionability,
                                     _hours(s.due_at - s.first_assessed_at), s.override_id, s.pending_override)
                       for s in session.scalars(select(TriageState))},
            "audit": [(e.entity_id, e.detail) for e in session.scalars(select(AuditEvent).where(
                AuditEvent.action == "combination", AuditEvent.actor == "system").order_by(AuditEvent.id))],
        }


def _hours(delta: timedelta) -> int:
    """Due times to the hour: the two runs take a few seconds apart."""
    return round(delta.total_seconds() / 3600)


@pytest.fixture
def two_platforms(tmp_path: Path, sqlite_template: Path) -> Any:
    from jigsaw.bootstrap import open_platform

    opened = []
    for name in ("one_by_one", "batch"):
        data_dir = tmp_path / name
        _copy_sqlite_template(sqlite_template, data_dir)
        opened.append(open_platform(make_settings(data_dir), migrate=False))
    yield opened
    for p in opened:
        p.close()


def test_batch_triage_equals_scoring_each_report(two_platforms: list[Platform],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    reference = _run(two_platforms[0], assess.one_report_at_a_time)
    monkeypatch.setattr(assess, "SCORE_CHUNK", 50)  # chunks within a batch give the same result too
    batch = _run(two_platforms[1], nullcontext)
    # Same assessments in the same order (ids, triggers, bands, scores, due times), each stored the
    # same way (whole, or the same delta against the same keyframe), and so read back the same.
    assert len(reference["assessments"]) > 240
    assert batch["assessments"] == reference["assessments"]
    assert batch["whole"] == reference["whole"]
    assert batch["states"] == reference["states"]
    assert batch["audit"] == reference["audit"] and batch["audit"]
    # The planted cases happened: re-scores stored as deltas, the record and override read.
    deltas = [a for a in batch["assessments"] if "$delta" in a[-1]]
    assert deltas and any(a[2] == "linked_reports:import" for a in deltas)
    state = batch["states"][batch["linked"]]
    assert state[2] == "P2" and state[7] is not None  # the approved lowering is still in force
    rescored = [a for a in batch["assessments"] if a[1] == batch["linked"]]
    assert [a[2] for a in rescored][-1] == "linked_reports:import"
    lives = next(i for i in batch["whole"][rescored[-1][0]]["items"] if i["id"] == "lives_with_children")
    assert lives["value"] == "yes" and lives["source"] == "recorded"


def test_the_memoised_scorer_writes_the_explanation_assess_gives(two_platforms: list[Platform]) -> None:
    """The scorer fills one explanation per set of facts with each report's evidence: the text is
    exactly the full assessment's explanation, for every report of the planted batches."""
    from datetime import UTC, datetime

    _run(two_platforms[1], nullcontext)
    now = datetime.now(UTC)
    with session_scope(two_platforms[1].engine) as session:
        config = active_config(session)
        scorer = Scorer(config)
        ids = list(session.scalars(select(TriageState.report_id).order_by(TriageState.report_id)))
        for report_id in ids:
            inputs = gather(session, report_id, now)
            full = assess.assess(config, inputs)
            scored = scorer.score(inputs)
            assert json.loads(scored.explanation) == full.explanation() == scored.whole()
            assert (scored.band, scored.score, scored.actionability, scored.worst_band) == (
                full.band, full.score, full.actionability, full.worst_band)
        assert 0 < len(scorer._templates) < len(ids) / 4  # reports share facts: few templates serve them


def test_skipping_linked_reports_whose_view_is_unchanged_leaves_the_queue_as_a_full_rescore(
        two_platforms: list[Platform], monkeypatch: pytest.MonkeyPatch) -> None:
    """A report a new one links to is re-assessed only when what the model sees of it changed
    (``Scorer.view``). Re-assessing every linked report instead gives the same queue: the same
    band, model band, score, actionability, due time and override for every report."""
    skipping = _run(two_platforms[1], nullcontext)
    with monkeypatch.context() as m:
        m.setattr(assess.Scorer, "shared_part", staticmethod(lambda view: object()))  # no two views compare equal
        everything = _run(two_platforms[0], nullcontext)

    def queue(states: dict[int, Any]) -> dict[int, Any]:
        return {rid: state[1:] for rid, state in states.items()}  # all but the assessment's id

    assert queue(skipping["states"]) == queue(everything["states"])
    linked_triggers = [a for a in everything["assessments"] if a[2] == "linked_reports:import"]
    kept = [a for a in skipping["assessments"] if a[2] == "linked_reports:import"]
    assert 0 < len(kept) < len(linked_triggers)  # some linked reports changed, most did not
    # The latest assessment of each report says the same in both runs, evidence aside.
    def latest(run: dict[str, Any]) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for a in run["assessments"]:
            whole = run["whole"][a[0]]
            out[a[1]] = (a[4], a[5], a[6], a[7], [(i["id"], i["value"], i["source"]) for i in whole["items"]],
                         [r["id"] for r in whole["rules"]], whole["unknowns"], whole["next_steps"])
        return out

    assert latest(skipping) == latest(everything)
