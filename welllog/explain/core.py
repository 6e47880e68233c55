"""Explanations of a trained :class:`~welllog.models.SonicModel` on a :class:`~welllog.well.Well`.

This is the layer the CLI, the API and the dashboard call. It takes the exact feature matrix the
model sees (``SonicModel.features_for``), asks the target's estimator for its tree model(s)
(``explain_targets()``: ``"mean"`` and, for the uncertainty, ``"scale"``), explains them with
:mod:`welllog.explain.engine` and folds derived features back onto their source curves.

Outputs are in each parameter's own space (``transform`` says how to read it): for NGBoost
``mean`` is the predictive mean in us/ft and ``scale`` the log of the predictive std, so a positive
scale contribution means "this input widens the distribution here".

Base value + contributions is the *explained* model's output. What ``welllog predict`` serves can
be more (the recipe's depth companion and shear blend, blind calibration, an ensemble's member
disagreement), so each explanation also carries the served value at the same samples and a
sentence saying how the two relate (:mod:`.served`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from welllog.errors import UsageError
from welllog.shear import RATIO_TARGET
from welllog.well import Well

from . import engine
from .grouping import group_interactions, group_values
from .route import MEASURED, MeasuredDTC, choose_route, measured_dtc
from .selection import LeftOut, explained_rows
from .served import Served, averaged_companion, companion_depth, has_companion, log_scale, served_for

PARAMETERS: tuple[str, ...] = ("mean", "scale")
#: threads for SHAP's C++ code (it releases the GIL); the machine has 2 cores
DEFAULT_JOBS = 2

_PREPARED: "weakref.WeakKeyDictionary[Any, dict[str, Any]]" = weakref.WeakKeyDictionary()
#: suffix of a grouped column holding a curve's contribution where the well has no value of it
NOT_LOGGED = " (missing)"


@dataclass
class WellExplanation:
    """Contributions of one target's parameter over a set of depth samples of one well."""

    well: str
    target: str
    parameter: str
    family: str
    transform: str
    depth: np.ndarray  #: depth (m) of each explained sample
    features: pd.DataFrame  #: the feature values explained (rows = samples)
    curves: pd.DataFrame  #: canonical curve values at the same samples (for plots, tooltips)
    contributions: engine.Contributions  #: per model feature
    sources: dict[str, str] = field(default_factory=dict)  #: feature -> source curve
    served: Served | None = None  #: the served statistic at the same samples and how it relates to ``output``
    #: samples of the request only the reduced-input model predicts, not in this explanation
    left_out: LeftOut | None = None
    #: "main", or "reduced-input" where every sample is one only the recipe's reduced-input model predicts
    explained_model: str = "main"
    #: DTS served from the well's measured DTC (:mod:`.route`): the Vp/Vs-ratio model is explained, x that DTC
    measured: MeasuredDTC | None = None

    @property
    def base(self) -> float:
        return self.contributions.base

    @property
    def output(self) -> np.ndarray:
        return self.contributions.output

    def values(self, group: bool = True) -> tuple[np.ndarray, list[str]]:
        """(n, k) contributions and their k column names (source curves when ``group``).

        Grouped, a curve's contribution on samples where the well does not log it goes to a column
        of its own, ``"CALI (missing)"``: there the model took its missing-value branch (or the
        training median), and that effect is the absence's, not the rock's — a 16/2-16 top hole
        without caliper showed "CALI" as its second driver (+13 us/ft) while no caliper was run."""
        if not group:
            return self.contributions.values, list(self.contributions.features)
        vals, names = group_values(self.contributions.values, self.contributions.features, self.sources)
        extra, extra_names = [], []
        for j, name in enumerate(names):
            if name not in self.curves.columns:
                continue
            absent = self.curves[name].isna().to_numpy()
            if absent.any():
                extra.append(np.where(absent, vals[:, j], 0.0))
                extra_names.append(f"{name}{NOT_LOGGED}")
                vals[:, j] = np.where(absent, 0.0, vals[:, j])
        if extra:
            vals = np.column_stack([vals, *extra])
        return vals, names + extra_names

    def frame(self, group: bool = True) -> pd.DataFrame:
        """Contributions per depth: index ``depth_m``, one column per feature/curve, plus base and output,
        then — when the served value is known — ``output_std`` (a scale output read as a std, us/ft,
        where that reading exists) and ``served`` (what ``welllog predict`` gives: T_MEAN or T_STD).

        ``served`` sits beside ``output`` so that a gap between the explained model and the served
        log is visible on every row rather than discovered by adding contributions up. The index is
        not called DEPT because measured depth can itself be a model input (the recommended recipe
        uses it), and then "DEPT" is a contribution column.
        """
        vals, names = self.values(group)
        out = pd.DataFrame(vals, columns=names, index=pd.Index(self.depth, name="depth_m"))
        out.insert(0, "base_value", self.base)
        out["output"] = self.output
        if self.served is not None:
            if self.parameter != "mean" and self.served.explained is not None:
                out["output_std"] = self.served.explained
            out["served"] = self.served.values
        return out

    def display_values(self, group: bool = True) -> pd.DataFrame:
        """The input value shown next to each contribution: the curve (grouped) or the feature."""
        if not group:
            return self.features.reset_index(drop=True)
        _, names = self.values(True)
        cols = {n: (self.curves[n].to_numpy(dtype=float) if n in self.curves.columns else np.full(len(self.depth), np.nan)) for n in names}
        return pd.DataFrame(cols)

    def importance(self, group: bool = True) -> pd.DataFrame:
        """Mean |contribution| per feature/curve, ranked (global importance on these samples)."""
        vals, names = self.values(group)
        mean_abs = np.abs(vals).mean(axis=0) if len(vals) else np.zeros(len(names))
        mean = vals.mean(axis=0) if len(vals) else np.zeros(len(names))
        out = pd.DataFrame({"feature": names, "mean_abs": mean_abs, "mean": mean})
        out = out.sort_values("mean_abs", ascending=False, kind="stable").reset_index(drop=True)
        out.insert(0, "rank", np.arange(1, len(out) + 1))
        return out


