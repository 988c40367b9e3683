"""Where an import's parsing and encoding run: a local process pool, or an existing Dask cluster.

Both are driven by one ordered, windowed map (:meth:`WorkerPool.map`): items go out in chunks
through the executor's ``submit`` (``ProcessPoolExecutor.submit`` or ``distributed.Client.submit``),
a bounded number of chunks are in flight, and results come back in submission order, so the
writer sees exactly the same sequence of results whichever runs the tasks (which external id
comes first decides duplicates). The database writer is never distributed: it stays in the
importing process, one transaction per batch (:mod:`jigsaw.imports.service`).

A cluster is named by its scheduler's address (``tcp://HOST:8786``, or ``tls://`` with Dask's
TLS configuration). :func:`connect_cluster` checks, before anything is written, that the
scheduler answers, that it has workers, and that the scheduler and every worker run this
version of Jigsaw (tasks name its functions, and a different parser could store something
else). Tasks carry the documents and the field cipher (workers encrypt personal fields as
they encode), so the cluster must be one the centre runs for itself.
"""

from __future__ import annotations

import asyncio
import gc
import math
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

import jigsaw
from jigsaw.errors import InvalidInput

if TYPE_CHECKING:
    from distributed import Client

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_THRESHOLD = 200  # documents; below this a local pool costs more than it saves
# Seconds to reach a scheduler and to wait for it to have a worker: a mistyped address must
# fail fast, before anything is written.
SCHEDULER_TIMEOUT_S = 10.0
# Chunks in flight per worker thread beyond the one it runs, when the consumer reads steadily.
# A consumer that stops to write a batch asks for a batch more (``WorkerPool.map``'s ``ahead``).
_AHEAD_PER_THREAD = 2
# The module whose task functions the workers run; the fork server imports it once.
_TASK_MODULE = "jigsaw.imports.service"


class ClusterUnavailable(InvalidInput, ValueError):
    """The Dask scheduler named for an import cannot be used (unreachable, no workers, other version)."""


# --- local processes ------------------------------------------------------------------


def _worker_init(parent: int) -> None:
    """Worker process setup: leave when the parent does; keep the collector off the inherited heap.

    A worker whose parent was killed (``kill -9`` of ``jigsaw import``) would otherwise wait
    for work forever. Workers keep the default collection threshold: raising it (as the
    writing parent does) slows their parsing (BENCHMARKS.md, "Garbage-collector thresholds").
    """
    threading.Thread(target=_exit_with_parent, args=(parent, os.getppid()), daemon=True,
                     name="exit-with-parent").start()
    gc.freeze()


def _exit_with_parent(parent: int, ppid: int, interval: float = 0.5) -> None:
    """Exit this process as soon as the importing process (or the fork server between) is gone.

    ``parent`` is the importing process; ``ppid`` the one that started this worker (the
    importer itself, or the fork server, which exits when the importer does). Either gone,
    and the worker's parent id changes to the reaper's.
    """
    while True:
        time.sleep(interval)
        if os.getppid() != ppid or not _alive(parent):
            os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else (a reused id): the importer is gone
        return False
    return True


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers that start clean: a fork server (or spawn), never a fork of the importer.

    A forked worker inherits the importer's open database connections: killed mid-batch, the
    importer's socket stayed open in its workers, so PostgreSQL kept its transaction (and the
    audit chain's lock) open and intake froze. A fork server is a fresh interpreter that has
    imported the parsers once (preloaded) and forks workers from itself, so they start fast
    and hold nothing of the importer's.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([_TASK_MODULE])
        return context
    return multiprocessing.get_context("spawn")


# --- a Dask cluster -------------------------------------------------------------------


def _identity() -> str:
    """What a scheduler or worker process runs (sent by reference: it must import Jigsaw)."""
    return jigsaw.__version__


async def _probe(address: str, timeout: float) -> None:
    """Open and close one connection to ``address`` with the client's security settings.

    ``distributed.Client`` itself, when the address is wrong, waits out its timeout and then
    its own close timeout and prints a traceback from ``__del__``; this fails cleanly.
    """
    from distributed.comm import connect
    from distributed.security import Security

    comm = await connect(address, timeout=timeout, **Security().get_connection_args("client"))
    await comm.close()


