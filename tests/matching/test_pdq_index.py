"""PdqIndex must equal brute force exactly: planted near-threshold neighbours, adds, removes,
merges, save/load, parallel and serial paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jigsaw.signals.fileformat import IndexFormatError, read_arrays, write_arrays
from jigsaw.signals.pdq.index import PdqIndex, radii_for


def brute(db: np.ndarray, ids: np.ndarray, queries: np.ndarray, t: int) -> list[list]:
    if len(db) == 0:
        return [[] for _ in queries]
    x = np.unpackbits(db[None, :, :] ^ queries[:, None, :], axis=2).sum(axis=2)
    return [sorted(zip(ids[x[i] <= t].tolist(), x[i][x[i] <= t].tolist(), strict=True))
            for i in range(len(queries))]


def as_lists(lims: np.ndarray, dist: np.ndarray, ids: np.ndarray) -> list[list]:
    return [sorted(zip(ids[lims[i]:lims[i + 1]].tolist(), dist[lims[i]:lims[i + 1]].tolist(),
                       strict=True)) for i in range(len(lims) - 1)]


def flip(rng: np.random.Generator, h: np.ndarray, k: int) -> np.ndarray:
    out = h.copy()
    for b in rng.choice(256, size=k, replace=False):
        out[b // 8] ^= 1 << (b % 8)
    return out


def planted(rng: np.random.Generator, db: np.ndarray, t: int, n: int) -> np.ndarray:
    """Queries at distance t-1, t, t+1 (the edges), 0 and random from bank rows."""
    qs = []
    for i in range(n):
        row = db[rng.integers(len(db))] if len(db) else rng.integers(0, 256, 32, np.uint8)
        k = [max(t - 1, 0), t, min(t + 1, 256), 0, int(rng.integers(0, 64))][i % 5]
        qs.append(flip(rng, row, k))
    qs.append(rng.integers(0, 256, 32, dtype=np.uint8))
    return np.asarray(qs, dtype=np.uint8)


def small_index() -> PdqIndex:
    # tiny segment thresholds so that multi-index tables and merges are exercised on small data
    return PdqIndex(tail_max=40, flat_max=16, merge_ratio=2)


def check(idx: PdqIndex, db: np.ndarray, ids: np.ndarray, q: np.ndarray, t: int) -> None:
    expect = brute(db, ids, q, t)
    assert as_lists(*idx.search(q, t, parallel=False)) == expect
    assert as_lists(*idx.search(q, t, parallel=True)) == expect


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 400),
       t=st.sampled_from([0, 1, 8, 15, 31, 32, 47, 64]))
def test_matches_brute_force(seed: int, n: int, t: int) -> None:
    rng = np.random.default_rng(seed)
    db = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    if n > 10:  # duplicates and clusters, as real banks have
        db[: n // 10] = db[n // 10 : 2 * (n // 10)]
    ids = rng.permutation(n).astype(np.int64) * 7 + 3
    idx = small_index()
    idx.add(db, ids)
    check(idx, db, ids, planted(rng, db, t, 30), t)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), ops=st.lists(
    st.tuples(st.sampled_from(["add", "remove"]), st.integers(1, 90)), min_size=1, max_size=12))
def test_incremental_adds_and_removes(seed: int, ops: list[tuple[str, int]]) -> None:
    rng = np.random.default_rng(seed)
    idx = small_index()
    db = np.zeros((0, 32), np.uint8)
    ids = np.zeros(0, np.int64)
    next_id = 0
    for op, k in ops:
        if op == "add":
            new = rng.integers(0, 256, (k, 32), dtype=np.uint8)
            if len(db):
                new[::3] = [flip(rng, db[rng.integers(len(db))], 31) for _ in new[::3]]
            new_ids = np.arange(next_id, next_id + k, dtype=np.int64)
            next_id += k
            idx.add(new, new_ids)
            db, ids = np.concatenate([db, new]), np.concatenate([ids, new_ids])
        elif len(ids):
            gone = rng.choice(ids, size=min(k, len(ids)), replace=False)
            assert idx.remove(gone) == len(gone)
            keep = ~np.isin(ids, gone)
            db, ids = db[keep], ids[keep]
        assert len(idx) == len(ids)
        check(idx, db, ids, planted(rng, db, 31, 10), 31)


def test_added_hash_visible_to_next_query() -> None:
    rng = np.random.default_rng(5)
    idx = PdqIndex()
    idx.add(rng.integers(0, 256, (20000, 32), dtype=np.uint8), np.arange(20000))
    new = rng.integers(0, 256, (1, 32), dtype=np.uint8)
    idx.add(new, [99999])
    _lims, dist, ids = idx.search(flip(rng, new[0], 31)[None, :])
    assert ids.tolist() == [99999] and dist.tolist() == [31]
    idx.remove([99999])
    assert idx.search(new)[0][-1] == 0


@pytest.mark.parametrize("mmap", [True, False])
def test_save_load_roundtrip(tmp_path: Path, mmap: bool) -> None:
    rng = np.random.default_rng(11)
    db = rng.integers(0, 256, (300, 32), dtype=np.uint8)
    ids = np.arange(300, dtype=np.int64) + 2**40  # large ids, still stored as uint32 offsets
    ids[-1] = -5  # ...this one forces int64 storage for its segment
    idx = small_index()
    idx.add(db, ids)
    idx.remove(ids[:10])
    path = tmp_path / "bank.jpdq"
    idx.save(path)
    loaded = PdqIndex.load(path, mmap=mmap)
    db, ids = db[10:], ids[10:]
    assert len(loaded) == len(ids)
    q = planted(rng, db, 31, 20)
    check(loaded, db, ids, q, 31)
    # a loaded (memory-mapped, read-only) index still takes adds and removes
    extra = rng.integers(0, 256, (50, 32), dtype=np.uint8)
    loaded.add(extra, np.arange(50) + 10**6)
    loaded.remove(ids[:5])
    check(loaded, np.concatenate([db[5:], extra]), np.concatenate([ids[5:], np.arange(50) + 10**6]),
          q, 31)


def test_files_with_four_byte_postings_still_load(tmp_path: Path) -> None:
    """Indexes saved before postings shrank to 3 bytes hold them as uint32: same answers."""
    rng = np.random.default_rng(12)
    db = rng.integers(0, 256, (300, 32), dtype=np.uint8)
    ids = np.arange(300, dtype=np.int64)
    idx = small_index()
    idx.add(db, ids)
    path = tmp_path / "new.jpdq"
    idx.save(path)
    meta, arrays = read_arrays(path, "jigsaw.pdq_index.v1", mmap=False)
    widened = {}
    for name, array in arrays.items():
        if name.endswith("postings") and array.size:
            three = array.reshape(-1, 3)
            array = (three[:, 0].astype("<u4") | three[:, 1].astype("<u4") << 8
                     | three[:, 2].astype("<u4") << 16)
        widened[name] = array
    assert any(a.dtype == np.dtype("<u4") and n.endswith("postings") for n, a in widened.items())
    old = tmp_path / "old.jpdq"
    write_arrays(old, "jigsaw.pdq_index.v1", meta, widened)
    check(PdqIndex.load(old), db, ids, planted(rng, db, 31, 20), 31)


def test_rejects_foreign_or_corrupt_files(tmp_path: Path) -> None:
    bad = tmp_path / "x"
    bad.write_bytes(b"\x80\x04pickle")
    with pytest.raises(IndexFormatError):
        PdqIndex.load(bad)
    idx = small_index()
    idx.add(np.zeros((100, 32), np.uint8), np.arange(100))
    good = tmp_path / "good"
    idx.save(good)
    data = bytearray(good.read_bytes())
    data[16:20] = b'{"ki'  # still JSON-ish but now truncated / wrong
    bad.write_bytes(bytes(data[:200]))
    with pytest.raises((IndexFormatError, ValueError)):
        PdqIndex.load(bad)


def test_radii_satisfy_pigeonhole() -> None:
    for m in (8, 11, 12, 16, 21):
        for t in range(0, 80):
            r = radii_for(t, m)
            assert int((r + 1).sum()) == t + 1 and r.min() >= -1


def test_input_validation() -> None:
    idx = PdqIndex()
    with pytest.raises(ValueError):
        idx.add(np.zeros((2, 31), np.uint8), [1, 2])
    with pytest.raises(ValueError):
        idx.add(np.zeros((2, 32), np.uint8), [1])
    with pytest.raises(ValueError):
        idx.search(np.zeros((1, 32), np.uint8), threshold=300)
    lims, _dist, ids = idx.search(np.zeros((3, 32), np.uint8))
    assert lims.tolist() == [0, 0, 0, 0] and len(ids) == 0


def test_warm_up_prepares_every_signature_a_search_uses(tmp_path: Path) -> None:
    """After ``warm_up`` no search compiles anything: in memory or memory-mapped, flat or
    multi-index, one thread or all, removals included (issue 14: the first lookup is fast)."""
    from jigsaw.signals.pdq import _kernels as K
    from jigsaw.signals.pdq.index import warm_up

    warm_up()
    kernels = (K.mih_search_serial, K.mih_search_parallel, K.mark_removed, K.chunk_values,
               K.counting_sort)
    before = [len(k.signatures) for k in kernels]
    rng = np.random.default_rng(5)
    hashes = rng.integers(0, 256, (20_000, 32), dtype=np.uint8)
    idx = PdqIndex()
    idx.add(hashes, np.arange(len(hashes)))
    idx.add(hashes[:5], np.arange(5) + 10**6)  # the tail
    small = PdqIndex(tail_max=10)
    small.add(hashes[:100], np.arange(100))  # one flat segment
    for index in (idx, small):
        index.save(tmp_path / "x.idx")
        for loaded in (index, PdqIndex.load(tmp_path / "x.idx")):
            loaded.search(hashes[:1])
            loaded.search(hashes[:200], parallel=True)
            loaded.remove([7])
    assert [len(k.signatures) for k in kernels] == before
    assert warm_up() == 0.0  # once per process
