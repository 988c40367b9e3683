"""The workers keep parsing while the writer writes: the map keeps a batch more in flight."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, cast

from jigsaw.imports import dispatch


class _CountingCluster:
    """Runs each submitted chunk at once, counting submissions (a stand-in for a Dask client)."""

    threads = 2

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        self.submitted += 1
        done: Future[Any] = Future()
        done.set_result(fn(*args))
        return done


def _submitted_before_the_first_result(ahead: int) -> tuple[int, int, list[int]]:
    cluster = _CountingCluster()
    pool = dispatch.WorkerPool(None, 10_000, cast(dispatch.DaskCluster, cluster))
    results = pool.map(abs, [-i for i in range(10_000)], ahead=ahead)
    first = next(results)
    in_flight = cluster.submitted
    return first, in_flight, [first, *results]


def test_a_batch_ahead_is_in_flight_before_the_writer_reads_and_order_is_kept() -> None:
    chunk = 256  # 10,000 items over 2 threads: the largest chunk
    _, steady, _ = _submitted_before_the_first_result(0)
    assert steady == 2 * (1 + dispatch._AHEAD_PER_THREAD) + 1  # the window, and the chunk replacing the one read
    first, in_flight, everything = _submitted_before_the_first_result(5_000)
    assert in_flight == steady + -(-5_000 // chunk)  # the next batch is parsed while one is written
    assert first == 0 and everything == list(range(10_000))