# -- resolving what to explain (which samples and which model: .selection) -------------------------
def resolve_target(model: Any, target: str | None) -> str:
    """The model's target named ``target`` (any case: mnemonics are case-insensitive), or its first."""
    targets = list(getattr(model, "targets", []))
    if target is None:
        if not targets:
            raise UsageError("the model has no targets to explain")
        return targets[0]
    target = target.strip().upper()
    if target not in targets:
        raise UsageError(f"target {target!r} is not predicted by this model; choose one of {', '.join(targets)}")
    return target


def _cache(estimator: Any) -> dict[str, Any]:
    try:
        return _PREPARED.setdefault(estimator, {})
    except TypeError:  # not weak-referenceable: no caching
        return {}


def explain_targets(model: Any, target: str) -> dict[str, Any]:
    """``estimator.explain_targets()`` for ``target``, built once per estimator (NGBoost builds
    its tree dicts on every call)."""
    estimator = model.estimators[target]
    cache = _cache(estimator)
    if "targets" not in cache:
        cache["targets"] = estimator.explain_targets()
    return cache["targets"]


def _prepared(model: Any, target: str, parameter: str) -> Any:
    """The estimator's explain target for ``parameter``, parsed once and cached per estimator."""
    if parameter not in PARAMETERS:
        raise UsageError(f"parameter {parameter!r} cannot be explained; choose one of {', '.join(PARAMETERS)}")
    cache = _cache(model.estimators[target])
    if parameter not in cache:
        tree = explain_targets(model, target).get(parameter)
        if tree is None:
            raise UsageError(f"the {model.family} model of {target} has no separate {parameter} model to explain")
        cache[parameter] = engine.prepare(tree)
    return cache[parameter]


def prepare_model(model: Any) -> None:
    """Parse every target's explainers now (call once after loading a model in a server), so the
    first interactive click costs milliseconds instead of the tree-parsing second."""
    for target in getattr(model, "targets", []):
        for parameter in PARAMETERS:
            if explain_targets(model, target).get(parameter) is not None:
                _prepared(model, target, parameter)
    companion = getattr(model, "depth_companion_", None)  # explained with the served DTC mean
    if companion is not None:
        prepare_model(companion)


