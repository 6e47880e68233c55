"""Interval calibration on blind data: one scale factor per target, fitted where the model was blind.

Why: a model's own uncertainty is learned on rows it has seen (NGBoost's likelihood) or on
neighbouring depths of the same wells, so on a new well — other formations, other hole, other
tool calibration — its 90% interval covers far less than 90% (stock NGBoost: ~64-74% on the SPWLA
2020 hidden well). The fix that holds under shift is *split conformal on blind folds*: predict
whole held-out wells (or contiguous depth blocks of a single well) with models that never saw
them, look at the standardised errors ``z = (y - mean) / std`` and pick the factor ``c`` that
makes ``|z| <= c * z_(1+level)/2`` hold for ``level`` of them. Samples whose inputs lie outside
the training range (out of distribution, T_QC bit 8) get their own, larger factor, because the
errors there are larger than elsewhere, not just the same errors more often.

Everything here is plain numpy on arrays of z-scores, so the same code calibrates every family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from welllog.models.base import Distribution

#: nominal levels of the calibration curve (central intervals)
CURVE_LEVELS: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def z_level(level: float) -> float:
    """Half-width of the central ``level`` interval of a standard Normal (0.9 -> 1.645)."""
    return float(stats.norm.ppf(0.5 + level / 2))


def coverage_factor(z: np.ndarray, level: float = 0.9) -> float:
    """Factor ``c`` on the std so that ``level`` of the blind |z| fall inside the central interval.

    Split-conformal with a finite-sample correction: the ``ceil((n+1) level) / n`` empirical
    quantile of |z|, divided by the Normal half-width. NaNs are ignored; 1.0 when there is no data.
    """
    a = np.abs(np.asarray(z, dtype=float))
    a = a[np.isfinite(a)]
    if len(a) == 0:
        return 1.0
    q = min(1.0, np.ceil((len(a) + 1) * level) / len(a))
    return float(np.quantile(a, q) / z_level(level))


@dataclass
class BlindCalibration:
    """Per-target factors fitted on blind folds (stored in the model's metadata)."""

    factor: float = 1.0  #: multiplies the std where inputs are in the training range
    ood_factor: float = 1.0  #: multiplies the std where an input is outside the training range
    level: float = 0.9
    n: int = 0  #: blind samples used (in range)
    n_ood: int = 0  #: blind samples used (out of range)
    folds: int = 0
    split: str = ""  #: "wells" | "depth blocks" (how the blind folds were cut)
    blind_coverage_before: float = float("nan")  #: coverage of the nominal interval before the factor

    def to_dict(self) -> dict:
        return asdict(self)


def fit_blind_calibration(z: np.ndarray, ood: np.ndarray | None = None, level: float = 0.9, min_ood: int = 50,
                          clip: tuple[float, float] = (0.5, 10.0), folds: int = 0, split: str = "",
                          fold_ids: np.ndarray | None = None) -> BlindCalibration:
    """Factors from blind standardised errors ``z`` and the rows' OOD mask.

    The in-range factor is the *median over folds* of each fold's factor (``fold_ids`` given,
    >= 2 folds with >= 20 in-range rows), else the pooled factor. Why the median: one held-out
    fold can be a formation nothing else resembles (SPWLA 2020's shallow section, DTS 300-430);
    pooled, it alone sets the 90% quantile and every interval becomes several times too wide.
    Such rows are mostly out of the training range, and the OOD factor — fitted on the pooled
    OOD rows when there are at least ``min_ood``, never below the in-range factor (extrapolation
    cannot make a model more certain) — widens exactly those.
    """
    z = np.asarray(z, dtype=float)
    ood = np.zeros(len(z), dtype=bool) if ood is None else np.asarray(ood, dtype=bool)
    ok = np.isfinite(z)
    inside, outside = ok & ~ood, ok & ood
    per_fold = []
    if fold_ids is not None:
        fold_ids = np.asarray(fold_ids)
        for f in np.unique(fold_ids):
            m = inside & (fold_ids == f)
            if m.sum() >= 20:
                per_fold.append(coverage_factor(z[m], level))
    if len(per_fold) >= 2:
        base = float(np.median(per_fold))
    else:
        base = coverage_factor(z[inside] if inside.sum() >= 20 else z[ok], level)
    if outside.sum() >= min_ood:
        ood_f = coverage_factor(z[outside], level)
    else:
        ood_f = base
    base = float(np.clip(base, *clip))
    ood_f = float(np.clip(max(ood_f, base), *clip))
    before = float(np.mean(np.abs(z[ok]) <= z_level(level))) if ok.any() else float("nan")
    return BlindCalibration(factor=base, ood_factor=ood_f, level=level, n=int(inside.sum()), n_ood=int(outside.sum()),
                            folds=folds, split=split, blind_coverage_before=before)


def standardised_errors(y: np.ndarray, dist: Distribution) -> np.ndarray:
    """``(y - centre) / spread`` in the distribution's own Normal space (log space for LogNormal)."""
    y = np.asarray(y, dtype=float)
    if dist.kind == "lognormal":
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.log(y) - dist.params["mu"]) / dist.params["sigma"]
    loc = dist.params.get("loc", dist.mean)
    scale = dist.params.get("scale", dist.std)
    return (y - loc) / scale


def scale_distribution(dist: Distribution, factor: np.ndarray | float, quantiles: Sequence[float]) -> Distribution:
    """The same distribution with its spread multiplied by ``factor`` (per sample or scalar)."""
    f = np.broadcast_to(np.asarray(factor, dtype=float), dist.mean.shape)
    if dist.kind == "lognormal":
        return Distribution.lognormal(dist.params["mu"], dist.params["sigma"] * f, quantiles)
    return Distribution.normal(dist.params.get("loc", dist.mean), dist.params.get("scale", dist.std) * f, quantiles)


def calibration_curve(y: np.ndarray, dist: Distribution, levels: Sequence[float] = CURVE_LEVELS) -> list[dict[str, float]]:
    """Nominal vs observed coverage of central intervals (the calibration plot's points)."""
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y) & np.isfinite(dist.mean)
    if not ok.any():
        return []
    d = dist.subset(ok)
    out = []
    for lv in levels:
        lo, hi = d.ppf(0.5 - lv / 2), d.ppf(0.5 + lv / 2)
        out.append({"nominal": float(lv), "observed": float(np.mean((y[ok] >= lo) & (y[ok] <= hi))),
                    "width": float(np.mean(hi - lo))})
    return out
