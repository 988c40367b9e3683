"""Graph algorithms for networks and series (pure: no web or database imports).

Nothing here materialises pairwise links for the whole store: MISP's pairwise correlation table
grew as n² and reached hundreds of millions of rows (docs/design/linking.md §1). Instead every
subject points at its *keys* (identifier ids, image groups, merges) and connected components are
found over that bipartite subject-key edge list with a union-find compiled by numba, which costs
O(E log* E) and handles millions of edges in well under a second. Pairwise edges are built only
for the small neighbourhood an analyst is looking at.

Component labels are the smallest member id, so the same partition always gets the same labels,
whether it was built in bulk or report by report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numba
import numpy as np

Key = tuple[str, int]  # ("i", identifier id) | ("g", image group) | ("m", merge id)


@numba.njit(cache=True)
def _union_find(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    parent = np.arange(n, dtype=np.int64)
    for k in range(u.shape[0]):
        a = u[k]
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        b = v[k]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a != b:
            if a < b:
                parent[b] = a
            else:
                parent[a] = b
    for i in range(n):
        r = i
        while parent[r] != r:
            r = parent[r]
        parent[i] = r
    return parent


def components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Root (the smallest node index) of each of ``n`` nodes' component, given edges ``u``-``v``."""
    uu = np.ascontiguousarray(u, dtype=np.int64)
    vv = np.ascontiguousarray(v, dtype=np.int64)
    if uu.shape != vv.shape:
        raise ValueError("edge arrays differ in length")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(_union_find(n, uu, vv))


@dataclass(frozen=True)
class Partition:
    """Subjects (sorted ids) and each one's network label (the smallest subject id in it)."""

    ids: np.ndarray
    labels: np.ndarray

    def as_dict(self) -> dict[int, int]:
        return dict(zip(self.ids.tolist(), self.labels.tolist(), strict=True))

    def groups(self, min_size: int = 1) -> dict[int, list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for s, lab in zip(self.ids.tolist(), self.labels.tolist(), strict=True):
            out[lab].append(s)
        return {lab: members for lab, members in out.items() if len(members) >= min_size}


def unique_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_counts=True)`` for integers, by one sort.

    numpy 2.4's ``np.unique`` is many times slower than one ``np.sort`` on millions of int64
    (BENCHMARKS.md, "Counting ids by one sort"), and a rebuild counts millions of ids.
    """
    ordered = np.sort(np.asarray(values, np.int64))
    if len(ordered) == 0:
        return ordered, np.zeros(0, np.int64)
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def key_counts(member_node: np.ndarray, member_key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct nodes per key: ``(keys, counts)`` with ``keys`` sorted (int64 key codes).

    When both fit in 32 bits (database ids do), each (key, node) pair is packed into one int64
    and sorted in 1-D, several times faster than ``np.unique(axis=0)``'s row-wise sort over the
    millions of observations of a rebuild; other codes take the general path.
    """
    key = np.asarray(member_key, np.int64)
    node = np.asarray(member_node, np.int64)
    if len(key) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if int(key.min()) >= 0 and int(node.min()) >= 0 and int(key.max()) < 2**31 and int(node.max()) < 2**32:
        keys_of_pairs = unique_counts((key << 32) | node)[0] >> 32
    else:
        keys_of_pairs = np.unique(np.stack([key, node], axis=1), axis=0)[:, 0]
    return unique_counts(keys_of_pairs)


def label_partition(
    node_ids: np.ndarray, member_node: np.ndarray, member_key: np.ndarray,
    pair_u: np.ndarray | None = None, pair_v: np.ndarray | None = None,
) -> Partition:
    """Connected components of nodes joined through shared keys and through direct pairs.

    ``member_node``/``member_key`` say "node holds key" (only keys that may join: caps are applied
    by the caller); ``pair_u``/``pair_v`` join two nodes directly (analyst merges, PDQ neighbours).
    Every id in the member and pair arrays must be in ``node_ids``.
    """
    ids = unique_counts(node_ids)[0]
    n = len(ids)
    mn = np.searchsorted(ids, np.asarray(member_node, np.int64))
    keys, key_index = np.unique(np.asarray(member_key, np.int64), return_inverse=True)
    us = [mn]
    vs = [n + key_index.reshape(-1)]
    if pair_u is not None and pair_v is not None and len(pair_u):
        us.append(np.searchsorted(ids, np.asarray(pair_u, np.int64)))
        vs.append(np.searchsorted(ids, np.asarray(pair_v, np.int64)))
    roots = components(n + len(keys), np.concatenate(us), np.concatenate(vs))
    # Roots are the smallest index in each component and ids are sorted, so the root of a
    # component holding any node is a node: its id is the component's smallest id.
    return Partition(ids, ids[roots[:n]])


