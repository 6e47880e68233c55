"""The synthetic tied to the well's own log (``T_TIED``, welllog.tie) against the untied synthetic,
where a well's log stops — blind wells only.

    .venv/bin/python bench/bench_tie.py           # recommended model, FORCE 2020 leave-one-well-out (~30 min)
    .venv/bin/python bench/bench_tie.py --quick   # LightGBM (uncalibrated band), 6 wells (~1 min)

Each FORCE 2020 well is predicted by the recommended model trained on the other 21 (targets
thinned x10, as bench_accuracy.py). Then, per well and target, a stretch of its own log is taken
away — the top or bottom 100 / 300 m of the logged interval, or 150 m in its middle — and the
tie is computed from what is left (:func:`welllog.tie.tie_shift`), as a well logged only over
the rest would have it. Scored on the removed stretch against the log: RMSE of T_MEAN and of
T_TIED, wells better / worse by more than 0.05 us/ft, and the 90% band's coverage and width —
the model's band, and the same band moved by the tie. Then the fading length (e-folding) of the
tie, for the record. Writes bench/out/tie.md and tie.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_accuracy import DATA, OUT, ablation_model, configs, fit, thin_targets  # noqa: E402

from welllog.ingest import read_well  # noqa: E402
from welllog.qc import formation_values  # noqa: E402
from welllog.tie import TIE_EFOLD_M, TIE_WINDOW_M, tie_shift  # noqa: E402

#: stretch of the logged interval taken away: (name, where, metres)
SCENARIOS = (("top 100 m", "top", 100.0), ("top 300 m", "top", 300.0), ("bottom 100 m", "bottom", 100.0),
             ("bottom 300 m", "bottom", 300.0), ("middle 150 m", "middle", 150.0))
EFOLDS = (30.0, 100.0, 300.0, float("inf"))


def removed(depth: np.ndarray, logged: np.ndarray, where: str, metres: float) -> np.ndarray:
    """Rows of the logged interval taken away (empty when the interval is not 100 m longer)."""
    rows = np.flatnonzero(logged)
    top, bottom = depth[rows[0]], depth[rows[-1]]
    if bottom - top < metres + 100.0:
        return np.zeros(len(depth), dtype=bool)
    if where == "top":
        band = (depth >= top) & (depth < top + metres)
    elif where == "bottom":
        band = (depth > bottom - metres) & (depth <= bottom)
    else:
        mid = (top + bottom) / 2
        band = np.abs(depth - mid) <= metres / 2
    return band & logged


def score_well(well, pred: pd.DataFrame, target: str) -> list[dict]:
    depth = well.depth
    y = formation_values(well, target)
    mean = pred[f"{target}_MEAN"].to_numpy(dtype=float)
    lo, hi = pred[f"{target}_P05"].to_numpy(dtype=float), pred[f"{target}_P95"].to_numpy(dtype=float)
    logged = np.isfinite(y)
    out = []
    for name, where, metres in SCENARIOS:
        taken = removed(depth, logged, where, metres)
        gone = taken & np.isfinite(mean)  # scored: the removed rows the model predicts
        if gone.sum() < 50:
            continue
        kept = np.where(taken, np.nan, y)
        row = {"well": well.name, "target": target, "scenario": name, "n": int(gone.sum())}
        for efold in EFOLDS:
            shift = tie_shift(depth, kept, mean, TIE_WINDOW_M, efold)[gone]
            s = np.nan_to_num(shift)
            e, et = mean[gone] - y[gone], mean[gone] + s - y[gone]
            key = "tied" if efold == TIE_EFOLD_M else f"tied_efold_{efold:g}"
            row[f"{key}_rmse"] = float(np.sqrt(np.mean(et ** 2)))
            if efold == TIE_EFOLD_M:
                row["untied_rmse"] = float(np.sqrt(np.mean(e ** 2)))
                row["tied_share"] = float(np.isfinite(shift).mean())
                inside = (y[gone] >= lo[gone]) & (y[gone] <= hi[gone])
                inside_tied = (y[gone] >= lo[gone] + s) & (y[gone] <= hi[gone] + s)
                row["untied_cov90"], row["tied_cov90"] = float(inside.mean()), float(inside_tied.mean())
                row["width90"] = float(np.mean(hi[gone] - lo[gone]))
        out.append(row)
    return out


def markdown(rows: pd.DataFrame, quick: bool) -> str:
    lines = [f"Recommended model ({'LightGBM, --quick' if quick else 'ensemble'}), FORCE 2020 leave-one-well-out; tie window "
             f"{TIE_WINDOW_M:g} m, e-folding {TIE_EFOLD_M:g} m (the product's). RMSE us/ft, mean over wells.", "",
             "| target | stretch taken away | wells | untied RMSE | tied RMSE | better / worse | cov90 untied / tied | width90 |",
             "|---|---|---|---|---|---|---|---|"]
    for (t, sc), g in rows.groupby(["target", "scenario"], sort=False):
        better = int((g.tied_rmse < g.untied_rmse - 0.05).sum())
        worse = int((g.tied_rmse > g.untied_rmse + 0.05).sum())
        lines.append(f"| {t} | {sc} | {len(g)} | {g.untied_rmse.mean():.2f} | {g.tied_rmse.mean():.2f} | {better} / {worse} | "
                     f"{g.untied_cov90.mean():.2f} / {g.tied_cov90.mean():.2f} | {g.width90.mean():.1f} |")
    lines += ["", "Fading length (e-folding) of the tie, tied RMSE (mean over wells): " + "; ".join(
        f"{t} {sc}: " + " / ".join(f"{e:g} m {g[('tied' if e == TIE_EFOLD_M else f'tied_efold_{e:g}') + '_rmse'].mean():.2f}" for e in EFOLDS)
        for (t, sc), g in rows.groupby(["target", "scenario"], sort=False))]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="LightGBM recipe without calibration, 6 wells")
    args = ap.parse_args(argv)
    files = sorted((DATA / "force2020").glob("*.las"))
    wells = [read_well(f) for f in files]
    only = range(0, len(wells), 4) if args.quick else range(len(wells))
    cfg = configs(False)["recommended (ensemble)"]
    rows, t0 = [], time.perf_counter()
    for i in only:
        w = wells[i]
        train = [thin_targets(x, 10) for j, x in enumerate(wells) if j != i]
        model = ablation_model().fit(train) if args.quick else fit(cfg, train, ["DTC", "DTS"])
        pred = model.predict(w)
        for t in ("DTC", "DTS"):
            if w.has(t):
                rows += score_well(w, pred, t)
        print(f"  {w.name}: {time.perf_counter() - t0:.0f} s", flush=True)
    df = pd.DataFrame(rows)
    md = markdown(df, args.quick)
    print(md)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "tie.md").write_text(md)
    (OUT / "tie.json").write_text(json.dumps({"rows": rows, "seconds": time.perf_counter() - t0, "quick": args.quick}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
