"""Quality control of a canonical well: flag, don't destroy.

Why flags rather than cleaning: the models, the prediction QC codes (T_QC) and the user all need to
know *which* samples are doubtful, and the user's data must come back unchanged. So QC only

* sets **physically impossible** values to null in ``well.data`` (counted, reported; the original
  view keeps them) — a negative gamma ray or a 5 g/cm3 density cannot be used as an input at all;
* **flags** everything else per sample and canonical curve with :class:`~welllog.well.QCFlag` bits
  in ``well.qc``: missing values, spikes (robust rolling median / MAD), bad hole (caliper well above
  bit size: pad tools RHOB, NPHI, PEF read mud), and scale shifts (a curve whose level jumps by a
  factor of tens part-way down, e.g. PEF switching from b/e to a x0.01 scale in SPWLA 2020's
  train.csv);
* **flags** sonic stretches that never measured the rock (:data:`QCFlag.NOT_FORMATION`): a DTC/DTS
  on a straight line over tens of samples (a gap filled in processing), casing arrivals (a flat
  ~57 us/ft above the casing shoe, force2020's 31/2-9) and a DTC too fast for the neutron beside
  it (cement, cycle skips) — kept as given, never trained on; where DTC reads casing, the inputs
  logged beside it were read through pipe too (:data:`QCFlag.BEHIND_CASING`: a synthetic there
  carries T_QC bit 2);
* **notes** a measured DTC/DTS that is not depth-matched to its inputs
  (:mod:`welllog.alignment`), since a synthetic log compared with it would look wrong at every bed
  boundary.

Depth problems (null, duplicate, non-monotonic depths) are fixed and reported by
:func:`welllog.curves.canonicalise`; :func:`qc_summary` recounts them from ``original``/``rows``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import bottleneck as bn
import numpy as np
import pandas as pd

from welllog.alignment import depth_offset
from welllog.well import CANONICAL_CURVES, INPUT_CURVES, TARGET_CURVES, QCFlag, Well

#: physically possible range per canonical curve, canonical units, bounds inclusive.
#: (low, high); None = unbounded. Resistivities and calipers must be strictly positive.
IMPOSSIBLE_LIMITS: dict[str, tuple[float | None, float | None]] = {
    "GR": (0.0, 5000.0),  # hot shales reach ~1,500 gAPI (SPWLA 2020); 5,000 is no rock, a null code or a bad scale
    "RHOB": (1.0, 3.2),
    "NPHI": (-0.15, 1.0),
    "RDEP": (None, 1e6),  # > 0, see _STRICTLY_POSITIVE; tools saturate near 1e4-1e5 ohm.m (SPWLA 2020's RMED: 62,000)
    "RMED": (None, 1e6),
    "CALI": (None, 40.0),
    "BS": (None, 40.0),
    "DTC": (40.0, 240.0),
    "DTS": (60.0, 700.0),
    "PEF": (0.0, 20.0),
}
_STRICTLY_POSITIVE = {"RDEP", "RMED", "CALI", "BS"}

#: a vertical depth more than this (m) below the row's measured depth is impossible: a hole is never
#: shorter than the vertical distance it covers, and MD is measured from the highest datum (rig
#: floor), TVD from it or a lower one (sea level) — force2020's TVD lies 22-31 m above MD throughout.
#: 1 m allows for the two curves' rounding and interpolation.
TVD_BELOW_MD_TOLERANCE_M = 1.0

#: spike detection: rolling window (samples), MAD multiplier, and a minimum absolute deviation so
#: that a flat curve (MAD ~ 0) does not flag its sensor noise. Resistivities are tested in log10.
SPIKE_WINDOW = 11
SPIKE_K = 6.0
SPIKE_MIN_DEV: dict[str, float] = {
    "GR": 20.0, "RHOB": 0.15, "NPHI": 0.08, "PEF": 1.5, "CALI": 1.0,
    "DTC": 15.0, "DTS": 30.0, "RDEP": 0.4, "RMED": 0.4,
}
_LOG_CURVES = {"RDEP", "RMED"}
#: curves that measure the rock: an excursion two of them show at the same depth (within
#: :data:`SPIKE_BED_SAMPLES`) is a thin bed, not a glitch (the caliper, which measures the hole, cannot
#: corroborate: a washout moves the pad tools and the caliper together)
SPIKE_ROCK_CURVES = ("GR", "RHOB", "NPHI", "PEF", "DTC", "DTS", "RDEP", "RMED")
SPIKE_BED_SAMPLES = 1

#: bad hole: caliper more than this (in) above bit size; the pad tools are then suspect
BAD_HOLE_THRESHOLD_IN = 1.5
BAD_HOLE_CURVES = ("CALI", "RHOB", "NPHI", "PEF")

#: scale shift: window (samples) on each side of a candidate change point, the minimum level jump
#: (log10: 1.3 = x20), and the range a curve's *typical* level lies in (canonical units). A jump is
#: reported only when it takes a segment out of the typical range: a real formation change moves
#: the level within it, a unit/scale change (x0.01, x100) usually leaves it.
SHIFT_WINDOW = 201
SHIFT_MIN_WINDOW = 25
SHIFT_MIN_LOG10 = 1.3
TYPICAL_LEVEL: dict[str, tuple[float, float]] = {
    "GR": (5.0, 400.0), "RHOB": (1.5, 3.0), "NPHI": (0.0, 0.7), "PEF": (1.0, 10.0),
    "CALI": (4.0, 30.0), "DTC": (40.0, 200.0), "DTS": (60.0, 600.0),
    "RDEP": (0.05, 5000.0), "RMED": (0.05, 5000.0),
}

#: not formation (sonic curves only): a run of at least FILL_MIN_RUN samples whose second difference
#: stays within FILL_TOLERANCE (us/ft) is a straight line — interpolated over a gap, since a measured
#: log carries noise at every sample (force2020's 31/2-10 is a ramp over its top 475 m, 203 -> 177
#: us/ft); a run of at least CASING_MIN_RUN samples whose rolling median (CASING_WINDOW) is at or
#: below CASING_MAX_DTC is casing arrivals (steel, ~57 us/ft; cement-bonded pipe reads faster still:
#: force2020's 34/7-13 sags to 47-51 us/ft over 923-939 m, in shale of ~140 just below). No flatness
#: is asked for: the step between two casing readings (51 -> 56 us/ft there) broke a flat-run rule.
#: The run length keeps short stretches of hard rock (anhydrite, dolomite, tight limestone) out:
#: those last a few metres, casing tens to hundreds; and casing needs the density-neutron pair
#: missing over most of the run (open-hole pad tools are not run behind casing).
#: And a run of at least TOO_FAST_MIN_RUN samples of DTC at or below TOO_FAST_MAX_DTC beside a neutron
#: at or above TOO_FAST_MIN_NPHI (shorter gaps between two such runs included) is no rock: a rock that
#: porous (or that shaly) is slower than ~100 us/ft (Wyllie: 0.4 porosity in limestone ~104), so the
#: sonic read cement or skipped cycles — force2020's 34/7-13 reads 42-70 us/ft over 941-953 m beside
#: NPHI 0.45-0.50, just below its casing: too short a stretch, and logged with neutron, so not casing
#: by the rule above. Elsewhere in force2020 only 31/2-9's shoe has such a run (2 samples past its
#: casing arrivals); SPWLA 2020's train.csv none.
FILL_MIN_RUN = 31
FILL_TOLERANCE = 0.02
CASING_WINDOW = 31
CASING_MAX_DTC = 59.0
CASING_MIN_RUN = 61
TOO_FAST_MAX_DTC = 70.0
TOO_FAST_MIN_NPHI = 0.4
TOO_FAST_MIN_RUN = 11
SONIC_CURVES = ("DTC", "DTS")

_BIT_SIZE_KEYS = ("BS", "BIT", "BITSIZE", "BIT_SIZE", "BITS")


def run_qc(well: Well, *, bad_hole_threshold: float = BAD_HOLE_THRESHOLD_IN) -> None:
    """Fill ``well.qc`` with per-sample flags and null impossible values in ``well.data``."""
    data = well.data
    qc = pd.DataFrame(0, index=data.index, columns=data.columns, dtype="int16")
    candidates, beds_kept = _isolated_spikes(well)
    cased = np.zeros(len(data), dtype=bool)
    for curve in data.columns:
        values = data[curve].to_numpy(dtype=float)
        flags = np.where(np.isnan(values), int(QCFlag.MISSING), 0)
        shift = _scale_shift(curve, values, well)
        flags |= np.where(shift, int(QCFlag.SCALE_SHIFT), 0)
        bad = impossible(curve, values)
        if bad.any():
            values = values.copy()
            values[bad] = np.nan
            data[curve] = values
            flags |= np.where(bad, int(QCFlag.IMPOSSIBLE), 0)
            low, high = IMPOSSIBLE_LIMITS.get(curve, (None, None))
            unit = CANONICAL_CURVES[curve][0] if curve in CANONICAL_CURVES else ""
            well.note("qc", f"{int(bad.sum())} physically impossible value(s) set to null "
                      f"(allowed {_describe_limits(curve, low, high)}{' ' + unit if unit else ''})", curve)
        below_hole = _tvd_below_measured_depth(curve, values, well)
        if below_hole.any():
            values = values.copy()
            values[below_hole] = np.nan
            data[curve] = values
            flags |= np.where(below_hole, int(QCFlag.IMPOSSIBLE), 0)
            well.note("qc", f"{int(below_hole.sum())} vertical depth value(s) more than {TVD_BELOW_MD_TOLERANCE_M:g} m "
                      "below the measured depth set to null (a hole is never shorter than its vertical depth; check "
                      "the TVD curve's unit and datum); the depth companion fills them from measured depth", curve)
        spikes = candidates.get(curve)
        if spikes is not None and spikes.any():
            flags |= np.where(spikes, int(QCFlag.SPIKE), 0)
            beds = f"; {beds_kept[curve]} more seen by another log at the same depth kept as thin beds" if beds_kept.get(curve) else ""
            well.note("qc", f"{int(spikes.sum())} spike sample(s) flagged (rolling median/MAD; values kept){beds}", curve)
        elif beds_kept.get(curve):
            well.note("qc", f"{beds_kept[curve]} excursion(s) seen by another log at the same depth kept as thin beds, "
                      "not flagged as spikes", curve)
        filled, casing = _not_formation(curve, values, well)
        flags |= np.where(filled | casing, int(QCFlag.NOT_FORMATION), 0)
        if curve == "DTC":
            cased = casing
        qc[curve] = flags.astype("int16")
    _flag_behind_casing(well, qc, cased)
    bit_size, bs_source = _bit_size(well)
    qc.attrs["bit_size_source"] = bs_source
    if bit_size is not None and "CALI" in data.columns:
        excess = data["CALI"].to_numpy(dtype=float) - bit_size
        bad_hole = np.nan_to_num(excess, nan=-np.inf) > bad_hole_threshold
        if bad_hole.any():
            for curve in BAD_HOLE_CURVES:
                if curve in qc.columns:
                    qc[curve] = (qc[curve].to_numpy() | np.where(bad_hole, int(QCFlag.BAD_HOLE), 0)).astype("int16")
            well.note("qc", f"{int(bad_hole.sum())} sample(s) in bad hole (CALI - BS > {bad_hole_threshold:g} in, "
                      f"bit size from {bs_source}): RHOB/NPHI/PEF flagged", "CALI")
    elif "CALI" in data.columns:
        well.note("qc", "bit size unknown (no BS curve or BS/BIT header parameter): bad hole not checked", "CALI")
    missing = [c for c in INPUT_CURVES if not well.has(c)]
    if missing:
        well.note("qc", f"input curve(s) missing: {', '.join(missing)}")
    qc.attrs["depth_offsets"] = _sonic_depth_offsets(well)
    well.qc = qc


def _sonic_depth_offsets(well: Well) -> dict[str, dict[str, Any]]:
    """Measured targets that look off depth against the inputs (noted; values untouched)."""
    offsets = {}
    for curve in TARGET_CURVES:
        offset = depth_offset(well, curve)
        if offset is not None:
            offsets[curve] = offset.to_dict()
            well.note("qc", offset.message(), curve)
    return offsets


def _describe_limits(curve: str, low: float | None, high: float | None) -> str:
    lo = "> 0" if curve in _STRICTLY_POSITIVE else (f">= {low:g}" if low is not None else "")
    hi = f"<= {high:g}" if high is not None else ""
    return " and ".join(p for p in (lo, hi) if p) or "any"


def impossible(curve: str, values: np.ndarray) -> np.ndarray:
    """Values of ``curve`` outside :data:`IMPOSSIBLE_LIMITS` (QC nulls them; ingest refuses a user unit that makes them all so)."""
    low, high = IMPOSSIBLE_LIMITS.get(curve, (None, None))
    finite = np.isfinite(values)
    bad = np.zeros(values.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        if curve in _STRICTLY_POSITIVE:
            bad |= finite & (values <= 0)
        if low is not None:
            bad |= finite & (values < low)
        if high is not None:
            bad |= finite & (values > high)
    return bad


def _tvd_below_measured_depth(curve: str, values: np.ndarray, well: Well) -> np.ndarray:
    """Rows of a TVD curve deeper than the row's measured depth (beyond :data:`TVD_BELOW_MD_TOLERANCE_M`).

    Why a rule of its own: TVD has no fixed physical range (its limits in units.py are wide), but it
    is bounded by the hole's own length, and a TVD in feet beside MD in metres, or a wrong sign,
    would otherwise reach the depth companion as a compaction depth several times too deep."""
    if curve != "TVD" or not well.has_depth:
        return np.zeros(values.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(values - well.depth, nan=-np.inf) > TVD_BELOW_MD_TOLERANCE_M


def _isolated_spikes(well: Well) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Per curve, the spikes to flag, and how many excursions were kept as beds instead.

    A rolling median/MAD test flags any sample far from its neighbours, and a thin hard stringer is
    exactly that: at 16/2-16, 1393 m, GR, RHOB, NPHI, RDEP and DTC (91.7 among ~135) all jump
    together. Flagged as a spike, the measured DTC there was neither trained on nor used for DTS.
    So an excursion is a spike only when no other rock curve (:data:`SPIKE_ROCK_CURVES`) has one
    within :data:`SPIKE_BED_SAMPLES` samples; impossible values are nulled before this test."""
    data = well.data
    raw: dict[str, np.ndarray] = {}
    for curve in data.columns:
        values = data[curve].to_numpy(dtype=float)
        raw[curve] = _spikes(curve, np.where(impossible(curve, values), np.nan, values))
    near: dict[str, np.ndarray] = {}
    for curve in SPIKE_ROCK_CURVES:
        if curve in raw and raw[curve].any():
            near[curve] = _widen(raw[curve], SPIKE_BED_SAMPLES)
    out: dict[str, np.ndarray] = {}
    kept: dict[str, int] = {}
    for curve, spikes in raw.items():
        if curve not in SPIKE_ROCK_CURVES or not spikes.any():
            out[curve] = spikes
            continue
        others = [mask for c, mask in near.items() if c != curve]
        bed = spikes & np.logical_or.reduce(others) if others else np.zeros_like(spikes)
        out[curve] = spikes & ~bed
        kept[curve] = int(bed.sum())
    return out, kept


