"""The synthetic tied to the well's own log where it stops (welllog.tie): what the shift is, where."""

from __future__ import annotations

import numpy as np
import pytest

from welllog.ingest import well_from_arrays
from welllog.tie import MIN_TIE_SAMPLES, TIE_EFOLD_M, TIE_WINDOW_M, add_tied_columns, tie_shift


def _profile(n: int = 2001, step: float = 0.5):
    depth = 1000.0 + np.arange(n) * step
    predicted = 100.0 + 0.01 * np.arange(n)
    return depth, predicted


def test_the_edges_error_is_carried_into_the_unlogged_rows_and_fades():
    """Log between 1300 and 1700 m reading 6 us/ft slower than predicted: above and below it the
    shift is +6 at the edge, 6/e one e-folding away; logged rows get none."""
    depth, predicted = _profile()
    measured = np.where((depth >= 1300) & (depth <= 1700), predicted + 6.0, np.nan)
    shift = tie_shift(depth, measured, predicted)
    logged = np.isfinite(measured)
    assert np.isnan(shift[logged]).all() and np.isfinite(shift[~logged]).all()
    just_above = np.flatnonzero(depth < 1300)[-1]
    assert shift[just_above] == pytest.approx(6.0 * np.exp(-0.5 / TIE_EFOLD_M))
    at = np.flatnonzero(np.isclose(depth, 1700 + TIE_EFOLD_M))[0]
    assert shift[at] == pytest.approx(6.0 / np.e)
    assert shift[0] == pytest.approx(6.0 * np.exp(-300 / TIE_EFOLD_M))


def test_a_gap_between_two_logged_stretches_blends_their_errors():
    """+4 above a 20 m gap, -4 below it: the shift runs from one edge's error to the other's,
    faded from the nearer edge; only the log within the window beside the gap counts."""
    depth, predicted = _profile()
    error = np.where(depth < 1400, 4.0, -4.0)
    error[depth < 1400 - TIE_WINDOW_M - 5] = 50.0  # far from the gap: must not count
    measured = predicted + error
    gap = (depth > 1400) & (depth < 1420)
    measured[gap] = np.nan
    shift = tie_shift(depth, measured, predicted)
    rows = np.flatnonzero(gap)
    top, bottom = depth[rows[0] - 1], depth[rows[-1] + 1]  # the logged edges
    for i in (rows[0], rows[len(rows) // 2], rows[-1]):
        above, below = depth[i] - top, bottom - depth[i]
        line = (4.0 * below - 4.0 * above) / (above + below)  # from +4 at the upper edge to -4 at the lower
        assert shift[i] == pytest.approx(line * np.exp(-min(above, below) / TIE_EFOLD_M))
    assert shift[rows[0]] > 3.5 and shift[rows[-1]] < -3.5 and np.all(np.diff(shift[rows]) < 0)


def test_a_few_logged_samples_are_no_tie_point():
    depth, predicted = _profile()
    measured = np.full(len(depth), np.nan)
    measured[1000:1000 + MIN_TIE_SAMPLES - 1] = predicted[1000:1000 + MIN_TIE_SAMPLES - 1] + 10.0
    assert np.isnan(tie_shift(depth, measured, predicted)).all()
    measured[1000:1000 + MIN_TIE_SAMPLES] = predicted[1000:1000 + MIN_TIE_SAMPLES] + 10.0
    assert np.isfinite(tie_shift(depth, measured, predicted)).sum() == len(depth) - MIN_TIE_SAMPLES


def test_tied_column_on_a_well_keeps_the_prediction_and_says_what_it_did():
    import pandas as pd

    depth, predicted = _profile()
    wiggle = 2.0 * np.sin(np.arange(len(depth)) / 7.0)  # a log, not the straight line QC takes for a filled gap
    dtc = np.where(depth >= 1500, predicted - 3.0 + wiggle, np.nan)
    well = well_from_arrays({"GR": np.full(len(depth), 60.0), "DTC": dtc}, depth=depth)
    pred = pd.DataFrame({"DTC_MEAN": predicted, "DTS_MEAN": predicted * 1.8}, index=well.data.index)
    notes = add_tied_columns(well, pred, ["DTC", "DTS"])
    assert set(notes) == {"DTC"} and "DTC_TIED" in notes["DTC"] and "DTS_TIED" not in pred  # no DTS log: nothing to tie
    np.testing.assert_array_equal(pred["DTC_MEAN"], predicted)  # the model's own, untouched
    tied = pred["DTC_TIED"].to_numpy()
    assert np.isnan(tied[depth >= 1500]).all()
    edge = np.flatnonzero(depth < 1500)[-1]
    expected = np.median((dtc - predicted)[(depth >= 1500) & (depth <= 1500 + TIE_WINDOW_M)])
    assert tied[edge] == pytest.approx(predicted[edge] + expected * np.exp(-0.5 / TIE_EFOLD_M))
    assert np.array_equal(well.data["DTC"].to_numpy(), dtc, equal_nan=True)
