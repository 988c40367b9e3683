"""PDQ matching benchmark: Jigsaw's PdqIndex against pytx's PDQIndex (what HMA uses).

Both engines get the same random bank and the same queries (half planted near neighbours at
distances 0..31, half random), generated from one seed. Each engine runs in its own child
process so that resident-memory figures are not mixed up. Figures reported per engine:

* single-thread queries/s at the threshold (faiss and numba limited to one thread);
* recall against an independent numpy brute force on a sample of queries;
* resident memory per hash (RSS delta while the index is built, measured with psutil);
* save + load time, and RSS per hash of the loaded index once every page was touched;
* time until an added hash is returned by a query;
* batch throughput with every core (Jigsaw only; pytx's PDQIndex queries one hash per call).

Usage::

    python benchmarks/bench_matching.py --n 1000000
    python benchmarks/bench_matching.py --n 10000000 --pytx-queries 100
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil


def rss() -> int:
    return psutil.Process().memory_info().rss


def make_data(n: int, nq: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Bank and queries; even-numbered queries are planted neighbours of bank rows at
    distance (i/2) % 32, odd-numbered ones are random, so any prefix is a fair mix."""
    rng = np.random.default_rng(seed)
    bank = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    queries = rng.integers(0, 256, (nq, 32), dtype=np.uint8)
    for i in range(0, nq, 2):
        queries[i] = bank[rng.integers(0, n)]
        for b in rng.choice(256, size=(i // 2) % 32, replace=False):
            queries[i, b // 8] ^= np.uint8(1 << (b % 8))
    return bank, queries


def brute_force(bank: np.ndarray, queries: np.ndarray, t: int) -> list[set[int]]:
    """Independent reference: numpy popcount over the whole bank, one query at a time."""
    words = bank.view(np.uint64)
    out = []
    for q in queries.view(np.uint64):
        d = np.bitwise_count(words ^ q).sum(axis=1)
        out.append(set(np.nonzero(d <= t)[0].tolist()))
    return out


def recall(found: list[set[int]], truth: list[set[int]]) -> dict[str, float | int]:
    hits = sum(len(f & t) for f, t in zip(found, truth, strict=True))
    total = sum(len(t) for t in truth)
    extra = sum(len(f - t) for f, t in zip(found, truth, strict=True))
    return {"true_neighbours": total, "found": hits, "false_positives": extra,
            "recall": hits / total if total else 1.0}


def run_jigsaw(args: argparse.Namespace) -> dict:
    import numba

    from jigsaw.signals.pdq.index import PdqIndex

    bank, queries = make_data(args.n, args.queries, args.seed)
    ids = np.arange(args.n, dtype=np.int64)
    warm = PdqIndex()  # load the compiled kernels before the memory baseline
    warm.add(bank[:50_000], ids[:50_000])
    warm.search(queries[:8], args.threshold, parallel=False)
    warm.search(queries[:8], args.threshold, parallel=True)
    del warm
    gc.collect()
    base = rss()
    t0 = time.perf_counter()
    idx = PdqIndex()
    idx.add(bank, ids)
    build_s = time.perf_counter() - t0
    idx.search(queries[:8], args.threshold)  # compile / warm the kernels
    built_rss = rss() - base
    res: dict = {"engine": "jigsaw PdqIndex", "n": args.n, "build_s": round(build_s, 2),
                 "rss_bytes_per_hash": round(built_rss / args.n, 1),
                 "index_array_bytes_per_hash": round(idx.nbytes() / args.n, 1),
                 "segments": idx.segment_sizes}

    numba.set_num_threads(1)
    t0 = time.perf_counter()
    lims, _, found_ids = idx.search(queries, args.threshold, parallel=False)
    dt = time.perf_counter() - t0
    res["single_thread_qps"] = round(len(queries) / dt, 1)
    t0 = time.perf_counter()
    for q in queries[: min(500, len(queries))]:
        idx.search(q[None, :], args.threshold)
    res["single_query_call_latency_ms"] = round(
        (time.perf_counter() - t0) / min(500, len(queries)) * 1e3, 3)
    sample = np.arange(min(args.recall_sample, len(queries)))
    found = [set(found_ids[lims[i]:lims[i + 1]].tolist()) for i in sample]
    res["recall_check"] = recall(found, brute_force(bank, queries[sample], args.threshold))

    new = np.random.default_rng(args.seed + 1).integers(0, 256, (2, 32), dtype=np.uint8)
    for k, key in enumerate(["add_visible_first_s", "add_visible_s"]):
        # the first add also loads the tail kernel's compiled code (once per process)
        t0 = time.perf_counter()
        idx.add(new[k:k + 1], [args.n + 1 + k])
        _, _, got = idx.search(new[k:k + 1], args.threshold)
        res[key] = round(time.perf_counter() - t0, 6)
        assert args.n + 1 + k in got.tolist()
    idx.remove([args.n + 1, args.n + 2])

    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    rng = np.random.default_rng(args.seed + 2)
    batch = np.concatenate([queries, rng.integers(0, 256, (args.batch, 32), np.uint8)])[
        : args.batch]
    t0 = time.perf_counter()
    idx.search(batch, args.threshold, parallel=True)
    dt = time.perf_counter() - t0
    res["batch_threads"] = numba.get_num_threads()
    res["batch_qps"] = round(len(batch) / dt, 1)
    res["batch_queries"] = len(batch)

    with tempfile.TemporaryDirectory(dir=args.tmp) as d:
        path = Path(d) / "bank.jpdq"
        t0 = time.perf_counter()
        idx.save(path)
        res["save_s"] = round(time.perf_counter() - t0, 2)
        res["file_bytes_per_hash"] = round(path.stat().st_size / args.n, 1)
        del idx, bank
        gc.collect()
        base = rss()
        t0 = time.perf_counter()
        loaded = PdqIndex.load(path)
        res["load_s"] = round(time.perf_counter() - t0, 4)
        t0 = time.perf_counter()
        loaded.search(queries[:1], args.threshold, parallel=False)
        res["first_query_after_load_s"] = round(time.perf_counter() - t0, 4)
        # touch every page (as a long-running matcher eventually does) and measure RSS
        t0 = time.perf_counter()
        for seg in loaded._segments:
            for arr in seg.arrays("").values():
                if arr.size:
                    np.asarray(arr).view(np.uint8).reshape(-1)[::4096].sum()
        res["warm_all_pages_s"] = round(time.perf_counter() - t0, 2)
        res["loaded_rss_bytes_per_hash"] = round((rss() - base) / args.n, 1)
        t0 = time.perf_counter()
        loaded.search(queries, args.threshold)
        res["loaded_qps_default_threads"] = round(len(queries) / (time.perf_counter() - t0), 1)
    return res


def run_pytx(args: argparse.Namespace) -> dict:
    import faiss
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    faiss.omp_set_num_threads(1)
    bank, queries = make_data(args.n, args.queries, args.seed)
    queries = queries[: args.pytx_queries]
    hexes = [row.tobytes().hex() for row in bank]
    gc.collect()
    base = rss()
    t0 = time.perf_counter()
    idx = PDQIndex.build(zip(hexes, range(args.n), strict=True))
    build_s = time.perf_counter() - t0
    del hexes
    gc.collect()
    res: dict = {"engine": "pytx PDQIndex (faiss IndexBinaryMultiHash, as HMA uses)",
                 "n": args.n, "build_s": round(build_s, 2),
                 "rss_bytes_per_hash": round((rss() - base) / args.n, 1)}
    qhex = [q.tobytes().hex() for q in queries]
    idx.query(qhex[0])
    t0 = time.perf_counter()
    found_all = [{int(m.metadata) for m in idx.query(h)} for h in qhex]
    dt = time.perf_counter() - t0
    res["single_thread_qps"] = round(len(qhex) / dt, 2)
    res["queries_timed"] = len(qhex)
    sample = np.arange(min(args.recall_sample, len(queries)))
    res["recall_check"] = recall([found_all[i] for i in sample],
                                 brute_force(bank, queries[sample], args.threshold))
    new = np.random.default_rng(args.seed + 1).integers(0, 256, 32, dtype=np.uint8).tobytes()
    t0 = time.perf_counter()
    idx.add(new.hex(), args.n + 1)
    got = {int(m.metadata) for m in idx.query(new.hex())}
    res["add_visible_s"] = round(time.perf_counter() - t0, 3)
    res["add_visible_found"] = args.n + 1 in got
    with tempfile.TemporaryDirectory(dir=args.tmp) as d:
        path = Path(d) / "pytx.idx"
        t0 = time.perf_counter()
        with open(path, "wb") as f:
            idx.serialize(f)
        res["save_s"] = round(time.perf_counter() - t0, 2)
        res["file_bytes_per_hash"] = round(path.stat().st_size / args.n, 1)
        del idx, bank
        gc.collect()
        base = rss()
        t0 = time.perf_counter()
        with open(path, "rb") as f:
            loaded = PDQIndex.deserialize(f)
        res["load_s"] = round(time.perf_counter() - t0, 2)
        res["loaded_rss_bytes_per_hash"] = round((rss() - base) / args.n, 1)
        loaded.query(qhex[0])
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1_000_000, help="bank size")
    p.add_argument("--queries", type=int, default=4000, help="queries for Jigsaw")
    p.add_argument("--pytx-queries", type=int, default=200, help="queries for pytx (slow)")
    p.add_argument("--batch", type=int, default=100_000, help="batch size, all cores")
    p.add_argument("--threshold", type=int, default=31)
    p.add_argument("--recall-sample", type=int, default=64)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--tmp", default=None, help="folder for the saved index files")
    p.add_argument("--engine", choices=["jigsaw", "pytx", "both"], default="both")
    p.add_argument("--skip-pytx", action="store_true")
    p.add_argument("--json", default=None, help="also write the results here")
    args = p.parse_args()

    if args.engine == "jigsaw":
        print(json.dumps(run_jigsaw(args)))
        return
    if args.engine == "pytx":
        print(json.dumps(run_pytx(args)))
        return
    results = {}
    engines = ["jigsaw"] if args.skip_pytx else ["jigsaw", "pytx"]
    for engine in engines:
        cmd = [sys.executable, __file__, "--engine", engine, "--n", str(args.n),
               "--queries", str(args.queries), "--pytx-queries", str(args.pytx_queries),
               "--batch", str(args.batch), "--threshold", str(args.threshold),
               "--recall-sample", str(args.recall_sample), "--seed", str(args.seed)]
        if args.tmp:
            cmd += ["--tmp", args.tmp]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
        results[engine] = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(results[engine], indent=1), flush=True)
    if "pytx" in results:
        j, x = results["jigsaw"], results["pytx"]
        print(f"\nsingle-thread speed-up: {j['single_thread_qps'] / x['single_thread_qps']:.0f}x "
              f"({j['single_thread_qps']} vs {x['single_thread_qps']} q/s at n={args.n:,})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
