"""Model-zoo benchmark (issue 3): accuracy, calibration, fit time and throughput of every family.

Run: ``.venv/bin/python bench/bench_models.py`` (several minutes; stock NGBoost alone is ~1-2 min
per target). Prints tables (markdown) to paste into bench/RESULTS.md and writes the SPWLA 2020
contest submission (DTC, DTS for test.csv) to bench/out/.

(a) FORCE 2020: train on a fixed set of wells, score on other blind wells.
(b) SPWLA 2020 train.csv (one well): train on the upper 75%, score on the deepest 25% block;
    plus stock NGBoost (500 iterations, depth-5 trees) vs ours on the same split.
(c) SPWLA 2020 test.csv: predict with our NGBoost trained on all of train.csv -> bench/out/.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "bench" / "out"

FORCE_TRAIN = ["16_1-6 A", "16_2-11 A", "16_2-16", "25_11-24"]
FORCE_TEST = ["16_5-3", "32_2-1", "31_2-7"]
COLS = ["family", "target", "n", "rmse", "mae", "r2", "nll", "crps", "coverage90", "width90", "fit_seconds", "predict_rows_per_s"]


def md_table(rows: list[dict], cols: list[str]) -> str:
    def f(v):
        if isinstance(v, float):
            return "-" if np.isnan(v) else (f"{v:.3f}" if abs(v) < 100 else f"{v:,.0f}")
        return str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(f(r.get(c, float("nan"))) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    from welllog.evaluation.compare import compare_families
    from welllog.evaluation.metrics import score_distribution
    from welllog.evaluation.splits import depth_blocks
    from welllog.ingest import read_well
    from welllog.models import SonicModel
    from welllog.models.base import Distribution

    OUT.mkdir(parents=True, exist_ok=True)
    print("# Model zoo benchmark\n")

    # (b) SPWLA 2020 single well, blind bottom block; stock vs ours -----------------------------
    spwla = read_well(DATA / "spwla2020" / "train.csv")
    tr, te = depth_blocks(spwla, n_blocks=4, test_block=-1)
    print(f"## (b) SPWLA 2020 train.csv: {len(tr.data)} rows train, deepest {len(te.data)} rows blind\n")
    rows = compare_families([tr], [te], ["DTC", "DTS"])
    print(md_table(rows, COLS + ["contest_score"]) + "\n")

    from ngboost import NGBRegressor
    from sklearn.tree import DecisionTreeRegressor

    side = []
    t0 = time.perf_counter()
    ours2 = SonicModel(targets=["DTC", "DTS"], family="ngboost").fit([tr])
    ours_fit = time.perf_counter() - t0
    X, ok_tr = ours2.features_for(tr)
    Xt, ok_te = ours2.features_for(te)
    big = pd.concat([te.data] * (15000 // len(te.data) + 1)).iloc[:15000]
    from dataclasses import replace

    big_well = replace(te, data=big.set_axis(np.arange(len(big)) * 0.1524), qc=None, rows=np.arange(len(big)) % len(te.original))
    t0 = time.perf_counter()
    ours2.predict(big_well)
    ours_pred = time.perf_counter() - t0
    for t in ("DTC", "DTS"):
        y = tr.data[t].to_numpy()[ok_tr]
        m = np.isfinite(y)
        t0 = time.perf_counter()
        stock = NGBRegressor(n_estimators=500, Base=DecisionTreeRegressor(max_depth=5), verbose=False, random_state=0)
        stock.fit(X.to_numpy()[ok_tr][m], y[m])
        stock_fit = time.perf_counter() - t0
        yt = te.data[t].to_numpy()[ok_te]
        p = stock.pred_dist(Xt.to_numpy()[ok_te]).params
        s_stock = score_distribution(yt, Distribution.normal(p["loc"], p["scale"]))
        s_ours = score_distribution(yt, ours2.estimators[t].predict_dist(Xt.to_numpy()[ok_te]))
        side.append({"model": "stock NGBoost (500 it, depth 5)", "target": t, **s_stock, "fit_seconds": stock_fit})
        side.append({"model": f"welllog NGBoost ({ours2.estimators[t].n_iter_} it)", "target": t, **s_ours,
                     "fit_seconds": ours2.metadata["fit_seconds"][t]})
    print("### stock NGBoost vs ours (same features, same blind block)\n")
    print(md_table(side, ["model", "target", "n", "rmse", "nll", "crps", "coverage90", "width90", "fit_seconds"]) + "\n")
    print(f"welllog NGBoost: both targets fit in {ours_fit:.1f} s; predict 15,000 samples x 2 targets with quantiles + QC in {ours_pred:.3f} s\n")

    # (c) SPWLA 2020 test.csv submission -------------------------------------------------------
    full = SonicModel(targets=["DTC", "DTS"], family="ngboost").fit([spwla])
    test = read_well(DATA / "spwla2020" / "test.csv")
    pred = full.predict(test)
    sub = pd.DataFrame({"DTC": pred["DTC_MEAN"].to_numpy(), "DTS": pred["DTS_MEAN"].to_numpy()})
    sub = test.to_original_rows(sub.set_index(test.data.index))
    sub.to_csv(OUT / "spwla2020_submission.csv", index=False)
    print(f"## (c) SPWLA 2020 test.csv: {len(sub)} rows, {int(sub['DTC'].notna().sum())} predicted -> bench/out/spwla2020_submission.csv\n")

    # (a) FORCE 2020 blind wells ---------------------------------------------------------------
    fdir = DATA / "force2020"
    ftrain = [read_well(fdir / f"{n}.las") for n in FORCE_TRAIN]
    ftest = [read_well(fdir / f"{n}.las") for n in FORCE_TEST]
    print(f"## (a) FORCE 2020: train {', '.join(FORCE_TRAIN)}; blind {', '.join(FORCE_TEST)}\n")
    rows = compare_families(ftrain, ftest, ["DTC", "DTS"])
    print(md_table(rows, COLS + ["contest_score"]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
