"""Prediction quality against a measured curve: metrics and where the truth leaves the band.

Pure functions on arrays (no Streamlit) so they are testable and reused by every page. Scores come
from :mod:`welllog.evaluation.metrics`, the same code the CLI's ``evaluate`` uses, so the dashboard
never shows a number the CLI would not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from welllog.evaluation import metrics
from welllog.qc import formation_values
from welllog.well import Well


def paired(well: Well, pred: pd.DataFrame, target: str) -> pd.DataFrame:
    """Samples where both the measured target and its prediction exist (depth, y, mean, p05, p95, std).

    The measured curve where it measured the rock (:func:`welllog.qc.formation_values`): casing
    arrivals and straight-line fills (QC ``NOT_FORMATION``) are not scored, as ``welllog evaluate``
    scores none (31/2-10's 3,125 filled top-hole DTC samples read as model error here only)."""
    if not well.has(target) or f"{target}_MEAN" not in pred.columns:
        return pd.DataFrame(columns=["depth", "y", "mean", "p05", "p95", "std"])
    frame = pd.DataFrame(
        {
            "depth": well.depth,
            "y": formation_values(well, target),
            "mean": pred[f"{target}_MEAN"].to_numpy(dtype=float),
            "p05": pred[f"{target}_P05"].to_numpy(dtype=float),
            "p95": pred[f"{target}_P95"].to_numpy(dtype=float),
            "std": pred[f"{target}_STD"].to_numpy(dtype=float) if f"{target}_STD" in pred.columns else np.nan,
        }
    )
    return frame.dropna(subset=["y", "mean", "p05", "p95"]).reset_index(drop=True)


def not_formation_count(well: Well, target: str) -> int:
    """Measured ``target`` samples QC calls not the rock (casing, fills): left out of the scores."""
    if not well.has(target):
        return 0
    return int(np.isfinite(well.data[target].to_numpy(dtype=float)).sum() - np.isfinite(formation_values(well, target)).sum())


def quality_metrics(pairs: pd.DataFrame) -> dict[str, Any]:
    """RMSE, MAE, R² of the mean and coverage/width of the P05-P95 interval (nominal 90%)."""
    if pairs.empty:
        return {"samples": 0}
    y = pairs["y"].to_numpy()
    mean = pairs["mean"].to_numpy()
    lo = pairs["p05"].to_numpy()
    hi = pairs["p95"].to_numpy()
    return {
        "samples": int(len(pairs)),
        "rmse": float(metrics.rmse(y, mean)),
        "mae": float(metrics.mae(y, mean)),
        "r2": float(metrics.r2(y, mean)),
        "coverage90": float(metrics.coverage(y, lo, hi)),
        "width90": float(metrics.width(lo, hi)),
    }


def outside_intervals(pairs: pd.DataFrame, min_samples: int = 1) -> pd.DataFrame:
    """Contiguous depth runs where the measured value lies outside P05-P95, largest excess first."""
    columns = ["top", "base", "samples", "side", "max excess"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    y, lo, hi = (pairs[c].to_numpy() for c in ("y", "p05", "p95"))
    excess = np.where(y > hi, y - hi, np.where(y < lo, y - lo, 0.0))
    outside = excess != 0
    runs: list[dict[str, Any]] = []
    # a new run starts where 'outside' switches on or the side flips
    side = np.sign(excess)
    start = None
    for i in range(len(pairs) + 1):
        cont = i < len(pairs) and outside[i] and start is not None and side[i] == side[start]
        if start is not None and not cont:
            seg = slice(start, i)
            if i - start >= min_samples:
                runs.append(
                    {
                        "top": float(pairs["depth"].iloc[start]),
                        "base": float(pairs["depth"].iloc[i - 1]),
                        "samples": i - start,
                        "side": "above P95" if side[start] > 0 else "below P05",
                        "max excess": float(np.max(np.abs(excess[seg]))),
                    }
                )
            start = None
        if i < len(pairs) and outside[i] and start is None:
            start = i
    frame = pd.DataFrame(runs, columns=columns)
    return frame.sort_values("samples", ascending=False, kind="stable").reset_index(drop=True)
