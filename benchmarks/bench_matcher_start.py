"""How long a matcher takes to answer its first lookup: from the database vs from a snapshot.

Fills a fresh SQLite platform with one PDQ bank of N random entries (plain inserts; the
bank importer's per-entry checks are not what is measured), then times:

* cold start, no snapshot: ``MatchingService`` reads every entry and builds the index;
* ``save_snapshot``: writing the indexes to the data folder;
* restart with the snapshot: the first lookup maps the saved index and pulls only later
  entries (one added after the snapshot, to show it is picked up).

HMA's counterpart is loading its pickled index (about 38 s at 10M, 18.9 s on this VM idle;
see the matching section of BENCHMARKS.md).

    .venv/bin/python benchmarks/bench_matcher_start.py --n 1000000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, insert

from jigsaw.bootstrap import open_platform
from jigsaw.config import Settings
from jigsaw.db.engine import session_scope
from jigsaw.events import EventBus
from jigsaw.matching.banks import make_entry
from jigsaw.matching.service import MatchingService
from jigsaw.matching.storage import BankEntry, add_entry, create_bank, get_bank


def _fill(engine: Engine, n: int, rng: np.random.Generator) -> list[str]:
    with session_scope(engine) as session:
        bank_id = create_bank(session, "BENCH").id
    values = [row.tobytes().hex() for row in rng.integers(0, 256, size=(n, 32), dtype=np.uint8)]
    for start in range(0, n, 100_000):
        with session_scope(engine) as session:
            session.execute(insert(BankEntry), [
                {"bank_id": bank_id, "signal_type": "pdq", "value": v, "tags": []}
                for v in values[start: start + 100_000]])
    return values


def run(n: int) -> dict[str, object]:
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        platform = open_platform(Settings(data_dir=root / "data", database_url=f"sqlite:///{root / 'data/j.db'}"))
        platform.events = EventBus()  # no re-matching of stored media: only the matcher is measured
        values = _fill(platform.engine, n, rng)
        folder = root / "data" / "index"
        query = [values[n // 2]]

        cold = MatchingService(platform.engine, snapshot_dir=folder, snapshot_after=10**12)
        started = time.perf_counter()
        assert cold.lookup_raw("pdq", query)[0]
        cold_s = time.perf_counter() - started

        started = time.perf_counter()
        cold.save_snapshot()
        save_s = time.perf_counter() - started

        with session_scope(platform.engine) as session:
            late = rng.integers(0, 256, size=32, dtype=np.uint8).tobytes().hex()
            add_entry(session, get_bank(session, "BENCH"), make_entry("pdq", late))

        restarts = []
        for _ in range(2):  # the first may include numba compiling its kernels for mapped arrays
            warm = MatchingService(platform.engine, snapshot_dir=folder, snapshot_after=10**12)
            started = time.perf_counter()
            assert warm.lookup_raw("pdq", query)[0] and warm.lookup_raw("pdq", [late], refresh=False)[0]
            restarts.append(round(time.perf_counter() - started, 3))
        return {"entries": n, "cold_first_lookup_s": round(cold_s, 2), "save_snapshot_s": round(save_s, 2),
                "snapshot_first_lookup_s": restarts, "entries_read_on_restart": warm.pulled_entries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    print(json.dumps(run(parser.parse_args().n)))


if __name__ == "__main__":
    main()
