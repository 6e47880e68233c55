"""Scoring a trained model on wells, and all families side by side on the same blind split.

Why pooled *and* per-well numbers: pooled metrics weight long wells more; per-well numbers show
whether one odd well dominates. Both come from the same predictions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from welllog.models import FAMILIES, SonicModel
from welllog.models.base import Distribution
from welllog.qc import formation_values
from welllog.well import Well

from .metrics import contest_score, score_distribution


def evaluate_model(model: SonicModel, wells: Sequence[Well], keep_predictions: bool = False) -> dict[str, Any]:
    """Metrics per target, pooled over ``wells`` and per well, plus the SPWLA contest score.

    Returns plain data: {"overall": {T: metrics}, "per_well": [{"well", "target", ...metrics}],
    "contest_score": float | None, "predict_seconds": float, "samples": int}; with
    ``keep_predictions`` also "predictions": {T: (measured, Distribution)} on the scored rows, for
    the report's pictures (``welllog.evaluation.report``; not plain data).
    """
    pooled: dict[str, tuple[list[np.ndarray], list[Distribution]]] = {t: ([], []) for t in model.targets}
    per_well: list[dict[str, Any]] = []
    full_means: dict[str, list[np.ndarray]] = {t: [] for t in model.targets}
    full_obs: dict[str, list[np.ndarray]] = {t: [] for t in model.targets}
    t0 = time.perf_counter()
    samples = 0
    for w in wells:
        dists = model.predict_distributions(w)
        samples += len(w.data)
        for t in model.targets:
            dist, ok = dists[t]
            obs_all = formation_values(w, t)  # not against filled or casing sonic (QC NOT_FORMATION)
            mean_all = np.full(len(w.data), np.nan)
            if dist is not None:
                mean_all[ok] = dist.mean
                y = obs_all[ok]
                pooled[t][0].append(y)
                pooled[t][1].append(dist)
                s = score_distribution(y, dist)
                if s.get("n", 0):
                    per_well.append({"well": w.name, "target": t, **s})
            full_means[t].append(mean_all)
            full_obs[t].append(obs_all)
    seconds = time.perf_counter() - t0
    overall = {}
    for t, (ys, ds) in pooled.items():
        overall[t] = score_distribution(np.concatenate(ys), Distribution.concatenate(ds)) if ds else {"n": 0}
    contest = None
    if {"DTC", "DTS"} <= set(model.targets):
        c = contest_score(np.concatenate(full_obs["DTC"]), np.concatenate(full_means["DTC"]),
                          np.concatenate(full_obs["DTS"]), np.concatenate(full_means["DTS"]))
        contest = None if np.isnan(c) else c
    result = {"overall": overall, "per_well": per_well, "contest_score": contest, "predict_seconds": seconds, "samples": samples}
    if keep_predictions:
        result["predictions"] = {t: (np.concatenate(ys), Distribution.concatenate(ds)) for t, (ys, ds) in pooled.items() if ds}
    return result


def compare_families(train: Sequence[Well], test: Sequence[Well], targets: Sequence[str], families: Sequence[str] = FAMILIES,
                     params: dict[str, dict[str, Any]] | None = None, progress: Callable[[str], None] | None = None,
                     make_model: Callable[[], SonicModel] = SonicModel,
                     scored: Callable[[str, dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Fit every family on ``train`` and score it on the blind ``test`` wells.

    ``make_model`` builds the unfitted bundle each family goes into: the bare :class:`SonicModel`
    by default, the recommended recipe (``welllog.recipes.CalibratedSonicModel``) for a comparison
    of what ``welllog train`` would build. One row per (family, target): metrics +
    ``fit_seconds`` + ``predict_rows_per_s``; and one ``target="DTC+DTS"`` row per family with the
    contest score when both targets are present. ``scored(family, evaluation)`` receives each
    family's :func:`evaluate_model` result with its blind predictions (the report's pictures).
    """
    params = params or {}
    rows: list[dict[str, Any]] = []
    for fam in families:
        if progress:
            progress(f"{fam}: fitting {', '.join(targets)}")
        t0 = time.perf_counter()
        model = make_model().fit(train, targets=targets, family=fam, params=params.get(fam))
        fit_s = time.perf_counter() - t0
        if progress:
            progress(f"{fam}: scoring blind wells")
        ev = evaluate_model(model, test, keep_predictions=scored is not None)
        if scored is not None:
            scored(fam, ev)
        rate = ev["samples"] / ev["predict_seconds"] if ev["predict_seconds"] > 0 else float("nan")
        for t in targets:
            rows.append({"family": fam, "target": t, **ev["overall"][t], "fit_seconds": fit_s, "predict_rows_per_s": rate})
        if ev["contest_score"] is not None:
            rows.append({"family": fam, "target": "DTC+DTS", "contest_score": ev["contest_score"], "fit_seconds": fit_s,
                         "predict_rows_per_s": rate})
    return rows