class DaskCluster(AbstractContextManager["DaskCluster"]):
    """A checked connection to an existing Dask scheduler, used for every pass of an import."""

    def __init__(self, address: str, client: Client) -> None:
        self.address = address
        self.client = client

    @property
    def threads(self) -> int:
        """Worker threads the cluster has now (sizes the chunks and how many are in flight)."""
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        # pure=False: every chunk is its own task, never deduplicated by a content hash.
        return self.client.submit(fn, *args, pure=False)

    def close(self) -> None:
        self.client.close()

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _run_on_own_loop(coroutine: Any) -> None:
    """Run ``coroutine`` to its end on an event loop of its own, on a thread of its own: the caller
    may itself be inside a running loop (an async route, a test driving a browser), where
    ``asyncio.run`` refuses to start."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # handed back to the caller's thread below
            failure.append(exc)

    thread = threading.Thread(target=run, name="jigsaw-dask-probe", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def connect_cluster(address: str, *, timeout: float | None = None) -> DaskCluster:
    """Connect to the scheduler at ``address`` and check it can run this import's tasks.

    Raises :class:`ClusterUnavailable` naming the address and the reason; nothing has been
    written by then (callers connect before resolving the organisation).
    """
    import dask
    from distributed import Client

    timeout = SCHEDULER_TIMEOUT_S if timeout is None else timeout
    # Results straight from the workers unless the operator configured otherwise: through the
    # scheduler they cross the network twice and cost the scheduler CPU (BENCHMARKS.md). A worker
    # this host cannot reach is gathered through the scheduler after all (distributed falls back).
    direct = dask.config.get("distributed.client.direct-to-workers")
    address = address.strip()
    try:
        _run_on_own_loop(_probe(address, timeout))
    except (TimeoutError, OSError, ValueError, TypeError) as exc:
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False,
                        direct_to_workers=True if direct is None else direct)
    except (TimeoutError, OSError, ValueError) as exc:
        raise ClusterUnavailable(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise ClusterUnavailable(f"the Dask scheduler at {address} has no workers "
                                     f"(waited {timeout:g} s)") from None
        try:
            versions = {"scheduler": client.run_on_scheduler(_identity), **client.run(_identity)}
        except Exception as exc:  # a process that cannot import jigsaw fails to unpickle _identity
            raise ClusterUnavailable(f"the Dask cluster at {address} cannot run Jigsaw's tasks "
                                     f"({type(exc).__name__}: {exc}); install Jigsaw {jigsaw.__version__} "
                                     "on the scheduler and every worker") from None
        other = sorted(f"{where} has {version}" for where, version in versions.items()
                       if version != jigsaw.__version__)
        if other:
            raise ClusterUnavailable(f"the Dask cluster at {address} runs another version of Jigsaw than this "
                                     f"one ({jigsaw.__version__}): {'; '.join(other)}")
    except BaseException:
        client.close()
        raise
    return DaskCluster(address, client)


# --- the one map ----------------------------------------------------------------------


def _run_chunk(fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    """A task: ``fn`` over one chunk of items, on whichever worker runs it."""
    return [fn(item) for item in chunk]


class WorkerPool:
    """``map`` over worker processes or a Dask cluster, in order, streaming results as they finish.

    One pool serves every pass of an import (CyberTip file details, then reports): starting
    the processes twice cost more than parsing a few hundred documents. Without a cluster,
    below ``PARALLEL_THRESHOLD`` items or with one worker, it maps in this process. With a
    cluster, every pass runs on it (the operator chose it, and it is already connected).
    """

    def __init__(self, workers: int | None, items: int, cluster: DaskCluster | None = None) -> None:
        self.cluster = cluster
        self.pool: ProcessPoolExecutor | None = None
        self._submit: Callable[..., Any] | None = None
        if cluster is not None:
            self.count = cluster.threads
            self._submit = cluster.submit
            return
        self.count = workers if workers is not None else (os.cpu_count() or 1)
        if self.count > 1 and items >= PARALLEL_THRESHOLD:
            self.pool = ProcessPoolExecutor(max_workers=self.count, mp_context=_pool_context(),
                                            initializer=_worker_init, initargs=(os.getpid(),))
            self._submit = self.pool.submit

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, ahead: int = 0) -> Iterator[R]:
        """``fn`` over ``items``, in order. ``ahead``: results to have in hand or in flight beyond
        the steady window, so that workers keep going while the consumer is away (the writer
        passes its batch size: while it writes one batch, the next one is parsed)."""
        submit = self._submit
        if submit is None or (self.cluster is None and len(items) < PARALLEL_THRESHOLD):
            return map(fn, items)
        chunk = max(16, min(256, len(items) // (self.count * 8) or 1))
        return _ordered(submit, fn, items, chunk, self.count * (1 + _AHEAD_PER_THREAD) + math.ceil(ahead / chunk))


def _ordered(submit: Callable[..., Any], fn: Callable[[T], R], items: Sequence[T], chunk: int,
             window: int) -> Iterator[R]:
    """Results of ``fn`` over ``items`` in order, at most ``window`` chunks submitted and unread.

    A task's exception is raised here, at its place in the order, as the worker raised it:
    the writer has then written only whole batches before it (each one transaction).
    """
    chunks = (items[start: start + chunk] for start in range(0, len(items), chunk))
    in_flight = deque(submit(_run_chunk, fn, part) for part in islice(chunks, window))
    while in_flight:
        future = in_flight.popleft()
        results = future.result()
        following = next(chunks, None)
        if following is not None:
            in_flight.append(submit(_run_chunk, fn, following))
        del future  # a Dask future released: the cluster may forget the chunk's result
        yield from results


def parallel_map(fn: Callable[[T], R], items: Sequence[T], workers: int | None,
                 cluster: DaskCluster | None = None) -> Iterator[R]:
    """One pass of :class:`WorkerPool`: the pool lives as long as the iteration."""
    with WorkerPool(workers, len(items), cluster) as pool:
        yield from pool.map(fn, items)