def encode_keys(kinds: np.ndarray | int, values: np.ndarray) -> np.ndarray:
    """Pack (kind code, id) into one int64 so that different kinds of key never collide."""
    return (np.asarray(kinds, np.int64) << np.int64(56)) | np.asarray(values, np.int64)


# -- communities ---------------------------------------------------------------------------

def communities(node_ids: Sequence[int], edges: Iterable[tuple[int, int]], *, seed: int = 1) -> dict[int, int]:
    """Leiden communities (modularity) inside one component: node id → community number.

    Large networks are hard to read as one blob; communities show the clusters an analyst
    would otherwise find by eye. Numbered by size, largest first, and seeded to be repeatable.
    """
    import igraph as ig
    import leidenalg

    index = {node: i for i, node in enumerate(node_ids)}
    pairs = {(min(index[a], index[b]), max(index[a], index[b])) for a, b in edges if a != b}
    graph = ig.Graph(n=len(index), edges=sorted(pairs))
    partition = leidenalg.find_partition(graph, leidenalg.ModularityVertexPartition, seed=seed)
    ranked = sorted(range(len(partition)), key=lambda c: (-len(partition[c]), min(partition[c], default=0)))
    renumber = {c: rank for rank, c in enumerate(ranked)}
    return {node: renumber[partition.membership[i]] for node, i in index.items()}


# -- the neighbourhood an analyst looks at -------------------------------------------------

@dataclass
class Edge:
    a: int
    b: int
    keys: list[Hashable] = field(default_factory=list)  # the shared keys: the edge's evidence


@dataclass
class Hub:
    """A collection node standing for the neighbours of a hub that were not drawn."""

    via: int     # the subject whose neighbours these are
    count: int


@dataclass
class View:
    nodes: list[int]
    edges: list[Edge]
    hubs: list[Hub]
    truncated: bool  # True when max_nodes stopped the walk


def pair_edges(holdings: Mapping[int, Iterable[Hashable]], nodes: set[int] | None = None) -> list[Edge]:
    """Subject-subject edges among ``nodes`` with the keys each pair shares (the evidence)."""
    holders: dict[Hashable, list[int]] = defaultdict(list)
    for subject, keys in holdings.items():
        if nodes is not None and subject not in nodes:
            continue
        for key in set(keys):
            holders[key].append(subject)
    edges: dict[tuple[int, int], Edge] = {}
    for key, subjects in holders.items():
        ordered = sorted(subjects)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1:]:
                edges.setdefault((a, b), Edge(a, b)).keys.append(key)
    return [edges[k] for k in sorted(edges)]


def neighbourhood(
    start: int, neighbours: Mapping[int, Iterable[int]], *, hops: int = 2, max_nodes: int = 300,
    hub_degree: int = 25,
) -> tuple[list[int], list[Hub], bool]:
    """Breadth-first walk from ``start``: nodes to draw, collapsed hubs, and whether it was cut.

    A node with more than ``hub_degree`` neighbours (beyond the start) is a hub: it is drawn, but
    its neighbours not already drawn become one collection node (as Maltego and MISP do), so one
    busy account does not bury the picture. ``max_nodes`` bounds what the browser must lay out.
    """
    seen = [start]
    included = {start}
    hubs: list[Hub] = []
    frontier = [start]
    truncated = False
    for _ in range(hops):
        nxt: list[int] = []
        for node in frontier:
            fresh = sorted(set(neighbours.get(node, ())) - included)
            if node != start and len(fresh) > hub_degree:
                hubs.append(Hub(node, len(fresh)))
                continue
            for other in fresh:
                if len(included) >= max_nodes:
                    truncated = True
                    break
                included.add(other)
                seen.append(other)
                nxt.append(other)
        frontier = nxt
    return seen, hubs, truncated
