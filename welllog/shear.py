"""Shear slowness from three routes, blended: direct, Vp/Vs ratio x DTC, and the mudrock line.

Why: DTS is measured in far fewer wells than DTC (5 of the 22 FORCE 2020 wells), so a model that
learns DTS directly from the conventional logs sees few rock types and extrapolates badly into a
new well's (e.g. shallow soft shales with DTS 350-470 us/ft that no other DTS well sampled). Two
routes lean on DTC instead, which every training well teaches:

* **ratio**: a model of Vp/Vs = DTS/DTC (a narrow, well-behaved quantity, 1.5-2.5 in rock) times
  the predicted DTC — the ratio generalises across wells better than DTS itself;
* **mudrock**: Castagna et al.'s (1985) line for brine-saturated clastics, Vs = 0.8621 Vp - 1.1724
  (km/s), applied to the predicted DTC — no training data at all, so no overfitting.

The blend is a weighted mixture of the Normals, summarised as a Normal with the mixture's mean
and variance: where the routes disagree the interval widens, which is where a synthetic DTS
deserves least trust. The weights were chosen on blind data of both data sets at once
(LightGBM, recipe features; grid of 0.1 over the simplex, bench/RESULTS.md issue 4):

==========================  ==================================  ===========================
weights direct/ratio/mud    SPWLA blocks 5-10, contest score    FORCE LOWO, mean DTS RMSE
==========================  ==================================  ===========================
1 / 0 / 0 (direct only)     11.80                               44.2
0.3 / 0.7 / 0 (default)     11.82                               37.6
0.5 / 0.5 / 0               11.70                               39.2
1/3 each                    13.11                               34.2
==========================  ==================================  ===========================

The mudrock line helps across FORCE wells but costs 1.3 points inside SPWLA's Volve well
(presumably its hydrocarbon-bearing sands, off the brine line), so it gets no weight by default; it stays a
route for users who set ``shear_weights``. Choosing the weights per model on its own blind
calibration folds was tried and rejected: with one well (depth-block folds) or four DTS wells the
folds' choice was noise (SPWLA picked mudrock only -> contest 20; FORCE 38.5 vs 34.2 equal).

**Beyond the ratio model's rocks the mudrock line takes over.** A tree model of Vp/Vs returns its
edge value where the predicted DTC is slower than any rock it was trained on, yet Vp/Vs keeps
rising in soft, shallow sediments (25/11-24's shales: DTC ~140, Vp/Vs ~2.7). So the weights move
linearly to the mudrock route as the predicted DTC passes the ratio model's training range: from
its :data:`EXTRAPOLATION_PERCENTILE` th percentile (``dtc_limit``, learnt at fit time from the rows
the ratio model was trained on) to ``dtc_limit + ramp`` (default :data:`EXTRAPOLATION_RAMP`).
Inside the training range nothing changes (SPWLA's well 2 lies inside it almost everywhere).

**Where the well logs DTC, the routes take the measured DTC.** The commonest shear problem is a
well with DTC and no DTS, and half of the blind DTS error is the predicted DTC's (bench/RESULTS.md,
ninth session). On rows with a measured DTC (QC: no spike, impossible value or non-formation
reading; :func:`logged_dtc`) the ratio and mudrock routes use it — with no spread of its own — and
the weights are :data:`LOGGED_DTC_WEIGHTS`: the ratio x the measured DTC alone, the direct route
adding only its own error there (lab, LightGBM + recipe features, uncalibrated; FORCE LOWO on the
five DTS wells / SPWLA blocks 5-10, mean DTS RMSE us/ft):

==========================  =========================  ===========================
weights direct/ratio/mud    FORCE, measured DTC        SPWLA blocks, measured DTC
==========================  =========================  ===========================
0.3 / 0.7 / 0 (default)     21.9 (32.2 predicted DTC)  11.14 (13.91 predicted DTC)
0 / 1 / 0 (logged default)  18.9                       11.27
0 / 0.9 / 0.1               18.6                       11.42
==========================  =========================  ===========================

The mudrock line still takes over beyond the ratio model's DTC range, now at the measured DTC.
The recipe calibrates such rows' band on blind folds of their own (their spread lacks the DTC's).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from welllog.models.base import Distribution
from welllog.well import NOT_ROCK, Well

#: the auxiliary target the ratio route is trained on (DTS / DTC, dimensionless)
RATIO_TARGET = "VPVS"
#: Castagna's mudrock line (km/s): Vs = A * Vp + B
MUDROCK_A, MUDROCK_B = 0.8621, -1.1724
#: slowest shear the mudrock route may return (us/ft): beyond it the line is outside its data
MUDROCK_MAX_DTS = 800.0
#: lowest Vp/Vs of a rock (Poisson's ratio >= 0): DTS is never below sqrt(2) x DTC. Of the measured
#: samples, the five FORCE 2020 DTS wells have none below it (lowest 1.50) and SPWLA 2020's well 1
#: has 11 of 21,304 (lowest 1.32, single samples: tool glitches, not rock)
MIN_VPVS = float(np.sqrt(2.0))
_US_FT_KM_S = 304.8  # slowness in us/ft <-> velocity in km/s: v = 304.8 / slowness
#: the DTC (us/ft) where the mudrock line reaches :data:`MUDROCK_MAX_DTS` (~169): slower rock is beyond it
MUDROCK_END_DTC = _US_FT_KM_S / ((_US_FT_KM_S / MUDROCK_MAX_DTS - MUDROCK_B) / MUDROCK_A)


def vpvs_ratio(dtc: np.ndarray, dts: np.ndarray) -> np.ndarray:
    """DTS / DTC where both are measured and positive (NaN elsewhere): the ratio route's target."""
    dtc, dts = np.asarray(dtc, dtype=float), np.asarray(dts, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = dts / dtc
    return np.where((dtc > 0) & (dts > 0), r, np.nan)


def mudrock_dts(dtc: np.ndarray) -> np.ndarray:
    """Shear slowness (us/ft) from compressional slowness by the mudrock line, capped at
    :data:`MUDROCK_MAX_DTS` (the line reaches Vs = 0 near DTC 225 us/ft)."""
    vp = _US_FT_KM_S / np.asarray(dtc, dtype=float)
    vs = MUDROCK_A * vp + MUDROCK_B
    with np.errstate(divide="ignore", invalid="ignore"):
        dts = np.where(vs > 0, _US_FT_KM_S / vs, np.inf)
    return np.minimum(dts, MUDROCK_MAX_DTS)


def ratio_route(ratio: Distribution, dtc: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of R x DTC for independent Normal R and DTC (exact moments of the product)."""
    mr, sr, mc, sc = ratio.mean, ratio.std, dtc.mean, dtc.std
    return mr * mc, np.sqrt(mr**2 * sc**2 + mc**2 * sr**2 + sr**2 * sc**2)


def mudrock_route(dtc: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of the mudrock DTS: the line at DTC's mean, DTC's std carried through the
    line's slope (half the spread of the line over mean +- one std)."""
    mc, sc = dtc.mean, dtc.std
    spread = mudrock_dts(mc + sc) - mudrock_dts(np.maximum(mc - sc, 1.0))
    return mudrock_dts(mc), np.maximum(spread / 2.0, 0.0)


ROUTES = ("direct", "ratio", "mudrock")
#: default weights (direct, ratio, mudrock); see the module docstring for how they were chosen
RECOMMENDED_WEIGHTS = (0.3, 0.7, 0.0)
#: the weights on rows where the well's own DTC is logged (module docstring)
LOGGED_DTC_WEIGHTS = (0.0, 1.0, 0.0)


def logged_dtc(well: Well) -> np.ndarray:
    """The well's measured DTC where it measured the rock (NaN where QC flagged a spike, an
    impossible value or a filled/casing reading, and where there is none): what the shear routes
    use in place of the predicted DTC."""
    if "DTC" not in well.data.columns:
        return np.full(len(well.data), np.nan)
    values = well.data["DTC"].to_numpy(dtype=float)
    qc = well.qc_flags()
    if "DTC" in qc.columns:
        values = np.where((qc["DTC"].to_numpy().astype(np.int64) & int(NOT_ROCK)) != 0, np.nan, values)
    return np.where(values > 0, values, np.nan)


def dtc_for_shear(dtc: Distribution, logged: np.ndarray | None) -> tuple[Distribution, np.ndarray]:
    """(the DTC the routes multiply, rows where it is the measured one): ``logged`` (per row of
    ``dtc``, NaN where none) with no spread where finite, the predicted DTC elsewhere."""
    known = np.isfinite(logged) if logged is not None else np.zeros(len(dtc.mean), dtype=bool)
    if not known.any():
        return dtc, known
    return Distribution.normal(np.where(known, logged, dtc.mean), np.where(known, 0.0, dtc.std), ()), known


#: percentile of the ratio model's training DTC taken as the slowest rock it knows
EXTRAPOLATION_PERCENTILE = 99.0
#: us/ft of predicted DTC beyond that over which the weights move wholly to the mudrock route
EXTRAPOLATION_RAMP = 30.0


def shear_routes(direct: Distribution, ratio: Distribution, dtc: Distribution) -> list[tuple[np.ndarray, np.ndarray]]:
    """(mean, std) of each route in :data:`ROUTES` order, on the rows of the inputs."""
    return [(direct.mean, direct.std), ratio_route(ratio, dtc), mudrock_route(dtc)]


def ratio_dtc_limit(dtc: np.ndarray, ratio: np.ndarray) -> float | None:
    """The slowest DTC the ratio model was trained on (the :data:`EXTRAPOLATION_PERCENTILE` th
    percentile of DTC where the ratio target is known); None without such rows."""
    dtc, ratio = np.asarray(dtc, dtype=float), np.asarray(ratio, dtype=float)
    known = dtc[np.isfinite(dtc) & np.isfinite(ratio)]
    return float(np.percentile(known, EXTRAPOLATION_PERCENTILE)) if len(known) else None


def route_weights(dtc_mean: np.ndarray, weights: Sequence[float], dtc_limit: float | None = None,
                  ramp: float = EXTRAPOLATION_RAMP) -> np.ndarray:
    """Per-sample route weights, shape (3, n): ``weights`` inside the ratio model's DTC range,
    moving linearly to the mudrock route alone over ``ramp`` us/ft beyond ``dtc_limit``
    (module docstring). ``dtc_limit=None`` or ``ramp <= 0``: ``weights`` everywhere."""
    dtc_mean = np.asarray(dtc_mean, dtype=float)
    base = np.asarray(weights, dtype=float) / float(np.sum(weights))
    if dtc_limit is None or ramp <= 0:
        return np.repeat(base[:, None], len(dtc_mean), axis=1)
    beyond = np.clip((np.nan_to_num(dtc_mean, nan=-np.inf) - dtc_limit) / ramp, 0.0, 1.0)
    mud = np.zeros(len(ROUTES))
    mud[ROUTES.index("mudrock")] = 1.0
    return (1.0 - beyond) * base[:, None] + beyond * mud[:, None]


def _row_weights(dtc_mean: np.ndarray, known: np.ndarray, weights: Sequence[float], dtc_limit: float | None,
                 ramp: float) -> np.ndarray:
    """:func:`route_weights` per row, :data:`LOGGED_DTC_WEIGHTS` where the DTC is the measured one."""
    w = route_weights(dtc_mean, weights, dtc_limit, ramp)
    return np.where(known, route_weights(dtc_mean, LOGGED_DTC_WEIGHTS, dtc_limit, ramp), w) if known.any() else w


def mudrock_capped(dtc_mean: np.ndarray, weights: Sequence[float], dtc_limit: float | None = None,
                   ramp: float = EXTRAPOLATION_RAMP, logged: np.ndarray | None = None) -> np.ndarray:
    """Rows whose blended DTS leans on the mudrock route where that route is cut at
    :data:`MUDROCK_MAX_DTS` (a DTC of :data:`MUDROCK_END_DTC` or slower, where the line runs out of
    rock): such a DTS is an extrapolation beyond any data, so the recipe does not serve it (T_QC
    bit 16 in DTS_QC; it was a flat 800 us/ft, flagged out of range, with a band of +-7%).
    ``logged``: the measured DTC the routes used."""
    dtc_mean = np.asarray(dtc_mean, dtype=float)
    known = np.isfinite(logged) if logged is not None else np.zeros(len(dtc_mean), dtype=bool)
    dtc_mean = np.where(known, logged, dtc_mean) if known.any() else dtc_mean
    leans = _row_weights(dtc_mean, known, weights, dtc_limit, ramp)[ROUTES.index("mudrock")] > 0
    with np.errstate(invalid="ignore"):
        return leans & (mudrock_dts(dtc_mean) >= MUDROCK_MAX_DTS)


def blend_shear(direct: Distribution, ratio: Distribution, dtc: Distribution, weights: Sequence[float] = RECOMMENDED_WEIGHTS,
                quantiles: Sequence[float] | None = None, dtc_limit: float | None = None,
                ramp: float = EXTRAPOLATION_RAMP, logged: np.ndarray | None = None) -> Distribution:
    """The DTS distribution blended from the routes (module docstring): the mixture of their
    Normals with :func:`route_weights`, summarised as a Normal with the mixture's mean and variance.
    ``logged`` (per row, NaN where none): the well's measured DTC, which the routes then use there
    (:func:`dtc_for_shear`, :data:`LOGGED_DTC_WEIGHTS`)."""
    used, known = dtc_for_shear(dtc, logged)
    return Distribution.mixture(shear_routes(direct, ratio, used), _row_weights(used.mean, known, weights, dtc_limit, ramp),
                                list(direct.quantiles) if quantiles is None else quantiles)


__all__ = ["EXTRAPOLATION_PERCENTILE", "EXTRAPOLATION_RAMP", "LOGGED_DTC_WEIGHTS", "MUDROCK_END_DTC", "MUDROCK_MAX_DTS", "RATIO_TARGET", "RECOMMENDED_WEIGHTS",
           "ROUTES", "blend_shear", "dtc_for_shear", "logged_dtc", "mudrock_capped", "mudrock_dts", "ratio_dtc_limit", "ratio_route",
           "route_weights", "shear_routes", "vpvs_ratio"]


def vpvs_violations(dists: dict[str, tuple[Distribution | None, np.ndarray]], given: np.ndarray | None = None) -> float | None:
    """Fraction of predicted samples whose mean DTS is below the mean DTC, or below the measured DTC
    it was served from where ``given`` (as :func:`enforce_vpvs`); None without both targets."""
    if "DTC" not in dists or "DTS" not in dists or dists["DTC"][0] is None or dists["DTS"][0] is None:
        return None
    c, s = dists["DTC"][0].mean, dists["DTS"][0].mean
    if given is not None:
        c = np.where(np.isfinite(given), given, c)
    return float(np.mean(s < c)) if len(c) else 0.0


def enforce_vpvs(dtc: Distribution | None, dts: Distribution | None, min_ratio: float = 1.0,
                 given: np.ndarray | None = None) -> Distribution | None:
    """DTS shifted up where its mean is below ``min_ratio`` x DTC's; each quantile clamped likewise.

    Both distributions cover the same rows (one feature matrix). The shape is kept: a Normal or
    Student-t is shifted, a LogNormal scaled, so the spread and its calibration are unchanged.
    ``given``: per row, the measured DTC the DTS was served from (NaN elsewhere; :func:`dtc_for_shear`).
    Why: there the rock's DTC is known, and a predicted DTC slower than it would lift a DTS that
    already honours Vp/Vs against the measured one (16/2-16: 138 samples, up to 10 us/ft).
    """
    if dtc is None or dts is None:
        return dts
    known = np.isfinite(given) if given is not None else np.zeros(len(dtc.mean), dtype=bool)
    floor = min_ratio * np.where(known, given, dtc.mean)
    if dts.kind == "lognormal":
        ratio = np.maximum(floor / np.maximum(dts.mean, 1e-9), 1.0)
        new = Distribution.lognormal(dts.params["mu"] + np.log(ratio), dts.params["sigma"], list(dts.quantiles))
    else:
        shift = np.maximum(floor - dts.mean, 0.0)
        loc, scale = dts.params.get("loc", dts.mean) + shift, dts.params.get("scale", dts.std)
        new = (Distribution.student_t(loc, scale, dts.params["df"], list(dts.quantiles)) if dts.kind == "t"
               else Distribution.normal(loc, scale, list(dts.quantiles)))
    for q, v in new.quantiles.items():
        if q in dtc.quantiles:
            new.quantiles[q] = np.maximum(v, min_ratio * np.where(known, given, dtc.quantiles[q]))
    return new
