"""The shortcuts of the fast paths: classification gaps, write-back of changes only, packed sorts."""

from __future__ import annotations

import uuid

import numpy as np
from sqlalchemy import func, select

from jigsaw.db.engine import session_scope
from jigsaw.intake.domain import IdentifierDraft, ReportDraft, SubjectDraft
from jigsaw.intake.models import IdentifierRecord
from jigsaw.intake.service import submit_report
from jigsaw.linking import hooks
from jigsaw.linking.graph import key_counts, unique_counts
from jigsaw.linking.models import LinkIdentifier, LinkSubject
from jigsaw.linking.rebuild import rebuild
from jigsaw.linking.rules import LinkingConfig
from jigsaw.platform import Platform
from tests.linking.scenario import ACTOR


def _draft(tag: str, subjects: list[list[int]]) -> ReportDraft:
    return ReportDraft(source="platform", incident_type="other", summary="synthetic", subjects=tuple(
        SubjectDraft(role="suspect", identifiers=tuple(
            IdentifierDraft("username", f"u{k}_{tag}", platform="example") for k in keys)) for keys in subjects))


def test_rebuild_classifies_gaps_and_then_writes_nothing(platform: Platform) -> None:
    """Identifiers stored while linking was paused sit below the high-water mark: the rebuild
    still classifies them, gives the right networks, and a second rebuild writes no row."""
    tag = uuid.uuid4().hex[:8]
    config = LinkingConfig(fan_out_cap=3)
    with session_scope(platform.engine) as session:
        first = submit_report(session, _draft(tag, [[1, 2]]), ACTOR).report  # linked by the intake hook
        with hooks.paused():
            second = submit_report(session, _draft(tag, [[2, 3], [9]]), ACTOR).report
        third = submit_report(session, _draft(tag, [[3, 4]]), ACTOR).report
        s1, (s2a, s2b), s3 = first.subjects[0].id, (s.id for s in second.subjects), third.subjects[0].id
    with session_scope(platform.engine) as session:
        hooked = dict(session.execute(select(LinkSubject.subject_id, LinkSubject.network_id)).all())
        assert s1 in hooked and s2a not in hooked  # the hook linked the first report, not the paused one
        unclassified = (session.scalars(select(func.count()).select_from(IdentifierRecord)).one()
                        - session.scalars(select(func.count()).select_from(LinkIdentifier)).one())
        assert unclassified == 1  # u9: stored while paused, and below the ids classified after it
        rebuild(session, ACTOR, config=config, with_communities=False)
    with session_scope(platform.engine) as session:
        labels = dict(session.execute(select(LinkSubject.subject_id, LinkSubject.network_id)).all())
        assert session.scalar(select(func.count()).select_from(IdentifierRecord)) == \
            session.scalar(select(func.count()).select_from(LinkIdentifier))
        counts = dict(session.execute(select(IdentifierRecord.value, LinkIdentifier.subject_count)
                                      .join(LinkIdentifier, LinkIdentifier.identifier_id == IdentifierRecord.id)).all())
        again = rebuild(session, ACTOR, config=config, with_communities=False)
    assert labels[s1] == labels[s2a] == labels[s3] == min(s1, s2a, s3)
    assert labels[s2b] == s2b
    assert {v: n for v, n in counts.items() if v.endswith(tag)} == {
        f"u1_{tag}": 1, f"u2_{tag}": 2, f"u3_{tag}": 2, f"u4_{tag}": 1, f"u9_{tag}": 1}
    assert again.seconds["rows_written"] == 0


def test_packed_key_counts_equal_the_general_path() -> None:
    rng = np.random.default_rng(7)
    node = rng.integers(0, 300, 5000)
    key = rng.integers(0, 400, 5000)
    pairs = np.unique(np.stack([key, node], axis=1), axis=0)
    expected = np.unique(pairs[:, 0], return_counts=True)
    for shift in (0, 1 << 56):  # small ids take the packed path; encoded key codes the general one
        keys, counts = key_counts(node, key + shift)
        assert np.array_equal(keys, expected[0] + shift) and np.array_equal(counts, expected[1])
    values = rng.integers(-5, 5, 1000)
    assert all(np.array_equal(a, b) for a, b in zip(unique_counts(values), np.unique(values, return_counts=True),
                                                       strict=True))
    assert len(unique_counts(np.zeros(0, np.int64))[0]) == 0
