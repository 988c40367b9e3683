"""Sitreps freeze the board at a cut-off; outcomes recorded or withdrawn later that change a frozen
figure are logged against it ("revised since sitrep 1: arrests 1 → 2"). Operations from a batch."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from jigsaw.db.engine import session_scope
from jigsaw.operations import service
from jigsaw.operations.models import OperationForce, OperationTarget, SitrepRevision
from jigsaw.operations.rules import OperationRefused
from jigsaw.outcomes.interfaces import Outcome
from jigsaw.platform import Platform
from tests.dissemination.conftest import principal_of
from tests.operations.conftest import END, START, Batch, World, outcome


def test_sitrep_freezes_and_later_records_are_logged_as_revisions(platform: Platform, world: World,
                                                                 batch: Batch) -> None:
    analyst = principal_of(platform, world.analyst)
    (k1, s1), (k2, s2), _ = batch.kent
    cutoff = datetime.now(UTC) - timedelta(minutes=10)
    before = cutoff - timedelta(hours=1)
    with session_scope(platform.engine) as session:
        op = service.create_operation(session, analyst, name="Tharsley", starts_at=START, ends_at=END)
        service.add_targets(session, analyst, op.id, [service.TargetSpec(p, s) for p, s in batch.kent + batch.met])
        session.execute(update(OperationTarget).values(added_at=before - timedelta(hours=1)))
        op_id = op.id
    kent = world.kent_id
    outcome(platform, k1, kent, "arrest", subject_id=s1, occurred_at=before, recorded_at=before)
    doubtful = outcome(platform, k2, kent, "arrest", subject_id=s2, occurred_at=before, recorded_at=before)
    # After the cut-off: an arrest made before it but recorded late, and one made after it.
    outcome(platform, k2, kent, "voluntary_interview", subject_id=s2, occurred_at=before)
    outcome(platform, k1, kent, "arrest", subject_id=s1, occurred_at=datetime.now(UTC))
    with session_scope(platform.engine) as session:
        sitrep = service.freeze_sitrep(session, analyst, op_id, cutoff_at=cutoff)
        assert sitrep.number == 1
        frozen = sitrep.figures["rows"]
        assert frozen[str(kent)]["arrests"] == 2 and frozen["total"]["arrests"] == 2
        assert frozen[str(kent)]["voluntary_interviews"] == 0  # recorded after the cut-off: not yet known
        with pytest.raises(OperationRefused) as future:
            service.freeze_sitrep(session, analyst, op_id, cutoff_at=datetime.now(UTC) + timedelta(hours=1))
        assert set(future.value.fields) == {"cutoff_at"}
    with session_scope(platform.engine) as session:
        view = service.read_sitrep(session, analyst, op_id, 1)
        lines = {r.line for r in view.revisions if r.row == "total"}
        # The late-recorded interview revises the sitrep; the arrest made after the cut-off does not.
        assert lines == {"revised since sitrep 1: voluntary interviews 0 → 1"}
    # A frozen arrest is withdrawn: the frozen figure drops, and the log keeps each step.
    with session_scope(platform.engine) as session:
        session.execute(update(Outcome).where(Outcome.id == doubtful).values(withdrawn_at=datetime.now(UTC)))
    with session_scope(platform.engine) as session:  # the periodic loop notices it (Kent's row and the total)
        assert service.revise_open_operations(session) == 2
    with session_scope(platform.engine) as session:
        board = service.board(session, analyst, op_id)
        assert {r.line for r in board.revisions if r.row == "total"} == {
            "revised since sitrep 1: arrests 2 → 1", "revised since sitrep 1: voluntary interviews 0 → 1"}
        assert board.figures.total.arrests == 2  # now: one before the cut-off, one after
        view = service.read_sitrep(session, analyst, op_id, 1)
        assert view.rows[-1][2]["arrests"] == 2  # the frozen figure itself never changes
        raw = service.sitrep_pdf(view, unicode=False, compress=False)
        pages = len(re.findall(rb"/Type /Page\b", raw))
        assert raw.count(b"(OFFICIAL-SENSITIVE LOCSEN - TLP:AMBER)") == 2 * pages  # banner top and bottom
        assert b"revised since sitrep 1: arrests 2 " in raw
        csv_text = service.sitrep_csv(view)
        assert "arrests" in csv_text.splitlines()[1] and "revised since the cut-off" in csv_text
        count = len(list(session.scalars(select(SitrepRevision))))
        service.log_revisions(session, view.operation)  # nothing new: nothing logged
        assert len(list(session.scalars(select(SitrepRevision)))) == count
    # A force's copy of the sitrep is its own row and its own revisions.
    with session_scope(platform.engine) as session:
        mine = service.read_sitrep(session, principal_of(platform, world.met), op_id, 1)
        assert [r[0] for r in mine.rows] == [str(world.met_id)] and mine.revisions == []


def test_operation_from_an_approved_batch(client: TestClient, platform: Platform, world: World,
                                          batch: Batch) -> None:
    analyst = principal_of(platform, world.analyst)
    with session_scope(platform.engine) as session:
        op, added = service.create_from_batch(session, analyst, batch.id, name="Tharsley", starts_at=START,
                                              ends_at=END, objectives="Warrants on every referred suspect.")
        assert added.added == 5 and list(added.skipped) == [batch.draft]
        targets = session.execute(select(OperationTarget.package_id, OperationTarget.subject_id,
                                         OperationTarget.org_id).where(OperationTarget.operation_id == op.id)).all()
        assert sorted((p, s, o) for p, s, o in targets) == sorted(
            [(p, s, world.kent_id) for p, s in batch.kent] + [(p, s, world.met_id) for p, s in batch.met])
        forces = set(session.scalars(select(OperationForce.org_id).where(OperationForce.operation_id == op.id)))
        assert forces == {world.kent_id, world.met_id} and op.batch_id == batch.id


def test_a_batch_not_yet_approved_is_refused(client: TestClient, platform: Platform, world: World) -> None:
    from tests.dissemination.conftest import as_user
    from tests.factories import post_report, report_body

    rid = post_report(client, world.token, report_body(external_id="unapproved"))
    as_user(client, platform, world.analyst)
    bid = client.post("/api/v1/package-batches", json={"report_ids": [rid]}).json()["id"]
    with session_scope(platform.engine) as session, pytest.raises(OperationRefused) as refused:
        service.create_from_batch(session, principal_of(platform, world.analyst), bid, name="Early",
                                  starts_at=START, ends_at=END)
    assert refused.value.fields == {"batch_id": "the batch has not been approved as a set yet"}
