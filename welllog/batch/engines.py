"""Where the per-well function runs: in this process (``local``) or on a Dask cluster (``dask``).

Both engines take the same :class:`~welllog.batch.task.WellTask` list and yield one
:class:`~welllog.batch.results.WellResult` per task as it finishes, so the runner, the report and
the progress bar do not care which one ran.

Dask design (``dask.distributed`` futures rather than ``dask.bag``): each well is one task submitted
with ``Client.submit`` and collected with ``as_completed``. Futures give results one by one (live
progress, the report grows as wells finish), per-task failure isolation, and a bounded number of
tasks in flight (a sliding window), so 100,000 wells do not mean 100,000 futures on the client at
once. A worker killed mid-task is detected by the scheduler, its tasks are rescheduled on the others
(the Nanny restarts the dead process) and a task is given up on only after it has taken down
``allowed-failures`` workers — it is then reported as ``failed`` with ``KilledWorker``, like any
other bad well.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from welllog.errors import UsageError, error_code

from .results import WellResult, reason_of
from .task import WellTask, process_well

#: a task that killed this many workers is a poison pill (e.g. runs the worker out of memory)
ALLOWED_FAILURES = 3
#: retries for tasks that *raise* (process_well does not for bad wells, so this covers transport errors)
TASK_RETRIES = 1
#: tasks kept in flight per worker thread (keeps workers busy without flooding the scheduler)
IN_FLIGHT_PER_THREAD = 4


def run_local(tasks: Sequence[WellTask]) -> Iterator[WellResult]:
    """Run the tasks one after the other in this process (no cluster, no pickling). A task that
    raises all the same (process_well does not for a bad well) is that well's failure, as on Dask:
    the run goes on to the next well."""
    for task in tasks:
        try:
            result = process_well(task)
        except Exception as exc:  # noqa: BLE001 - one well, not the run
            result = failed_result(task, exc)
        yield result


def failed_result(task: WellTask, exc: BaseException) -> WellResult:
    """The report row of a task that raised instead of returning its result."""
    return WellResult(file=task.path, status="failed", code=error_code(exc),
                      reason=reason_of(exc), model_version=task.model_version)


@contextmanager
def dask_client(scheduler: str | None, workers: int | None) -> Iterator[object]:
    """A Client on ``scheduler``, or on an embedded LocalCluster (processes, 1 thread each).

    The embedded cluster binds 127.0.0.1 only (scheduler, workers, its HTTP endpoint on a random port) and is closed on exit. With an existing
    scheduler, ``allowed-failures`` is that scheduler's own setting (configure it there).
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(
                f"cannot connect to the Dask scheduler at {scheduler!r} ({type(exc).__name__}: {exc}); "
                "check the address (tcp://HOST:PORT) or omit --scheduler to start a local cluster"
            ) from exc
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or 2
    if n < 1:
        raise UsageError(f"--workers must be at least 1 (got {n})")
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # loopback, random port (None still probes :8787)
            silence_logs=logging.CRITICAL,  # a task's failure is its well's report row, one line, not a worker traceback
        )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def run_dask(client: object, tasks: Sequence[WellTask], *, retries: int = TASK_RETRIES) -> Iterator[WellResult]:
    """Run the tasks on the cluster behind ``client``, yielding results as they complete."""
    from distributed import as_completed

    nthreads = sum(client.nthreads().values())  # type: ignore[attr-defined]
    window = max(8, IN_FLIGHT_PER_THREAD * nthreads)
    pending = iter(enumerate(tasks))
    by_key: dict[str, WellTask] = {}
    done = as_completed()

    def submit_next() -> None:
        item = next(pending, None)
        if item is None:
            return
        index, task = item
        key = f"welllog-well-{task.run_id}-{index}"
        future = client.submit(process_well, task, key=key, retries=retries, pure=False)  # type: ignore[attr-defined]
        by_key[future.key] = task
        done.add(future)

    for _ in range(window):
        submit_next()
    for future in done:
        task = by_key.pop(future.key)
        try:
            result = future.result()
        except Exception as exc:  # noqa: BLE001 - KilledWorker, lost data: report the well, go on
            result = failed_result(task, exc)
        future.release()
        submit_next()
        yield result
