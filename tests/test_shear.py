"""DTS from three routes (welllog.shear): the physics and the blend's behaviour, not its scores."""

from __future__ import annotations

import numpy as np
import pytest

from welllog.models.base import Distribution
from welllog.shear import EQUAL_WEIGHTS, MUDROCK_MAX_DTS, blend_shear, fit_route_weights, mudrock_dts, ratio_route, vpvs_ratio


def test_mudrock_line_matches_castagna_by_hand():
    # DTC 100 us/ft -> Vp 3.048 km/s -> Vs = 0.8621 * 3.048 - 1.1724 = 1.4552808 km/s -> DTS 209.44 us/ft
    assert mudrock_dts(np.array([100.0]))[0] == pytest.approx(304.8 / 1.4552808, rel=1e-6)
    dts = mudrock_dts(np.linspace(45, 300, 200))
    assert (np.diff(dts) >= 0).all()  # slower P -> slower S
    assert dts.max() == MUDROCK_MAX_DTS  # beyond Vs = 0 (DTC ~224) the line is capped, never inf/negative
    assert np.isfinite(dts).all() and (dts > np.linspace(45, 300, 200)).all()  # Vs < Vp everywhere


def test_ratio_only_where_both_measured():
    r = vpvs_ratio(np.array([100.0, np.nan, 80.0, 0.0]), np.array([180.0, 150.0, np.nan, 10.0]))
    assert r[0] == pytest.approx(1.8) and np.isnan(r[1:]).all()


def test_ratio_route_moments_match_monte_carlo():
    rng = np.random.default_rng(0)
    ratio, dtc = Distribution.normal(np.array([1.8]), np.array([0.1])), Distribution.normal(np.array([90.0]), np.array([6.0]))
    mean, std = ratio_route(ratio, dtc)
    draws = rng.normal(1.8, 0.1, 400_000) * rng.normal(90.0, 6.0, 400_000)
    assert mean[0] == pytest.approx(draws.mean(), rel=2e-3) and std[0] == pytest.approx(draws.std(), rel=1e-2)


def test_blend_is_the_mixture_and_widens_where_routes_disagree():
    dtc = Distribution.normal(np.array([100.0, 100.0]), np.array([5.0, 5.0]))
    ratio = Distribution.normal(np.array([209.4 / 100.0, 209.4 / 100.0]), np.array([0.05, 0.05]))
    direct = Distribution.normal(np.array([209.4, 300.0]), np.array([10.0, 10.0]))  # agrees / disagrees
    out = blend_shear(direct, ratio, dtc)
    assert out.mean[0] == pytest.approx(209.4, abs=0.2)  # three routes agree -> same answer
    assert out.mean[1] == pytest.approx((300.0 + 2 * 209.4) / 3, abs=0.2)
    assert out.std[1] > 2 * out.std[0]  # disagreement is uncertainty
    assert set(out.quantiles) == set(direct.quantiles)


def test_route_weights_pick_the_route_that_scores_on_blind_data():
    rng = np.random.default_rng(1)
    y = rng.normal(200, 30, 2000)
    good, bad = y + rng.normal(0, 3, 2000), y + rng.normal(0, 40, 2000)
    w = fit_route_weights(y, [bad, good, bad])
    assert w[1] >= 0.8 and abs(sum(w) - 1) < 1e-9
    assert fit_route_weights(y[:5], [bad[:5], good[:5], bad[:5]]) == EQUAL_WEIGHTS  # too little evidence
    # two equally good routes share the weight evenly rather than one taking it all
    w = fit_route_weights(y, [y + 5, y - 5, bad])
    assert w[0] == pytest.approx(w[1]) and w[2] == 0
