"""Triage history keeps what changed (issue 15, item 12): a re-assessment that changes little
stores little, every assessment still reads back as the whole explanation it had, and the
migration rewrites existing history (and back) without changing any assessment's meaning."""

from __future__ import annotations

import json
from typing import Any

from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from jigsaw.db.engine import session_scope
from jigsaw.db.migrate import alembic_config, upgrade
from jigsaw.intake.models import Subject
from jigsaw.platform import Platform
from jigsaw.triage import assess, history, queries
from jigsaw.triage.models import TriageAssessment, TriageItemRecord
from tests.factories import make_report

_value = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                                   max_size=3), max_leaves=8)
_entry = st.fixed_dictionaries({"id": st.sampled_from("abcdefgh"), "points": st.integers(0, 9), "note": _value})
_explanation = st.dictionaries(
    st.sampled_from(["band", "score", "rules", "items", "unknowns", "next_steps", "advisory"]),
    st.lists(_entry, max_size=6, unique_by=lambda e: e["id"]) | _value, max_size=7)


@given(_explanation, _explanation)
def test_a_delta_applied_to_its_keyframe_gives_the_explanation_back(base: dict[str, Any], new: dict[str, Any]) -> None:
    stored = history.to_store(new, base, 7)
    assert history.apply(base, stored) == new
    assert json.loads(json.dumps(stored)) == stored  # JSON-safe as stored


def _stored_sizes(platform: Platform, report_id: int) -> list[int]:
    with session_scope(platform.engine) as session:
        return [len(json.dumps(x)) for x in session.scalars(
            select(TriageAssessment.explanation).where(TriageAssessment.report_id == report_id)
            .order_by(TriageAssessment.id))]


def _read_back(platform: Platform, report_id: int) -> dict[int, dict[str, Any]]:
    with session_scope(platform.engine) as session:
        rows = session.scalars(select(TriageAssessment).where(TriageAssessment.report_id == report_id))
        return {row.id: queries.explanation_of(session, row) for row in rows}


def _reassess(platform: Platform, report_id: int, times: int, seen: dict[int, dict[str, Any]]) -> None:
    for _ in range(times):
        with session_scope(platform.engine) as session:
            row = assess.score_report(session, report_id, "test")
            seen[row.id] = row.explanation


def test_re_assessments_store_what_changed_and_read_back_whole(platform: Platform) -> None:
    report = make_report(platform)
    seen = _read_back(platform, report.id)
    _reassess(platform, report.id, 20, seen)
    with session_scope(platform.engine) as session:  # new information: an analyst's answer changes the items
        subject_id = session.scalar(select(Subject.id).where(Subject.report_id == report.id).order_by(Subject.id))
        session.add(TriageItemRecord(subject_id=subject_id, report_id=report.id, item_id="lives_with_children",
                                     value="yes", evidence="school said so", recorded_by="test"))
    _reassess(platform, report.id, 20, seen)

    assert _read_back(platform, report.id) == seen  # every assessment means what it meant
    assert len({json.dumps(x, sort_keys=True) for x in seen.values()}) >= 2  # the answer did change it
    sizes = _stored_sizes(platform, report.id)
    whole = max(sizes)
    assert len(sizes) == 41 and sum(sizes) < 41 * whole / 4, (whole, sizes)
    with session_scope(platform.engine) as session:
        view = queries.triage_view(session, report.id)
        assert view is not None and view.explanation == seen[max(seen)]
        assert queries.api_triage(view)["explanation"] == seen[max(seen)]  # type: ignore[index]


def test_the_migration_rewrites_existing_history_without_changing_its_meaning(platform: Platform) -> None:
    reports = [make_report(platform).id for _ in range(2)]
    seen: dict[int, dict[str, Any]] = {}
    for report_id in reports:
        seen.update(_read_back(platform, report_id))
        _reassess(platform, report_id, 6, seen)

    def total() -> int:
        with session_scope(platform.engine) as session:
            return sum(len(json.dumps(x)) for x in session.scalars(select(TriageAssessment.explanation)))

    compact = total()
    with platform.engine.connect() as conn:
        command.downgrade(alembic_config(platform.engine, conn), "0012")
        conn.commit()
    with session_scope(platform.engine) as session:
        stored = list(session.scalars(select(TriageAssessment.explanation)))
        assert not any(history.is_delta(x) for x in stored)  # 0012's readers find them whole
        assert session.scalar(select(func.count()).select_from(TriageAssessment)) == len(seen)
    assert {k: v for r in reports for k, v in _read_back(platform, r).items()} == seen
    expanded = total()
    upgrade(platform.engine)
    assert {k: v for r in reports for k, v in _read_back(platform, r).items()} == seen
    assert total() < expanded / 3 and total() <= compact * 1.5
