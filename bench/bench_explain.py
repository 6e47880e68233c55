"""Benchmark of SHAP explanations (issue 5): full-well and one-sample latency per model family.

Data: SPWLA 2020 train.csv (one well, 30,143 samples, DTC and DTS). Models (family defaults) are
trained on samples 16,600-30,143 and explain the blind upper 16,600 (about 15,000 of them have every required input): both targets, the
mean and the scale (uncertainty) parameter each. "one sample" = `explain_samples` at one depth,
cold (first call on a freshly loaded model: parses the trees) and warm (median of 10 clicks).

    .venv/bin/python bench/bench_explain.py [--families ngboost,ngboost:600,rf,...] [--jobs 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "spwla2020" / "train.csv"


def main() -> None:
    from welllog.evaluation.splits import slice_well
    from welllog.explain import core, explain_samples, explain_well
    from welllog.ingest import read_well
    from welllog.models import FAMILIES, SonicModel

    ap = argparse.ArgumentParser()
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--jobs", type=int, default=core.DEFAULT_JOBS)
    args = ap.parse_args()
    well = read_well(DATA)
    explain_part = slice_well(well, 0, 16600, "spwla[0:16600]")
    train_part = slice_well(well, 16600, len(well.data), "spwla[16600:]")
    rows = []
    for spec in args.families.split(","):
        # "ngboost:600" = NGBoost with 600 trees per parameter and no early stopping (a heavy model)
        family, _, trees = spec.partition(":")
        params = {"n_estimators": int(trees), "early_stopping_rounds": None} if trees else {}
        model = SonicModel(targets=["DTC", "DTS"], family=family, params=params).fit([train_part])
        depth = explain_part.depth
        t0 = time.perf_counter()
        explain_samples(model, explain_part, target="DTC", depths=[float(depth[7000])])
        cold = time.perf_counter() - t0
        rng = np.random.default_rng(0)
        warm = []
        for d in rng.choice(depth, 10):
            t0 = time.perf_counter()
            explain_samples(model, explain_part, target="DTC", depths=[float(d)])
            warm.append(time.perf_counter() - t0)
        per = {}
        worst = 0.0
        n = 0
        for target in ("DTC", "DTS"):
            for param in ("mean", "scale"):
                explain_well(model, explain_part, target=target, parameter=param, depths=[float(depth[0])])  # parse once
                t0 = time.perf_counter()
                ex = explain_well(model, explain_part, target=target, parameter=param, n_jobs=args.jobs)
                per[(target, param)] = time.perf_counter() - t0
                n = len(ex.depth)
                chk = explain_well(model, explain_part, target=target, parameter=param, depth_range=(depth[0], depth[2000]), check=True)
                worst = max(worst, chk.contributions.additivity_error() / max(1.0, float(np.abs(chk.output).max())))
        total = sum(per.values())
        prep = core._prepared(model, "DTC", "mean")
        size = f"{prep.explainer.model.children_left.shape[0]} / {len(prep.tables.table_ptr) if prep.tables is not None else '-'}"
        t0 = time.perf_counter()
        core.interaction_values(model, explain_part, target="DTC", parameter="mean", max_samples=300)
        inter = time.perf_counter() - t0
        rows.append((spec, n, size, per, total, cold, statistics.median(warm), worst, inter))
        print(f"{spec}: done", flush=True)
    print()
    print("| family | samples | DTC mean trees / leaves | DTC mean s | DTC scale s | DTS mean s | DTS scale s | full well total s "
          "| one sample cold s | one sample warm s | interactions 300 samples s | max rel. additivity err |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for family, n, size, per, total, cold, warm, worst, inter in rows:
        cells = " | ".join(f"{per[(t, p)]:.2f}" for t in ("DTC", "DTS") for p in ("mean", "scale"))
        print(f"| {family} | {n} | {size} | {cells} | {total:.2f} | {cold:.3f} | {warm:.3f} | {inter:.2f} | {worst:.1e} |")


if __name__ == "__main__":
    main()
