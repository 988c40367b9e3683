"""Keeping network labels current as each report arrives (pure: storage is behind a protocol).

Union-find only ever joins, but the fan-out cap can *undo* joins: a value that joined 50 subjects
stops joining when the 51st holder appears, and an analyst can unmerge. Both are rare, so they are
handled by recomputing only the networks concerned (:func:`recompute`), from the same rules as
the bulk build. Every other change is a cheap relabel of the smaller-labelled side, so a report
costs a handful of indexed lookups whatever the size of the store.

Storage is asked in batches (every touched key's holder count in one call, the holder sets only of
keys that can join or just crossed the cap, every label in one call) because against a database
each call is a round trip, and a report touches a dozen keys. Unions are worked out in memory
(:class:`_Unions`) and written as one relabel per surviving network.

The same algorithm runs against the database (:mod:`jigsaw.linking.sql_store`) and against
:class:`MemoryStore` (tests and the benchmark of the algorithm alone).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from jigsaw.linking.graph import Key, label_partition
from jigsaw.linking.rules import LinkingConfig, crossed_cap, joins


class NetworkStore(Protocol):
    """What the incremental algorithm needs from storage."""

    def holders(self, key: Key) -> set[int]:
        """Distinct subjects holding ``key`` now."""
        ...

    def holders_many(self, keys: Collection[Key]) -> dict[Key, set[int]]:
        """:meth:`holders` of several keys at once (keys held by nobody may be left out)."""
        ...

    def holder_counts(self, keys: Collection[Key]) -> dict[Key, int]:
        """How many distinct subjects hold each key (keys held by nobody may be left out)."""
        ...

    def shared_reason(self, key: Key) -> str | None:
        """The known-shared reason of ``key``, if it never joins."""
        ...

    def shared_reasons(self, keys: Collection[Key]) -> dict[Key, str]:
        """The known-shared reasons of those of ``keys`` that have one."""
        ...

    def labels(self, subjects: Iterable[int]) -> dict[int, int]:
        """Current network label of each subject that has one."""
        ...

    def set_labels(self, labels: dict[int, int]) -> None: ...

    def add_labels(self, labels: dict[int, int]) -> None:
        """:meth:`set_labels` for subjects known to have no label yet (no lookup needed)."""
        ...

    def relabel(self, old: set[int], new: int) -> None:
        """Every subject labelled with one of ``old`` now has label ``new``."""
        ...

    def relabel_many(self, moves: dict[int, int]) -> None:
        """:meth:`relabel` for many networks at once: label ``old`` becomes ``moves[old]``. No
        target is itself moved (callers pass final labels), so the order does not matter."""
        ...

    def members(self, labels: set[int]) -> set[int]: ...

    def keys_of(self, subjects: set[int]) -> list[tuple[int, Key]]: ...

    def merge_pairs(self, subjects: set[int]) -> list[tuple[int, int]]:
        """Active analyst merges between subjects of ``subjects``."""
        ...


@dataclass(frozen=True)
class Touched:
    """A key that a new report added holders to, with the holder counts it had before.

    For an identifier, ``before`` is one count. When the report made image groups merge, the new
    group's ``before`` holds each old group's count, because each of those may have been joining.
    """

    key: Key
    before: tuple[int, ...]


def add_subjects(
    store: NetworkStore, new_subjects: Sequence[int], touched: Sequence[Touched], config: LinkingConfig,
    merges: Sequence[tuple[int, int]] = (),
) -> set[int]:
    """Bring labels up to date after ``new_subjects`` and their keys were stored.

    Returns the labels of the networks that changed (for communities and caches to refresh).
    """
    current = store.labels(new_subjects)
    missing = {s: s for s in new_subjects if s not in current}
    if missing:
        store.add_labels(missing)
    changed: set[int] = set(new_subjects)
    to_recompute: set[int] = set()  # subjects whose networks must be rebuilt (labels may still move)
    keys = [item.key for item in touched]
    counts = store.holder_counts(keys)
    reasons = store.shared_reasons(keys)
    # Holder sets only where they are used: a key that joins, or one that just crossed the cap.
    # A known-shared value or a hub already over the cap needs no more than its count.
    needed = [item.key for item in touched if counts.get(item.key, 0) and item.key not in reasons and (
        counts[item.key] <= config.fan_out_cap or crossed_cap(item.before, counts[item.key], config))]
    holders = store.holders_many(needed) if needed else {}
    unions = _Unions(store, {**current, **missing},
                     [holders.get(k, set()) for k in needed] + [{a, b} for a, b in merges])
    for item in touched:
        count = counts.get(item.key, 0)
        if not count:
            continue
        reason = reasons.get(item.key)
        if joins(count, reason, config):
            changed.add(unions.union(holders[item.key]))
        elif reason is None and crossed_cap(item.before, count, config):
            to_recompute |= holders[item.key]
    for a, b in merges:
        changed.add(unions.union({a, b}))
    unions.write()
    if to_recompute:
        changed.update(recompute(store, set(store.labels(to_recompute).values()), config))
    return changed


def union(store: NetworkStore, subjects: set[int]) -> int:
    """Join the networks of ``subjects``; the smallest label survives. Returns it."""
    labels = set(store.labels(subjects).values())
    new = min(labels)
    if len(labels) > 1:
        store.relabel(labels - {new}, new)
    return new


class _Unions:
    """A run of :func:`union` calls worked out in memory, then written as few relabels.

    Replays exactly what calling :func:`union` one after the other would do to the labels (the
    smallest label survives each union, and a relabelled network's later unions act on its new
    label), but reads the labels of every subject concerned once and, at :meth:`write`, moves each
    network straight to its final label with one :meth:`NetworkStore.relabel` per survivor.
    """

    def __init__(self, store: NetworkStore, known: dict[int, int], groups: Iterable[set[int]]) -> None:
        self.store = store
        wanted = set().union(*groups) - set(known)
        self.label = {**known, **(store.labels(wanted) if wanted else {})}
        self.moved: dict[int, int] = {}  # old label -> the label it was relabelled to

    def find(self, label: int) -> int:
        while label in self.moved:
            label = self.moved[label]
        return label

    def union(self, subjects: set[int]) -> int:
        """As :func:`union`: subjects without a label are ignored; the smallest label survives."""
        labels = {self.find(self.label[s]) for s in subjects if s in self.label}
        new = min(labels)
        for old in labels - {new}:
            self.moved[old] = new
        return new

    def write(self) -> None:
        if self.moved:
            self.store.relabel_many({old: self.find(old) for old in sorted(self.moved)})


def recompute(store: NetworkStore, labels: set[int], config: LinkingConfig) -> set[int]:
    """Rebuild the networks ``labels`` from their members' keys (after a cap or an unmerge).

    Networks are closed under every joining key, so the members' keys reach no subject outside
    them; whether a key joins is still decided on its *global* holder count.
    """
    members = store.members(labels)
    if not members:
        return set()
    pairs = store.keys_of(members)
    distinct = {key for _, key in pairs}
    counts = store.holder_counts(distinct)
    reasons = store.shared_reasons(distinct)
    joining = {key: joins(counts.get(key, 0), reasons.get(key), config) for key in distinct}
    node, code = [], []
    codes: dict[Key, int] = {}
    for subject, key in pairs:
        if joining[key]:
            node.append(subject)
            code.append(codes.setdefault(key, len(codes)))
    merges = store.merge_pairs(members)
    part = label_partition(
        np.fromiter(members, np.int64, len(members)), np.asarray(node, np.int64), np.asarray(code, np.int64),
        np.asarray([a for a, _ in merges], np.int64), np.asarray([b for _, b in merges], np.int64))
    result = part.as_dict()
    store.set_labels(result)
    return set(result.values())


class MemoryStore:
    """An in-memory :class:`NetworkStore`: the reference for tests and the algorithm benchmark."""

    def __init__(self, shared: dict[Key, str] | None = None) -> None:
        self.key_holders: dict[Key, set[int]] = defaultdict(set)
        self.subject_keys: dict[int, set[Key]] = defaultdict(set)
        self.label: dict[int, int] = {}
        self.by_label: dict[int, set[int]] = defaultdict(set)
        self.shared: dict[Key, str] = dict(shared or {})
        self.merges: dict[int, tuple[int, int]] = {}

    def hold(self, subject: int, key: Key) -> None:
        self.key_holders[key].add(subject)
        self.subject_keys[subject].add(key)

    def holders(self, key: Key) -> set[int]:
        return set(self.key_holders.get(key, ()))

    def holders_many(self, keys: Collection[Key]) -> dict[Key, set[int]]:
        return {k: set(self.key_holders[k]) for k in keys if self.key_holders.get(k)}

    def holder_counts(self, keys: Collection[Key]) -> dict[Key, int]:
        return {k: len(self.key_holders[k]) for k in keys if self.key_holders.get(k)}

    def shared_reason(self, key: Key) -> str | None:
        return self.shared.get(key)

    def shared_reasons(self, keys: Collection[Key]) -> dict[Key, str]:
        return {k: self.shared[k] for k in keys if k in self.shared}

    def labels(self, subjects: Iterable[int]) -> dict[int, int]:
        return {s: self.label[s] for s in subjects if s in self.label}

    def set_labels(self, labels: dict[int, int]) -> None:
        for s, lab in labels.items():
            old = self.label.get(s)
            if old is not None:
                self.by_label[old].discard(s)
            self.label[s] = lab
            self.by_label[lab].add(s)

    def add_labels(self, labels: dict[int, int]) -> None:
        self.set_labels(labels)

    def relabel(self, old: set[int], new: int) -> None:
        for lab in old:
            moved = self.by_label.pop(lab, set())
            for s in moved:
                self.label[s] = new
            self.by_label[new] |= moved

    def relabel_many(self, moves: dict[int, int]) -> None:
        for old, new in moves.items():
            self.relabel({old}, new)

    def members(self, labels: set[int]) -> set[int]:
        return set().union(*(self.by_label.get(lab, set()) for lab in labels))

    def keys_of(self, subjects: set[int]) -> list[tuple[int, Key]]:
        return [(s, k) for s in subjects for k in self.subject_keys.get(s, ())]

    def merge_pairs(self, subjects: set[int]) -> list[tuple[int, int]]:
        return [(a, b) for a, b in self.merges.values() if a in subjects and b in subjects]
