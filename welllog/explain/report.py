"""The on-disk explanation report of one well: tables (CSV + Parquet), PNG figures, summary.json.

Kept apart from the CLI so tests, the batch runner or a notebook can write the same report.
Layout of ``out_dir`` (``T`` target, ``P`` parameter: mean, scale)::

    T_P_importance.{csv,parquet}     rank, feature (curve), mean_abs, mean
    T_P_contributions.{csv,parquet}  depth_m, base_value, one column per curve, output (= base_value +
                                     contributions), output_std (scale read as a std, us/ft, where it
                                     has that reading), served (T_MEAN / T_STD as `welllog predict` gives)
    T_P_interactions.{csv,parquet}   mean |interaction| between curves (depth subsample)
    T_P_importance.png  T_P_beeswarm.png  T_P_depth_track.png  T_P_interactions.png
    T_P_dependence_<CURVE>.png       top curves, coloured by their strongest interacting curve
    (interaction tables/heatmap and the colouring are skipped with ``interaction_samples=0``)
    summary.json                     model, well, transforms, additivity check, per run a `served`
                                     sentence (what is explained, how the served value differs) with
                                     the mean/max |served - output|, timings, files
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from welllog.well import Well

from .core import PARAMETERS, explain_targets, explain_well, interaction_values, resolve_target


def available_parameters(model: Any, target: str) -> list[str]:
    """Parameters the target's estimator can explain (``scale`` only when it has a scale model)."""
    targets = explain_targets(model, target)
    return [p for p in PARAMETERS if targets.get(p) is not None]


def _write_table(frame: pd.DataFrame, stem: Path) -> list[Path]:
    stem.parent.mkdir(parents=True, exist_ok=True)
    csv, parquet = stem.with_suffix(".csv"), stem.with_suffix(".parquet")
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet, index=False)
    return [csv, parquet]


def write_report(model: Any, well: Well, out_dir: Path, *, targets: Sequence[str] | None = None,
                 parameters: Sequence[str] | None = None, group: bool = True, top: int = 3,
                 interaction_samples: int = 200, plots: bool = True,
                 depth_range: tuple[float, float] | None = None,
                 on_rows: Callable[[int], None] | None = None,
                 on_step: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Explain every (target, parameter) of ``model`` on ``well`` and write the report to ``out_dir``.

    ``depth_range`` (top, bottom in m) explains only the samples inside it — inside a stretch only the
    reduced-input model predicts, that model (see :func:`welllog.explain.selection.explained_rows`).
    ``on_rows(n)`` is called as contributions progress (n rows just finished) and ``on_step(text)``
    before each stage, for a progress bar. Returns the summary also written to ``summary.json``.
    The well is predicted once, up front: every table then carries the served value beside the
    explained output (the two differ where the recipe serves more than the explained model).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = [resolve_target(model, t) for t in (targets or model.targets)]
    files: list[Path] = []
    runs: list[dict[str, Any]] = []
    # every feature explained, in order: the model's own, plus the depth companion's vertical depth
    # where the served DTC mean is explained as its average with the companion
    features: list[str] = list(getattr(model, "feature_names", []))
    sources: dict[str, str] = dict(getattr(model, "feature_sources", {}) or {})
    if on_step:
        on_step(f"{well.name}: prediction (the served values)")
    prediction = model.predict(well)
    for target in targets:
        params = [p for p in (parameters or PARAMETERS) if p in available_parameters(model, target)]
        for param in params:
            prefix = f"{target}_{param}"
            if on_step:
                on_step(f"{well.name}: {prefix} contributions")
            last = [0]

            def rows_done(n: int, last: list[int] = last) -> None:
                if on_rows:
                    on_rows(n - last[0])
                last[0] = n

            t0 = time.perf_counter()
            ex = explain_well(model, well, target=target, parameter=param, check=True, progress=rows_done,
                              prediction=prediction, depth_range=depth_range)
            seconds = time.perf_counter() - t0
            contrib = ex.frame(group).reset_index()
            features += [f for f in ex.contributions.features if f not in features]
            sources = {**ex.sources, **sources}
            files += _write_table(ex.importance(group), out_dir / f"{prefix}_importance")
            files += _write_table(contrib, out_dir / f"{prefix}_contributions")
            ranked = ex.importance(group)["feature"].tolist()
            inter, inter_seconds = None, 0.0
            if interaction_samples > 0:
                if on_step:
                    on_step(f"{well.name}: {prefix} interactions")
                t1 = time.perf_counter()
                inter = interaction_values(model, well, target=target, parameter=param, group=group, max_samples=interaction_samples,
                                           depth_range=depth_range)
                inter_seconds = time.perf_counter() - t1
                matrix = pd.DataFrame(inter.mean_abs, columns=inter.names)
                matrix.insert(0, "feature", inter.names)
                files += _write_table(matrix, out_dir / f"{prefix}_interactions")
            partners = {f: (inter.partner(f) if inter is not None and f in inter.names else None) for f in ranked[:top]}
            if plots:
                if on_step:
                    on_step(f"{well.name}: {prefix} figures")
                files += _figures(ex, inter, partners, out_dir / prefix, group, top)
            runs.append({
                "target": target,
                "parameter": param,
                **_run_summary(ex, ranked[:top], partners),
                "seconds": {"contributions": round(seconds, 3), "interactions": round(inter_seconds, 3)},
            })
    summary = {
        "well": well.name,
        "source": well.source,
        "family": str(getattr(model, "family", "")),
        "grouped": bool(group),
        "features": features,
        "feature_sources": sources,
        "runs": runs,
        "files": sorted(p.name for p in files),
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=_json_default))
    return summary


def _figures(ex: Any, inter: Any, partners: dict[str, str | None], stem: Path, group: bool, top: int) -> list[Path]:
    """One (target, parameter)'s figures, named ``<stem>_<kind>.png``: importance, beeswarm, the top
    features along depth, the interaction heatmap (when computed) and a dependence plot per top
    feature coloured by its strongest partner."""
    from . import plots as figs

    files = [figs.importance_bar(ex, Path(f"{stem}_importance.png"), group),
             figs.beeswarm(ex, Path(f"{stem}_beeswarm.png"), group),
             figs.depth_track(ex, Path(f"{stem}_depth_track.png"), top=max(top, 5), group=group)]
    if inter is not None:
        files.append(figs.interaction_heatmap(inter.names, inter.mean_abs, ex, Path(f"{stem}_interactions.png")))
    for feature, partner in partners.items():
        safe = "".join(ch if ch.isalnum() else "_" for ch in feature)
        files.append(figs.dependence(ex, feature, partner, Path(f"{stem}_dependence_{safe}.png"), group))
    return files


def _run_summary(ex: Any, top: list[str], partners: dict[str, str | None]) -> dict[str, Any]:
    """What ``summary.json`` says of one explanation: the explained model and samples, what was left
    out, the base value and additivity check, the served value beside it, the top features."""
    return {
        "transform": ex.transform,
        "samples": int(len(ex.depth)),
        "depth_range": [float(ex.depth.min()), float(ex.depth.max())],
        "explained_model": ex.explained_model,
        "left_out": None if ex.left_out is None else str(ex.left_out),
        "left_out_depth_range": None if ex.left_out is None else list(ex.left_out.suggested),
        "base_value": float(ex.base),
        "additivity_max_abs_error": ex.contributions.additivity_error(),
        "served": ex.served.summary() if ex.served is not None else None,
        "top": top,
        "strongest_interaction": dict(partners),
    }


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")