def _widen(mask: np.ndarray, k: int) -> np.ndarray:
    """``mask`` with each True spread to ``k`` samples on either side."""
    out = mask.copy()
    for shift in range(1, k + 1):
        out[shift:] |= mask[:-shift]
        out[:-shift] |= mask[shift:]
    return out


def _spikes(curve: str, values: np.ndarray) -> np.ndarray:
    """Samples far from their rolling median relative to the rolling MAD (isolated excursions)."""
    if curve not in SPIKE_MIN_DEV or np.isfinite(values).sum() < SPIKE_WINDOW:
        return np.zeros(values.shape, dtype=bool)
    x = values
    if curve in _LOG_CURVES:
        with np.errstate(invalid="ignore", divide="ignore"):
            x = np.where(values > 0, np.log10(values), np.nan)
    med = _centred_median(x, SPIKE_WINDOW, SPIKE_WINDOW // 2)
    dev = np.abs(x - med)
    mad = _centred_median(dev, SPIKE_WINDOW, SPIKE_WINDOW // 2)
    limit = np.maximum(SPIKE_K * 1.4826 * mad, SPIKE_MIN_DEV[curve])
    return np.nan_to_num(dev, nan=0.0) > limit


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` row positions of each run of consecutive True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], np.asarray(mask).astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _bridged(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """``mask`` with gaps shorter than ``max_gap`` samples between two of its runs filled in.

    Why: a few metres between two casing stretches are still behind the pipe (31/2-9 has 24
    samples of 54-132 us/ft at 360-363 m between two runs of ~56); left unflagged they were
    trained on, scored against and taken as the measured log a synthetic one is tied to."""
    out = mask.copy()
    runs = true_runs(mask)
    for (_, stop), (start, _) in zip(runs[:-1], runs[1:]):
        if start - stop < max_gap:
            out[stop:start] = True
    return out


def _runs(mask: np.ndarray, min_run: int, mostly: np.ndarray | None = None) -> np.ndarray:
    """``mask`` kept only where it is True for at least ``min_run`` consecutive samples (and, with
    ``mostly``, where ``mostly`` holds on over half of the run's samples)."""
    out = np.zeros(mask.shape, dtype=bool)
    for start, stop in true_runs(mask):
        if stop - start >= min_run and (mostly is None or mostly[start:stop].mean() > 0.5):
            out[start:stop] = True
    return out


def _flag_behind_casing(well: Well, qc: pd.DataFrame, cased: np.ndarray) -> None:
    """Flag every input curve :data:`QCFlag.BEHIND_CASING` on the rows where DTC reads casing arrivals.

    Why: gamma ray is damped by steel and cement, resistivity is shorted by the pipe (force2020's
    31/2-9 reads RMED ~0.18 ohm.m above its shoe, ~1.6 below), and a density-neutron pair logged
    inside the shoe reads cement: a synthetic from them there (31/2-9 at 448 m: DTC 98 us/ft beside
    shale of ~200) must not look like an open-hole one. The flag only marks the rows (T_QC bit 2 on
    a prediction); the values are kept, and a well without DTC gives no casing signal."""
    counts: dict[str, int] = {}
    for curve in (c for c in INPUT_CURVES if c in qc.columns):
        logged = cased & well.data[curve].notna().to_numpy()
        if logged.any():
            qc[curve] = (qc[curve].to_numpy() | np.where(logged, int(QCFlag.BEHIND_CASING), 0)).astype("int16")
            counts[curve] = int(logged.sum())
    if counts:
        well.note("qc", f"inputs logged {_where(well, cased)}, where DTC reads casing arrivals, flagged BEHIND_CASING ("
                  f"{', '.join(f'{c} {n}' for c, n in counts.items())} samples): read through pipe, not open hole "
                  "(values kept; a synthetic there carries T_QC bit 2)")


def _where(well: Well, mask: np.ndarray) -> str:
    """'over 349.3-450.2 m' (or 'over rows i-j' without depth) from the first to the last True row of ``mask``."""
    idx = np.flatnonzero(mask)
    if well.has_depth:
        depth = well.data.index.to_numpy(dtype=float)
        return f"over {depth[idx[0]]:g}-{depth[idx[-1]]:g} m"
    return f"over rows {idx[0]}-{idx[-1]}"


def _not_formation(curve: str, values: np.ndarray, well: Well) -> tuple[np.ndarray, np.ndarray]:
    """Sonic samples that did not measure the rock (:data:`QCFlag.NOT_FORMATION`), with a note per
    cause, as (straight-line fills and DTC too fast for its neutron, DTC's casing arrivals): the inputs
    beside casing arrivals are flagged too (:func:`_flag_behind_casing`).

    Why: a model trained on a filled ramp or on casing arrivals learns a slowness no rock has, and
    a synthetic log scored against them looks wrong where it is right. Both hide where the
    density-neutron pair is missing (top hole), so the main model never met them; the reduced-input
    model that predicts there would (:mod:`welllog.recipes`)."""
    none = np.zeros(values.shape, dtype=bool)
    if curve not in SONIC_CURVES or np.isfinite(values).sum() < FILL_MIN_RUN:
        return none, none
    with np.errstate(invalid="ignore"):
        second = np.abs(np.diff(values, n=2))
    # a run of n straight second differences spans n + 2 samples; runs are taken on the second
    # differences themselves, so a log resampled piecewise-linearly (SPWLA 2020's lower section:
    # a knot every third sample) is not glued into one long "line"
    on_line = _runs(np.nan_to_num(second, nan=np.inf) <= FILL_TOLERANCE, FILL_MIN_RUN - 2)
    filled = np.zeros(values.shape, dtype=bool)
    for shift in range(3):
        filled[shift:len(values) - 2 + shift] |= on_line
    casing = np.zeros(values.shape, dtype=bool)
    too_fast = np.zeros(values.shape, dtype=bool)
    if curve == "DTC":
        med = _centred_median(values, CASING_WINDOW, CASING_WINDOW // 2)
        with np.errstate(invalid="ignore"):
            fast = (med <= CASING_MAX_DTC) & np.isfinite(values)
        # open-hole density and neutron are not logged behind casing: a flat stretch where they are
        # (SPWLA 2020 well 1's tight limestone, DTC ~57 with a DTS of ~107 beside it) is rock
        no_pair = ~(well.data["RHOB"].notna() & well.data["NPHI"].notna()).to_numpy() if {"RHOB", "NPHI"} <= set(well.data.columns) \
            else np.ones(values.shape, dtype=bool)
        casing = _bridged(_runs(fast, CASING_MIN_RUN, mostly=no_pair), CASING_WINDOW) & ~filled
        if "NPHI" in well.data.columns:
            with np.errstate(invalid="ignore"):
                too_fast = (values <= TOO_FAST_MAX_DTC) & (well.data["NPHI"].to_numpy(dtype=float) >= TOO_FAST_MIN_NPHI)
            too_fast = _bridged(_runs(too_fast, TOO_FAST_MIN_RUN), TOO_FAST_MIN_RUN) & ~filled & ~casing
    for mask, what in ((filled, f"on a straight line over {FILL_MIN_RUN}+ samples (filled in processing, not measured)"),
                       (casing, f"casing arrivals ({CASING_MAX_DTC:g} us/ft or faster over {CASING_MIN_RUN}+ samples "
                                "without density-neutron)"),
                       (too_fast, f"faster than the neutron allows ({TOO_FAST_MAX_DTC:g} us/ft or faster beside NPHI >= "
                                  f"{TOO_FAST_MIN_NPHI:g} over {TOO_FAST_MIN_RUN}+ samples: cement or cycle skips)")):
        if mask.any():
            well.note("qc", f"{int(mask.sum())} sample(s) {_where(well, mask)} flagged NOT_FORMATION: {what}; "
                      "values kept, never trained on", curve)
    return filled | too_fast, casing


def _centred_median(x: np.ndarray, window: int, min_count: int) -> np.ndarray:
    """NaN-aware centred rolling median (odd ``window``), as pandas' ``rolling(center=True)``.

    bottleneck's moving median is the same computation 10-20x faster than pandas', and QC runs
    on every well the API receives, so it sits on the request path.
    """
    half = (window - 1) // 2
    padded = np.concatenate([x, np.full(half, np.nan)])
    return bn.move_median(padded, window, min_count=min_count)[half:]


def _scale_shift(curve: str, values: np.ndarray, well: Well) -> np.ndarray:
    """Samples in a segment whose level jumped by >= x20 out of the curve's typical range."""
    flags = np.zeros(values.shape, dtype=bool)
    if curve not in TYPICAL_LEVEL:
        return flags
    with np.errstate(invalid="ignore", divide="ignore"):
        logv = np.where(values > 0, np.log10(values), np.nan)
    pos = np.flatnonzero(np.isfinite(logv))
    w = max(SHIFT_MIN_WINDOW, min(SHIFT_WINDOW, pos.size // 4))  # short curves: shorter windows
    if pos.size < 2 * w:
        return flags
    x = pd.Series(logv[pos])
    back = bn.move_median(x.to_numpy(), w)  # median of x[i-w+1 .. i]
    fwd = bn.move_median(x.to_numpy()[::-1], w)[::-1]  # median of x[i .. i+w-1]
    jump = np.full(pos.size, np.nan)
    jump[1:] = fwd[1:] - back[:-1]  # level after i minus level before i
    score = np.nan_to_num(np.abs(jump), nan=0.0)
    cuts: list[int] = []
    xv = x.to_numpy()
    while score.max() >= SHIFT_MIN_LOG10:
        i = int(np.argmax(score))
        cuts.append(_refine_cut(xv, i, w, back[i - 1], fwd[i]))
        score[max(0, i - w): i + w] = 0.0
    if not cuts:
        return flags
    bounds = [0, *sorted(cuts), pos.size]
    low, high = TYPICAL_LEVEL[curve]
    segments = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        level = float(10 ** np.median(x.iloc[a:b]))
        segments.append((a, b, level, low <= level <= high))
    if not any(ok for *_, ok in segments):
        return flags  # nothing looks right: a whole-curve unit problem, not a shift within the file
    depth = well.data.index.to_numpy(dtype=float)
    for a, b, level, ok in segments:
        if ok:
            continue
        start, stop = pos[a], pos[b - 1]
        flags[start: stop + 1] = True
        ref = next(lv for *_, lv, good in segments if good)
        where = f"{depth[start]:g}-{depth[stop]:g} m" if well.has_depth else f"rows {start}-{stop}"
        well.note("qc", f"scale shift: level {level:.3g} over {where} vs {ref:.3g} elsewhere "
                  f"(x{level / ref:.2g}); {stop - start + 1} sample(s) flagged SCALE_SHIFT, values kept — "
                  "check that interval's units", curve)
    return flags


def _refine_cut(x: np.ndarray, i: int, w: int, before: float, after: float) -> int:
    """Exact change point near ``i``: the split that best separates samples nearer each level.

    The window medians only locate the jump to within the window; here each sample in +-w is
    classed as on the 'before' or 'after' side of the mid level and the split with the fewest
    misclassified samples wins.
    """
    lo, hi = max(0, i - w), min(len(x), i + w)
    mid = 0.5 * (before + after)
    seg = x[lo:hi]
    after_side = (seg > mid) if after > before else (seg < mid)
    # cost(k) = after-side samples before k + before-side samples from k on
    wrong_before = np.concatenate([[0], np.cumsum(after_side)])
    wrong_after = np.concatenate([np.cumsum((~after_side)[::-1])[::-1], [0]])
    return lo + int(np.argmin(wrong_before + wrong_after))


def _header_bit_size(header: Mapping[str, Any]) -> float | None:
    """Bit size (in) from a ~Well / ~Parameter item BS, BIT, ... (value in in or mm)."""
    from welllog.curves.units import conversion, normalise_unit

    for section in header.values():
        if not isinstance(section, Mapping):
            continue
        for key, item in section.items():
            if str(key).upper() not in _BIT_SIZE_KEYS:
                continue
            value = item.get("value") if isinstance(item, Mapping) else item
            try:
                number = float(str(value).split()[0])
            except (ValueError, IndexError):
                continue
            unit = normalise_unit(item.get("unit") if isinstance(item, Mapping) else "") or ""
            conv = conversion(unit, "in") if unit else None
            if conv is not None:
                number = float(conv.apply(np.array([number]))[0])
            elif 60.0 <= number <= 1000.0:
                number /= 25.4  # mm without a unit
            if 2.5 <= number <= 40.0:
                return number
    return None


def _bit_size(well: Well) -> tuple[np.ndarray | None, str | None]:
    """Per-sample bit size (in): the BS curve where it has values, else a header parameter."""
    header_bs = _header_bit_size(well.header or {})
    if well.has("BS"):
        bs = well.data["BS"].to_numpy(dtype=float).copy()
        if header_bs is not None:
            bs[np.isnan(bs)] = header_bs
            return bs, "BS curve (header bit size where null)"
        return bs, "BS curve"
    if header_bs is not None:
        return np.full(len(well.data), header_bs), f"header parameter ({header_bs:g} in)"
    return None, None


def qc_summary(well: Well) -> dict[str, Any]:
    """Plain-data QC report (JSON-serialisable): counts per curve, missing inputs, depth issues."""
    qc = well.qc_flags()
    curves: dict[str, dict[str, int]] = {}
    for curve in qc.columns:
        bits = qc[curve].to_numpy()
        curves[curve] = {
            "valid": int(well.data[curve].notna().sum()),
            "missing": int(((bits & QCFlag.MISSING) > 0).sum()),
            "impossible": int(((bits & QCFlag.IMPOSSIBLE) > 0).sum()),
            "spike": int(((bits & QCFlag.SPIKE) > 0).sum()),
            "bad_hole": int(((bits & QCFlag.BAD_HOLE) > 0).sum()),
            "scale_shift": int(((bits & QCFlag.SCALE_SHIFT) > 0).sum()),
            "not_formation": int(((bits & QCFlag.NOT_FORMATION) > 0).sum()),
            "behind_casing": int(((bits & QCFlag.BEHIND_CASING) > 0).sum()),
        }
    return {
        "samples": int(len(well.data)),
        "curves": curves,
        "missing_inputs": [c for c in INPUT_CURVES if not well.has(c)],
        "targets": [c for c in TARGET_CURVES if well.has(c)],
        "bit_size_source": qc.attrs.get("bit_size_source"),
        "depth_offsets": depth_offsets(well),
        "bad_hole_samples": int(((qc.to_numpy() & QCFlag.BAD_HOLE) > 0).any(axis=1).sum()) if len(qc.columns) else 0,
        "depth": _depth_issues(well),
    }


def formation_values(well: Well, curve: str) -> np.ndarray:
    """``curve``'s values with NaN where QC flagged them NOT_FORMATION (filled or casing sonic):
    what a prediction is scored against (``welllog evaluate``, the benchmarks) — a synthetic log
    judged against a filled ramp or casing arrivals looks wrong where it is right."""
    values = well.data[curve].to_numpy(dtype=float) if curve in well.data.columns else np.full(len(well.data), np.nan)
    qc = well.qc_flags()
    if curve not in qc.columns:
        return values
    return np.where((qc[curve].to_numpy().astype(np.int64) & int(QCFlag.NOT_FORMATION)) != 0, np.nan, values)


def depth_offsets(well: Well) -> dict[str, dict[str, Any]]:
    """Measured targets found off depth against the inputs by :func:`run_qc` ({} if none or QC not run)."""
    return dict(well.qc.attrs.get("depth_offsets", {})) if well.qc is not None else {}


def _depth_issues(well: Well) -> dict[str, Any]:
    """Null / duplicate / out-of-order depth rows of the input, recounted from original and rows."""
    dept = well.mapping.get("DEPT")
    if dept is None or dept.source not in well.original.columns:
        return {"from_file": False, "null": 0, "duplicates": 0, "reordered": False}
    raw = pd.to_numeric(well.original[dept.source], errors="coerce").to_numpy(dtype=float)
    finite = raw[np.isfinite(raw)]
    null = int(len(raw) - finite.size)
    duplicates = int(finite.size - len(well.rows))
    in_order = bool(finite.size < 2 or (np.diff(finite) > 0).all())
    return {"from_file": True, "null": null, "duplicates": duplicates, "reordered": not in_order}
