"""Image groups and series of media, from their hashes and series names (pure apart from the PDQ
index): the partition that both the per-report path and the bulk rebuild must agree on."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from jigsaw.linking.graph import encode_keys, label_partition
from jigsaw.linking.store import _pdq_bytes, pdq_index
from jigsaw.signals.pdq import MATCH_THRESHOLD as PDQ_THRESHOLD


def media_partitions(
    ids: np.ndarray, hashes: Sequence[Sequence[str | None]], pdqs: Sequence[str | None],
    names: Sequence[Sequence[str | None]], threshold: int = PDQ_THRESHOLD,
) -> tuple[np.ndarray, np.ndarray]:
    """Image groups (equal hash or PDQ within ``threshold``) and series (groups joined by name).

    Pure apart from the PDQ index; labels are the smallest media id, as in :func:`jigsaw.linking.actions.link_report`.
    """
    if len(ids) > 1 and not bool(np.all(np.diff(ids) > 0)):
        raise ValueError("media ids must be unique and sorted")
    nodes, keys = [], []
    for kind, column in enumerate(hashes):
        present = [(i, h) for i, h in enumerate(column) if h]
        if present:
            idx, values = zip(*present, strict=True)
            _, code = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
            nodes.append(ids[np.asarray(idx)])
            keys.append(encode_keys(kind + 1, code.reshape(-1)))
    pu: list[np.ndarray] = []
    pv: list[np.ndarray] = []
    with_pdq = [(i, p) for i, p in enumerate(pdqs) if p]
    if with_pdq:
        pos, values = zip(*with_pdq, strict=True)
        unique, first, inverse = np.unique(np.asarray(values, dtype=object).astype(str), return_index=True,
                                           return_inverse=True)
        # Equal PDQs are joined through a key; near ones through pairs between distinct values.
        nodes.append(ids[np.asarray(pos)])
        keys.append(encode_keys(9, inverse.reshape(-1)))
        if len(unique) > 1:
            index = pdq_index()
            hashes_u8 = _pdq_bytes(list(unique))
            index.add(hashes_u8, np.arange(len(unique), dtype=np.int64))
            lims, _d, hits = index.search(hashes_u8, threshold=threshold)
            src = np.repeat(np.arange(len(unique)), np.diff(lims))
            keep = hits != src
            rep = ids[np.asarray(pos)[first]]  # one media id per distinct PDQ
            pu.append(rep[src[keep]])
            pv.append(rep[hits[keep]])
    node = np.concatenate(nodes) if nodes else np.zeros(0, np.int64)
    key = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    groups = label_partition(ids, node, key,
                             np.concatenate(pu) if pu else None, np.concatenate(pv) if pv else None).labels
    # Series: image groups, also joined by any series name their media carry.
    s_nodes, s_keys = [ids], [encode_keys(1, groups)]
    named = [(i, nm) for i, row in enumerate(names) for nm in row if nm]
    if named:
        idx, values = zip(*named, strict=True)
        _, code = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
        s_nodes.append(ids[np.asarray(idx)])
        s_keys.append(encode_keys(2, code.reshape(-1)))
    series = label_partition(ids, np.concatenate(s_nodes), np.concatenate(s_keys)).labels
    return groups, series
