"""Incremental linking equals the bulk build and a brute-force reference, on random small graphs."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jigsaw.db.engine import session_scope
from jigsaw.intake.domain import IdentifierDraft, ReportDraft, SubjectDraft
from jigsaw.intake.service import submit_report
from jigsaw.linking import hooks
from jigsaw.linking.actions import link_report
from jigsaw.linking.graph import Key, encode_keys, key_counts, label_partition
from jigsaw.linking.incremental import MemoryStore, Touched, add_subjects
from jigsaw.linking.models import LinkSubject
from jigsaw.linking.rebuild import rebuild
from jigsaw.linking.rules import LinkingConfig
from jigsaw.platform import Platform
from tests.linking.scenario import ACTOR

# A report: subjects, each holding some of a small pool of keys (so keys collide often).
reports_st = st.lists(st.lists(st.sets(st.integers(0, 11), max_size=3), min_size=1, max_size=3),
                      min_size=1, max_size=12)


def brute_force(holdings: dict[int, set[int]], shared: set[int], cap: int) -> dict[int, int]:
    """Reference: BFS over subjects joined by keys held by at most ``cap`` subjects, not shared."""
    holders: dict[int, set[int]] = defaultdict(set)
    for s, keys in holdings.items():
        for k in keys:
            holders[k].add(s)
    label: dict[int, int] = {}
    for start in sorted(holdings):
        if start in label:
            continue
        seen, stack = {start}, [start]
        while stack:
            s = stack.pop()
            for k in holdings[s]:
                if k in shared or len(holders[k]) > cap:
                    continue
                for t in holders[k] - seen:
                    seen.add(t)
                    stack.append(t)
        for s in seen:
            label[s] = min(seen)
    return label


@settings(max_examples=300, deadline=None)
@given(reports=reports_st, cap=st.integers(1, 4), shared=st.sets(st.integers(0, 11), max_size=2))
def test_memory_incremental_equals_brute_force_and_bulk(reports: list[list[set[int]]], cap: int,
                                                        shared: set[int]) -> None:
    config = LinkingConfig(fan_out_cap=cap)
    store = MemoryStore({("i", k): "known_shared:test" for k in shared})
    holdings: dict[int, set[int]] = {}
    next_id = 1
    for report in reports:
        new = []
        before = {k: len(store.holders(("i", k))) for subject in report for k in subject}
        for keys in report:
            holdings[next_id] = set(keys)
            for k in keys:
                store.hold(next_id, ("i", k))
            new.append(next_id)
            next_id += 1
        add_subjects(store, new, [Touched(("i", k), (b,)) for k, b in before.items()], config)
        expected = brute_force(holdings, shared, cap)
        assert store.label == expected
    # Bulk over the same data.
    node = [s for s, keys in holdings.items() for _ in keys]
    key = [k for keys in holdings.values() for k in keys]
    ks, counts = key_counts(np.asarray(node), np.asarray(key))
    ok = {int(k) for k, c in zip(ks, counts, strict=True) if c <= cap and int(k) not in shared}
    mask = np.isin(np.asarray(key, dtype=np.int64), sorted(ok))
    part = label_partition(np.asarray(sorted(holdings)), np.asarray(node)[mask],
                           encode_keys(1, np.asarray(key, dtype=np.int64)[mask]) if mask.any() else np.zeros(0))
    assert part.as_dict() == store.label


def test_memory_store_unions_through_merges() -> None:
    store = MemoryStore()
    store.merges[1] = (1, 2)
    add_subjects(store, [1, 2], [], LinkingConfig(), merges=[(1, 2)])
    assert store.label == {1: 1, 2: 1}


key_t = Key  # re-exported for readers of this test


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reports=st.lists(st.lists(st.sets(st.integers(0, 7), max_size=3), min_size=1, max_size=2),
                        min_size=2, max_size=8))
def test_database_incremental_equals_bulk(platform: Platform, reports: list[list[set[int]]]) -> None:
    """Through submit_report + link_report, then rebuild: identical labels (both backends)."""
    import uuid

    tag = uuid.uuid4().hex[:8]  # each example has its own identifiers, so examples never interact
    config = LinkingConfig(fan_out_cap=3)
    mine: list[int] = []
    with session_scope(platform.engine) as session:
        for report in reports:
            draft = ReportDraft(source="platform", incident_type="other", summary="synthetic", subjects=tuple(
                SubjectDraft(role="suspect", identifiers=tuple(
                    IdentifierDraft("username", f"u{k}_{tag}", platform="example") for k in sorted(keys)))
                for keys in report))
            with hooks.paused():  # linked by hand below, with this test's cap
                stored = submit_report(session, draft, ACTOR).report
            mine.extend(s.id for s in stored.subjects)
            link_report(session, stored.id, ACTOR, config=config)
    with session_scope(platform.engine) as session:
        incremental = dict(session.execute(select(LinkSubject.subject_id, LinkSubject.network_id)
                                           .where(LinkSubject.subject_id.in_(mine))).all())
        rebuild(session, ACTOR, config=config, with_communities=False)
        bulk = dict(session.execute(select(LinkSubject.subject_id, LinkSubject.network_id)
                                    .where(LinkSubject.subject_id.in_(mine))).all())
    holdings = {sid: set(keys) for sid, keys in zip(mine, (k for r in reports for k in r), strict=True)}
    assert incremental == bulk == brute_force(holdings, set(), 3)
