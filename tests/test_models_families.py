"""Every family fits and predicts a calibrated-looking distribution on real and demo wells.

Real data: the samples 14000-22000 (dense logs) of SPWLA 2020 train.csv (one well), trained on the upper part
and scored on a blind deeper block. Small settings keep each fit to a second or two.
"""

from __future__ import annotations

import numpy as np
import pytest

from welllog.evaluation.splits import depth_blocks, slice_well
from welllog.models import FAMILIES, SonicModel, make_estimator

FAST = {
    "ngboost": {"n_estimators": 150, "learning_rate": 0.1},
    "rf": {"n_estimators": 20},
    "gbdt": {"max_iter": 80},
    "xgboost": {"n_estimators": 80},
    "lightgbm": {"n_estimators": 80},
}


@pytest.fixture(scope="module")
def spwla_split(spwla_dir):
    from welllog.ingest import read_well

    well = read_well(spwla_dir / "train.csv")
    part = slice_well(well, 14000, 22000, "spwla-part")
    return depth_blocks(part, n_blocks=4, test_block=-1)


@pytest.mark.parametrize("family", FAMILIES)
def test_family_on_real_well(family, spwla_split):
    train, test = spwla_split
    model = SonicModel(targets=["DTC"], family=family, params=FAST[family]).fit([train])
    pred = model.predict(test, quantiles=(0.05, 0.5, 0.95, 0.25))
    assert list(pred.index) == list(test.data.index)
    ok = (pred["DTC_QC"] & 16) == 0
    assert ok.mean() > 0.6
    p = pred[ok]
    assert np.isfinite(p["DTC_MEAN"]).all() and (p["DTC_STD"] > 0).all()
    assert (p["DTC_P05"] <= p["DTC_P25"]).all() and (p["DTC_P25"] <= p["DTC_P50"]).all() and (p["DTC_P50"] <= p["DTC_P95"]).all()
    # not predicted rows carry null values
    assert pred.loc[~ok, "DTC_MEAN"].isna().all()
    y = test.data["DTC"].to_numpy()[ok.to_numpy()]
    m = p["DTC_MEAN"].to_numpy()
    good = np.isfinite(y)
    rmse = np.sqrt(np.mean((y[good] - m[good]) ** 2))
    baseline = np.sqrt(np.mean((y[good] - np.nanmean(train.data["DTC"])) ** 2))
    assert rmse < 0.8 * baseline, (family, rmse, baseline)
    inside = np.mean((y[good] >= p["DTC_P05"].to_numpy()[good]) & (y[good] <= p["DTC_P95"].to_numpy()[good]))
    assert 0.3 < inside <= 1.0, (family, inside)


@pytest.mark.parametrize("family", FAMILIES)
def test_family_on_demo_wells_both_targets(family, tmp_path):
    from welllog.demo import generate_demo_wells
    from welllog.ingest import read_well

    wells = [read_well(p) for p in generate_demo_wells(tmp_path, n_wells=5, seed=3, n_samples=700)]
    assert not wells[3].has("DTS")  # DEMO-4 has no DTS: it trains DTC only
    model = SonicModel(targets=["DTC", "DTS"], family=family, params=FAST[family]).fit(wells[:4])
    pred = model.predict(wells[4])
    for t in ("DTC", "DTS"):
        for col in ("MEAN", "STD", "P05", "P50", "P95", "QC"):
            assert f"{t}_{col}" in pred.columns
        ok = (pred[f"{t}_QC"] & 16) == 0
        assert ok.sum() > 350 and (pred.loc[ok, f"{t}_STD"] > 0).all()
    demo4 = [w for w in model.metadata["training_wells"] if w["name"] == wells[3].name][0]
    assert demo4["targets"] == ["DTC"]
    assert model.metadata["training_rows"]["DTS"] < 0.85 * model.metadata["training_rows"]["DTC"]


def test_missing_required_curve_raises(spwla_split):
    from welllog.errors import MissingCurvesError

    train, test = spwla_split
    model = SonicModel(targets=["DTC"], family="lightgbm", params=FAST["lightgbm"]).fit([train])
    crippled = slice_well(test, 0, len(test.data))
    crippled.data = crippled.data.drop(columns=["RHOB"])
    with pytest.raises(MissingCurvesError) as err:
        model.predict(crippled)
    assert "RHOB" in str(err.value) and "GR" in str(err.value) and err.value.exit_code == 2


def test_target_nulled_at_read_says_why(corpus_dir):
    """lasio's sample.las declares DT in us/m but holds us/ft: kept as declared, every value is
    impossible and nulled. Training on it must say that, not only that no well has DTC."""
    from welllog.errors import UsageError
    from welllog.ingest import read_well

    well = read_well(corpus_dir / "sample.las")
    with pytest.raises(UsageError) as info:
        SonicModel(family="lightgbm", targets=["DTC"]).fit([well])
    message = str(info.value)
    assert message.startswith("target DTC is in none of the training wells")
    assert "DTC read from DT, us/m -> us/ft" in message and "no usable value is left" in message


def test_tolerated_curve_flags_rows(tmp_path):
    """A curve missing in much of the training data is tolerated: prediction without it, QC bit 1."""
    from welllog.demo import generate_demo_wells
    from welllog.ingest import read_well

    wells = [read_well(p) for p in generate_demo_wells(tmp_path, n_wells=3, seed=5, n_samples=800)]
    wells[0].data = wells[0].data.drop(columns=["PEF"])  # one training well without PEF
    model = SonicModel(targets=["DTC"], family="ngboost", params=FAST["ngboost"]).fit(wells[:2])
    assert "PEF" in model.tolerated_curves and "PEF" not in model.required_curves
    test = wells[2]
    test.data = test.data.drop(columns=["PEF"])
    pred = model.predict(test)
    ok = (pred["DTC_QC"] & 16) == 0
    assert ok.mean() > 0.5
    assert ((pred.loc[ok, "DTC_QC"] & 1) == 1).all()
    assert "PEF" in model.imputation  # ngboost does not take NaN: the median substitute is recorded


