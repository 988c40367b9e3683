"""First PDQ lookup after a start: numba's compile, with and without ``warm_up`` (issue 14).

    .venv/bin/python benchmarks/bench_first_query.py [--n 200000] [--queries 2000]

Each scenario runs in a fresh child process with its own ``NUMBA_CACHE_DIR``:

* **fresh install, no warm-up**: an empty numba cache; the index is opened from a saved file
  (memory-mapped, as the matcher opens its snapshot) and queried at once, so the first query
  pays the compile (what partners met before issue 14);
* **fresh install, warm-up at start**: the same cache state, but ``warm_up()`` runs first (as
  ``jigsaw serve`` and ``jigsaw bank warm`` now do), then the index is queried;
* **next start**: a second process on the cache the previous one filled: ``warm_up()`` loads
  the compiled kernels from disk.

Reported: warm-up seconds, first single query (ms), the first batch of ``--queries`` queries
(q/s, one thread) and a second batch (q/s). The bank is random hashes; queries are bank rows
with a few bits flipped. Nothing but the index file and numba's cache is written.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
import numpy as np
from jigsaw.signals.pdq.index import PdqIndex, warm_up
path, n_queries, warm = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
out = {}
started = time.perf_counter()
out["warm_up_s"] = warm_up() if warm else 0.0
idx = PdqIndex.load(path)
rng = np.random.default_rng(7)
bank, _ = idx.items()
queries = bank[rng.integers(0, len(bank), n_queries)].copy()
queries[:, 0] ^= 0x13
t = time.perf_counter(); idx.search(queries[:1], parallel=False)
out["first_query_ms"] = (time.perf_counter() - t) * 1000
t = time.perf_counter(); idx.search(queries, parallel=False)
out["first_batch_qps"] = n_queries / (time.perf_counter() - t)
t = time.perf_counter(); idx.search(queries, parallel=False)
out["second_batch_qps"] = n_queries / (time.perf_counter() - t)
out["process_s"] = time.perf_counter() - started
print(json.dumps(out))
"""


def _child(path: Path, queries: int, warm: bool, cache: Path) -> dict[str, float]:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(queries), "1" if warm else "0"],
                          env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="hashes in the bank")
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()

    import numpy as np

    from jigsaw.signals.pdq.index import PdqIndex

    with tempfile.TemporaryDirectory(prefix="jigsaw-first-query-") as tmp:
        folder = Path(tmp)
        rng = np.random.default_rng(3)
        idx = PdqIndex()
        idx.add(rng.integers(0, 256, (args.n, 32), dtype=np.uint8), np.arange(args.n))
        path = folder / "bank.idx"
        idx.save(path)
        rows = [
            ("fresh install, no warm-up (before)", False, folder / "cache-a"),
            ("fresh install, warm-up at start", True, folder / "cache-b"),
            ("next start (kernels cached on disk), warm-up", True, folder / "cache-b"),
        ]
        results = []
        for name, warm, cache in rows:
            t = time.perf_counter()
            results.append((name, _child(path, args.queries, warm, cache), time.perf_counter() - t))
    print(f"# {args.n:,} random hashes, memory-mapped; {args.queries} queries a batch, one thread; "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| scenario | warm-up s | first query ms | first batch q/s | second batch q/s |")
    print("| --- | --- | --- | --- | --- |")
    for name, r, _ in results:
        print(f"| {name} | {r['warm_up_s']:.2f} | {r['first_query_ms']:.1f} | "
              f"{r['first_batch_qps']:,.0f} | {r['second_batch_qps']:,.0f} |")


if __name__ == "__main__":
    main()