def _transform(model: Any, target: str, parameter: str, averaged: bool = False, measured: MeasuredDTC | None = None) -> str:
    if measured is not None:
        transforms = getattr(model.estimators[RATIO_TARGET], "explain_transforms", {}) or {}
        return (f"{transforms.get(parameter, 'raw model output')}, of the Vp/Vs-ratio model; here DTS is served as that ratio "
                f"x the well's measured DTC (T_QC bit 64): the ratio model's contributions are multiplied by the measured DTC "
                f"(added to the log for the scale), and the measured DTC's own contribution ({MEASURED}) is its difference from "
                f"the mean training rock's DTC ({measured.reference:.1f} us/ft)"
                + ("" if measured.log else ", plus the mudrock line where the measured DTC is slower than the ratio model's "
                   "training rocks and the served mean moves to that line"))
    transforms = getattr(model.estimators[target], "explain_transforms", {}) or {}
    text = str(transforms.get(parameter, "raw model output"))
    # the recipe may serve a blend of this estimator and others: say what is explained, so nobody
    # adds the contributions up and expects T_MEAN
    metadata = getattr(model, "metadata", {})
    weights = metadata.get("shear_weights")
    if target == "DTS" and weights and weights.get("direct", 1.0) < 1.0:
        text += (f"; this explains the direct DTS model only: the served DTS blends it ({weights['direct']:g}) with "
                 f"the Vp/Vs-ratio route x predicted DTC ({weights['ratio']:g}) and the mudrock line ({weights['mudrock']:g})")
    if has_companion(model, target):
        depth = companion_depth(model)
        if averaged:
            text += (f"; the served {target} averages the model without depth 50/50 with a companion that also sees {depth} "
                     f"depth, and this explains that average: half of each model's contributions, the depth's from the companion alone")
        else:
            text += f"; this explains the model without depth only: the served {target} averages it with a companion that also sees {depth} depth"
    return text


def reference_output(model: Any, target: str, parameter: str, X: np.ndarray) -> np.ndarray:
    """The explained output as the *estimator* computes it (public API, independent of SHAP).

    NGBoost: the fitted distribution's parameters (mean: loc or mu; scale: log of scale/sigma).
    Baselines: the library model's own ``predict``.
    """
    estimator = model.estimators[target]
    if getattr(estimator, "family", "") == "ngboost":
        dist = estimator.predict_dist(X, quantiles=())
        if dist.kind == "lognormal":
            return dist.params["mu"] if parameter == "mean" else np.log(dist.params["sigma"])
        return dist.params["loc"] if parameter == "mean" else np.log(dist.params["scale"])
    return engine.model_output(explain_targets(model, target)[parameter], X)


@dataclass(frozen=True)
class _Part:
    """One tree model in the explained quantity: ``weight`` x its output on its own feature matrix."""

    weight: float
    model: Any
    X: pd.DataFrame
    estimator: str  #: which of ``model.estimators``: the target's own, or the Vp/Vs-ratio model (:mod:`.route`)


def _parts(model: Any, well: Well, target: str, parameter: str, X: pd.DataFrame, rows: np.ndarray,
           measured: MeasuredDTC | None = None) -> list[_Part]:
    """The models whose weighted outputs make the explained quantity at ``rows``: with ``measured``,
    the Vp/Vs-ratio model alone (its output is then multiplied by the measured DTC: :mod:`.route`).

    Why more than one: the recipe serves DTC as the 50/50 average of the model without depth and
    its depth companion (:func:`.served.averaged_companion`); SHAP values are linear in the model,
    so half of each model's contributions, summed per feature, explain the served mean exactly —
    where explaining the main model alone left a gap of several us/ft. Only when the companion
    predicts every explained row (else those rows are served the main model alone)."""
    if measured is not None:
        return [_Part(1.0, model, X, RATIO_TARGET)]
    companion = averaged_companion(model, target, parameter, well)
    if companion is not None:
        Xc, ok = model.companion_features_for(well)
        if ok[rows].all():
            return [_Part(0.5, model, X, target), _Part(0.5, companion, Xc, target)]
    return [_Part(1.0, model, X, target)]


def _union(parts: Sequence[_Part]) -> list[str]:
    """Every part's features once, in the order of the part that has the most (the companion: the
    main model's features with depth among them)."""
    names = list(max(parts, key=lambda p: len(p.X.columns)).X.columns)
    for part in parts:
        names += [f for f in part.X.columns if f not in names]
    return names


