"""The linking tables as a :class:`jigsaw.linking.incremental.NetworkStore`.

The incremental algorithm (:mod:`jigsaw.linking.incremental`) runs against this store for each
stored report, merge and unmerge, and against :class:`~jigsaw.linking.incremental.MemoryStore`
in the property tests that prove both give the labels of a full rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from jigsaw.db.bulk import chunks, execute, scalars
from jigsaw.intake.interfaces import MediaRecord, Observation
from jigsaw.linking.graph import Key
from jigsaw.linking.models import LinkIdentifier, LinkMedia, LinkSubject, SubjectMerge
from jigsaw.linking.rules import LinkingConfig, joins

_links_t = LinkSubject.__table__
assert isinstance(_links_t, Table)
_RELABEL = (update(_links_t).where(_links_t.c.network_id == bindparam("old"))
            .values(network_id=bindparam("new"), community=None))

# Holders and holder counts of many keys in one statement each ("expanding" IN lists are cached
# once compiled). Counts are taken in the database so that a hub's thousands of holders are
# never fetched just to be counted.
_ids: Any = bindparam("ids", expanding=True)
_IDENT_HOLDERS = (select(Observation.identifier_id, Observation.subject_id).distinct()
                  .where(Observation.identifier_id.in_(_ids), Observation.subject_id.is_not(None)))
_IDENT_COUNTS = (select(Observation.identifier_id, func.count(Observation.subject_id.distinct()))
                 .where(Observation.identifier_id.in_(_ids), Observation.subject_id.is_not(None))
                 .group_by(Observation.identifier_id))
_GROUP_HOLDERS = (select(LinkMedia.image_group, MediaRecord.subject_id).distinct()
                  .join(MediaRecord, MediaRecord.id == LinkMedia.media_id)
                  .where(LinkMedia.image_group.in_(_ids), MediaRecord.subject_id.is_not(None)))
_GROUP_COUNTS = (select(LinkMedia.image_group, func.count(MediaRecord.subject_id.distinct()))
                 .join(MediaRecord, MediaRecord.id == LinkMedia.media_id)
                 .where(LinkMedia.image_group.in_(_ids), MediaRecord.subject_id.is_not(None))
                 .group_by(LinkMedia.image_group))
SHARED_REASONS = select(LinkIdentifier.identifier_id, LinkIdentifier.shared_reason).where(
    LinkIdentifier.identifier_id.in_(bindparam("ids", expanding=True)))
"""``(identifier_id, shared_reason)`` of the classified identifiers among ``ids``."""


class SqlNetworkStore:
    """:class:`jigsaw.linking.incremental.NetworkStore` over the linking tables.

    The batched lookups take one ``IN (...)`` query per kind of key. :func:`jigsaw.linking.actions.link_report` primes
    :attr:`counts` and :attr:`reasons` with what it has just read or written, so that
    :func:`~jigsaw.linking.incremental.add_subjects` does not ask again; those primes are only
    valid until observations or image groups change, so a store lives for one report.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.counts: dict[Key, int] = {}    # primed holder counts
        self.reasons: dict[Key, str | None] = {}  # primed known-shared reasons (None: none)

    def holders(self, key: Key) -> set[int]:
        return self.holders_many([key]).get(key, set())

    def holders_many(self, keys: Collection[Key]) -> dict[Key, set[int]]:
        out: dict[Key, set[int]] = defaultdict(set)
        for kind, stmt in (("i", _IDENT_HOLDERS), ("g", _GROUP_HOLDERS)):
            ids = sorted({k[1] for k in keys if k[0] == kind})
            for part in chunks(ids):
                for ident, subject in execute(self.session, stmt, {"ids": list(part)}):
                    out[(kind, ident)].add(subject)
        return dict(out)

    def holder_counts(self, keys: Collection[Key]) -> dict[Key, int]:
        out = {k: self.counts[k] for k in keys if k in self.counts}
        for kind, stmt in (("i", _IDENT_COUNTS), ("g", _GROUP_COUNTS)):
            ids = sorted({k[1] for k in keys if k[0] == kind and k not in out})
            for part in chunks(ids):
                out.update(((kind, ident), n) for ident, n in execute(self.session, stmt, {"ids": list(part)}))
        return out

    def shared_reason(self, key: Key) -> str | None:
        return self.shared_reasons([key]).get(key)

    def shared_reasons(self, keys: Collection[Key]) -> dict[Key, str]:
        known = {k: self.reasons[k] for k in keys if k in self.reasons}
        todo = sorted({k[1] for k in keys if k[0] == "i" and k not in known})
        for part in chunks(todo):
            known.update((("i", i), r) for i, r in execute(self.session, SHARED_REASONS, {"ids": list(part)}))
        return {k: r for k, r in known.items() if r is not None}

    def labels(self, subjects: Iterable[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for part in chunks(sorted(set(subjects))):
            out.update(execute(self.session, select(LinkSubject.subject_id, LinkSubject.network_id)
                                            .where(LinkSubject.subject_id.in_(part))).all())
        return out

    def add_labels(self, labels: dict[int, int]) -> None:
        execute(self.session, insert(LinkSubject), [{"subject_id": s, "network_id": n} for s, n in labels.items()])

    def set_labels(self, labels: dict[int, int]) -> None:
        existing = self.labels(labels)
        new_rows = {s: n for s, n in labels.items() if s not in existing}
        if new_rows:
            self.add_labels(new_rows)
        changed = [{"s": s, "n": n} for s, n in labels.items() if s in existing and existing[s] != n]
        if changed:
            table = LinkSubject.__table__
            assert isinstance(table, Table)
            stmt = (update(table).where(table.c.subject_id == bindparam("s"))
                    .values(network_id=bindparam("n"), community=None))
            execute(self.session, stmt, changed)

    def relabel(self, old: set[int], new: int) -> None:
        for part in chunks(sorted(old)):
            execute(self.session, update(LinkSubject).where(LinkSubject.network_id.in_(part))
                                 .values(network_id=new, community=None))

    def relabel_many(self, moves: dict[int, int]) -> None:
        # One executemany of a prepared statement (by the network_id index), not one statement
        # compiled per surviving network: a batch's unions move hundreds of networks.
        if moves:
            execute(self.session, _RELABEL, [{"old": old, "new": new} for old, new in moves.items()])

    def members(self, labels: set[int]) -> set[int]:
        out: set[int] = set()
        for part in chunks(sorted(labels)):
            out.update(scalars(self.session, select(LinkSubject.subject_id).where(LinkSubject.network_id.in_(part))))
        return out

    def keys_of(self, subjects: set[int]) -> list[tuple[int, Key]]:
        out: list[tuple[int, Key]] = []
        for part in chunks(sorted(subjects)):
            for s, i in execute(self.session, select(Observation.subject_id, Observation.identifier_id)
                                             .where(Observation.subject_id.in_(part))):
                if s is not None:
                    out.append((s, ("i", i)))
            for s, g in execute(self.session,
                    select(MediaRecord.subject_id, LinkMedia.image_group)
                    .join(LinkMedia, LinkMedia.media_id == MediaRecord.id)
                    .where(MediaRecord.subject_id.in_(part))):
                if s is not None:
                    out.append((s, ("g", g)))
        return out

    def merge_pairs(self, subjects: set[int]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for part in chunks(sorted(subjects)):
            out.extend(execute(self.session, select(SubjectMerge.subject_a, SubjectMerge.subject_b).where(
                SubjectMerge.unmerged_at.is_(None),
                SubjectMerge.subject_a.in_(part))).all())
        return [(a, b) for a, b in out if b in subjects]


def joining_keys(session: Session, subjects: Iterable[int], config: LinkingConfig) -> dict[int, list[Key]]:
    """Each subject's keys that join (for drawing edges): capped and known-shared ones left out."""
    store = SqlNetworkStore(session)
    pairs = store.keys_of(set(subjects))
    verdict: dict[Key, bool] = {}
    out: dict[int, list[Key]] = defaultdict(list)
    for s, k in pairs:
        if k not in verdict:
            verdict[k] = joins(len(store.holders(k)), store.shared_reason(k), config)
        if verdict[k]:
            out[s].append(k)
    return out
