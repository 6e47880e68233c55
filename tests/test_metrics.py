"""Metrics agree with closed forms and with properscoring / scoringrules; splits are blind."""

from __future__ import annotations

import numpy as np
import properscoring as ps
import pytest
import scoringrules as sr
from scipy import stats

from welllog.evaluation import metrics as M
from welllog.models.base import Distribution

rng = np.random.default_rng(0)
Y = rng.normal(100, 15, 400)
MU = Y + rng.normal(0, 5, 400)
SD = rng.uniform(2, 10, 400)


def test_crps_normal_agrees_with_libraries():
    ours = M.crps_normal(Y, MU, SD)
    np.testing.assert_allclose(ours, ps.crps_gaussian(Y, MU, SD), rtol=1e-10)
    np.testing.assert_allclose(ours, sr.crps_normal(Y, MU, SD), rtol=1e-8)
    assert M.crps(Y, MU, SD) == pytest.approx(np.mean(ours))


def test_crps_lognormal_agrees_with_scoringrules_and_numeric_integral():
    mu, sigma = np.log(MU), SD / 100
    ours = M.crps_lognormal(Y, mu, sigma)
    np.testing.assert_allclose(ours, sr.crps_lognormal(Y, mu, sigma), rtol=1e-8)
    # CRPS = integral (F(x) - 1{x >= y})^2 dx, checked numerically for one sample
    x = np.linspace(1, 400, 200001)
    F = stats.lognorm(s=sigma[0], scale=np.exp(mu[0])).cdf(x)
    num = np.trapezoid((F - (x >= Y[0])) ** 2, x)
    assert ours[0] == pytest.approx(num, rel=1e-4)
    d = Distribution.lognormal(mu, sigma)
    assert M.crps(Y, d) == pytest.approx(np.mean(ours))


def test_crps_student_t_agrees_with_scoringrules_and_normal_limit():
    df = rng.choice([3.0, 4.5, 8.0, 30.0], size=len(Y))
    ours = M.crps_t(Y, MU, SD, df)
    np.testing.assert_allclose(ours, sr.crps_t(Y, df, MU, SD), rtol=1e-8)
    np.testing.assert_allclose(M.crps_t(Y, MU, SD, np.inf), M.crps_normal(Y, MU, SD))  # infinite df: the Normal
    d = Distribution.student_t(MU, SD, df)
    assert M.crps(Y, d) == pytest.approx(np.mean(ours))
    assert M.nll(Y, d) == pytest.approx(-np.mean(stats.t(df, MU, SD).logpdf(Y)))


def test_nll_closed_form_and_distribution():
    expected = -np.mean(stats.norm(MU, SD).logpdf(Y))
    assert M.nll(Y, MU, SD) == pytest.approx(expected)
    assert M.nll(Y, Distribution.normal(MU, SD)) == pytest.approx(expected)
    mu, sigma = np.log(MU), SD / 100
    assert M.nll(Y, Distribution.lognormal(mu, sigma)) == pytest.approx(-np.mean(stats.lognorm(s=sigma, scale=np.exp(mu)).logpdf(Y)))


def test_point_metrics_and_nan_handling():
    y = np.array([1.0, 2.0, 3.0, np.nan])
    p = np.array([1.0, 2.5, 2.0, 5.0])
    assert M.rmse(y, p) == pytest.approx(np.sqrt((0 + 0.25 + 1) / 3))
    assert M.mae(y, p) == pytest.approx(1.5 / 3)
    assert M.r2(y, p) == pytest.approx(1 - 1.25 / 2.0)
    assert M.coverage([1, 2, 3, 4], [0, 2.5, 2, 0], [2, 3, 4, 3]) == pytest.approx(0.5)
    assert M.width([0, 1], [2, 5]) == pytest.approx(3.0)


def test_contest_score():
    a, b = np.array([100.0, 90.0, np.nan]), np.array([104.0, 90.0, 1.0])
    c, d = np.array([200.0, 180.0, 170.0]), np.array([200.0, 186.0, 1.0])
    assert M.contest_score(a, b, c, d) == pytest.approx(np.sqrt(((16 + 0) / 2 + (0 + 36) / 2) / 2))


def test_normal_distribution_coverage_is_nominal():
    d = Distribution.normal(np.zeros(200000), np.ones(200000))
    y = rng.normal(0, 1, 200000)
    s = M.score_distribution(y, d)
    assert s["coverage90"] == pytest.approx(0.90, abs=0.005)
    assert s["width90"] == pytest.approx(2 * 1.6448536, rel=1e-6)
    # E CRPS = E|X - Y| - E|X - X'|/2 = 2/sqrt(pi) - 1/sqrt(pi) for X, X', Y ~ N(0, 1)
    assert s["crps"] == pytest.approx(1 / np.sqrt(np.pi), rel=0.01)


def test_splits_are_blind(tmp_path):
    from welllog.demo import generate_demo_wells
    from welllog.errors import UsageError
    from welllog.evaluation.splits import default_split, depth_blocks, leave_one_well_out, named_wells
    from welllog.ingest import read_well

    wells = [read_well(p) for p in generate_demo_wells(tmp_path, n_wells=5, seed=1, n_samples=300)]
    folds = list(leave_one_well_out(wells))
    assert len(folds) == 5 and all(te[0] not in tr for tr, te in folds)
    tr, te = named_wells(wells, ["DEMO-2"])
    assert [w.name for w in te] == ["DEMO-2"] and len(tr) == 4
    with pytest.raises(UsageError, match="DEMO-9"):
        named_wells(wells, ["DEMO-9"])
    train, test = depth_blocks(wells[0], n_blocks=4, test_block=1)
    assert not set(train.data.index) & set(test.data.index)
    steps = np.diff(test.data.index.to_numpy())
    assert len(test.data) == 75 and np.allclose(steps, steps[0])  # contiguous
    tr, te = default_split(wells)
    assert len(te) == 1 and te[0] not in tr
    tr, te = default_split(wells[:1])
    assert te[0].data.index.min() > tr[0].data.index.max()  # the deepest block


def test_blind_calibration_folds_hold_out_each_well_once(tmp_path):
    """``blind_folds`` with >= 3 wells: every well held out in exactly one fold, never beside
    itself in that fold's training wells; with ``target`` only the wells logging it are held out."""
    from dataclasses import replace

    from welllog.demo import generate_demo_wells
    from welllog.evaluation.splits import blind_folds
    from welllog.ingest import read_well

    wells = [read_well(p) for p in generate_demo_wells(tmp_path, n_wells=5, seed=1, n_samples=300)]
    folds, split = blind_folds(wells, n_folds=3)
    assert split == "wells" and len(folds) == 3
    held = [w.name for _, te in folds for w in te]
    assert sorted(held) == sorted(w.name for w in wells)
    for tr, te in folds:
        assert not {w.name for w in tr} & {w.name for w in te} and len(tr) + len(te) == 5
    # DTS kept in three of the five: only those are held out, the other two train every fold
    shear = [w for w in wells if w.has("DTS")][:3]
    logging = [w if w in shear else replace(w, data=w.data.drop(columns=["DTS"], errors="ignore")) for w in wells]
    folds, split = blind_folds(logging, n_folds=3, target="DTS")
    assert split == "wells" and sorted(w.name for _, te in folds for w in te) == sorted(w.name for w in shear)
    others = {w.name for w in wells} - {w.name for w in shear}
    assert len(others) == 2 and all(others <= {w.name for w in tr} for tr, _ in folds)