def _contributions(parts: Sequence[_Part], parameter: str, rows: np.ndarray, check: bool, n_jobs: int,
                   progress: Callable[[int], None] | None, measured: MeasuredDTC | None = None) -> tuple[engine.Contributions, pd.DataFrame]:
    """The weighted sum of the parts' contributions on the union of their features (exact: SHAP is
    linear in the model), and the explained feature values (each taken from the first part that has
    it). With ``measured``, the one part's contributions x the measured DTC, which adds its own
    contribution column (:mod:`.route`)."""
    names = _union(parts) + ([MEASURED] if measured is not None else [])
    values = np.zeros((len(rows), len(names)))
    base, output = 0.0, np.zeros(len(rows))
    for k, part in enumerate(parts):
        Xs = part.X.iloc[rows]
        step = None if progress is None else (lambda n, k=k: progress((k * len(rows) + n) // len(parts)))
        c = engine.contributions(_prepared(part.model, part.estimator, parameter), Xs, n_jobs=n_jobs, progress=step)
        if check:
            c.output = np.asarray(reference_output(part.model, part.estimator, parameter, Xs.to_numpy(dtype=float)), dtype=float)
        values[:, [names.index(f) for f in c.features]] += part.weight * c.values
        base += part.weight * c.base
        output += part.weight * np.asarray(c.output, dtype=float)
    if measured is not None:  # the ratio route: (1 - m) c x the ratio model's contributions, the DTC's own term
        values *= np.reshape(measured.weight(), (-1, 1))
        base, values[:, names.index(MEASURED)] = measured.term(base)
        output = measured.output(output)
    return engine.Contributions(features=names, base=float(base), values=values, output=output), _features_at(parts, rows, names, measured)


def _features_at(parts: Sequence[_Part], rows: np.ndarray, names: Sequence[str], measured: MeasuredDTC | None = None) -> pd.DataFrame:
    """The explained feature values at ``rows``, each taken from the first part that has it (and the measured DTC)."""
    shown = pd.concat([p.X.iloc[rows] for p in parts], axis=1)
    shown = shown.loc[:, ~shown.columns.duplicated()]
    if measured is not None:
        shown = shown.assign(**{MEASURED: measured.values})
    return shown[list(names)]


def _sources(parts: Sequence[_Part]) -> dict[str, str]:
    """Feature -> source curve over all parts (the main model's record first)."""
    return {k: v for p in reversed(parts) for k, v in (getattr(p.model, "feature_sources", {}) or {}).items()}


def explain_well(model: Any, well: Well, *, target: str | None = None, parameter: str = "mean",
                 depths: Sequence[float] | None = None, depth_range: tuple[float, float] | None = None,
                 check: bool = False, n_jobs: int = DEFAULT_JOBS,
                 progress: Callable[[int], None] | None = None, served: bool = True,
                 prediction: pd.DataFrame | None = None) -> WellExplanation:
    """Explain ``parameter`` of ``target`` at the selected samples (default: every predictable one).

    ``check=True`` replaces ``output`` with the estimator's own output (see :func:`reference_output`)
    so ``contributions.additivity_error()`` measures real agreement. ``served=True`` also puts the
    served value beside it (``.served``; from ``prediction`` = ``model.predict(well)`` when given,
    else the well is predicted once here); ``served=False`` skips that prediction where only
    contributions matter (global importance).
    """
    target = resolve_target(model, target)
    _prepared(model, target, parameter)  # an unexplainable parameter is refused before any work
    served_by = model
    model, X, rows, left_out, measured = _selected(model, well, target, parameter, depths, depth_range)
    parts = _parts(model, well, target, parameter, X, rows, measured)
    contrib, Xs = _contributions(parts, parameter, rows, check, n_jobs, progress, measured)
    averaged = len(parts) > 1
    sources = _sources(parts)
    curves = _curves(well, parts, rows, measured)
    beside = served_for(model, well, target, parameter, rows, contrib.output, prediction, averaged, measured) if served else None
    return WellExplanation(
        well=well.name, target=target, parameter=parameter, family=str(getattr(model, "family", "")),
        transform=_transform(model, target, parameter, averaged, measured), depth=well.depth[rows], features=Xs,
        curves=curves, contributions=contrib, sources=sources, served=beside, left_out=left_out,
        explained_model="main" if model is served_by else "reduced-input", measured=measured,
    )


def _selected(model: Any, well: Well, target: str, parameter: str, depths: Sequence[float] | None,
              depth_range: tuple[float, float] | None) -> tuple[Any, pd.DataFrame, np.ndarray, LeftOut | None, MeasuredDTC | None]:
    """(the model explained, its features, the rows, what they leave out, the measured DTC when DTS
    is explained through the ratio route): :mod:`.selection` picks the model, :mod:`.route` the route."""
    model, X, _, rows, left_out = explained_rows(model, well, depths, depth_range)
    rows, ratio, left = choose_route(model, well, target, rows, depths)
    if left is not None:
        left_out = left if left_out is None else left_out.plus(left)
    if not ratio:
        return model, X, rows, left_out, None
    _prepared(model, RATIO_TARGET, parameter)
    reference = _prepared(model, "DTC", "mean").base_value(len(X.columns))  # the mean training rock's DTC
    return model, X, rows, left_out, measured_dtc(model, well, rows, reference, log_scale(model, RATIO_TARGET, parameter))


def _curves(well: Well, parts: Sequence[_Part], rows: np.ndarray, measured: MeasuredDTC | None = None) -> pd.DataFrame:
    """The well's curves at ``rows``, plus any raw input a part sees that the file does not hold
    (the companion's vertical depth, made from measured depth where the file has no TVD) and the
    measured DTC DTS was served from, under its contribution's name."""
    curves = well.data.iloc[rows].reset_index(drop=True)
    if measured is not None:
        curves[MEASURED] = measured.values
    for part in parts[1:]:
        for f in part.X.columns:
            if f not in curves.columns and (getattr(part.model, "feature_sources", {}) or {}).get(f, f) == f:
                curves[f] = part.X[f].to_numpy(dtype=float)[rows]
    return curves


# -- plain-data API (CONTRACTS.md "Explanations") -----------------------------------------------
def _plain(values: np.ndarray) -> list:
    """ndarray -> nested lists of floats with NaN/inf as None (JSON has no NaN)."""
    arr = np.asarray(values, dtype=float)
    obj = arr.astype(object)
    obj[~np.isfinite(arr)] = None
    return obj.tolist()


def explain_samples(model: Any, well: Well, *, target: str | None = None, depths: Sequence[float] | None = None,
                    depth_range: tuple[float, float] | None = None, parameter: str = "mean", group: bool = True) -> dict:
    """Per-sample contributions at the nearest samples to ``depths`` (or inside ``depth_range``, or all).

    Returns plain data: target, parameter, base_value, features, depths, values (samples x
    features), output (= base + sum of the row), plus well, family, transform, the input values
    shown with each contribution (``feature_values``) and ``served``: what ``welllog predict``
    serves at the same samples — {"column" (T_MEAN or T_STD), "values" (per depth), "explained"
    (``output`` in the served units, us/ft, or None), "reason" (what is explained and how the
    served value is made from it), "note" (the reason plus the gap on these samples), "equal",
    "mean_abs_gap", "max_abs_gap"}.
    """
    ex = explain_well(model, well, target=target, parameter=parameter, depths=depths, depth_range=depth_range)
    vals, names = ex.values(group)
    return {
        **_describe(ex, group),
        "features": list(names),
        "depths": _plain(ex.depth),
        "values": _plain(vals),
        "output": _plain(ex.output),
        "feature_values": _plain(ex.display_values(group).to_numpy(dtype=float)),
        "served": _served_plain(ex.served),
    }


def _served_plain(served: Served | None) -> dict | None:
    """The served record as plain data, per-depth arrays included (API and dashboard)."""
    if served is None:
        return None
    return {**served.summary(), "values": _plain(served.values),
            "explained": None if served.explained is None else _plain(served.explained)}


def _describe(ex: WellExplanation, group: bool) -> dict:
    """What every plain-data answer says about itself: which well, target, parameter and model."""
    return {
        "well": ex.well,
        "target": ex.target,
        "parameter": ex.parameter,
        "family": ex.family,
        "transform": ex.transform,
        "grouped": bool(group),
        "base_value": float(ex.base),
        "explained_model": ex.explained_model,
        "left_out": None if ex.left_out is None else str(ex.left_out),
    }


def global_importance(model: Any, well: Well, target: str | None = None, parameter: str = "mean", group: bool = True) -> dict:
    """Mean |contribution| per feature (or source curve) over every predictable sample, ranked."""
    ex = explain_well(model, well, target=target, parameter=parameter, served=False)
    imp = ex.importance(group)
    return {
        **_describe(ex, group),
        "samples": int(len(ex.depth)),
        "features": imp["feature"].tolist(),
        "mean_abs": _plain(imp["mean_abs"].to_numpy()),
        "mean": _plain(imp["mean"].to_numpy()),
    }


@dataclass
class Interactions:
    """SHAP interaction values on a depth subsample: ``values[n, i, j]`` (rows sum to contributions)."""

    names: list[str]
    depth: np.ndarray
    values: np.ndarray  #: (n, k, k)
    shown: pd.DataFrame  #: input value per name at the same samples

    @property
    def mean_abs(self) -> np.ndarray:
        return np.abs(self.values).mean(axis=0)

    def partner(self, feature: str) -> str | None:
        """The name whose coupling with ``feature`` is strongest (None for a single feature)."""
        i = self.names.index(feature)
        off = self.mean_abs[i].copy()
        off[i] = -np.inf
        return self.names[int(np.argmax(off))] if len(self.names) > 1 else None


def interaction_values(model: Any, well: Well, *, target: str | None = None, parameter: str = "mean",
                       group: bool = True, max_samples: int = 400, n_jobs: int = DEFAULT_JOBS,
                       depth_range: tuple[float, float] | None = None) -> Interactions:
    """Interaction values on an even depth subsample of the well (or of ``depth_range``): their
    cost is ~features x contributions."""
    target = resolve_target(model, target)
    _prepared(model, target, parameter)
    model, X, usable, _, measured = _selected(model, well, target, parameter, None, depth_range)
    pick = np.unique(np.linspace(0, len(usable) - 1, min(max_samples, len(usable))).round().astype(int))
    rows = usable[pick]
    if measured is not None:
        measured = measured.subset(pick)
    parts = _parts(model, well, target, parameter, X, rows, measured)  # as explain_well: the served mean where it can
    names = _union(parts) + ([MEASURED] if measured is not None else [])
    inter = np.zeros((len(rows), len(names), len(names)))
    for part in parts:
        at = np.array([names.index(f) for f in part.X.columns])
        inter[np.ix_(np.arange(len(rows)), at, at)] += part.weight * engine.interactions(
            _prepared(part.model, part.estimator, parameter), part.X.iloc[rows], n_jobs=n_jobs)
    if measured is not None:  # as _contributions: the ratio model's values x the DTC, and the DTC's own main effect
        inter *= np.reshape(measured.weight(), (-1, 1, 1))
        base = _prepared(parts[0].model, parts[0].estimator, parameter).base_value(len(parts[0].X.columns))
        i = names.index(MEASURED)
        inter[:, i, i] = measured.term(base)[1]
    if group:
        inter, names = group_interactions(inter, names, _sources(parts))
        curves = _curves(well, parts, rows, measured)
        shown = pd.DataFrame({n: curves[n].to_numpy(dtype=float) if n in curves.columns else np.nan for n in names})
    else:
        shown = _features_at(parts, rows, names, measured).reset_index(drop=True)
    return Interactions(names=names, depth=well.depth[rows], values=inter, shown=shown)


def coupling(model: Any, well: Well, *, target: str | None = None, parameter: str = "mean",
             feature: str | None = None, partner: str | None = None, group: bool = True,
             max_samples: int = 400, n_jobs: int = DEFAULT_JOBS) -> dict:
    """How pairs of curves act together, from SHAP interaction values on a depth subsample.

    Returns the mean |interaction| matrix (off-diagonal: coupling between two curves) and, for
    ``feature`` (default: the most important) and ``partner`` (default: its strongest coupling),
    the per-sample main effect and pair interaction (phi_ij + phi_ji) with both input values.
    """
    inter = interaction_values(model, well, target=target, parameter=parameter, group=group,
                               max_samples=max_samples, n_jobs=n_jobs)
    names, vals = inter.names, inter.values
    main = np.diagonal(vals, axis1=1, axis2=2)
    if feature is None:
        feature = names[int(np.argmax(np.abs(vals.sum(axis=2)).mean(axis=0)))]
    for name in (feature, partner):
        if name is not None and name not in names:
            raise UsageError(f"feature {name!r} is not one of {', '.join(names)}")
    i = names.index(feature)
    partner = partner or inter.partner(feature) or feature
    j = names.index(partner)
    return {
        "well": well.name,
        "target": resolve_target(model, target),
        "parameter": parameter,
        "features": names,
        "mean_abs_interaction": _plain(inter.mean_abs),
        "feature": feature,
        "partner": partner,
        "depths": _plain(inter.depth),
        "feature_values": _plain(inter.shown[feature].to_numpy(dtype=float)),
        "partner_values": _plain(inter.shown[partner].to_numpy(dtype=float)),
        "contribution": _plain(vals[:, i, :].sum(axis=1)),
        "main_effect": _plain(main[:, i]),
        "pair_interaction": _plain(vals[:, i, j] + vals[:, j, i] if i != j else np.zeros(len(vals))),
    }
