"""DTS from three routes (welllog.shear): the physics and the blend's behaviour, not its scores."""

from __future__ import annotations

import numpy as np
import pytest

from welllog.models.base import Distribution
from welllog.shear import (
    MUDROCK_MAX_DTS,
    RECOMMENDED_WEIGHTS,
    blend_shear,
    mudrock_capped,
    mudrock_dts,
    ratio_dtc_limit,
    ratio_route,
    route_weights,
    shear_routes,
    vpvs_ratio,
)


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
    out = blend_shear(direct, ratio, dtc, (1 / 3, 1 / 3, 1 / 3))
    assert out.mean[0] == pytest.approx(209.4, abs=0.2)  # three routes agree -> same answer
    assert out.mean[1] == pytest.approx((300.0 + 2 * 209.4) / 3, abs=0.2)
    assert out.std[1] > 2 * out.std[0]  # disagreement is uncertainty
    assert set(out.quantiles) == set(direct.quantiles)


def test_weights_select_routes():
    dtc = Distribution.normal(np.array([100.0, 120.0]), np.array([5.0, 6.0]))
    ratio = Distribution.normal(np.array([1.9, 2.1]), np.array([0.05, 0.05]))
    direct = Distribution.normal(np.array([200.0, 240.0]), np.array([10.0, 12.0]))
    only_direct = blend_shear(direct, ratio, dtc, (1, 0, 0))
    np.testing.assert_allclose(only_direct.mean, direct.mean) and np.testing.assert_allclose(only_direct.std, direct.std)
    routes = shear_routes(direct, ratio, dtc)
    np.testing.assert_allclose(blend_shear(direct, ratio, dtc, (0, 0, 2)).mean, routes[2][0])  # weights are normalised
    default = blend_shear(direct, ratio, dtc)
    w = np.array(RECOMMENDED_WEIGHTS) / sum(RECOMMENDED_WEIGHTS)
    np.testing.assert_allclose(default.mean, sum(wk * m for wk, (m, _) in zip(w, routes)))


def test_mudrock_takes_over_beyond_the_ratio_models_dtc_range():
    """Slower than any rock the ratio model saw, the blend moves linearly to the mudrock line."""
    dtc = Distribution.normal(np.array([100.0, 140.0, 155.0, 170.0, 250.0]), np.full(5, 5.0))
    ratio = Distribution.normal(np.full(5, 1.9), np.full(5, 0.05))
    direct = Distribution.normal(np.full(5, 200.0), np.full(5, 10.0))
    w = route_weights(dtc.mean, (0.3, 0.7, 0.0), dtc_limit=140.0, ramp=30.0)
    assert w.shape == (3, 5)
    np.testing.assert_allclose(w.sum(axis=0), 1.0)
    np.testing.assert_allclose(w[:, :2], [[0.3, 0.3], [0.7, 0.7], [0.0, 0.0]])  # inside the range (and at its edge): unchanged
    np.testing.assert_allclose(w[:, 2], [0.15, 0.35, 0.5])  # half way up the ramp
    np.testing.assert_allclose(w[:, 3:], [[0, 0], [0, 0], [1, 1]])  # beyond it: the mudrock line alone
    out = blend_shear(direct, ratio, dtc, (0.3, 0.7, 0.0), dtc_limit=140.0, ramp=30.0)
    routes = shear_routes(direct, ratio, dtc)
    np.testing.assert_allclose(out.mean[3:], routes[2][0][3:])
    np.testing.assert_allclose(out.mean[:2], blend_shear(direct, ratio, dtc, (0.3, 0.7, 0.0)).mean[:2])
    # no limit (no ratio model) or no ramp: the fixed weights everywhere
    np.testing.assert_allclose(blend_shear(direct, ratio, dtc, (0.3, 0.7, 0.0), dtc_limit=None).mean,
                               blend_shear(direct, ratio, dtc, (0.3, 0.7, 0.0), dtc_limit=140.0, ramp=0.0).mean)


def test_ratio_dtc_limit_is_a_high_percentile_of_the_rows_with_a_ratio():
    dtc = np.concatenate([np.linspace(60, 120, 1001), [400.0]])
    ratio = np.concatenate([np.full(1001, 1.8), [np.nan]])  # the 400 us/ft row has no DTS: not the ratio model's rock
    assert ratio_dtc_limit(dtc, ratio) == pytest.approx(np.percentile(np.linspace(60, 120, 1001), 99))
    assert ratio_dtc_limit(dtc, np.full(len(dtc), np.nan)) is None


def test_dts_leaning_on_the_cut_mudrock_line_is_marked():
    """The mudrock line is cut at MUDROCK_MAX_DTS (it reaches Vs = 0 near DTC 224 us/ft): a DTS that
    leans on it there is an extrapolation, marked for T_QC bit 8; not where the route has no weight."""
    dtc = np.array([100.0, 150.0, 180.0, 250.0, np.nan])
    assert mudrock_dts(np.array([180.0]))[0] == MUDROCK_MAX_DTS and mudrock_dts(np.array([150.0]))[0] < MUDROCK_MAX_DTS
    # inside the ratio model's range the recommended weights give the mudrock route nothing
    assert not mudrock_capped(dtc, RECOMMENDED_WEIGHTS).any()
    # beyond the ratio model's slowest rock (limit 126) the route takes over and is cut from ~169 us/ft
    np.testing.assert_array_equal(mudrock_capped(dtc, RECOMMENDED_WEIGHTS, dtc_limit=126.0, ramp=30.0),
                                  [False, False, True, True, False])
