"""Exact digest indexes and the pytx-style wrappers."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np

from jigsaw.signals.exact_index import ExactIndex
from jigsaw.signals.index import Md5SignalIndex, PdqSignalIndex


def digests(n: int) -> np.ndarray:
    return np.frombuffer(b"".join(hashlib.md5(str(i).encode()).digest() for i in range(n)),
                         np.uint8).reshape(n, 16)


def test_exact_index_add_remove_save_load(tmp_path: Path) -> None:
    d = digests(300)
    idx = ExactIndex(16, tail_max=100)
    idx.add(d[:250], np.arange(250))
    idx.add(d[:5], np.arange(1000, 1005))  # the same digest in two entries
    idx.add(d[250:], np.arange(250, 300))
    lims, dist, ids = idx.search(d[[0, 3, 299]])
    assert lims.tolist() == [0, 2, 4, 5] and sorted(ids[:2].tolist()) == [0, 1000]
    assert not dist.any()
    # same 8-byte key, different digest: no false match
    other = d[:1].copy()
    other[0, 15] ^= 1
    assert idx.search(other)[0][-1] == 0
    assert idx.remove([0, 299, 5000]) == 2 and len(idx) == 303
    idx.save(tmp_path / "md5.idx")
    loaded = ExactIndex.load(tmp_path / "md5.idx")
    _, _, ids = loaded.search(d[[0, 299, 7]])
    assert ids.tolist() == [1000, 7]
    loaded.add(d[299:], [42])
    loaded.remove([7])
    assert loaded.search(d[[299, 7]])[2].tolist() == [42]


def test_pytx_style_wrappers() -> None:
    rng = np.random.default_rng(0)
    hashes = [rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex() for _ in range(50)]
    idx = PdqSignalIndex.build((h, i) for i, h in enumerate(hashes))
    near = f"{int(hashes[7], 16) ^ 0xFFFF:064x}"
    assert [(m.distance, m.metadata) for m in idx.query(near)] == [(16, 7)]
    buf = io.BytesIO()
    idx.serialize(buf)
    assert not buf.getvalue().startswith(b"\x80")  # not a pickle
    buf.seek(0)
    again = PdqSignalIndex.deserialize(buf)
    again.add(hashes[0], 99)
    assert sorted(m.metadata for m in again.query(hashes[0])) == [0, 99]
    md5 = Md5SignalIndex.build([("AB" * 16, 1)])
    assert md5.query("ab" * 16)[0].metadata == 1
