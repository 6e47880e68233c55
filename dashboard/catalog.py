"""The model store as the dashboard shows it: choices, metadata and validation-metric tables.

Metadata is the store's ``metadata.json`` (via the client, so it works over HTTP too). Metrics are
nested dicts whose exact nesting is the store's business (per target, maybe per well or fold), so
they are flattened generically: the last key is the metric, a key naming a target is the target,
anything else is the scope (e.g. "validation", a well name).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from welllog.well import TARGET_CURVES

#: metrics shown first, lower is better except r2 (and coverage, which should be near 0.90)
PREFERRED_METRICS: tuple[str, ...] = ("n", "rmse", "mae", "r2", "nll", "crps", "coverage", "coverage90", "width", "width90")


def model_name(entry: dict[str, Any]) -> str:
    return str(entry.get("name") or entry.get("model") or "?")


def model_version(entry: dict[str, Any]) -> str | None:
    version = entry.get("version") or entry.get("latest") or entry.get("latest_version")
    return str(version) if version else None


def model_refs(models: list[dict[str, Any]]) -> list[str]:
    """'NAME' per model, newest-created first when the store says when."""
    entries = sorted(models, key=lambda e: str(e.get("created") or e.get("created_at") or ""), reverse=True)
    return list(dict.fromkeys(model_name(e) for e in entries))


def model_key(meta: dict[str, Any], ref: str) -> str:
    """Cache identity of a model: name + resolved version (so 'NAME' follows a newly saved version)."""
    version = model_version(meta) or ref.partition(":")[2]
    return f"{meta.get('name', ref.partition(':')[0])}:{version}"


def model_targets(meta: dict[str, Any]) -> list[str]:
    targets = meta.get("targets") or []
    return [t for t in targets if t in TARGET_CURVES] or list(TARGET_CURVES)


def model_family(meta: dict[str, Any]) -> str:
    family = meta.get("family") or meta.get("families") or "?"
    return family if isinstance(family, str) else ", ".join(map(str, family))


def training_wells_note(meta: dict[str, Any]) -> tuple[str, bool]:
    """("trained on N well(s): names", demonstration?) from the model's metadata. A model trained
    only on ``welllog demo``'s synthetic wells (what ``make run`` serves first) is a demonstration:
    its intervals say nothing about real rocks, and a user must see that before reading them."""
    wells = [w for w in (meta.get("training_wells") or []) if isinstance(w, dict)]
    if not wells:
        return "", False
    names = ", ".join(str(w.get("name", "?")) for w in wells[:6]) + (f" and {len(wells) - 6} more" if len(wells) > 6 else "")
    return f"trained on {len(wells)} well(s): {names}", all(w.get("synthetic") for w in wells)


def _walk(node: Any, path: tuple[str, ...], out: list[tuple[tuple[str, ...], float]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _walk(value, (*path, str(key)), out)
    elif isinstance(node, (int, float)) and not isinstance(node, bool) and path:
        out.append((path, float(node)))


def metrics_table(meta: dict[str, Any]) -> pd.DataFrame:
    """Rows (scope, target), one column per metric, from the metadata's ``metrics``.

    The store records ``{"overall": {T: {...}}, "per_well": [...], "contest_score": x, ...}``; the
    pooled ``overall`` block is the table when present, per-target dicts otherwise.
    """
    metrics = meta.get("metrics") or {}
    block = metrics.get("overall") if isinstance(metrics.get("overall"), dict) else {
        k: v for k, v in metrics.items() if isinstance(v, dict)
    }
    leaves: list[tuple[tuple[str, ...], float]] = []
    _walk(block, (), leaves)
    rows: dict[tuple[str, str], dict[str, float]] = {}
    for path, value in leaves:
        metric = path[-1]
        target = next((p for p in path[:-1] if p in TARGET_CURVES), "")
        scope = "/".join(p for p in path[:-1] if p != target)
        rows.setdefault((scope, target), {})[metric] = value
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame([{"scope": s, "target": t, **v} for (s, t), v in rows.items()])
    metric_cols = [c for c in frame.columns if c not in ("scope", "target")]
    ordered = [m for m in PREFERRED_METRICS if m in metric_cols] + [m for m in metric_cols if m not in PREFERRED_METRICS]
    if (frame["scope"] == "").all():
        frame = frame.drop(columns="scope")
        return frame[["target", *ordered]]
    return frame[["scope", "target", *ordered]]


def calibration_table(meta: dict[str, Any]) -> pd.DataFrame:
    """How the model's intervals were calibrated on blind folds, one row per target (empty when
    the model has no blind calibration). Why show it: the P05-P95 band a user looks at is the
    model's spread (with the floor added in quadrature) times these factors, and the spread of the folds' own factors says how much
    the band's honesty varied between held-out wells or depth blocks; "tails" is the band's shape
    beyond P05-P95 (the std and the other quantiles follow it)."""
    rows = []
    for target, cal in (meta.get("calibration") or {}).items():
        if not isinstance(cal, dict):
            continue
        folds = cal.get("fold_factors") or []
        rows.append({
            "target": target,
            # factor x sqrt(spread^2 + floor^2): the in-range band's std is never below factor x floor, in us/ft
            "least std": (cal.get("factor") or 0.0) * (cal.get("spread_floor") or 0.0),
            "std factor": cal.get("factor"),
            "out-of-range factor": cal.get("ood_factor"),
            "bad-hole factor": _bad_hole_factor(cal),
            "rule": cal.get("aggregate", "median"),
            "blind folds": (f"{cal.get('folds', len(folds))} ({cal.get('split') or '?'})" if _calibrated(cal)
                            else "none held out this target: band NOT calibrated"),
            "fold factors": " / ".join(f"{f:.2f}" for f in folds) or "-",
            "coverage before": cal.get("blind_coverage_before"),
            "tails": _tails(cal),
        })
    return pd.DataFrame(rows)


def _calibrated(cal: dict[str, Any]) -> bool:
    """Whether any blind sample calibrated the band (as :attr:`BlindCalibration.calibrated`; a
    model saved before the sample counts were kept counts as calibrated)."""
    counts = [cal.get(k) for k in ("n", "n_ood", "n_bad_hole")]
    return any(c is None for c in counts) or sum(counts) > 0


def _tails(cal: dict[str, Any]) -> str:
    """The band's shape: a Student-t's degrees of freedom, or Normal (infinite df: ``None`` in JSON
    metadata, and every model saved before the tails were fitted)."""
    df = cal.get("tail_df")
    return f"Student-t (df {float(df):g})" if df is not None and math.isfinite(float(df)) else "Normal"


def _bad_hole_factor(cal: dict[str, Any]) -> Any:
    """The bad-hole factor; a model calibrated before it existed widens bad-hole rows by its out-of-range one."""
    bad = cal.get("bad_hole_factor")
    return cal.get("ood_factor") if bad is None or (isinstance(bad, float) and np.isnan(bad)) else bad


def per_well_table(meta: dict[str, Any]) -> pd.DataFrame:
    """The store's per-validation-well metrics (one row per well and target), if recorded."""
    rows = (meta.get("metrics") or {}).get("per_well") or []
    return pd.DataFrame([r for r in rows if isinstance(r, dict)])


def summary_scores(meta: dict[str, Any]) -> dict[str, float]:
    """Top-level numeric scores (e.g. contest_score) beside the per-target table."""
    metrics = meta.get("metrics") or {}
    return {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def comparison_table(metas: list[dict[str, Any]]) -> pd.DataFrame:
    """Validation metrics of many models side by side: one row per (model, family, target[, scope])."""
    frames = []
    for meta in metas:
        table = metrics_table(meta)
        if table.empty:
            continue
        if "contest_score" in summary_scores(meta):
            table["contest_score"] = summary_scores(meta)["contest_score"]
        table.insert(0, "family", model_family(meta))
        table.insert(0, "model", model_name(meta))
        frames.append(table)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)
