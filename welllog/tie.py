"""The synthetic tied to the well's own log where that log stops: ``T_TIED``.

Why: a well the model never saw is usually off by a bias that holds over tens of metres (half the
blind FORCE 2020 error is such slow bias, bench/RESULTS.md "Where the error comes from"). Where
the well has the target logged over part of its depth, that bias can be read off the log beside
the rows it does not cover — the petrophysicist's tie of a synthetic to the measured curve. Blind
FORCE wells with a stretch of their own DTC taken away (the top or bottom 100-300 m of the log, or
150 m in its middle): the tie cut the DTC error there by 4-16% on average, but not in every well
(5-9 of 22 worse); DTS (4 wells) gained above the log and in gaps, lost below it (bench/RESULTS.md,
accuracy item 22; ``bench/bench_tie.py``). Hence opt-in, beside the model's own answer.

How: for each predicted row without a measured value, the median error (measured - predicted) over
the ``window_m`` of log nearest above or below it, faded by ``exp(-distance / efold_m)``; between
two logged stretches, the line from one edge's error to the other's, faded by the distance to the
nearer edge — so the shift is the log's error at its edge and fades to nothing far from any log.
Logged rows are not tied (there the synthetic is what the model says, to compare with the log),
nor are rows with no log within reach. Sonic that QC found never measured the rock (filled or
casing readings) is no tie point: its rows are tied like unlogged ones. ``T_MEAN`` and its band
stay the model's own: the tie is one more column, and the shift it applied is ``T_TIED - T_MEAN``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from welllog.qc import formation_values, true_runs
from welllog.well import Well

#: length of log beside an unlogged stretch whose median error is carried into it (m)
TIE_WINDOW_M = 30.0
#: distance over which the carried error fades to 1/e (m)
TIE_EFOLD_M = 100.0
#: fewer measured samples than this in a window: that side carries nothing (a few samples are noise)
MIN_TIE_SAMPLES = 20


def _edge_error(depth: np.ndarray, error: np.ndarray, rows: np.ndarray, window_m: float) -> float:
    """Median of ``error`` over ``rows`` (positions ordered away from the edge) within ``window_m`` of the first."""
    near = rows[np.abs(depth[rows] - depth[rows[0]]) <= window_m]
    values = error[near]
    values = values[np.isfinite(values)]
    return float(np.median(values)) if len(values) >= MIN_TIE_SAMPLES else float("nan")


def tie_shift(depth: np.ndarray, measured: np.ndarray, predicted: np.ndarray, window_m: float = TIE_WINDOW_M,
              efold_m: float = TIE_EFOLD_M) -> np.ndarray:
    """The shift to add to ``predicted`` on rows without a ``measured`` value (NaN elsewhere and
    where no logged stretch within reach carries an error); ``depth`` increasing."""
    depth = np.asarray(depth, dtype=float)
    measured = np.asarray(measured, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    error = measured - predicted
    logged = np.isfinite(measured)
    shift = np.full(len(depth), np.nan)
    todo = np.flatnonzero(~logged & np.isfinite(predicted))
    if not len(todo) or not logged.any():
        return shift
    # per logged run: depth and carried error of its top edge (for rows above) and bottom edge (rows below)
    tops, bottoms = [], []
    for start, stop in true_runs(logged):
        rows = np.arange(start, stop)
        tops.append((depth[start], _edge_error(depth, error, rows, window_m)))
        bottoms.append((depth[stop - 1], _edge_error(depth, error, rows[::-1], window_m)))
    top_depth, top_error = (np.array(v) for v in zip(*tops))
    bottom_depth, bottom_error = (np.array(v) for v in zip(*bottoms))
    z = depth[todo]
    # nearest logged stretch above (its bottom edge) and below (its top edge) each row
    above = np.searchsorted(bottom_depth, z, side="right") - 1
    below = np.searchsorted(top_depth, z, side="left")
    has_above, has_below = above >= 0, below < len(top_depth)
    r_above = np.where(has_above, bottom_error[np.clip(above, 0, None)], np.nan)
    r_below = np.where(has_below, top_error[np.clip(below, None, len(top_depth) - 1)], np.nan)
    d_above = z - bottom_depth[np.clip(above, 0, None)]
    d_below = top_depth[np.clip(below, None, len(top_depth) - 1)] - z
    ok_above, ok_below = np.isfinite(r_above), np.isfinite(r_below)
    with np.errstate(invalid="ignore", divide="ignore"):
        # between two tie points: the line from one edge's error to the other's, faded from the nearer edge
        between = (r_above * d_below + r_below * d_above) / (d_above + d_below) * np.exp(-np.minimum(d_above, d_below) / efold_m)
        one_side = np.where(ok_above, r_above * np.exp(-d_above / efold_m), r_below * np.exp(-d_below / efold_m))
    shift[todo] = np.where(ok_above & ok_below, between, one_side)
    return shift


def add_tied_columns(well: Well, pred: pd.DataFrame, targets: Sequence[str]) -> dict[str, str]:
    """Add ``T_TIED`` to ``pred`` (indexed like ``well.data``) for each target the well logs over
    part of the predicted rows; returns target -> a provenance note of what was done."""
    notes: dict[str, str] = {}
    for t in targets:
        column = f"{t}_MEAN"
        if column not in pred.columns or not well.has(t):
            continue
        measured = formation_values(well, t)  # sonic that never measured the rock is no tie point
        mean = pred[column].to_numpy(dtype=float)
        shift = tie_shift(well.depth, measured, mean)
        tied = np.isfinite(shift)
        if not tied.any():
            continue
        after = f"{t}_QC" if f"{t}_QC" in pred.columns else column  # beside the target's own columns
        pred.insert(pred.columns.get_loc(after) + 1, f"{t}_TIED", np.where(tied, mean + shift, np.nan))
        notes[t] = (f"{t}_TIED: the synthetic tied to this well's own {t} log on {int(tied.sum())} predicted rows the log does "
                    f"not cover (median error over the {TIE_WINDOW_M:g} m of log beside them, fading over {TIE_EFOLD_M:g} m; "
                    f"shift {np.nanmin(shift):+.1f} to {np.nanmax(shift):+.1f} us/ft); {t}_MEAN and its band are the model's own, untied")
    return notes
