"""Interval calibration on blind data: one scale factor per target, fitted where the model was blind.

Why: a model's own uncertainty is learned on rows it has seen (NGBoost's likelihood) or on
neighbouring depths of the same wells, so on a new well — other formations, other hole, other
tool calibration — its 90% interval covers far less than 90% (stock NGBoost: ~64-74% on the SPWLA
2020 hidden well). The fix that holds under shift is *split conformal on blind folds*: predict
whole held-out wells (or contiguous depth blocks of a single well) with models that never saw
them, look at the standardised errors ``z = (y - mean) / std`` and pick the factor ``c`` that
makes ``|z| <= c * z_(1+level)/2`` hold for ``level`` of them. Samples whose inputs lie outside
the training range (out of distribution, T_QC bit 8) get their own, larger factor, because the
errors there are larger than elsewhere, not just the same errors more often; so do samples in a
bad hole (T_QC bit 4), fitted on the held-out bad-hole rows alone, because pad tools reading mud
miss by more again (FORCE 2020, bench/RESULTS.md item 14).

The model's own spread ``s`` is not taken at face value either: where it says "very sure" on a
new well it is over-confident (the narrowest fifth of DTS bands covered 0.74-0.76, item 16), since
part of a blind error — the new well's own tool calibration and rock — is there whatever the
model's spread. So the factor multiplies ``sqrt(s^2 + tau^2)``: a floor ``tau`` added in
quadrature, fitted by maximum likelihood on the blind folds' in-range errors
(:func:`fit_spread_floor`; ``tau = 0`` is the plain factor and what older models keep).

Blind errors also have heavier tails than a Normal (excess kurtosis 1.2-2.8 on both data sets'
blind rows): with the conformal 90% interval right, a Normal's 99% interval covered only 0.97-0.98
and FORCE 2020's DTS 50% interval 0.63. So the calibrated band may be a Student-t
(:func:`fit_tail_df`): its degrees of freedom are fitted by likelihood on the same blind errors and
its scale set so that the calibrated ``level`` interval is exactly the conformal one — the mean,
the P05/P95 band and its coverage do not move; the other quantiles, the std, NLL and CRPS do
(bench/RESULTS.md item 19).

Everything here is plain numpy on arrays of z-scores, so the same code calibrates every family.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields, replace

import numpy as np
from scipy import stats

from welllog.models.base import Distribution

#: nominal levels of the calibration curve (central intervals): the whole range, since a band can
#: be right at 90% and wrong at 50% or 99% (its shape: item 19's tails show at both ends)
CURVE_LEVELS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
#: ways to turn the blind folds' factors into one (see :func:`aggregate_fold_factors`)
FOLD_AGGREGATES: tuple[str, ...] = ("median", "mean", "max", "pooled")
#: bounds of a std factor: a blind fold cannot shrink an interval below half or widen it past 10x
#: (with a spread floor: the typical in-range interval, see :attr:`BlindCalibration.typical_floor_ratio`)
FACTOR_CLIP: tuple[float, float] = (0.5, 10.0)
#: in-range blind samples a fold (or the pool) needs for a factor of its own
MIN_FOLD_ROWS = 20
#: degrees of freedom a calibrated band's Student-t tails may take (inf: the Normal); > 2, so the std exists
TAIL_DF_GRID: tuple[float, ...] = (3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 50.0, float("inf"))
#: blind samples needed before the tails are fitted (fewer: Normal)
MIN_TAIL_ROWS = 200


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


def t_scale(df: float, level: float = 0.9) -> float:
    """Scale of a Student-t with ``df`` whose central ``level`` interval is the standard Normal's
    (1 for ``df = inf``): the band keeps its calibrated width, only its shape changes."""
    return 1.0 if np.isinf(df) else z_level(level) / float(stats.t.ppf(0.5 + level / 2, df))


def tail_std_ratio(df: float, level: float = 0.9) -> float:
    """The std of a band with Student-t tails (``df``) over the std of the Normal band with the
    same central ``level`` interval (1 for ``df = inf``): what the tails add to T_STD."""
    return 1.0 if np.isinf(df) else t_scale(df, level) * float(np.sqrt(df / (df - 2.0)))


def fit_tail_df(z: np.ndarray, level: float = 0.9, grid: Sequence[float] = TAIL_DF_GRID) -> float:
    """Degrees of freedom of the Student-t that makes calibrated blind errors ``z`` most likely.

    ``z`` are errors over the calibrated spread (Normal-equivalent units: ``level`` of them lie
    within ``z_level(level)``); each candidate t is scaled by :func:`t_scale`, so the choice is of
    the tails' shape alone, never of the band's width. ``inf`` (Normal) with fewer than
    :data:`MIN_TAIL_ROWS` finite errors."""
    z = np.asarray(z, dtype=float)
    z = z[np.isfinite(z)]
    if len(z) < MIN_TAIL_ROWS:
        return float("inf")

    def loglik(df: float) -> float:
        c = t_scale(df, level)
        return float(np.mean(stats.t.logpdf(z / c, df) - np.log(c)))

    return float(max(grid, key=loglik))


def model_spread(dist: Distribution) -> np.ndarray:
    """The spread the std factor multiplies: the Normal's scale, or the LogNormal's sigma (log space)."""
    if dist.kind == "lognormal":
        return np.asarray(dist.params["sigma"], dtype=float)
    return np.asarray(dist.params.get("scale", dist.std), dtype=float)


def fit_spread_floor(error: np.ndarray, spread: np.ndarray, steps: int = 60) -> float:
    """The floor ``tau`` that makes ``error ~ N(0, k^2 (spread^2 + tau^2))`` most likely.

    The scale ``k`` has a closed form for each ``tau`` (the mean of ``error^2 / (spread^2 + tau^2)``),
    so the likelihood is profiled over a grid of ``tau``: zero, and geometric steps from the
    smallest spreads to ten times the errors' RMS (a floor above every spread — errors that ignore
    the spread — is a possible answer), which puts the grid in the target's own units (us/ft, or
    log units for a LogNormal) without a setting. Zero when there are too few rows to tell.
    """
    e, s = np.asarray(error, dtype=float), np.asarray(spread, dtype=float)
    ok = np.isfinite(e) & np.isfinite(s) & (s > 0)
    if ok.sum() < MIN_FOLD_ROWS:
        return 0.0
    e2, s2 = e[ok] ** 2, s[ok] ** 2
    lo = float(np.quantile(s[ok], 0.05))
    hi = max(float(np.quantile(s[ok], 0.9)), 10.0 * float(np.sqrt(np.mean(e2))), lo * 1.01)
    best, best_tau = np.inf, 0.0
    for tau in np.r_[0.0, np.geomspace(lo, hi, steps)]:
        v = s2 + tau**2
        nll = 0.5 * np.log(np.mean(e2 / v)) + 0.5 * np.mean(np.log(v))
        if nll < best:
            best, best_tau = nll, float(tau)
    return best_tau


def floor_ratio(spread: np.ndarray, tau: float) -> np.ndarray:
    """``sqrt(spread^2 + tau^2) / spread``: how much the floor widens each sample (1 where ``tau = 0``)."""
    s = np.maximum(np.asarray(spread, dtype=float), 1e-12)
    return np.sqrt(1.0 + (float(tau) / s) ** 2)


@dataclass
class BlindCalibration:
    """Per-target factors fitted on blind folds (stored in the model's metadata)."""

    factor: float = 1.0  #: multiplies the std where inputs are in the training range
    ood_factor: float = 1.0  #: multiplies the std where an input is outside the training range
    level: float = 0.9
    n: int = 0  #: blind samples used (in range)
    n_ood: int = 0  #: blind samples used (out of range)
    folds: int = 0
    #: how the blind folds were cut: "wells" | "depth blocks", or for a target logged in fewer wells
    #: than the shared folds can score, "wells logging T" | "depth blocks where T is logged"
    split: str = ""
    blind_coverage_before: float = float("nan")  #: coverage of the nominal interval before the factor
    #: how the folds' factors became ``factor`` (:data:`FOLD_AGGREGATES`); models saved before
    #: this field existed took the median, hence the default here
    aggregate: str = "median"
    fold_factors: list[float] = field(default_factory=list)  #: each blind fold's own in-range factor
    pooled_factor: float = float("nan")  #: in-range factor of all folds' rows together
    ood_pooled_factor: float = float("nan")  #: factor of the pooled OOD rows alone (NaN: too few of them)
    #: multiplies the std in a bad hole (T_QC bit 4); NaN (models saved before it): the OOD factor
    bad_hole_factor: float = float("nan")
    n_bad_hole: int = 0  #: blind samples used (bad hole)
    bad_hole_pooled_factor: float = float("nan")  #: factor of the pooled bad-hole rows alone (NaN: too few)
    #: floor added in quadrature to the model's spread before the factor (its own units: us/ft for
    #: a Normal, log units for a LogNormal); 0 for models saved before it existed
    spread_floor: float = 0.0
    #: median of ``sqrt(spread^2 + floor^2) / spread`` over the in-range blind rows: how much the floor
    #: widens a typical interval before the factor, so the factor's bounds (:data:`FACTOR_CLIP`)
    #: keep meaning "half to ten times the model's own interval" (1 without a floor)
    typical_floor_ratio: float = 1.0
    #: degrees of freedom of the calibrated band's Student-t tails (:func:`fit_tail_df`); inf: a
    #: Normal band, as every model saved before it existed
    tail_df: float = float("inf")

    def to_dict(self) -> dict:
        return asdict(self)

    def __setstate__(self, state: dict) -> None:
        """Unpickling a model saved before a field existed gives that field its default, so
        ``describe()`` / ``with_aggregate()`` work on old models too (a ``default_factory``
        field has no class attribute to fall back on)."""
        for f in fields(self):
            if f.name not in state:
                state[f.name] = f.default_factory() if f.default_factory is not MISSING else f.default
        self.__dict__.update(state)

    @property
    def calibrated(self) -> bool:
        """Whether any blind sample was scored: without one (a target logged in too few training
        wells for any fold to hold it out) the factors are 1 and the band is the model's own spread."""
        return self.n + self.n_ood + self.n_bad_hole > 0

    def describe(self) -> str:
        """One line for people: what the band is the model's spread times, and how steady that was."""
        if not self.calibrated:
            return (f"{self.level:.0%} interval NOT calibrated: no blind fold ({self.split or '?'}) held out a sample of this "
                    "target, so the band is the model's own spread — likely too narrow on a new well; train with more wells that log it")
        folds = " / ".join(f"{f:.2f}" for f in self.fold_factors)
        small = self.folds - len(self.fold_factors) if self.fold_factors else 0
        # in served units: factor x sqrt(spread^2 + tau^2) = sqrt((factor x spread)^2 + (factor x tau)^2), so the
        # band is never narrower than factor x tau — printing tau itself read as a 77.5 us/ft floor under a
        # served std of 7 (modeller audit)
        least = f"{self.factor * self.spread_floor:.3g}"
        band = (f"std = sqrt(({self.factor:.2f} x spread)^2 + {least}^2), so at least {least} in the target's unit"
                if self.spread_floor > 0 else f"std x{self.factor:.2f}")
        return (f"{self.level:.0%} interval calibrated on {self.folds} blind folds ({self.split or '?'}): {band}"
                + (f" (folds {folds}, {self.aggregate})" if folds else "")
                + (f" ({small} fold(s) with < {MIN_FOLD_ROWS} in-range samples: no factor of their own)" if small > 0 else "")
                + f"; {self._other_factors()}"
                + (f"; Student-t tails (df {self.tail_df:g})" if np.isfinite(self.tail_df) else "")
                + f"; nominal interval covered {self.blind_coverage_before:.2f} of blind samples before")

    def _other_factors(self) -> str:
        """'0.62 instead of 0.38 where an input is out of range, 0.41 in a bad hole' — or 'the same
        where ...' for a factor equal to the in-range one, rather than '0.34 instead of 0.34'."""
        said, first = [], True
        for value, where in ((self.ood_factor, "where an input is out of range"), (self.bad_hole_factor, "in a bad hole")):
            if not np.isfinite(value):
                continue
            if f"{value:.2f}" == f"{self.factor:.2f}":
                said.append(f"the same {where}")
            else:
                said.append(f"{value:.2f}{f' instead of {self.factor:.2f}' if first else ''} {where}")
                first = False
        if len(said) == 2 and all(s.startswith("the same") for s in said):
            return "the same where an input is out of range and in a bad hole"
        return ", ".join(said)

    def std_factors(self, ood: np.ndarray, bad_hole: np.ndarray | None = None, spread: np.ndarray | None = None) -> np.ndarray:
        """The factor on each sample's spread: the bad-hole factor in a bad hole, else the OOD factor
        where an input is out of range, else the in-range one — times :func:`floor_ratio` of the
        sample's ``spread`` (:func:`model_spread`) when the calibration has a floor. A model saved
        before the bad-hole factor existed gives bad-hole rows its OOD factor (what it was calibrated for)."""
        ood = np.asarray(ood, dtype=bool)
        out = np.where(ood, self.ood_factor, self.factor)
        if bad_hole is not None:
            bad = float(self.bad_hole_factor) if np.isfinite(self.bad_hole_factor) else self.ood_factor
            out = np.where(np.asarray(bad_hole, dtype=bool), bad, out)
        if self.spread_floor > 0:
            if spread is None:
                raise ValueError("this calibration adds a floor to the model's spread: pass each sample's spread")
            out = out * floor_ratio(spread, self.spread_floor)
        return out

    def apply(self, dist: Distribution, ood: np.ndarray, bad_hole: np.ndarray | None, quantiles: Sequence[float]) -> Distribution:
        """The calibrated distribution: each sample's spread times :meth:`std_factors`, with the
        fitted Student-t tails when there are any."""
        if not self.calibrated:  # the model's own distribution and quantiles, as they are
            return dist
        factors = self.std_factors(ood, bad_hole, model_spread(dist))
        return scale_distribution(dist, factors, quantiles, tail_df=getattr(self, "tail_df", float("inf")), level=self.level)

    def with_aggregate(self, aggregate: str, clip: tuple[float, float] = FACTOR_CLIP) -> BlindCalibration:
        """The same blind folds combined by another rule (no refit: every fold's factor is kept)."""
        if not self.fold_factors and not np.isfinite(self.pooled_factor):
            raise ValueError("this calibration was saved without its blind folds' factors (a model from before they "
                             "were kept): refit the model to combine its folds by another rule")
        clip = (clip[0] / self.typical_floor_ratio, clip[1] / self.typical_floor_ratio)
        base = float(np.clip(aggregate_fold_factors(self.fold_factors, self.pooled_factor, aggregate), *clip))
        ood = float(np.clip(max(self.ood_pooled_factor, base), *clip)) if np.isfinite(self.ood_pooled_factor) else base
        bad = self.bad_hole_pooled_factor
        bad = float(np.clip(max(bad, ood), *clip)) if np.isfinite(bad) else ood
        return replace(self, factor=base, ood_factor=ood, bad_hole_factor=bad, aggregate=aggregate)


@dataclass
class FoldErrors:
    """One target's blind errors, collected piece by piece over the calibration folds: each
    piece's standardised errors, out-of-range and bad-hole masks, fold number and model spread —
    what :func:`fit_blind_calibration` takes, joined."""

    parts: dict[str, list[np.ndarray]] = field(default_factory=lambda: {k: [] for k in ("z", "ood", "bad", "fold", "spread")})

    def add(self, z: np.ndarray, ood: np.ndarray, bad: np.ndarray, fold: int, spread: np.ndarray) -> None:
        for key, value in (("z", z), ("ood", ood), ("bad", bad), ("fold", np.full(len(z), fold)), ("spread", spread)):
            self.parts[key].append(np.asarray(value))

    @property
    def rows(self) -> int:
        """Blind samples with a measured value (finite error)."""
        return int(sum(np.isfinite(z).sum() for z in self.parts["z"]))

    def joined(self, key: str) -> np.ndarray:
        empty = np.zeros(0, dtype=bool if key in ("ood", "bad") else float)
        return np.concatenate(self.parts[key]) if self.parts[key] else empty


def aggregate_fold_factors(fold_factors: Sequence[float], pooled: float, aggregate: str = "pooled") -> float:
    """One in-range factor from the blind folds' own factors (``pooled``: all folds' rows together).

    ``median`` ignores the one fold that resembles nothing else (robust, but a new well can be
    that fold); ``mean`` lets it pull; ``max`` covers the hardest fold seen; ``pooled`` is plain
    split conformal on all blind rows. Fewer than two folds -> the pooled factor whatever the rule.
    """
    if aggregate not in FOLD_AGGREGATES:
        raise ValueError(f"calibration aggregate must be one of {', '.join(FOLD_AGGREGATES)}, not {aggregate!r}")
    if len(fold_factors) < 2 or aggregate == "pooled":
        return float(pooled)
    return float({"median": np.median, "mean": np.mean, "max": np.max}[aggregate](fold_factors))


def fit_blind_calibration(z: np.ndarray, ood: np.ndarray | None = None, level: float = 0.9, min_ood: int = 50,
                          clip: tuple[float, float] = FACTOR_CLIP, folds: int = 0, split: str = "",
                          fold_ids: np.ndarray | None = None, aggregate: str = "pooled",
                          bad_hole: np.ndarray | None = None, spread: np.ndarray | None = None,
                          tails: bool = False) -> BlindCalibration:
    """Factors from blind standardised errors ``z`` and the rows' OOD (and bad-hole) masks.

    The in-range factor is split conformal on the in-range rows of all folds together
    (``aggregate="pooled"``), or combines each fold's own factor (``fold_ids`` given, folds with
    >= :data:`MIN_FOLD_ROWS` in-range rows) by another rule of :func:`aggregate_fold_factors`. One held-out fold can
    be a formation nothing else resembles (SPWLA 2020's shallow section, DTS 300-430); such rows
    are mostly out of the training range, and the OOD factor — fitted on the pooled OOD rows when
    there are at least ``min_ood``, never below the in-range factor (extrapolation cannot make a
    model more certain) — widens exactly those, so they do not inflate every other interval.
    Why pooled and not the median over folds (the rule before the fourth session): with the OOD
    rows set apart, the median only discarded the hardest in-range fold, and a new well can be
    that fold — on SPWLA 2020's blind blocks the median left DTS at 0.84 coverage, pooled 0.91;
    on FORCE 2020 pooled is as narrow or narrower (``bench_accuracy.py``, "combining the blind
    folds' factors"). Every fold's factor is kept in the result, so the spread of the calibration
    across folds is visible in the model's metadata.

    Rows in ``bad_hole`` get a factor of their own likewise (>= ``min_ood`` of them, never below
    the OOD factor), and stay out of the other two pools: with them in the OOD pool, the few
    hundred truly out-of-range rows and the thousands of bad-hole rows shared one factor that
    fitted neither (FORCE 2020 lab, bench/RESULTS.md item 14).

    With the rows' model ``spread`` given, a floor is first fitted on the in-range rows
    (:func:`fit_spread_floor`) and every factor is then fitted on ``z`` against the floored spread.
    With ``tails``, the band's Student-t degrees of freedom are then fitted on every row's error
    over its calibrated spread (:func:`fit_tail_df`).
    """
    raw = np.asarray(z, dtype=float)
    ood = np.zeros(len(raw), dtype=bool) if ood is None else np.asarray(ood, dtype=bool)
    bad = np.zeros(len(raw), dtype=bool) if bad_hole is None else np.asarray(bad_hole, dtype=bool)
    ok = np.isfinite(raw)
    inside, outside, in_bad = ok & ~ood & ~bad, ok & ood & ~bad, ok & bad
    tau, typical, z = 0.0, 1.0, raw
    if spread is not None:
        spread = np.asarray(spread, dtype=float)
        tau = fit_spread_floor(raw[inside] * spread[inside], spread[inside])
        z = raw / floor_ratio(spread, tau)
        typical = float(np.nanmedian(floor_ratio(spread[inside], tau))) if tau > 0 and inside.any() else 1.0
    per_fold = []
    if fold_ids is not None:
        fold_ids = np.asarray(fold_ids)
        for f in np.unique(fold_ids):
            m = inside & (fold_ids == f)
            if m.sum() >= MIN_FOLD_ROWS:
                per_fold.append(coverage_factor(z[m], level))
    pooled = coverage_factor(z[inside] if inside.sum() >= MIN_FOLD_ROWS else z[ok], level)
    ood_raw = coverage_factor(z[outside], level) if outside.sum() >= min_ood else float("nan")
    bad_raw = coverage_factor(z[in_bad], level) if in_bad.sum() >= min_ood else float("nan")
    before = float(np.mean(np.abs(raw[ok]) <= z_level(level))) if ok.any() else float("nan")
    folded = BlindCalibration(level=level, n=int(inside.sum()), n_ood=int(outside.sum()), folds=folds, split=split,
                              blind_coverage_before=before, fold_factors=[float(f) for f in per_fold],
                              pooled_factor=float(pooled), ood_pooled_factor=ood_raw,
                              n_bad_hole=int(in_bad.sum()), bad_hole_pooled_factor=bad_raw, spread_floor=tau,
                              typical_floor_ratio=typical)
    fitted = folded.with_aggregate(aggregate, clip)
    if tails:
        fitted = replace(fitted, tail_df=fit_tail_df((raw / fitted.std_factors(ood, bad, spread))[ok], level))
    return fitted


def standardised_errors(y: np.ndarray, dist: Distribution) -> np.ndarray:
    """``(y - centre) / spread`` in the distribution's own Normal space (log space for LogNormal)."""
    y = np.asarray(y, dtype=float)
    if dist.kind == "lognormal":
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.log(y) - dist.params["mu"]) / dist.params["sigma"]
    loc = dist.params.get("loc", dist.mean)
    scale = dist.params.get("scale", dist.std)
    return (y - loc) / scale


def scale_distribution(dist: Distribution, factor: np.ndarray | float, quantiles: Sequence[float],
                       tail_df: float = float("inf"), level: float = 0.9) -> Distribution:
    """The same distribution with its spread multiplied by ``factor`` (per sample or scalar).

    A finite ``tail_df`` turns a Normal into the Student-t with those degrees of freedom and the
    same central ``level`` interval (:func:`t_scale`); a LogNormal keeps its shape."""
    f = np.broadcast_to(np.asarray(factor, dtype=float), dist.mean.shape)
    if dist.kind == "lognormal":
        return Distribution.lognormal(dist.params["mu"], dist.params["sigma"] * f, quantiles)
    loc, scale = dist.params.get("loc", dist.mean), dist.params.get("scale", dist.std) * f
    if dist.kind == "t":
        return Distribution.student_t(loc, scale, dist.params["df"], quantiles)
    if np.isfinite(tail_df):
        return Distribution.student_t(loc, scale * t_scale(tail_df, level), tail_df, quantiles)
    return Distribution.normal(loc, scale, quantiles)


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
