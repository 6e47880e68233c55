"""Accuracy and calibration metrics shared by evaluate, compare, train and the benchmark.

Why closed forms here rather than a library call per metric: they are a few lines, vectorised,
and NaN-aware in one place; the tests check them against properscoring / scoringrules.
Every function ignores samples where the observation or the prediction is NaN.

* ``nll`` — mean negative log-likelihood of the observation under the predictive distribution
  (Gaussian from mean/std, or any :class:`~welllog.models.base.Distribution`).
* ``crps`` — continuous ranked probability score; closed forms for Normal (Gneiting & Raftery
  2007), LogNormal (Baran & Lerch 2015) and Student-t (Jordan, Krueger & Lerch 2019). Same
  unit as the target; lower is better.
* ``coverage`` / ``width`` — share of observations inside [lo, hi] and the interval's mean width
  (P05–P95 = the 90% interval).
* ``contest_score`` — SPWLA PDDA 2020: sqrt(mean((dDTC^2 + dDTS^2) / 2)).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

_LOG_2PI = float(np.log(2 * np.pi))


def _valid(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    arrs = [np.asarray(a, dtype=float) for a in arrays]
    ok = np.ones(arrs[0].shape, dtype=bool)
    for a in arrs:
        ok &= np.isfinite(a)
    return tuple(a[ok] for a in arrs)


def rmse(y, pred) -> float:
    y, pred = _valid(y, pred)
    return float(np.sqrt(np.mean((y - pred) ** 2))) if len(y) else float("nan")


def mae(y, pred) -> float:
    y, pred = _valid(y, pred)
    return float(np.mean(np.abs(y - pred))) if len(y) else float("nan")


def r2(y, pred) -> float:
    y, pred = _valid(y, pred)
    if len(y) < 2:
        return float("nan")
    ss_tot = np.sum((y - y.mean()) ** 2)
    return float(1 - np.sum((y - pred) ** 2) / ss_tot) if ss_tot > 0 else float("nan")


def gaussian_nll(y, mean, std) -> float:
    y, mean, std = _valid(y, mean, std)
    if not len(y):
        return float("nan")
    std = np.maximum(std, 1e-12)
    return float(np.mean(0.5 * _LOG_2PI + np.log(std) + 0.5 * ((y - mean) / std) ** 2))


def crps_normal(y, mean, std) -> np.ndarray:
    """Per-sample CRPS of N(mean, std^2) at y (closed form)."""
    y, mean, std = (np.asarray(a, dtype=float) for a in (y, mean, std))
    std = np.maximum(std, 1e-12)
    z = (y - mean) / std
    return std * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))


def crps_t(y, loc, scale, df) -> np.ndarray:
    """Per-sample CRPS of a Student-t (``df`` > 1; ``inf``: the Normal) at y (closed form, Jordan,
    Krueger & Lerch 2019)."""
    y, loc, scale, df = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (y, loc, scale, df)))
    scale = np.maximum(scale, 1e-12)
    out = crps_normal(y, loc, scale)
    t = np.isfinite(df)
    if t.any():
        z, v, s = (y[t] - loc[t]) / scale[t], df[t], scale[t]
        tail = 2 * np.sqrt(v) * special.beta(0.5, v - 0.5) / ((v - 1) * special.beta(0.5, v / 2) ** 2)
        out = out.copy()
        out[t] = s * (z * (2 * stats.t.cdf(z, v) - 1) + 2 * stats.t.pdf(z, v) * (v + z**2) / (v - 1) - tail)
    return out


def crps_lognormal(y, mu, sigma) -> np.ndarray:
    """Per-sample CRPS of LogNormal(mu, sigma) (parameters of log y) at y > 0 (closed form)."""
    y, mu, sigma = (np.asarray(a, dtype=float) for a in (y, mu, sigma))
    sigma = np.maximum(sigma, 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = (np.log(y) - mu) / sigma
    return y * (2 * stats.norm.cdf(w) - 1) - 2 * np.exp(mu + sigma**2 / 2) * (
        stats.norm.cdf(w - sigma) + stats.norm.cdf(sigma / np.sqrt(2)) - 1
    )


def nll(y, dist_or_mean, std=None) -> float:
    """Mean NLL: ``nll(y, mean, std)`` (Gaussian) or ``nll(y, distribution)``."""
    if std is not None:
        return gaussian_nll(y, dist_or_mean, std)
    dist = dist_or_mean
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y) & np.isfinite(dist.mean)
    if not ok.any():
        return float("nan")
    return float(-np.mean(dist.subset(ok).logpdf(y[ok])))


def crps(y, dist_or_mean, std=None) -> float:
    """Mean CRPS: ``crps(y, mean, std)`` (Normal) or ``crps(y, distribution)`` (Normal / LogNormal / Student-t)."""
    if std is not None:
        y, m, s = _valid(y, dist_or_mean, std)
        return float(np.mean(crps_normal(y, m, s))) if len(y) else float("nan")
    dist = dist_or_mean
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y) & np.isfinite(dist.mean)
    if not ok.any():
        return float("nan")
    d = dist.subset(ok)
    if d.kind == "lognormal":
        return float(np.mean(crps_lognormal(y[ok], d.params["mu"], d.params["sigma"])))
    if d.kind == "t":
        return float(np.mean(crps_t(y[ok], d.params["loc"], d.params["scale"], d.params["df"])))
    return float(np.mean(crps_normal(y[ok], d.mean, d.std)))


def coverage(y, lo, hi) -> float:
    y, lo, hi = _valid(y, lo, hi)
    return float(np.mean((y >= lo) & (y <= hi))) if len(y) else float("nan")


def width(lo, hi) -> float:
    lo, hi = _valid(lo, hi)
    return float(np.mean(hi - lo)) if len(lo) else float("nan")


def contest_score(dtc_true, dtc_pred, dts_true, dts_pred) -> float:
    """SPWLA PDDA 2020 score sqrt(mean((dDTC^2 + dDTS^2)/2)) over samples with all four values."""
    a, b, c, d = _valid(dtc_true, dtc_pred, dts_true, dts_pred)
    if not len(a):
        return float("nan")
    return float(np.sqrt(np.mean(((a - b) ** 2 + (c - d) ** 2) / 2)))


def score_distribution(y, dist) -> dict[str, Any]:
    """All metrics for one target on one set of samples (NaN observations skipped)."""
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y) & np.isfinite(dist.mean)
    n = int(ok.sum())
    if n == 0:
        return {"n": 0}
    d = dist.subset(ok)
    yy = y[ok]
    lo, hi = d.quantiles.get(0.05), d.quantiles.get(0.95)
    if lo is None or hi is None:
        lo, hi = d.ppf(0.05), d.ppf(0.95)
    return {
        "n": n,
        "rmse": rmse(yy, d.mean),
        "mae": mae(yy, d.mean),
        "r2": r2(yy, d.mean),
        "nll": nll(yy, d),
        "crps": crps(yy, d),
        "coverage90": coverage(yy, lo, hi),
        "width90": width(lo, hi),
    }
