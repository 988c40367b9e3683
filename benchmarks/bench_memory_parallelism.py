"""The memory floor under exact PDQ matching: random-access latency and throughput, one core.

A radius-31 query against a 10M-hash `PdqIndex` makes about 7,000 random accesses into
hundreds of MB (directory slots, postings, candidate rows), so its speed is bounded by how many
independent cache-line misses one core can keep in flight, not by arithmetic. This measures:

* latency: a pointer chase through one random cycle over the array (each load depends on the
  previous one, so nothing overlaps);
* throughput: independent random loads (the out-of-order core overlaps them), and the same with
  software prefetch ahead of use, as the matching kernels do.

    .venv/bin/python benchmarks/bench_memory_parallelism.py --mib 1024
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from numba import njit

from jigsaw.signals.pdq._kernels import _prefetch


@njit(nogil=True, cache=False)
def _single_cycle(n: int, seed: int) -> np.ndarray:
    """Sattolo's shuffle: a permutation that is one cycle through all ``n`` slots."""
    np.random.seed(seed)
    perm = np.arange(n, dtype=np.int64)
    for i in range(n - 1, 0, -1):
        j = np.random.randint(0, i)
        perm[i], perm[j] = perm[j], perm[i]
    return perm


@njit(nogil=True, cache=False)
def _chase(nxt: np.ndarray, steps: int) -> int:
    j = 0
    for _ in range(steps):
        j = nxt[j]
    return j


@njit(nogil=True, cache=False)
def _gather(arr: np.ndarray, idx: np.ndarray, distance: int) -> int:
    s = 0
    n = idx.shape[0]
    for i in range(n):
        if distance and i + distance < n:
            _prefetch(arr, idx[i + distance])
        s ^= arr[idx[i]]
    return s


def run(mib: int, accesses: int) -> dict[str, float]:
    n = mib * 1024 * 1024 // 8
    nxt = _single_cycle(n, 1)
    _chase(nxt, 10)
    steps = min(accesses, 2_000_000)
    started = time.perf_counter()
    _chase(nxt, steps)
    latency = (time.perf_counter() - started) / steps * 1e9
    idx = np.random.default_rng(2).integers(0, n, size=accesses, dtype=np.int64)
    out = {"array_mib": float(mib), "dependent_latency_ns": round(latency, 1)}
    for distance in (0, 16, 64):
        _gather(nxt, idx[:100], distance)
        started = time.perf_counter()
        _gather(nxt, idx, distance)
        key = "independent_ns_per_access" if distance == 0 else f"prefetch{distance}_ns_per_access"
        out[key] = round((time.perf_counter() - started) / accesses * 1e9, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=1024, help="array size (make it far larger than the L3)")
    parser.add_argument("--accesses", type=int, default=20_000_000)
    args = parser.parse_args()
    print(json.dumps(run(args.mib, args.accesses)))


if __name__ == "__main__":
    main()
