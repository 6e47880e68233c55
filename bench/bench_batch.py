"""Benchmark of batch prediction (issue 8): local engine vs Dask with 1 and 2 workers.

    .venv/bin/python bench/bench_batch.py                 # 1,000 wells (generated once into bench/out/)
    .venv/bin/python bench/bench_batch.py --wells 50      # quick run

Wells come from the demo generator at realistic sizes (2,000-10,000 samples, drawn per well), are
generated once into ``bench/out/batch/wells-N`` (git-ignored) and reused. A model is trained once
on 8 of them into ``bench/out/batch/models``: by default the model ``welllog train`` makes and the
API serves (``--family ensemble --recipe recommended``: NGBoost + LightGBM, depth companion, blind
calibration, DTS blend); ``--recipe plain --family lightgbm`` is the bare single family of earlier runs. Each engine predicts
every well with uncertainty (mean, std, P05/P50/P95, QC for DTC and DTS) into a fresh output folder.
Printed: wells/s, samples/s, peak memory (RSS summed over this process and its children, sampled
every 0.2 s), a per-well cost breakdown (read, features, predict, write) and a 100,000-well estimate.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "batch"


class PeakRSS:
    """Peak of the summed RSS of this process and all its descendants (Dask workers, nannies)."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def make_wells(n: int, seed: int = 8) -> list[Path]:
    """n demo wells with 2,000-10,000 samples each (one generator call per well, unique names)."""
    from welllog.demo import generate_demo_wells

    folder = OUT / f"wells-{n}"
    existing = sorted(folder.glob("*.las"))
    if len(existing) == n:
        return existing
    shutil.rmtree(folder, ignore_errors=True)
    scratch = OUT / "scratch"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    for i in range(n):
        shutil.rmtree(scratch, ignore_errors=True)
        (path,) = generate_demo_wells(scratch, n_wells=1, seed=seed * 100_000 + i, n_samples=int(rng.integers(2000, 10001)))
        shutil.move(str(path), folder / f"BENCH-{i + 1:05d}.las")
        if (i + 1) % 100 == 0:
            print(f"  generated {i + 1}/{n} wells ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    shutil.rmtree(scratch, ignore_errors=True)
    return sorted(folder.glob("*.las"))


def make_model(wells: list[Path], family: str, recipe: str) -> tuple[Path, str]:
    """Train once on 8 wells (DTC and DTS) and save as 'bench-<family>' ('bench-<family>-plain' for the bare family)."""
    from welllog.ingest import read_well
    from welllog.models import SonicModel
    from welllog.recipes import CalibratedSonicModel
    from welllog.store import ModelStore

    models = OUT / "models"
    name = f"bench-{family}" if recipe == "recommended" else f"bench-{family}-plain"
    store = ModelStore(models)
    try:
        stored = store.metadata(name).get("recipe")
        # a model of the other kind, or of a recipe with other settings (one saved before a step was added), is retrained
        if (stored is None) == (recipe != "recommended") and (stored is None or set(stored) == set(CalibratedSonicModel().recipe())):
            return models, name
    except Exception:  # noqa: BLE001 - not trained yet
        pass
    train = [read_well(p) for p in wells[:8]]
    t0 = time.perf_counter()
    estimator = CalibratedSonicModel if recipe == "recommended" else SonicModel
    model = estimator(family=family, targets=("DTC", "DTS")).fit(train)
    print(f"  trained {family} ({recipe}) on 8 wells in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    store.save(model, name)
    return models, name


def breakdown(wells: list[Path], models: Path, name: str, k: int = 20) -> dict[str, float]:
    """Mean seconds per well for read / features / predict (model only) / write, on k wells in-process."""
    import io

    from welllog.features import build_features
    from welllog.ingest import read_well
    from welllog.predict import predict_well, write_prediction
    from welllog.store import ModelStore

    model = ModelStore(models).load(name)
    acc = {"read": 0.0, "features": 0.0, "predict": 0.0, "write": 0.0, "samples": 0.0}
    for p in wells[:k]:
        t = time.perf_counter()
        well = read_well(p)
        acc["read"] += time.perf_counter() - t
        t = time.perf_counter()
        build_features(well.data, model.fitted_spec(), getattr(model, "inputs", None))
        feat = time.perf_counter() - t
        acc["features"] += feat
        t = time.perf_counter()
        pred = predict_well(model, well, (0.05, 0.5, 0.95))
        # predict_well builds the features again (plus QC codes): count them once, under features
        acc["predict"] += max(time.perf_counter() - t - 2 * feat, 0.0)
        acc["features"] += feat
        t = time.perf_counter()
        write_prediction(well, pred, io.BytesIO(), "las")
        acc["write"] += time.perf_counter() - t
        acc["samples"] += len(well.data)
    return {key: v / k for key, v in acc.items()}


def run_engine(wells: list[Path], models: Path, name: str, engine: str, workers: int | None) -> dict[str, float]:
    from welllog.batch import run_batch

    label = engine if engine == "local" else f"dask-{workers}"
    out = OUT / f"pred-{label}"
    shutil.rmtree(out, ignore_errors=True)
    stamps: list[float] = []
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        report = run_batch(wells, name, out, fmt="las", engine=engine, workers=workers, models_dir=models,
                           progress=lambda r, done, total: stamps.append(time.perf_counter()))
        wall = time.perf_counter() - t0
    # steady state: from the first finished well to the last (excludes cluster start-up and model load)
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 and stamps[-1] > stamps[0] else float("nan")
    s = report.summary()
    if s["failed"]:
        print(f"  {label}: {s['failed']} wells failed, e.g. {report.failed[0].reason}", file=sys.stderr)
    return {"engine": label, "wells": s["ok"], "failed": s["failed"], "samples": s["samples"], "wall_s": wall,
            "wells_per_s": s["ok"] / wall, "steady_wells_per_s": steady, "start_s": stamps[0] - t0 if stamps else float("nan"),
            "samples_per_s": s["samples"] / wall, "peak_rss_mb": mem.peak / 2**20}


def _ngboost_fit_peak(paths: list[str], rows: int, conn) -> None:
    """Child process: fit NGBoost (50 iterations) on the first ``rows`` training rows; send peak RSS."""
    import resource

    from welllog.ingest import read_well
    from welllog.models import SonicModel

    wells, total = [], 0
    for p in paths:
        w = read_well(p)
        wells.append(w)
        total += int(w.data["DTC"].notna().sum())
        if total >= rows:
            break
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    SonicModel(family="ngboost", targets=("DTC",), params={"n_estimators": 50}).fit(wells)
    conn.send((total, base / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.perf_counter() - t0))


def ngboost_memory(wells: list[Path], sizes: tuple[int, ...] = (25_000, 50_000, 100_000)) -> None:
    """Peak memory of a single-process NGBoost fit vs training rows -> rows that fit in a given RAM."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    points = []
    for n in sizes:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_ngboost_fit_peak, args=([str(p) for p in wells], n, child))
        proc.start()
        rows, base_mb, peak_mb, secs = parent.recv()
        proc.join()
        points.append((rows, peak_mb))
        print(f"  NGBoost fit, {rows:>8} rows: peak RSS {peak_mb:7.0f} MB (after imports+reading {base_mb:5.0f} MB), "
              f"{secs:5.1f} s for 50 iterations")
    (r0, m0), (r1, m1) = points[0], points[-1]
    per_row = (m1 - m0) / (r1 - r0) * 1024  # KB per row
    for ram_gb in (16, 64):
        print(f"  -> ~{per_row:.2f} KB/row: {ram_gb} GB RAM holds ~{(ram_gb * 1024 - m0) * 1024 / per_row / 1e6:.0f} M training rows")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wells", type=int, default=1000, help="number of wells (default 1000)")
    ap.add_argument("--family", default="ensemble", help="model family to predict with (default ensemble, the served one)")
    ap.add_argument("--recipe", default="recommended", choices=("recommended", "plain"),
                    help="recommended (default: what `welllog train` makes) or plain (the bare family)")
    ap.add_argument("--engines", default="local,dask1,dask2", help="comma list of local, dask1, dask2, ...")
    ap.add_argument("--ngboost-memory", action="store_true", help="only measure NGBoost fit memory vs rows")
    args = ap.parse_args()

    wells = make_wells(args.wells)
    if args.ngboost_memory:
        ngboost_memory(wells)
        return
    models, name = make_model(wells, args.family, args.recipe)
    cost = breakdown(wells, models, name)
    rows = []
    for e in args.engines.split(","):
        e = e.strip()
        engine, workers = ("local", None) if e == "local" else ("dask", int(e.removeprefix("dask") or 2))
        print(f"  running {e} on {len(wells)} wells ...", file=sys.stderr)
        rows.append(run_engine(wells, models, name, engine, workers))
        r = rows[-1]
        print(f"  {e}: {r['wall_s']:.1f} s, {r['wells_per_s']:.2f} wells/s, steady {r['steady_wells_per_s']:.2f} wells/s, "
              f"peak {r['peak_rss_mb']:.0f} MB", file=sys.stderr, flush=True)

    print(f"\nBatch prediction: {len(wells)} wells, model {name} (DTC+DTS, mean/std/P05/P50/P95/QC), LAS out")
    print(f"{'engine':<9}{'wells':>7}{'failed':>7}{'wall s':>9}{'1st well s':>11}{'wells/s':>9}{'steady w/s':>11}"
          f"{'samples/s':>11}{'peak RSS MB':>13}")
    for r in rows:
        print(f"{r['engine']:<9}{r['wells']:>7}{r['failed']:>7}{r['wall_s']:>9.1f}{r['start_s']:>11.1f}{r['wells_per_s']:>9.2f}"
              f"{r['steady_wells_per_s']:>11.2f}{r['samples_per_s']:>11.0f}{r['peak_rss_mb']:>13.0f}")
    total = cost["read"] + cost["features"] + cost["predict"] + cost["write"]
    print(f"\nPer-well cost, in-process, mean of 20 wells ({cost['samples']:.0f} samples/well):")
    for key in ("read", "features", "predict", "write"):
        print(f"  {key:<9}{cost[key]:>8.3f} s  ({100 * cost[key] / total:4.1f} %)")
    print(f"  {'total':<9}{total:>8.3f} s")
    best = max(rows, key=lambda r: r["steady_wells_per_s"])
    per_core = next((r["steady_wells_per_s"] for r in rows if r["engine"] == "dask-1"), best["steady_wells_per_s"])
    hours = 100_000 / per_core / 3600
    print(f"\n100,000 wells: {hours:.1f} core-hours at {per_core:.2f} wells/s per single-threaded worker;"
          f" e.g. {int(np.ceil(hours))} workers -> ~1 h, {int(np.ceil(hours * 4))} workers -> ~15 min"
          " (assumes inputs/outputs on a file system that keeps up and linear scaling).")


if __name__ == "__main__":
    main()
