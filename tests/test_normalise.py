"""Per-well gamma-ray normalisation (welllog.normalise): levels, reference, the linear map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from welllog.normalise import MIN_SAMPLES, curve_levels, normalise, reference_levels


def test_levels_need_enough_measured_samples():
    rng = np.random.default_rng(0)
    v = rng.normal(80, 20, MIN_SAMPLES - 1)
    assert curve_levels(v) is None
    with_gaps = np.concatenate([v, [np.nan] * 100])  # NaNs do not count
    assert curve_levels(with_gaps) is None
    assert curve_levels(np.concatenate([v, [80.0]])) is not None
    assert curve_levels(np.full(MIN_SAMPLES * 2, 75.0)) is None  # flat: no scale to map


def test_normalise_maps_a_recalibrated_curve_back_onto_the_reference():
    rng = np.random.default_rng(1)
    gr = pd.Series(rng.gamma(4.0, 20.0, 3000))
    recalibrated = 1.4 * gr + 25.0  # same rocks, another tool calibration
    reference = curve_levels(gr)
    back = normalise(recalibrated, curve_levels(recalibrated), reference)
    np.testing.assert_allclose(back, gr, rtol=1e-9)
    assert curve_levels(back) == pytest.approx(reference)
    with_nan = recalibrated.copy()
    with_nan[10] = np.nan
    assert np.isnan(normalise(with_nan, curve_levels(recalibrated), reference)[10])


def test_reference_is_the_median_over_wells_with_levels():
    assert reference_levels([(10.0, 100.0), None, (20.0, 140.0), (30.0, 120.0)]) == (20.0, 120.0)
    assert reference_levels([None, None]) is None
