"""Batch prediction on a real Dask LocalCluster (scheduler + worker processes).

Slow-ish (a cluster start is a few seconds); every test stops its cluster.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import pytest

from welllog.batch import run_batch
from welllog.batch.outputs import STATE_DIR, TMP_SUBDIR

from .batch_support import make_inputs, train_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def setup(force2020_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("batch-dask")
    models = root / "models"
    name = train_model(force2020_dir, models)
    inputs = make_inputs(force2020_dir, root / "in")
    return {"root": root, "models": models, "name": name, "inputs": inputs}


def test_dask_matches_local_and_isolates_bad_wells(setup: dict, tmp_path: Path) -> None:
    local = run_batch([setup["root"] / "in"], setup["name"], tmp_path / "local", models_dir=setup["models"])
    dask = run_batch([setup["root"] / "in"], setup["name"], tmp_path / "dask", engine="dask", workers=2,
                     models_dir=setup["models"])
    assert [(Path(r.file).name, r.status) for r in dask.results] == [(Path(r.file).name, r.status) for r in local.results]
    assert len(dask.ok) == 3 and len(dask.failed) == 2 and dask.exit_code == 3
    for a, b in zip(local.ok, dask.ok):
        assert Path(a.output).read_bytes() == Path(b.output).read_bytes()  # identical outputs
        assert a.input_sha256 == b.input_sha256 and a.samples == b.samples
    reasons = {Path(r.file).name: r.reason for r in dask.failed}
    assert reasons == {Path(r.file).name: r.reason for r in local.failed}
    # model loaded once per worker process that predicted, never once per well
    workers = {r.worker for r in dask.results if r.model_loaded or r.status == "ok"}
    assert sum(r.model_loaded for r in dask.results) <= len(workers) <= 2
    assert dask.workers == 2


def test_killed_worker_does_not_lose_wells(setup: dict, force2020_dir: Path, tmp_path: Path) -> None:
    """SIGKILL one worker while tasks are pending: every well still ends ok, no partial file."""
    import dask
    from distributed import Client, LocalCluster

    inputs = make_inputs(force2020_dir, tmp_path / "in", extra_good=3)  # 6 good wells + 2 bad
    with dask.config.set({"distributed.scheduler.allowed-failures": 3}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        pids = list(client.run(os.getpid).values())
        killed: list[int] = []

        def kill_once(result, done, total) -> None:
            if not killed and done >= 1:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        report = run_batch([tmp_path / "in"], setup["name"], tmp_path / "out", engine="dask",
                           scheduler=cluster.scheduler_address, models_dir=setup["models"],
                           progress=kill_once, task_delay_s=0.5)
    finally:
        client.close()
        cluster.close()
    assert killed, "the worker was never killed"
    assert len(report.results) == len(inputs)
    by_name = {Path(r.file).name: r for r in report.results}
    assert sorted(n for n, r in by_name.items() if r.status == "failed") == ["corrupt.las", "no_curves.csv"]
    # a task whose worker died after writing its output is retried and finds that output complete
    # (status "skipped"): accounted for, nothing redone
    done = [r for r in report.results if r.status in ("ok", "skipped")]
    assert len(done) == 6 and len(report.ok) >= 5
    # every output complete: all outputs made from the same source well are byte-identical,
    # whether their task ran before, on, or after the killed worker
    groups: dict[Path, set[bytes]] = {}
    for r in done:
        groups.setdefault(Path(r.file).resolve(), set()).add(Path(r.output).read_bytes())
    assert len(groups) == 3 and all(len(v) == 1 for v in groups.values())
    assert list((tmp_path / "out" / STATE_DIR / TMP_SUBDIR).iterdir()) == []
    # a re-run finds everything done
    again = run_batch([tmp_path / "in"], setup["name"], tmp_path / "out", models_dir=setup["models"])
    assert sorted(r.status for r in again.results) == ["failed", "failed"] + ["skipped"] * 6
