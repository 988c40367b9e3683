"""The live board: totals by force counted from the forces' outcomes (withdrawn ones never),
warrants at their latest stage, what is overdue, and a force seeing only its own row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jigsaw.audit.models import AuditEvent
from jigsaw.db.engine import session_scope
from jigsaw.errors import NotFound
from jigsaw.operations import service
from jigsaw.operations.rules import OperationRefused
from jigsaw.platform import Platform
from tests.dissemination.conftest import principal_of
from tests.operations.conftest import END, START, Batch, World, outcome


def _operation(platform: Platform, world: World, batch: Batch, *, ends_at: datetime = END) -> int:
    analyst = principal_of(platform, world.analyst)
    with session_scope(platform.engine) as session:
        op = service.create_operation(session, analyst, name="Tharsley", starts_at=START, ends_at=ends_at,
                                      objectives="Execute warrants at the addresses of the referred suspects.")
        specs = [service.TargetSpec(p, s) for p, s in batch.kent + batch.met]
        added = service.add_targets(session, analyst, op.id, specs)
        assert added.added == 5
        return op.id


def _seed(platform: Platform, world: World, batch: Batch) -> None:
    (k1, s1), (k2, s2), _ = batch.kent
    (m1, t1), (_m2, _t2) = batch.met
    kent, met = world.kent_id, world.met_id
    # Kent: one warrant applied, granted and executed; another applied then refused.
    outcome(platform, k1, kent, "warrant", subject_id=s1, warrant_stage="applied", occurred_at=START)
    outcome(platform, k1, kent, "warrant", subject_id=s1, warrant_stage="granted",
            occurred_at=START + timedelta(hours=1))
    outcome(platform, k1, kent, "warrant", subject_id=s1, warrant_stage="executed",
            occurred_at=START + timedelta(hours=2), devices_seized=7)
    outcome(platform, k2, kent, "warrant", subject_id=s2, warrant_stage="applied", occurred_at=START)
    outcome(platform, k2, kent, "warrant", subject_id=s2, warrant_stage="refused",
            occurred_at=START + timedelta(hours=3))
    outcome(platform, k1, kent, "arrest", subject_id=s1)
    outcome(platform, k1, kent, "child_safeguarded", subject_id=s1, category="removed_from_harm", count=2)
    outcome(platform, k1, kent, "child_safeguarded", subject_id=s1, category="protective_measure")
    # A withdrawn arrest and a withdrawn execution never count.
    outcome(platform, k2, kent, "arrest", subject_id=s2, withdrawn_at=datetime.now(UTC))
    outcome(platform, k2, kent, "warrant", subject_id=s2, warrant_stage="executed",
            occurred_at=START + timedelta(hours=5), withdrawn_at=datetime.now(UTC))
    # Met: a warrant granted (still open), a voluntary interview.
    outcome(platform, m1, met, "warrant", subject_id=t1, warrant_stage="applied", occurred_at=START)
    outcome(platform, m1, met, "warrant", subject_id=t1, warrant_stage="granted",
            occurred_at=START + timedelta(hours=4))
    outcome(platform, m1, met, "voluntary_interview", subject_id=t1, count=1)


def test_totals_by_force_from_outcomes_and_withdrawn_ones_never_count(platform: Platform, world: World,
                                                                     batch: Batch) -> None:
    op_id = _operation(platform, world, batch)
    _seed(platform, world, batch)
    with session_scope(platform.engine) as session:
        board = service.board(session, principal_of(platform, world.supervisor), op_id, now=START + timedelta(hours=6))
    rows = {r.org_id: r for r in board.figures.rows}
    kent, met, total = rows[world.kent_id], rows[world.met_id], board.figures.total
    assert kent.targets == 3 and met.targets == 2 and total.targets == 5
    assert kent.warrants == {"planned": 0, "applied": 0, "granted": 0, "refused": 1, "executed": 1, "no_trace": 0}
    assert met.warrants["granted"] == 1 and met.warrants_total == 1
    assert kent.arrests == 1 and met.arrests == 0 and total.arrests == 1  # the withdrawn arrest is not counted
    assert met.voluntary_interviews == 1 and kent.devices_seized == 7
    assert kent.children == {"removed_from_harm": 2, "protective_measure": 1, "identified_from_imagery": 0}
    assert total.children_total == 3 and total.warrants_total == 3
    # Before the end of the window nothing is overdue yet.
    assert board.figures.overdue_count == 0 and not board.figures.overdue


def test_overdue_open_warrants_and_silent_targets_past_due(platform: Platform, world: World, batch: Batch) -> None:
    op_id = _operation(platform, world, batch)
    _seed(platform, world, batch)
    k3 = batch.kent[2][0]
    with session_scope(platform.engine) as session:
        # Kent's third target was due by an earlier action-by of its own.
        from jigsaw.operations.models import OperationTarget
        target = session.scalar(select(OperationTarget).where(OperationTarget.package_id == k3))
        assert target is not None
        target.action_by = START + timedelta(hours=3)
    with session_scope(platform.engine) as session:
        early = service.board(session, principal_of(platform, world.analyst), op_id, now=START + timedelta(hours=4))
        late = service.board(session, principal_of(platform, world.analyst), op_id, now=END + timedelta(hours=1))
    assert [(o.package_id, o.warrant_stage) for o in early.figures.overdue] == [(k3, None)]
    assert early.figures.total.nothing_recorded == 1 and early.figures.total.overdue_warrants == 0
    after = {(o.package_id, o.warrant_stage) for o in late.figures.overdue}
    # After the end: the Met's granted warrant is open and past due; the second Met target and Kent's
    # third have nothing recorded. Kent's executed and refused warrants are finished, never overdue.
    assert after == {(batch.met[0][0], "granted"), (batch.met[1][0], None), (k3, None)}
    rows = {r.org_id: r for r in late.figures.rows}
    assert rows[world.met_id].overdue_warrants == 1 and rows[world.met_id].nothing_recorded == 1
    assert rows[world.kent_id].overdue_warrants == 0 and rows[world.kent_id].nothing_recorded == 1
    assert late.figures.overdue_count == 3


def test_a_force_sees_only_its_own_row_and_nothing_of_other_operations(platform: Platform, world: World,
                                                                        batch: Batch) -> None:
    op_id = _operation(platform, world, batch)
    _seed(platform, world, batch)
    kent = principal_of(platform, world.kent)
    with session_scope(platform.engine) as session:
        board = service.board(session, kent, op_id, now=END + timedelta(hours=1))
        assert [r.org_id for r in board.figures.rows] == [world.kent_id] and board.forces_only
        assert board.figures.total.targets == 3 and board.figures.total.arrests == 1
        assert {o.org_id for o in board.figures.overdue} == {world.kent_id}
        assert [o.reference for o in service.list_operations(session, kent)] == [board.operation.reference]
        # An operation Kent takes no part in answers as if it did not exist.
        other = service.create_operation(session, principal_of(platform, world.analyst), name="Notarise",
                                         starts_at=START, ends_at=END, force_ids=[world.met_id])
        with pytest.raises(NotFound):
            service.board(session, kent, other.id)
        assert len(service.list_operations(session, kent)) == 1
        with pytest.raises(Exception):  # noqa: B017 - a force cannot plan or freeze
            service.freeze_sitrep(session, kent, op_id)
    with session_scope(platform.engine) as session:
        reads = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_type == "operation", AuditEvent.action == "consultation"))
        assert reads and reads >= 1


def test_targets_only_dispatched_packages_whole_or_by_suspect_not_both(platform: Platform, world: World,
                                                                       batch: Batch) -> None:
    analyst = principal_of(platform, world.analyst)
    with session_scope(platform.engine) as session:
        op = service.create_operation(session, analyst, name="Ore", starts_at=START, ends_at=END)
        with pytest.raises(OperationRefused) as refused:
            service.add_targets(session, analyst, op.id, [service.TargetSpec(batch.draft)])
        assert refused.value.fields == {"package_id": "only a dispatched package (approved by a second person) "
                                                      "can be a target"}
        k1, s1 = batch.kent[0]
        service.add_targets(session, analyst, op.id, [service.TargetSpec(k1)])
        with pytest.raises(OperationRefused) as both:
            service.add_targets(session, analyst, op.id, [service.TargetSpec(k1, s1)])
        assert "subject_id" in both.value.fields
        with pytest.raises(OperationRefused) as bad:
            service.create_operation(session, analyst, name="", starts_at=END, ends_at=START)
        assert set(bad.value.fields) == {"name", "ends_at"}