def test_ood_flag(spwla_split):
    train, test = spwla_split
    model = SonicModel(targets=["DTC"], family="lightgbm", params=FAST["lightgbm"]).fit([train])
    shifted = slice_well(test, 0, len(test.data))
    shifted.data = shifted.data.copy()
    shifted.data["RHOB"] = shifted.data["RHOB"] + 5.0  # far outside anything seen
    pred = model.predict(shifted)
    ok = shifted.data["RHOB"].notna().to_numpy()
    assert ((pred["DTC_QC"].to_numpy()[ok] & 8) == 8).all()
    assert ((model.predict(test)["DTC_QC"] & 8) == 0).mean() > 0.5


@pytest.mark.parametrize("family", FAMILIES)
def test_explain_targets_are_shap_explainable(family, spwla_split):
    """SHAP TreeExplainer reads each explain target and its outputs turn into the predicted parameters."""
    import shap

    train, test = spwla_split
    model = SonicModel(targets=["DTC"], family=family, params=FAST[family]).fit([train])
    X, ok = model.features_for(test)
    Xs = X.to_numpy(dtype=float)[ok][:40]
    est = model.estimators["DTC"]
    targets = est.explain_targets()
    assert set(targets) == {"mean", "scale"}
    dist = est.predict_dist(Xs)
    for name, tree_model in targets.items():
        explainer = shap.TreeExplainer(tree_model)
        sv = explainer.shap_values(Xs, check_additivity=False)
        out = np.asarray(explainer.expected_value).reshape(-1)[0] + np.asarray(sv).sum(axis=1)
        if name == "mean":
            np.testing.assert_allclose(out, dist.mean, rtol=1e-3, atol=1e-2 * np.std(dist.mean))
        elif family == "ngboost":
            np.testing.assert_allclose(np.exp(out), dist.std, rtol=1e-3)
        else:
            np.testing.assert_allclose(est.scale_factor_ * np.maximum(out, est.scale_floor_), dist.std, rtol=1e-3, atol=1e-3)


def test_make_estimator_conventions():
    from sklearn.base import clone

    from welllog.errors import UsageError

    for fam in FAMILIES:
        est = make_estimator(fam)
        assert clone(est).get_params() == est.get_params()
        assert not [k for k in vars(est) if k.endswith("_")]  # constructor stores params only
    with pytest.raises(UsageError):
        make_estimator("svm")
    with pytest.raises(UsageError):
        make_estimator("rf", bogus=1)


def test_a_member_setting_reaches_the_member_in_every_family_that_has_it():
    """NGBoost's ``dist`` given to NGBoost itself, to the ensemble's NGBoost member, and to no other
    family (None: the CLI refuses ``--dist`` there); a value the user already set wins."""
    from welllog.models import ALL_FAMILIES, with_member_setting

    routed = {fam: with_member_setting(fam, {}, "ngboost", "dist", "lognormal") for fam in ALL_FAMILIES}
    assert routed == {"ngboost": {"dist": "lognormal"}, "rf": None, "gbdt": None, "xgboost": None, "lightgbm": None,
                      "ensemble": {"ngboost_params": {"dist": "lognormal"}}}
    for fam, params in routed.items():  # every routed setting is one the family's estimator takes
        if params is not None:
            assert make_estimator(fam, **params).get_params()[next(iter(params))] in ("lognormal", {"dist": "lognormal"})
    assert with_member_setting("ngboost", {"dist": "normal"}, "ngboost", "dist", "lognormal") == {"dist": "normal"}
    mine = {"ngboost_params": {"dist": "normal", "n_estimators": 9}, "weight_ngboost": 0.3}
    assert with_member_setting("ensemble", mine, "ngboost", "dist", "lognormal") == mine
    assert with_member_setting("ensemble", mine, "lightgbm", "num_leaves", 7) == {**mine, "lightgbm_params": {"num_leaves": 7}}
    fitted = make_estimator("ensemble", ngboost_params={"n_estimators": 5}, lightgbm_params={"n_estimators": 5}).fit(
        np.random.default_rng(0).normal(size=(200, 3)), np.arange(200.0))
    assert list(fitted.members_) == list(fitted.member_families) == ["ngboost", "lightgbm"]


def test_a_target_logged_only_where_a_required_input_is_not_is_a_usage_error(force2020_dir):
    """DTS logged only where RHOB is null: the DTS fit had 0 rows and scikit-learn raised "Found
    array with 0 sample(s)" — an unexpected error (exit 1, traceback) instead of the cause (code review)."""
    from dataclasses import replace

    from welllog.errors import UsageError
    from welllog.ingest import read_well

    shear, other = read_well(force2020_dir / "16_2-16.las"), read_well(force2020_dir / "16_1-6 A.las")
    data = shear.data.copy()
    data.loc[data["DTS"].notna(), "RHOB"] = np.nan
    with pytest.raises(UsageError, match=r"no training rows for DTS: where the training wells log DTS, RHOB is never logged"):
        SonicModel("rf", ["DTC", "DTS"], params={"n_estimators": 4}, tolerance=0.5).fit([replace(shear, data=data), other])
