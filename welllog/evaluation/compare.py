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
from welllog.well import QC_REDUCED, Well

from .metrics import contest_score, score_distribution


def evaluate_model(model: SonicModel, wells: Sequence[Well], keep_predictions: bool = False) -> dict[str, Any]:
    """Metrics per target, pooled over ``wells`` and per well, plus the SPWLA contest score.

    Returns plain data: {"overall": {T: metrics}, "per_well": [{"well", "target", ...metrics}],
    "contest_score": float | None, "predict_seconds": float, "samples": int}, plus
    "overall_by_model": {T: {"main": metrics, "reduced-input": metrics}} where the recipe's
    reduced-input model predicted some scored rows (T_QC bit 32); with
    ``keep_predictions`` also "predictions": {T: (measured, Distribution)} on the scored rows, for
    the report's pictures (``welllog.evaluation.report``; not plain data).

    A well the model was trained on is scored like the others but marked — ``"training_well": True``
    on its per-well rows and its name in "training_wells_included" — since its scores are in-sample,
    not blind (the CLI's ``evaluate`` keeps such wells out of the pooled scores).
    """
    from welllog.models.sonic import trained_on

    pooled: dict[str, tuple[list[np.ndarray], list[Distribution]]] = {t: ([], []) for t in model.targets}
    reduced: dict[str, list[np.ndarray]] = {t: [] for t in model.targets}  # which scored rows the reduced-input model predicted
    per_well: list[dict[str, Any]] = []
    full_means: dict[str, list[np.ndarray]] = {t: [] for t in model.targets}
    full_obs: dict[str, list[np.ndarray]] = {t: [] for t in model.targets}
    seen = lambda w: trained_on(w, getattr(model, "metadata", {}))  # noqa: E731
    t0 = time.perf_counter()
    samples = 0
    for w in wells:
        dists = model.predict_distributions(w)
        by_reduced = _reduced_model_rows(model, w)
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
                reduced[t].append(by_reduced[ok])
                s = score_distribution(y, dist)
                if s.get("n", 0):
                    per_well.append({"well": w.name, "target": t, **s, **({"training_well": True} if seen(w) else {})})
            full_means[t].append(mean_all)
            full_obs[t].append(obs_all)
    seconds = time.perf_counter() - t0
    overall = {}
    for t, (ys, ds) in pooled.items():
        overall[t] = score_distribution(np.concatenate(ys), Distribution.concatenate(ds)) if ds else {"n": 0}
    by_model = {t: _scores_by_model(*pooled[t], np.concatenate(reduced[t])) for t in model.targets
                if reduced[t] and np.concatenate(reduced[t]).any()}
    contest = None
    if {"DTC", "DTS"} <= set(model.targets):
        c = contest_score(np.concatenate(full_obs["DTC"]), np.concatenate(full_means["DTC"]),
                          np.concatenate(full_obs["DTS"]), np.concatenate(full_means["DTS"]))
        contest = None if np.isnan(c) else c
    result = {"overall": overall, "per_well": per_well, "contest_score": contest, "predict_seconds": seconds, "samples": samples}
    training = [w.name for w in wells if seen(w)]
    if training:
        result["training_wells_included"] = training
    if by_model:  # only then: a model without the reduced-input step reports what it always did
        result["overall_by_model"] = by_model
    if keep_predictions:
        result["predictions"] = {t: (np.concatenate(ys), Distribution.concatenate(ds)) for t, (ys, ds) in pooled.items() if ds}
    return result


def _reduced_model_rows(model: SonicModel, well: Well) -> np.ndarray:
    """Rows of ``well`` the recipe's reduced-input model predicts (T_QC bit 32); none for other models."""
    if getattr(model, "reduced_model_for", None) is None or model.reduced_model_for(well) is None:
        return np.zeros(len(well.data), dtype=bool)
    return (model.qc_codes(well) & QC_REDUCED) != 0


def _scores_by_model(ys: Sequence[np.ndarray], dists: Sequence[Distribution], reduced: np.ndarray) -> dict[str, dict[str, Any]]:
    """The pooled scores split into the main model's rows and the reduced-input model's (no
    density/neutron there): the two have different errors and bands, and a pooled figure hides
    which one a change moved."""
    y, dist = np.concatenate(ys), Distribution.concatenate(dists)
    return {name: score_distribution(y[rows], dist.subset(rows)) for name, rows in (("main", ~reduced), ("reduced-input", reduced))}


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
        settings = {"params": params[fam]} if params.get(fam) is not None else {}  # else the bundle's own
        model = make_model().set_params(targets=list(targets), family=fam, **settings).fit(train)
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
