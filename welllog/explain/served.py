"""The served value beside the explained one, and one sentence saying why they differ.

Why: SHAP is exact for *one* tree model — the target's estimator — and base value + contributions
equals that model's output. What ``welllog predict`` serves can be more than that model: the
recommended recipe averages DTC 50/50 with a depth companion, blends DTS from three routes and
lifts it to sqrt(2) x DTC (Poisson's ratio >= 0), and widens every std by blind calibration; an
ensemble's std also holds its members' disagreement. A user who adds the contributions up and compares with T_MEAN finds a
gap of several us/ft and no reason for it. So every explanation carries the served statistic
(``T_MEAN`` for ``mean``, ``T_STD`` for ``scale``) at the same samples, the explained output read
in the same units where that reading exists, the gap between them, and a plain sentence saying
what is explained and what the served value adds. The contributions themselves are untouched:
they stay additive for the model they explain.

One step is followed rather than described: the served DTC *mean* is a plain 50/50 average of
two tree models' means, and SHAP values are linear in the model, so half of each model's
contributions explain DTC_MEAN exactly (:func:`averaged_companion`; depth then appears as a
contribution of its own). The std of that mixture, the DTS blend and calibration stay described.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from welllog.shear import MIN_VPVS, RATIO_TARGET, logged_dtc
from welllog.well import Well

#: parameter explained -> the served statistic it corresponds to (suffix of the prediction column)
STATISTICS: dict[str, str] = {"mean": "MEAN", "scale": "STD"}
#: words of the reason when the explained model is the served one with nothing added (:func:`reason`):
#: surfaces that show the reason only beside a gap still show any other, which names a route
SERVED_AS_IS = "the model served as"
#: largest gap, relative to the served values' size, at which they are called equal (XGBoost
#: computes in float32; every other family agrees to ~1e-10)
EQUAL_TOLERANCE = 1e-4


@dataclass
class Served:
    """The served statistic at the explained samples and how it relates to the explained output."""

    column: str  #: prediction column served for this target/parameter, e.g. ``DTS_MEAN``
    values: np.ndarray  #: served value per explained sample (NaN where nothing is served)
    explained: np.ndarray | None  #: explained output in the served statistic's units (None: no such reading)
    reason: str  #: what is explained and how the served value is made from it (no numbers: same for every well)

    def gaps(self) -> np.ndarray:
        """|served - explained| (us/ft) on samples where both exist; empty without a common reading."""
        if self.explained is None:
            return np.empty(0)
        diff = np.abs(np.asarray(self.values, dtype=float) - np.asarray(self.explained, dtype=float))
        return diff[np.isfinite(diff)]

    @property
    def mean_abs_gap(self) -> float | None:
        gaps = self.gaps()
        return float(gaps.mean()) if gaps.size else None

    @property
    def max_abs_gap(self) -> float | None:
        gaps = self.gaps()
        return float(gaps.max()) if gaps.size else None

    @property
    def equal(self) -> bool | None:
        """Whether the served value is the explained output (None: no common reading to compare)."""
        gaps = self.gaps()
        if not gaps.size:
            return None
        size = float(np.nanmax(np.abs(self.values))) if np.isfinite(self.values).any() else 1.0
        return bool(gaps.max() <= EQUAL_TOLERANCE * max(1.0, size))

    @property
    def note(self) -> str:
        """``reason`` plus the measured gap: the sentence shown to people."""
        gaps = self.gaps()
        if not gaps.size:
            return self.reason
        if self.equal:
            return f"{self.reason} Here they agree (largest gap {gaps.max():.1g} us/ft)."
        return (f"{self.reason} Gap to the served value here: {gaps.mean():.1f} us/ft on average, "
                f"{gaps.max():.1f} at most ({gaps.size} samples).")

    def summary(self) -> dict[str, Any]:
        """Plain data for summary.json and the API (no per-sample arrays)."""
        return {"column": self.column, "reason": self.reason, "note": self.note, "equal": self.equal,
                "mean_abs_gap": self.mean_abs_gap, "max_abs_gap": self.max_abs_gap}


def served_column(target: str, parameter: str) -> str:
    """The prediction column that corresponds to an explained parameter (``DTS``, ``scale`` -> ``DTS_STD``)."""
    return f"{target}_{STATISTICS[parameter]}"


def ngboost_dist(estimator: Any) -> str:
    """The distribution of the NGBoost model whose trees are explained ('' when there is none: the
    residual-scale families). The estimator says (``scale_dist``), not its family name."""
    return str(getattr(estimator, "scale_dist", ""))


def log_scale(model: Any, estimator: str, parameter: str) -> bool:
    """Whether the explained ``parameter`` of ``model.estimators[estimator]`` is a log (NGBoost's and
    the ensemble's scale: the log of the std) rather than in the target's units."""
    return parameter == "scale" and bool(ngboost_dist(model.estimators[estimator]))


def as_served_units(model: Any, target: str, parameter: str, output: np.ndarray,
                    multiplier: np.ndarray | None = None) -> np.ndarray | None:
    """The explained output read as the served statistic (us/ft), or None where it has no such reading.

    mean: the output itself (a LogNormal NGBoost explains mu = E[log y]: no reading without sigma);
    scale: exp(output) for NGBoost and the ensemble (its NGBoost member's std), the residual-scale
    families' own ``scale_factor_ * max(output, scale_floor_)``. ``target`` names the estimator
    explained; ``multiplier``: the measured DTC its output was multiplied by (:mod:`.route`), which
    the residual-scale floor is multiplied by too.
    """
    estimator = model.estimators[target]
    output = np.asarray(output, dtype=float)
    lognormal = ngboost_dist(estimator) == "lognormal"
    if parameter == "mean":
        return None if lognormal else output
    if ngboost_dist(estimator):
        return None if lognormal else np.exp(output)
    factor, floor = getattr(estimator, "scale_factor_", None), getattr(estimator, "scale_floor_", None)
    if factor is None or floor is None:
        return None
    return float(factor) * np.maximum(output, float(floor) * (1.0 if multiplier is None else multiplier))


def averaged_companion(model: Any, target: str, parameter: str, well: Well) -> Any | None:
    """The depth companion whose mean the served ``target`` mean averages 50/50 with the main
    model's on ``well`` — when that average is linear in both models' outputs (Normal means), so
    SHAP can explain the served mean itself: half of each model's contributions, summed per
    feature (SHAP values are linear in the model). None otherwise: the std of a mixture, or a
    LogNormal's mean, is not such an average, and a well without depth is served the main model."""
    companion = getattr(model, "depth_companion_", None)
    if parameter != "mean" or companion is None or not well.has_depth:
        return None
    if not has_companion(model, target) or target not in getattr(companion, "estimators", {}):
        return None
    if "lognormal" in (ngboost_dist(model.estimators[target]), ngboost_dist(companion.estimators[target])):
        return None
    return companion


def has_companion(model: Any, target: str) -> bool:
    """Whether the served ``target`` averages the main model with a depth companion (model metadata)."""
    return target in ((getattr(model, "metadata", {}) or {}).get("depth_companion") or {}).get("targets", ())


def companion_depth(model: Any) -> str:
    """The depth the companion sees, in words: "vertical" or "measured"."""
    recipe = (getattr(model, "metadata", {}) or {}).get("recipe") or {}
    return "vertical" if recipe.get("companion_depth") == "vertical" else "measured"


def explained_model(model: Any, target: str, parameter: str, averaged: bool = False, ratio: bool = False) -> str:
    """Which model the contributions add up to, in words ("the direct DTS model", ...);
    ``averaged``: the 50/50 average with the depth companion (:func:`averaged_companion`);
    ``ratio``: the Vp/Vs-ratio model x the measured DTC (:mod:`.route`)."""
    estimator = _explained(model, target, ratio)
    if ratio:
        what = "the Vp/Vs-ratio model x this well's measured DTC"
    elif averaged:
        what = f"the 50/50 average of the {target} model without depth and its companion that also sees {companion_depth(model)} depth"
    elif target == "DTS" and _blends_shear(model):
        what = "the direct DTS model"
    elif has_companion(model, target):
        what = f"the {target} model without depth"
    else:
        family = getattr(estimator, "family", "") or str(getattr(model, "family", ""))
        what = " ".join(filter(None, ("the", family, "model of", target)))
    dist = ngboost_dist(estimator)
    if parameter == "mean":
        return f"mu = E[log {target}] of {what}" if dist == "lognormal" else what
    if dist == "lognormal":
        return f"log sigma of log({target}) of {what}"
    if getattr(estimator, "scale_adds_disagreement", False):
        return f"the log-std of the NGBoost member of {what}"
    if dist:
        return f"the log-std of {what}"
    return f"the residual-scale model of {what}"


def _blends_shear(model: Any) -> bool:
    weights = (getattr(model, "metadata", {}) or {}).get("shear_weights")
    return bool(weights) and float(weights.get("direct", 1.0)) < 1.0 and "DTC" in getattr(model, "targets", ())


def _explained(model: Any, target: str, ratio: bool) -> Any:
    """The estimator whose trees are explained: the target's own, or the Vp/Vs-ratio model's (:mod:`.route`)."""
    return model.estimators[RATIO_TARGET if ratio else target]


def _ensemble(model: Any, target: str, parameter: str, well: Well, ratio: bool = False) -> str | None:
    if parameter == "scale" and getattr(_explained(model, target, ratio), "scale_adds_disagreement", False):
        return "adds the ensemble members' disagreement"
    return None


def _lognormal(model: Any, target: str, parameter: str, well: Well, ratio: bool = False) -> str | None:
    if ngboost_dist(_explained(model, target, ratio)) != "lognormal":
        return None
    return "is exp(mu + sigma^2/2), not mu" if parameter == "mean" else "is the LogNormal's std in us/ft, not sigma of the log"


def _companion(model: Any, target: str, parameter: str, well: Well, ratio: bool = False) -> str | None:
    if not has_companion(model, target) or not well.has_depth:
        return None  # a well without a depth column is served the main model alone
    spread = " (disagreement included)" if parameter == "scale" else ""
    return f"averages it 50/50 with a companion that also sees {companion_depth(model)} depth{spread}"


def _shear(model: Any, target: str, parameter: str, well: Well, ratio: bool = False) -> str | None:
    if target != "DTS" or not _blends_shear(model):
        return None
    if ratio:  # the route explained serves these samples; the mean follows the mudrock ramp too (.route)
        return None if parameter == "mean" else "moves to the mudrock line where the measured DTC is slower than the ratio model's training rocks"
    w = model.metadata["shear_weights"]
    mudrock = f" and the mudrock line ({w['mudrock']:g})" if float(w.get("mudrock", 0.0)) > 0 else ""
    spread = " (disagreement included)" if parameter == "scale" else ""
    said = (f"blends it ({w['direct']:g}) with the Vp/Vs-ratio route x predicted DTC ({w['ratio']:g}){mudrock}, "
            f"the mudrock line taking over beyond the ratio model's DTC range{spread}")
    if (model.metadata.get("logged_dtc") and getattr(model, "uses_logged_dtc", lambda: False)()
            and np.isfinite(logged_dtc(well)).any()):
        said += ("; where this well logs DTC, serves instead the Vp/Vs ratio x the measured DTC (T_QC bit 64), "
                 "explained on such samples through that route")
    return said


def _vpvs(model: Any, target: str, parameter: str, well: Well, ratio: bool = False) -> str | None:
    recipe = (getattr(model, "metadata", {}) or {}).get("recipe") or {}
    least = recipe.get("min_vpvs")
    if parameter == "mean" and target == "DTS" and least and "DTC" in getattr(model, "targets", ()):
        dtc = "the measured DTC" if ratio else "DTC"  # the lift holds against the DTC that served DTS
        if float(least) == 1.0:
            return f"keeps it >= {dtc} (Vp > Vs)"
        why = " (Poisson's ratio >= 0)" if abs(float(least) - MIN_VPVS) < 1e-9 else ""
        return f"keeps it >= {float(least):.3g} x {dtc}{why}"
    return None


def _calibration(model: Any, target: str, parameter: str, well: Well, ratio: bool = False) -> str | None:
    metadata = getattr(model, "metadata", {}) or {}
    cal = (metadata.get("logged_dtc") or {}).get("calibration") if ratio else (metadata.get("calibration") or {}).get(target)
    if parameter != "scale" or not cal:
        return None
    factor, ood = float(cal.get("factor", 1.0)), float(cal.get("ood_factor", cal.get("factor", 1.0)))
    bad = cal.get("bad_hole_factor")
    bad_hole = f", x{float(bad):.2f} in a bad hole" if bad is not None and np.isfinite(float(bad)) else ""
    tau = float(cal.get("spread_floor") or 0.0)
    floor = f"adds a floor of {tau:.3g} to it in quadrature and " if tau > 0 else ""
    df = cal.get("tail_df")  # inf (None in JSON metadata): a Normal band
    tails = f", with Student-t tails (df {float(df):g}: the std is the t's)" if df is not None and np.isfinite(float(df)) else ""
    return f"{floor}scales it by the blind calibration (x{factor:.2f}; x{ood:.2f} where an input is out of range{bad_hole}){tails}"


#: every step between the explained model and the served value, in the order the model applies them
STEPS: tuple[Callable[[Any, str, str, Well, bool], str | None], ...] = (_lognormal, _ensemble, _companion, _shear, _calibration, _vpvs)


def reason(model: Any, well: Well, target: str, parameter: str, averaged: bool = False, ratio: bool = False) -> str:
    """One plain sentence: what is explained and how the served statistic is made from it
    (``averaged``: the explanation already is the average with the depth companion; ``ratio``: DTS
    explained through the Vp/Vs ratio x the measured DTC, :mod:`.route`)."""
    what = explained_model(model, target, parameter, averaged, ratio)
    column = served_column(target, parameter)
    steps = [s for s in (step(model, target, parameter, well, ratio) for step in STEPS if not (averaged and step is _companion)) if s]
    stat = "mean" if parameter == "mean" else "std"
    if not steps:
        read = "" if parameter == "mean" else " (read as a std in us/ft)"
        return f"Explains {what}, {SERVED_AS_IS} {column}: {column} = base value + contributions{read}."
    last = ", and " if any("," in step for step in steps) else " and "
    listed = steps[0] if len(steps) == 1 else ", ".join(steps[:-1]) + last + steps[-1]
    return f"Explains {what} (base value + contributions = its output), not {column}: the served {stat} {listed}."


#: (model id, well content hash) -> prediction, newest last; a few wells per process are enough
_PREDICTIONS: OrderedDict[tuple[int, str], tuple[Any, pd.DataFrame]] = OrderedDict()
_PREDICTIONS_KEPT = 4
_PREDICTIONS_LOCK = threading.Lock()


def _prediction_key(well: Well) -> str:
    """What a prediction depends on beyond the canonical curves (:meth:`Well.content_hash`): the QC
    flags (a bit size from the header makes rows bad hole, which widens their band) and whether the
    depth is real (the depth companion). Two wells with the same curves but different QC shared an
    entry (code review)."""
    h = hashlib.sha256(well.content_hash().encode())
    h.update(b"depth" if well.has_depth else b"rows")
    if well.qc is not None:
        h.update(",".join(map(str, well.qc.columns)).encode())
        h.update(np.ascontiguousarray(well.qc.to_numpy(dtype="int64")).tobytes())
    return h.hexdigest()


def _cached_prediction(model: Any, well: Well) -> pd.DataFrame:
    """``model.predict(well)``, kept for the last few (model, well) pairs.

    Why: a dashboard click or an API explain request names one depth, and explaining it takes
    ~20 ms, but the served value needs the whole well predicted (0.2-1 s with the recipe). The
    same well is clicked again and again; its content hash (not the object) is the key, so a
    request that sends the same curves again finds it too. The model object is held with the
    entry so that its id cannot be reused by another model while the entry lives."""
    key = (id(model), _prediction_key(well))
    with _PREDICTIONS_LOCK:
        hit = _PREDICTIONS.get(key)
        if hit is not None:
            _PREDICTIONS.move_to_end(key)
            return hit[1]
    # on a copy of the provenance: the prediction notes the model's input repairs, and the caller's
    # well (the dashboard's cached one, shared by every model) must stay as read (code review)
    prediction = model.predict(replace(well, provenance=list(well.provenance)))
    with _PREDICTIONS_LOCK:
        _PREDICTIONS[key] = (model, prediction)
        while len(_PREDICTIONS) > _PREDICTIONS_KEPT:
            _PREDICTIONS.popitem(last=False)
    return prediction


def served_for(model: Any, well: Well, target: str, parameter: str, rows: np.ndarray, output: np.ndarray,
               prediction: pd.DataFrame | None = None, averaged: bool = False, measured: Any = None) -> Served:
    """The :class:`Served` record for the explained ``rows`` (positions in ``well.data``;
    ``averaged``: ``output`` is the average with the depth companion; ``measured``: the measured
    DTC the Vp/Vs ratio explained was multiplied by, :class:`.route.MeasuredDTC`).

    ``prediction`` is ``model.predict(well)`` when the caller has it (a report explains several
    targets of one well: predicting once is enough); otherwise the well is predicted here, whole,
    because the recipe's inputs depend on the whole well (GR normalisation, depth context).
    """
    column = served_column(target, parameter)
    if prediction is None:
        prediction = _cached_prediction(model, well)
    values = (prediction[column].to_numpy(dtype=float)[np.asarray(rows, dtype=int)] if column in prediction.columns
              else np.full(len(rows), np.nan))
    ratio = measured is not None
    multiplier = None if not ratio or measured.log else measured.values
    return Served(column=column, values=values,
                  explained=as_served_units(model, RATIO_TARGET if ratio else target, parameter, output, multiplier),
                  reason=reason(model, well, target, parameter, averaged, ratio) + _not_served(target, prediction, rows, values))


def _not_served(target: str, prediction: pd.DataFrame, rows: np.ndarray, values: np.ndarray) -> str:
    """' DTS_MEAN is null at N of M ...' when the model explained a value the served log leaves out
    (the recipe withholds DTS beyond the mudrock line's end, T_QC bit 16 in DTS_QC only)."""
    gap = np.isnan(values)
    if not gap.any():
        return ""
    from welllog.predict import withheld_shear_rows  # the one definition of "withheld past the mudrock line"

    withheld = withheld_shear_rows(prediction)[np.asarray(rows, dtype=int)]
    why = (": the DTC there is slower than the mudrock line reaches, beyond every shear relation of the model"
           if target == "DTS" and withheld[gap].all() else "")
    return f" Not served at {int(gap.sum())} of {len(values)} of these samples (T_QC bit 16{why})."
