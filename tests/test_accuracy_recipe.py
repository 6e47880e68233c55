"""The recommended recipe's behaviour (not its scores): input repair, training rows, calibration,
OOD widening, Vp > Vs, ensemble explanations, store round trip, no random row split.

Real data: a dense slice of SPWLA 2020 train.csv that straddles the PEF scale shift (row ~19,939)
and the demo wells. Settings are tiny so each fit takes seconds.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from welllog.calibration import (aggregate_fold_factors, coverage_factor, fit_blind_calibration, fit_spread_floor, fit_tail_df,
                                 floor_ratio, scale_distribution, tail_std_ratio, z_level)
from welllog.evaluation.metrics import crps, nll
from welllog.evaluation.splits import slice_well
from welllog.models import make_estimator
from welllog.models.base import Distribution
from welllog.well import QC_BAD_HOLE, QC_LOGGED_DTC, QC_NOT_PREDICTED, QC_OOD, QC_REDUCED
from welllog.qc import true_runs
from welllog.recipes import CalibratedSonicModel, recommended_spec, scale_shift_factors
from welllog.shear import enforce_vpvs, logged_dtc
from welllog.well import QCFlag

NGB = {"n_estimators": 40, "learning_rate": 0.1}
ENS = {"ngboost_params": NGB, "lightgbm_params": {"n_estimators": 30}}


@pytest.fixture(scope="module")
def spwla(spwla_dir):
    from welllog.ingest import read_well

    return read_well(spwla_dir / "train.csv")


@pytest.fixture(scope="module")
def shifted_part(spwla):
    """Rows 17,000-23,000: PEF in b/e above row ~19,939, x0.01 below (QC flags SCALE_SHIFT)."""
    return slice_well(spwla, 17000, 23000, "spwla-shift")


@pytest.fixture(scope="module")
def fitted(shifted_part):
    return CalibratedSonicModel(family="ngboost", targets=["DTC", "DTS"], params=NGB).fit([shifted_part])


@pytest.fixture(scope="module")
def rescaled(shifted_part):
    """The ``rescale`` policy: the shifted curve stays an input, its flagged samples x100."""
    return CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 30}, scale_shift="rescale",
                                calibrate="none").fit([shifted_part])


def test_curve_that_shifted_in_training_is_left_out_by_default(fitted, shifted_part):
    """Default ``exclude``: PEF changed scale part-way down the training well, so the model does
    without it - needs no PEF to predict, says so in metadata and in the predicted well's provenance."""
    from dataclasses import replace

    assert fitted.metadata["recipe"]["scale_shift"] == "exclude"
    assert fitted.metadata["excluded_inputs"] == {"PEF": ["spwla-shift"]}
    assert not [f for f in fitted.feature_names if f.startswith("PEF")] and "PEF" not in fitted.required_curves
    assert {"GR", "NPHI", "RHOB"} <= set(fitted.required_curves)
    test = slice_well(shifted_part, 1000, 1600)
    without = replace(test, data=test.data.drop(columns="PEF"), provenance=[])
    pd.testing.assert_frame_equal(fitted.predict(without), fitted.predict(test))
    w = replace(test, provenance=[])
    fitted.predict(w)
    assert any(p.curve == "PEF" and "not used by this model" in p.message and "spwla-shift" in p.message for p in w.provenance)
    assert np.isfinite(w.data["PEF"]).any()  # the caller's curve is untouched


def test_exclude_still_rescales_a_shift_in_the_predicted_well(shifted_part):
    """Trained where PEF is on one scale, the model keeps PEF; a well whose PEF shifts is repaired."""
    clean = slice_well(shifted_part, 0, 2500, "above-shift")
    assert scale_shift_factors(clean) == {}
    m = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 30}, calibrate="none").fit([clean])
    assert m.metadata["excluded_inputs"] == {} and "PEF" in m.required_curves
    prepared = m.prepare(shifted_part)
    shifted = (shifted_part.qc_flags()["PEF"].to_numpy().astype(int) & int(QCFlag.SCALE_SHIFT)) != 0
    np.testing.assert_allclose(prepared.data["PEF"].to_numpy()[shifted], shifted_part.data["PEF"].to_numpy()[shifted] * 100)


def test_scale_shift_rescaled_in_model_input_only(shifted_part, rescaled):
    fitted = rescaled
    flags = shifted_part.qc_flags()["PEF"].to_numpy().astype(int)
    shifted = (flags & int(QCFlag.SCALE_SHIFT)) != 0
    assert shifted.any() and (~shifted).any()
    assert scale_shift_factors(shifted_part) == {"PEF": 100.0}
    prepared = fitted.prepare(shifted_part)
    raw = shifted_part.data["PEF"].to_numpy()
    fixed = prepared.data["PEF"].to_numpy()
    np.testing.assert_allclose(fixed[shifted], raw[shifted] * 100)
    np.testing.assert_array_equal(fixed[~shifted], raw[~shifted])
    # the caller's data is untouched; the repair is recorded in provenance and in the model metadata
    assert np.nanmedian(shifted_part.data["PEF"].to_numpy()[shifted]) < 0.2
    assert any(p.step == "model" and p.curve == "PEF" and "multiplied by 100" in p.message for p in prepared.provenance)
    assert fitted.metadata["input_repairs"] == {"spwla-shift": {"PEF": 100.0}}


def test_scale_shift_drop_policy(shifted_part):
    m = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 20}, scale_shift="drop", calibrate="none")
    flags = shifted_part.qc_flags()["PEF"].to_numpy().astype(int)
    shifted = (flags & int(QCFlag.SCALE_SHIFT)) != 0
    assert np.isnan(m.prepare(shifted_part).data["PEF"].to_numpy()[shifted]).all()
    m.fit([shifted_part])
    assert "PEF" in m.tolerated_curves  # the dropped interval is still trained on and predicted
    assert m.metadata["training_rows"]["DTC"] > 0.8 * shifted_part.data["DTC"].notna().sum()
    inside = slice_well(shifted_part, 4000, 4300)  # entirely in the shifted interval
    assert m.predict(inside)["DTC_MEAN"].notna().mean() > 0.9


def test_prediction_notes_repair_in_well_provenance(fitted, shifted_part):
    from dataclasses import replace

    w = replace(shifted_part, provenance=list(shifted_part.provenance))
    before = len(w.provenance)
    fitted.predict(w)
    fitted.predict(w)  # noted once, not per call
    added = w.provenance[before:]
    assert [p.curve for p in added] == ["PEF", "GR"]
    assert "not used by this model" in added[0].message and "normalised from this well's P5/P95" in added[1].message


def test_gamma_ray_normalised_per_well_in_model_input_only(fitted, shifted_part):
    """Another GR calibration of the same rocks (x1.4 + 25 gAPI) gives the same model input and
    prediction; the caller's curve is untouched; a piece too short for percentiles keeps its GR."""
    from dataclasses import replace

    ref = fitted.metadata["normalise_reference"]["GR"]
    assert fitted.metadata["recipe"]["normalise_curves"] == ["GR"]
    lo, hi = np.nanpercentile(shifted_part.data["GR"], [5, 95])  # one training well: its own levels
    assert ref == pytest.approx([lo, hi])
    data = shifted_part.data.copy()
    data["GR"] = 1.4 * data["GR"] + 25.0
    other = replace(shifted_part, data=data, provenance=[])
    given = data["GR"].to_numpy().copy()
    np.testing.assert_allclose(fitted.prepare(other).data["GR"], fitted.prepare(shifted_part).data["GR"], rtol=1e-9)
    a, b = fitted.predict(shifted_part), fitted.predict(other)
    np.testing.assert_allclose(b["DTC_MEAN"], a["DTC_MEAN"], rtol=1e-6)
    np.testing.assert_array_equal(other.data["GR"].to_numpy(), given)  # the caller's curve is untouched
    plain = CalibratedSonicModel(family="ngboost", targets=["DTC"], params=NGB, calibrate="none", normalise_curves=())
    plain.fit([shifted_part])
    assert plain.metadata["normalise_reference"] == {}
    assert not np.allclose(plain.predict(other)["DTC_MEAN"], plain.predict(shifted_part)["DTC_MEAN"], rtol=1e-3)
    short = replace(slice_well(shifted_part, 0, 300), provenance=[])
    np.testing.assert_array_equal(fitted.prepare(short).data["GR"], short.data["GR"])
    fitted.predict(short)
    assert any(p.curve == "GR" and "not normalised" in p.message for p in short.provenance)


def test_calibration_factor_applied_and_recorded(fitted, shifted_part):
    cal = fitted.metadata["calibration"]
    assert set(cal) == {"DTC", "DTS"}
    for t in ("DTC", "DTS"):
        assert cal[t]["split"] == "depth blocks" and cal[t]["folds"] == 3 and cal[t]["n"] > 100
        assert cal[t]["ood_factor"] >= cal[t]["factor"] > 0
        # every fold's own factor is kept; the served factor is split conformal on all folds' rows
        assert cal[t]["aggregate"] == "pooled" and len(cal[t]["fold_factors"]) == 3
        assert cal[t]["factor"] == pytest.approx(np.clip(cal[t]["pooled_factor"], 0.5, 10))
        assert min(cal[t]["fold_factors"]) <= cal[t]["pooled_factor"] <= max(cal[t]["fold_factors"])
    assert fitted.metadata["recipe"]["calibrate"] == "blind"
    assert fitted.metadata["recipe"]["calibration_aggregate"] == "pooled"
    test = slice_well(shifted_part, 4000, 5000)
    raw = fitted.predict_distributions(test, calibrated=False, physical=False)
    cald = fitted.predict_distributions(test, physical=False)
    ood = (fitted.qc_codes(test) & QC_OOD) != 0
    given = fitted.metadata["logged_dtc"]["calibration"]  # DTS rows served from the logged DTC: their own factor
    logged = np.isfinite(logged_dtc(test))
    assert logged.mean() > 0.9
    for t in ("DTC", "DTS"):
        (d0, ok), (d1, _) = raw[t], cald[t]
        expected = np.where(ood[ok], cal[t]["ood_factor"], cal[t]["factor"]) * floor_ratio(d0.std, cal[t]["spread_floor"])
        if t == "DTS":
            theirs = np.where(ood[ok], given["ood_factor"], given["factor"]) * floor_ratio(d0.std, given["spread_floor"])
            expected = np.where(logged[ok], theirs, expected)
        # the calibrated 90% band is the model's times the factor, whatever the tails' shape
        np.testing.assert_allclose((d1.quantiles[0.95] - d1.quantiles[0.05]) / (d0.quantiles[0.95] - d0.quantiles[0.05]), expected, rtol=1e-9)
        np.testing.assert_allclose(d1.mean, d0.mean)
        df = cal[t]["tail_df"]
        assert d1.kind == ("t" if np.isfinite(df) else "normal")
        if np.isfinite(df):  # the std is the Student-t's, wider than the Normal's of the same band
            ratio = tail_std_ratio(df) if t == "DTC" else np.where(logged[ok], tail_std_ratio(given["tail_df"]), tail_std_ratio(df))
            np.testing.assert_allclose(d1.std / d0.std, expected * ratio, rtol=1e-9)


def test_ood_inputs_flagged_and_widened(fitted, shifted_part):
    from dataclasses import replace

    test = slice_well(shifted_part, 4000, 4400)
    data = test.data.copy()
    data.iloc[100:150, data.columns.get_loc("GR")] = 2000.0  # far above anything in training
    odd = replace(test, data=data, provenance=[])
    code = fitted.qc_codes(odd)
    assert ((code[100:150] & QC_OOD) != 0).all()
    assert ((code[:50] & QC_OOD) == 0).mean() > 0.9
    pred = fitted.predict(odd)
    assert ((pred["DTC_QC"].to_numpy()[100:150] & QC_OOD) != 0).all()
    # which cause: GR, on exactly its out-of-range predicted rows (the injected 50 among them)
    reasons = fitted.out_of_range_reasons(odd, pred)
    gr_out = fitted.out_of_range_rows(odd)["GR"] & pred["DTC_MEAN"].notna().to_numpy()
    assert gr_out[100:150].all() and reasons["DTC"]["GR"] == int(gr_out.sum()) == reasons["DTS"]["GR"]
    assert all(n > 0 for counts in reasons.values() for n in counts.values())
    from welllog.predict import checked_prediction

    _, _, warning = checked_prediction(fitted, odd)
    notes = [p.message for p in odd.provenance if p.step == "model" and p.curve == "DTC" and "T_QC bit 8" in p.message]
    assert len(notes) == 1 and f"GR {reasons['DTC']['GR']}" in notes[0] and "Rows per cause (a row may have several): outside the training range GR" in notes[0]
    assert "T_QC bit 8" not in warning  # 50 of 400 rows: named in provenance, not a run warning
    cal = fitted.calibration["DTC"]
    raw = fitted.predict_distributions(odd, calibrated=False, physical=False)["DTC"][0].std
    np.testing.assert_allclose(pred["DTC_STD"].to_numpy()[100:150],
                               raw[100:150] * cal.ood_factor * floor_ratio(raw[100:150], cal.spread_floor) * tail_std_ratio(cal.tail_df))


def test_bad_hole_rows_take_the_out_of_range_factor(fitted, shifted_part):
    """Rows in a bad hole (T_QC bit 4) are never trained or calibrated on, so their interval takes
    the wider out-of-range factor, like rows with an input outside the training range."""
    from dataclasses import replace

    test = slice_well(shifted_part, 4000, 4400)
    qc = test.qc_flags().copy()
    qc.iloc[200:250, qc.columns.get_loc("CALI")] |= int(QCFlag.BAD_HOLE)  # as QC marks caliper >> bit size
    washed = replace(test, qc=qc, provenance=[])
    pred = fitted.predict(washed)
    code = pred["DTC_QC"].to_numpy()
    assert ((code[200:250] & 4) != 0).all() and ((code[200:250] & QC_OOD) == 0).all()
    cal = fitted.calibration["DTC"]
    assert cal.ood_factor > cal.factor * 1.01  # else this test could not tell the factors apart
    raw = fitted.predict_distributions(washed, calibrated=False, physical=False)["DTC"][0].std
    std = pred["DTC_STD"].to_numpy()
    floored = raw * floor_ratio(raw, cal.spread_floor) * tail_std_ratio(cal.tail_df)
    np.testing.assert_allclose(std[200:250], floored[200:250] * cal.ood_factor)
    clean = (code[:200] & (4 | QC_OOD)) == 0
    np.testing.assert_allclose(std[:200][clean], floored[:200][clean] * cal.factor)


def test_dts_never_below_dtc():
    rng = np.random.default_rng(0)
    dtc = Distribution.normal(rng.uniform(60, 120, 500), np.full(500, 3.0))
    dts = Distribution.normal(dtc.mean * rng.uniform(0.8, 2.2, 500), np.full(500, 8.0))
    assert (dts.mean < dtc.mean).any()
    fixed = enforce_vpvs(dtc, dts, 1.0)
    assert (fixed.mean >= dtc.mean - 1e-9).all()
    for q in (0.05, 0.5, 0.95):
        assert (fixed.quantiles[q] >= dtc.quantiles[q] - 1e-9).all()
    fine = dts.mean >= dtc.mean
    np.testing.assert_allclose(fixed.mean[fine], dts.mean[fine])
    np.testing.assert_allclose(fixed.std, dts.std)


def test_model_output_obeys_vp_gt_vs(fitted, spwla_dir):
    from welllog.ingest import read_well

    test = read_well(spwla_dir / "test.csv")
    pred = fitted.predict(test)
    ok = pred["DTC_MEAN"].notna()
    assert ok.mean() > 0.9
    assert (pred.loc[ok, "DTS_MEAN"] >= pred.loc[ok, "DTC_MEAN"]).all()
    assert (pred.loc[ok, "DTS_P05"] >= pred.loc[ok, "DTC_P05"]).all()
    diagnostics: dict = {}
    fitted.predict_distributions(test, diagnostics=diagnostics)
    assert diagnostics["vpvs_violations_before"] is not None
    assert not hasattr(fitted, "last_vpvs_violations_")  # nothing written on a model the API shares between requests
    # Poisson's ratio >= 0: every quantile of DTS at least sqrt(2) x the same quantile of DTC
    for q in ("P05", "P50", "P95"):
        assert (pred.loc[ok, f"DTS_{q}"] >= np.sqrt(2) * pred.loc[ok, f"DTC_{q}"] - 1e-6).all()
    assert (pred.loc[ok, "DTS_P05"] >= pred.loc[ok, "DTC_MEAN"]).mean() > 0.99


def test_prediction_beyond_the_training_targets_is_flagged(fitted, shifted_part):
    """T_QC bit 8 where the served mean leaves the training targets' range (+-5%), whatever the inputs."""
    part = slice_well(shifted_part, 1000, 1600)
    before = fitted.predict(part)
    lo, hi = fitted.metadata["target_ranges"]["DTS"]
    assert lo < np.nanmin(part.data["DTS"]) + 1e-9 and hi > np.nanmax(part.data["DTS"]) - 1e-9
    mean = before["DTS_MEAN"].to_numpy()
    cut = float(np.nanmedian(mean))
    saved = dict(fitted.target_ranges)
    try:
        fitted.target_ranges["DTS"] = (lo, cut)  # pretend the training DTS stopped at this well's median
        after = fitted.predict(part)
    finally:
        fitted.target_ranges = saved
    beyond = mean > cut + 0.05 * (cut - lo)
    assert beyond.any() and (~beyond & np.isfinite(mean)).any()
    flagged = (after["DTS_QC"].to_numpy() & QC_OOD) != 0
    assert flagged[beyond].all()
    np.testing.assert_array_equal(after["DTS_QC"].to_numpy()[~beyond], before["DTS_QC"].to_numpy()[~beyond])
    np.testing.assert_array_equal(after["DTC_QC"].to_numpy(), before["DTC_QC"].to_numpy())
    try:  # the cause is named: "prediction", on exactly those rows
        fitted.target_ranges["DTS"] = (lo, cut)
        reasons = fitted.out_of_range_reasons(part, after)
    finally:
        fitted.target_ranges = saved
    assert reasons["DTS"]["prediction"] == int(beyond.sum()) and "prediction" not in reasons["DTC"]


def test_coverage_factor_matches_quantile():
    rng = np.random.default_rng(1)
    z = rng.normal(scale=2.0, size=20000)
    c = coverage_factor(z, 0.9)
    assert abs(c - 2.0) < 0.1
    assert abs(np.mean(np.abs(z) <= c * z_level(0.9)) - 0.9) < 0.01
    d = scale_distribution(Distribution.normal(np.zeros(3), np.ones(3)), c, (0.05, 0.95))
    np.testing.assert_allclose(d.quantiles[0.95], c * z_level(0.9))


@pytest.mark.parametrize("ood, bad, said", [
    (0.62, 0.41, "; 0.62 instead of 0.34 where an input is out of range, 0.41 in a bad hole;"),
    (0.34, 0.41, "; the same where an input is out of range, 0.41 instead of 0.34 in a bad hole;"),
    (0.341, 0.339, "; the same where an input is out of range and in a bad hole;"),
    (0.62, float("nan"), "; 0.62 instead of 0.34 where an input is out of range;"),
])
def test_calibration_line_names_each_other_factor_once(ood, bad, said):
    """`welllog train` prints the factors for out-of-range and bad-hole rows against the in-range one;
    one equal to it (as printed) reads 'the same', not '0.34 instead of 0.34'."""
    from welllog.calibration import BlindCalibration

    cal = BlindCalibration(factor=0.34, ood_factor=ood, bad_hole_factor=bad, n=500, folds=3, split="wells",
                           blind_coverage_before=0.85)
    assert said in cal.describe(), cal.describe()


def test_calibration_pickled_before_new_fields_still_describes_itself():
    import pickle

    rng = np.random.default_rng(3)
    cal = fit_blind_calibration(rng.normal(size=3000), fold_ids=np.repeat([0, 1, 2], 1000))
    for name in ("fold_factors", "aggregate", "pooled_factor"):  # as saved by an older welllog
        del cal.__dict__[name]
    old = pickle.loads(pickle.dumps(cal))
    assert old.fold_factors == [] and old.aggregate == "median" and np.isnan(old.pooled_factor)
    said = old.describe()
    assert f"std x{cal.factor:.2f}; " in said and "where an input is out of range" in said and "(folds" not in said
    with pytest.raises(ValueError, match="refit"):
        old.with_aggregate("mean")  # nothing to recombine: said, not a NaN factor


def test_extreme_out_of_range_fold_gets_its_own_factor():
    rng = np.random.default_rng(2)
    z = np.concatenate([rng.normal(size=3000), rng.normal(size=3000), rng.normal(scale=8, size=3000)])
    folds = np.repeat([0, 1, 2], 3000)
    pooled = fit_blind_calibration(z, fold_ids=folds).factor
    robust = fit_blind_calibration(z, fold_ids=folds, aggregate="median").factor
    assert robust < 1.3 < pooled  # pooled, one formation unlike the rest widens every interval...
    ood = np.zeros(len(z), dtype=bool)
    ood[6000:] = True  # ...unless it is out of range (as such formations are): it gets its own factor
    cal = fit_blind_calibration(z, ood, fold_ids=folds)
    assert cal.aggregate == "pooled" and cal.factor < 1.3 and cal.ood_factor > 4


def test_bad_hole_rows_get_a_factor_of_their_own():
    """Bad-hole rows neither dilute the out-of-range pool nor take its factor; theirs is never
    below it, and a model saved before the field widens them by the out-of-range factor."""
    import pickle

    rng = np.random.default_rng(4)
    z = np.concatenate([rng.normal(size=4000), rng.normal(scale=2, size=300), rng.normal(scale=3, size=1000)])
    ood = np.r_[np.zeros(4000, bool), np.ones(300, bool), np.zeros(1000, bool)]
    bad = np.r_[np.zeros(4300, bool), np.ones(1000, bool)]
    cal = fit_blind_calibration(z, ood, bad_hole=bad)
    assert abs(cal.factor - 1) < 0.1 and abs(cal.ood_factor - 2) < 0.3 and abs(cal.bad_hole_factor - 3) < 0.3
    assert (cal.n, cal.n_ood, cal.n_bad_hole) == (4000, 300, 1000)
    together = fit_blind_calibration(z, ood | bad)  # the rule before: one pool for both
    assert cal.ood_factor < together.ood_factor < cal.bad_hole_factor
    np.testing.assert_allclose(cal.std_factors(np.array([False, True, True, False]), np.array([False, False, True, True])),
                               [cal.factor, cal.ood_factor, cal.bad_hole_factor, cal.bad_hole_factor])
    milder = fit_blind_calibration(z, ood, bad_hole=np.r_[np.zeros(3000, bool), np.ones(1000, bool), np.zeros(1300, bool)])
    assert milder.bad_hole_factor == milder.ood_factor  # never below the out-of-range factor
    few = fit_blind_calibration(z, ood, bad_hole=np.r_[np.zeros(4300, bool), np.ones(40, bool), np.zeros(960, bool)])
    assert np.isnan(few.bad_hole_pooled_factor) and few.bad_hole_factor == few.ood_factor  # < 50 rows: no factor of their own
    assert "in a bad hole" in cal.describe()
    del cal.__dict__["bad_hole_factor"]  # as saved by an older welllog
    old = pickle.loads(pickle.dumps(cal))
    np.testing.assert_allclose(old.std_factors(np.array([False, True, False]), np.array([False, False, True])),
                               [old.factor, old.ood_factor, old.ood_factor])


def test_spread_floor_recovered_and_applied():
    """Blind errors made of the model's spread plus a part every sample shares (the new well's own
    tool and rock): the floor found is that part, and the band it serves covers 90% whether the
    model said "sure" or "unsure" — where the plain factor under-covers the narrow samples."""
    import pickle

    rng = np.random.default_rng(6)
    spread = rng.uniform(1.0, 12.0, 20000)
    error = rng.normal(size=20000) * np.sqrt(spread**2 + 5.0**2)
    assert abs(fit_spread_floor(error, spread) - 5.0) < 1.0
    assert fit_spread_floor(rng.normal(size=20000) * spread, spread) < 0.5  # errors follow the spread: no floor
    assert fit_spread_floor(error[:10], spread[:10]) == 0.0  # too few rows to tell
    ood = np.zeros(len(spread), dtype=bool)
    cal = fit_blind_calibration(error / spread, ood, spread=spread)
    plain = fit_blind_calibration(error / spread, ood)
    assert abs(cal.spread_floor - 5.0) < 1.0 and plain.spread_floor == 0.0
    least = f"{cal.factor * cal.spread_floor:.3g}"  # in served units: the band never narrower than factor x floor
    assert f"std = sqrt(({cal.factor:.2f} x spread)^2 + {least}^2), so at least {least} in the target's unit" in cal.describe()
    narrow = spread < 3.0
    for c, lo_cov in ((cal, 0.87), (plain, 0.0)):
        band = z_level(0.9) * spread * c.std_factors(ood, spread=spread)
        inside = np.abs(error) <= band
        assert abs(inside.mean() - 0.9) < 0.01
        if c is cal:
            assert inside[narrow].mean() > lo_cov and inside[~narrow].mean() < 0.93
        else:
            assert inside[narrow].mean() < 0.8  # the plain factor is over-confident where the spread is small
    with pytest.raises(ValueError, match="spread"):
        cal.std_factors(ood)  # a floor without the samples' spreads cannot be applied
    # a floor far above the spreads makes the factor small: its bounds follow the typical interval
    # (half to ten times the model's own), not the bare factor, or the band would be clipped wide
    wide = fit_blind_calibration(0.3 * rng.normal(size=20000) * np.sqrt(spread**2 + 60.0**2) / spread, ood, spread=spread)
    assert wide.spread_floor > 30 and wide.typical_floor_ratio > 5 and wide.factor < 0.5
    band = z_level(0.9) * spread * wide.std_factors(ood, spread=spread)
    assert abs(np.mean(np.abs(0.3 * rng.normal(size=20000) * np.sqrt(spread**2 + 60.0**2)) <= band) - 0.9) < 0.02
    del cal.__dict__["spread_floor"]  # as saved by an older welllog: no floor, factors as fitted
    old = pickle.loads(pickle.dumps(cal))
    assert old.spread_floor == 0.0 and (old.std_factors(ood[:3]) == old.factor).all()


def test_heavy_tailed_blind_errors_get_student_t_tails_with_the_same_band():
    """Blind errors with heavier tails than a Normal get a Student-t band: its degrees of freedom
    are the errors' (likelihood), its 90% interval is the conformal one — only the shape changes,
    so the 50% and 99% intervals cover what they say and the NLL drops."""
    import pickle

    rng = np.random.default_rng(7)
    z = 2.0 * rng.standard_t(4, size=20000)
    ood = np.zeros(len(z), dtype=bool)
    cal = fit_blind_calibration(z, ood, tails=True)
    normal = fit_blind_calibration(z, ood)
    assert cal.tail_df in (3.0, 4.0, 5.0) and np.isinf(normal.tail_df) and cal.factor == normal.factor
    assert f"Student-t tails (df {cal.tail_df:g})" in cal.describe() and "Student-t" not in normal.describe()
    assert np.isinf(fit_blind_calibration(rng.normal(size=20000), ood, tails=True).tail_df)  # Normal errors stay Normal
    assert np.isinf(fit_tail_df(z[:50]))  # too few rows to tell
    model = Distribution.normal(np.zeros(len(z)), np.ones(len(z)), (0.05, 0.95))
    band_t = cal.apply(model, ood, None, (0.05, 0.25, 0.75, 0.95))
    band_n = normal.apply(model, ood, None, (0.05, 0.25, 0.75, 0.95))
    assert band_t.kind == "t" and band_n.kind == "normal"
    np.testing.assert_allclose(band_t.quantiles[0.95], band_n.quantiles[0.95])  # the same calibrated band...
    np.testing.assert_allclose(band_t.std, band_n.std * tail_std_ratio(cal.tail_df))  # ...with a t's std
    assert abs(np.mean(np.abs(z) <= band_t.quantiles[0.95]) - 0.9) < 0.01
    half_t = np.mean((z >= band_t.quantiles[0.25]) & (z <= band_t.quantiles[0.75]))
    half_n = np.mean((z >= band_n.quantiles[0.25]) & (z <= band_n.quantiles[0.75]))
    assert abs(half_t - 0.5) < 0.02 < abs(half_n - 0.5)
    ninety_nine = [np.mean(np.abs(z) <= d.ppf(0.995)) for d in (band_t, band_n)]
    assert abs(ninety_nine[0] - 0.99) < 0.003 < abs(ninety_nine[1] - 0.99)
    assert nll(z, band_t) < nll(z, band_n) - 0.02 and crps(z, band_t) < crps(z, band_n)
    # a Vp > Vs lift shifts a t band like a Normal one, keeping its tails
    lifted = enforce_vpvs(Distribution.normal(np.full(3, 100.0), np.ones(3), (0.05, 0.95)), band_t.subset(np.arange(3)), 1.5)
    assert lifted.kind == "t" and (lifted.mean >= 150).all() and (lifted.params["df"] == cal.tail_df).all()
    # a Normal band (a reduced-input model without tails) fills or joins a t band as a t with infinite df
    both = Distribution.concatenate([band_t.subset(np.arange(2)), band_n.subset(np.arange(2))])
    assert both.kind == "t" and np.isinf(both.params["df"][2:]).all()
    np.testing.assert_allclose(both.ppf(0.95), np.r_[band_t.quantiles[0.95][:2], band_n.quantiles[0.95][:2]])
    del cal.__dict__["tail_df"]  # as saved by an older welllog: a Normal band
    assert pickle.loads(pickle.dumps(cal)).apply(model, ood, None, (0.05, 0.95)).kind == "normal"


def test_fold_aggregates_combine_the_same_fold_factors():
    rng = np.random.default_rng(3)
    scales = (1.0, 1.5, 3.0)
    z = np.concatenate([rng.normal(scale=s, size=4000) for s in scales])
    folds = np.repeat([0, 1, 2], 4000)
    cals = {rule: fit_blind_calibration(z, fold_ids=folds, aggregate=rule) for rule in ("median", "mean", "max", "pooled")}
    per_fold = cals["median"].fold_factors
    np.testing.assert_allclose(per_fold, scales, rtol=0.08)  # each fold's own factor, in fold order
    assert all(c.fold_factors == per_fold for c in cals.values())
    assert cals["median"].factor == pytest.approx(per_fold[1])
    assert cals["mean"].factor == pytest.approx(np.mean(per_fold))
    assert cals["max"].factor == pytest.approx(per_fold[2])
    assert cals["pooled"].factor == pytest.approx(cals["median"].pooled_factor)
    assert cals["median"].factor < cals["mean"].factor < cals["max"].factor
    # the pooled rule is plain split conformal: 90% of all blind |z| inside the widened interval
    assert abs(np.mean(np.abs(z) <= cals["pooled"].factor * z_level(0.9)) - 0.9) < 0.005
    assert np.isnan(cals["median"].ood_pooled_factor)  # no OOD rows -> no OOD factor of their own
    assert aggregate_fold_factors([2.0], 1.2, "max") == 1.2  # one fold: nothing to combine, pooled
    line = cals["pooled"].describe()
    assert line.startswith("90% interval calibrated on") and f"std x{cals['pooled'].factor:.2f}" in line and "no factor" not in line
    few = fit_blind_calibration(z[:8010], fold_ids=folds[:8010], folds=3, split="wells")  # third fold: 10 rows
    assert len(few.fold_factors) == 2 and "1 fold(s) with < 20 in-range samples" in few.describe()
    with pytest.raises(ValueError, match="median, mean, max, pooled"):
        aggregate_fold_factors(per_fold, 1.0, "mode")


def test_calibration_aggregate_is_a_recipe_setting(shifted_part):
    m = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 20},
                             calibration_aggregate="max").fit([shifted_part])
    cal = m.metadata["calibration"]["DTC"]
    assert m.metadata["recipe"]["calibration_aggregate"] == "max" and cal["aggregate"] == "max"
    assert cal["factor"] == pytest.approx(np.clip(max(cal["fold_factors"]), 0.5, 10))


def test_depth_feature_only_with_real_depth(shifted_part, tmp_path):
    from welllog.demo import generate_demo_wells
    from welllog.ingest import read_well

    wells = [read_well(p) for p in generate_demo_wells(tmp_path, n_wells=3, seed=3)]
    m = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 20}, calibrate="none",
                             depth_feature="auto").fit(wells)
    assert "DEPT" not in CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 20},
                                              calibrate="none").fit(wells).fitted_spec().inputs  # default: no depth
    assert "DEPT" in m.fitted_spec().inputs and "DEPT" in m.feature_names
    m2 = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 20}, calibrate="none",
                              depth_feature="auto").fit([shifted_part])
    assert "DEPT" not in m2.fitted_spec().inputs  # SPWLA CSV has no depth column: row numbers are no depth
    # a depth-less well is still predicted by a model that uses depth: imputed, flagged T_QC bit 1
    assert "DEPT" in m.tolerated_curves and "DEPT" not in m.required_curves
    part = slice_well(shifted_part, 0, 300)
    pred = m.predict(part)
    assert pred["DTC_MEAN"].notna().mean() > 0.9 and ((pred["DTC_QC"].to_numpy() & 1) != 0).all()


def test_training_rows_skip_bad_hole_and_missing_core(tmp_path):
    from welllog.demo import generate_demo_wells
    from welllog.ingest import read_well

    w = read_well(generate_demo_wells(tmp_path, n_wells=1, seed=5)[0])
    m = CalibratedSonicModel(targets=["DTC"])
    m.feature_spec = recommended_spec()
    qc = w.qc_flags()
    bad = ((qc["RHOB"].to_numpy().astype(int) & int(QCFlag.BAD_HOLE)) != 0) | w.data["RHOB"].isna().to_numpy()
    cleaned = m._training_copy(w, ["RHOB"]).data["DTC"].to_numpy()
    assert np.isnan(cleaned[bad]).all()
    keep = ~bad & w.data["DTC"].notna().to_numpy() & ((qc["DTC"].to_numpy().astype(int) & int(QCFlag.SPIKE)) == 0)
    np.testing.assert_array_equal(cleaned[keep], w.data["DTC"].to_numpy()[keep])


def test_blind_calibration_scores_bad_hole_rows(force2020_dir):
    """The calibration folds score held-out bad-hole rows against their measured target (they take
    the wide factor, so it is fitted on them), while training never sees those targets."""
    from welllog.ingest import read_well

    w = read_well(force2020_dir / "16_2-16.las")
    m = CalibratedSonicModel(targets=["DTC"])
    m.feature_spec = recommended_spec()
    qc = w.qc_flags()
    bad_hole = np.zeros(len(w.data), dtype=bool)
    for c in ("CALI", "RHOB", "NPHI", "PEF"):
        if c in qc.columns:
            bad_hole |= (qc[c].to_numpy().astype(int) & int(QCFlag.BAD_HOLE)) != 0
    measured = bad_hole & w.data["DTC"].notna().to_numpy() & w.data["RHOB"].notna().to_numpy() & ((qc["DTC"].to_numpy().astype(int) & int(QCFlag.SPIKE)) == 0)
    assert measured.sum() >= 50
    assert np.isnan(m._training_copy(w, ["RHOB"]).data["DTC"].to_numpy()[bad_hole]).all()
    scored = m._blind_copy(w, ["RHOB"]).data["DTC"].to_numpy()
    np.testing.assert_array_equal(scored[measured], w.data["DTC"].to_numpy()[measured])
    m.calibrate_bad_hole = False
    assert np.isnan(m._blind_copy(w, ["RHOB"]).data["DTC"].to_numpy()[bad_hole]).all()


def test_ensemble_explanations_are_additive(shifted_part):
    from welllog.explain import explain_samples

    part = slice_well(shifted_part, 0, 2500)
    m = CalibratedSonicModel(family="ensemble", targets=["DTC"], params=ENS, calibrate="none").fit([part])
    est = m.estimators["DTC"]
    assert set(est.explain_targets()) == {"mean", "scale"}
    test = slice_well(shifted_part, 3000, 3300)
    ex = explain_samples(m, test, target="DTC", depths=[float(test.data.index[50]), float(test.data.index[200])])
    pred = m.predict_distributions(test, calibrated=False, physical=False)["DTC"][0].mean
    idx = [50, 200]
    np.testing.assert_allclose(ex["output"], pred[idx], rtol=1e-6)
    np.testing.assert_allclose(np.sum(ex["values"], axis=1) + ex["base_value"], ex["output"], rtol=1e-6)


def test_ensemble_is_a_mixture_of_its_members():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(800, 3))
    y = 100 + 10 * X[:, 0] + rng.normal(size=800)
    e = make_estimator("ensemble", **ENS).fit(X, y)
    d = e.predict_dist(X[:50])
    dn = e.members_["ngboost"].predict_dist(X[:50])
    dl = e.members_["lightgbm"].predict_dist(X[:50])
    np.testing.assert_allclose(d.mean, 0.5 * dn.mean + 0.5 * dl.mean)
    assert (d.std >= np.minimum(dn.std, dl.std) - 1e-9).all()


def test_store_round_trip_keeps_recipe(fitted, tmp_path, shifted_part):
    from welllog.store import ModelStore

    store = ModelStore(tmp_path / "models")
    version = store.save(fitted, "recipe")
    loaded = store.load(f"recipe:{version}")
    assert type(loaded).__name__ == "CalibratedSonicModel"
    md = store.metadata(f"recipe:{version}")
    assert md["calibration"]["DTC"]["factor"] == pytest.approx(fitted.calibration["DTC"].factor)
    test = slice_well(shifted_part, 4500, 4700)
    a, b = fitted.predict(test), loaded.predict(test)
    np.testing.assert_allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), equal_nan=True)


def test_no_random_row_split_anywhere():
    """No shuffled or random row split in the modelling code: folds are wells or depth blocks."""
    root = Path(__file__).resolve().parents[1]
    files = [*sorted((root / "welllog" / "recipes").glob("*.py")), root / "welllog" / "calibration.py", root / "bench" / "bench_accuracy.py",
             *sorted((root / "welllog" / "models").glob("*.py")), *sorted((root / "welllog" / "evaluation").glob("*.py"))]
    banned = {"train_test_split", "KFold", "ShuffleSplit", "permutation", "shuffle"}
    for f in files:
        tree = ast.parse(f.read_text())
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} | {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        assert not banned & names, (f.name, banned & names)
    # and the folds the recipe uses are contiguous blocks for one well
    m = CalibratedSonicModel(calibration_folds=3, calibration_gap=10)
    from welllog.ingest import well_from_arrays

    n = 900
    w = well_from_arrays({"GR": np.linspace(10, 100, n), "DTC": np.linspace(60, 120, n)}, depth=np.arange(n) * 0.5 + 1000)
    folds, split = m._folds([w])
    assert split == "depth blocks"
    for tr, te in folds:
        (held,) = te
        d = held.data.index.to_numpy()
        assert np.allclose(np.diff(d), 0.5)  # one contiguous interval
        for piece in tr:
            gap = np.min(np.abs(piece.data.index.to_numpy()[:, None] - d[None, [0, -1]]))
            assert gap >= 10 * 0.5


def test_dts_is_blended_from_three_routes(fitted, shifted_part):
    """With both targets the recipe fits the Vp/Vs ratio as an auxiliary target (never an output)
    and DTS is the blend of direct, ratio x DTC and mudrock routes (welllog.shear)."""
    from welllog.models.sonic import SonicModel
    from welllog.shear import RATIO_TARGET, blend_shear

    assert fitted.metadata["recipe"]["shear"] == "blend" and fitted.metadata["auxiliary_targets"] == [RATIO_TARGET]
    assert fitted.metadata["targets"] == ["DTC", "DTS"] and RATIO_TARGET in fitted.estimators
    test = slice_well(shifted_part, 4000, 4600)
    pred = fitted.predict(test)
    assert not [c for c in pred.columns if c.startswith(RATIO_TARGET)]
    raw = SonicModel.predict_distributions(fitted, fitted.prepare(test))  # the estimators' own outputs
    ratio = raw[RATIO_TARGET][0]
    assert 1.3 < np.median(ratio.mean) < 3.0  # a Vp/Vs ratio, not a slowness
    weights = fitted.metadata["shear_weights"]
    assert weights == {"direct": 0.3, "ratio": 0.7, "mudrock": 0.0} == dict(zip(weights, fitted.recipe()["shear_weights"]))
    # beyond the slowest DTC the ratio model trained on, the blend leans on the mudrock line
    limit = fitted.metadata["shear_dtc_limit"]
    rows = fitted._training_copy(shifted_part, fitted.required_curves).data
    assert limit == pytest.approx(np.nanpercentile(rows["DTC"].where(rows[RATIO_TARGET].notna()), 99))
    ramp = fitted.metadata["recipe"]["mudrock_ramp"]
    # a well without DTC: the routes on the predicted DTC, with the weights above
    no_dtc = replace(test, data=test.data.assign(DTC=np.nan))
    expected = blend_shear(raw["DTS"][0], ratio, raw["DTC"][0], list(weights.values()), dtc_limit=limit, ramp=ramp)
    got = fitted.predict_distributions(no_dtc, calibrated=False, physical=False)["DTS"][0]
    np.testing.assert_allclose(got.mean, expected.mean)
    if weights["direct"] < 1:
        assert not np.allclose(got.mean, raw["DTS"][0].mean)  # the blend changes the answer
    # where the well logs DTC: the ratio x the measured DTC (inside the ratio model's DTC range)
    ok = raw["DTS"][1]
    logged = logged_dtc(test)[ok]
    got = fitted.predict_distributions(test, calibrated=False, physical=False)["DTS"][0]
    np.testing.assert_allclose(got.mean, blend_shear(raw["DTS"][0], ratio, raw["DTC"][0], list(weights.values()), dtc_limit=limit,
                                                     ramp=ramp, logged=logged).mean)
    inside = np.isfinite(logged) & (logged < limit)
    assert inside.mean() > 0.5
    np.testing.assert_allclose(got.mean[inside], (ratio.mean * logged)[inside])
    direct = CalibratedSonicModel(family="lightgbm", targets=["DTC", "DTS"], params={"n_estimators": 20}, calibrate="none",
                                  shear="direct").fit([shifted_part])
    assert RATIO_TARGET not in direct.estimators and direct.metadata["auxiliary_targets"] == []
    with pytest.raises(Exception, match="shear must be"):
        CalibratedSonicModel(targets=["DTC", "DTS"], shear="ratio").fit([shifted_part])
    with pytest.raises(Exception, match="shear_weights must be 3 non-negative"):
        CalibratedSonicModel(targets=["DTC", "DTS"], shear_weights=(1, -1, 0)).fit([shifted_part])


def test_dts_rows_with_a_logged_dtc_are_served_from_it(fitted, shifted_part):
    """Step 6: where the well logs DTC, DTS takes the measured DTC (bit 64, a calibration of its
    own); rows without a DTC log — or with one QC found no rock measurement — are served as if the
    well had none, and DTC itself never changes."""
    test = slice_well(shifted_part, 4000, 4600)
    half = len(test.data) // 2
    col = test.data.columns.get_loc("DTC")
    data = test.data.copy()
    data.iloc[half:, col] = np.nan
    qc = test.qc_flags().copy()
    qc.iloc[10, qc.columns.get_loc("DTC")] |= int(QCFlag.SPIKE)  # a DTC spike is no measurement to build on
    part = replace(test, data=data, qc=qc)
    pred = fitted.predict(part)
    none = fitted.predict(replace(test, data=test.data.assign(DTC=np.nan)))
    given = (pred["DTS_QC"].to_numpy() & QC_LOGGED_DTC) != 0
    assert given[:half].sum() == half - 1 and not given[10] and not given[half:].any()
    for c in ("DTS_MEAN", "DTS_P05", "DTS_P95", "DTS_QC"):
        np.testing.assert_allclose(pred[c].to_numpy()[half:], none[c].to_numpy()[half:])
    assert not np.allclose(pred["DTS_P95"].to_numpy()[:half] - pred["DTS_P05"].to_numpy()[:half],
                           none["DTS_P95"].to_numpy()[:half] - none["DTS_P05"].to_numpy()[:half])  # its own band
    np.testing.assert_allclose(pred["DTC_MEAN"], none["DTC_MEAN"])
    assert fitted.metadata["logged_dtc"]["weights"] == {"direct": 0.0, "ratio": 1.0, "mudrock": 0.0}
    assert fitted.metadata["logged_dtc"]["calibration"]["n"] > 100 and fitted.metadata["recipe"]["shear_from_logged_dtc"]
    # a model saved before the step (no setting, no calibration for such rows) serves DTS as before
    old = CalibratedSonicModel.__new__(CalibratedSonicModel)
    old.__dict__.update({k: v for k, v in fitted.__dict__.items() if k not in ("shear_from_logged_dtc", "logged_dtc_calibration_")})
    before = old.predict(part)
    assert not (before["DTS_QC"].to_numpy() & QC_LOGGED_DTC).any()
    np.testing.assert_allclose(before["DTS_MEAN"].to_numpy()[:half], none["DTS_MEAN"].to_numpy()[:half])


def test_vp_gt_vs_is_held_against_the_dtc_that_served_dts(fitted, shifted_part):
    """Where DTS is served from the measured DTC (bit 64), Vp/Vs >= sqrt(2) is held against that
    DTC, not the predicted one: a well whose logged rock is faster than the model expects gets a
    DTS no lower than sqrt(2) x its measured DTC, and is not lifted to sqrt(2) x the slower
    predicted DTC (which it used to be: 16/2-16, 138 samples, up to 10 us/ft)."""
    test = slice_well(shifted_part, 4000, 4600)
    fast = replace(test, data=test.data.assign(DTC=test.data["DTC"] * 0.75))  # rock faster than the logs say
    pred = fitted.predict(fast)
    raw = fitted.predict_distributions(fast, physical=False)["DTS"]
    given = (pred["DTS_QC"].to_numpy() & QC_LOGGED_DTC) != 0
    assert given.mean() > 0.9
    measured = logged_dtc(fast)
    for c in ("DTS_MEAN", "DTS_P05", "DTS_P50", "DTS_P95"):
        assert (pred[c].to_numpy()[given] >= np.sqrt(2) * measured[given] - 1e-6).all()
    below_predicted = given & (pred["DTS_MEAN"].to_numpy() < np.sqrt(2) * pred["DTC_MEAN"].to_numpy() - 1.0)
    assert below_predicted.sum() > 50  # the predicted DTC no longer lifts them
    served = np.full(len(pred), np.nan)
    served[raw[1]] = raw[0].mean
    fine = given & (served >= np.sqrt(2) * measured)
    assert fine.sum() > 50
    np.testing.assert_allclose(pred["DTS_MEAN"].to_numpy()[fine], served[fine])
    diagnostics = {}
    fitted.predict_distributions(fast, diagnostics=diagnostics)
    assert diagnostics["vpvs_violations_before"] == 0.0  # counted against the same DTC


@pytest.fixture(scope="module")
def force_shear(force2020_dir):
    """A recipe model of DTC and DTS on four FORCE wells (three log DTS; targets thinned), and a
    blind DTS well: 16/2-16."""
    from welllog.ingest import read_well

    names = ("16_2-11 A", "16_5-3", "25_11-24", "31_2-7")
    model = CalibratedSonicModel(family="lightgbm", targets=["DTC", "DTS"], params={"n_estimators": 60},
                                 feature_spec=recommended_spec()).fit([_thinned(read_well(force2020_dir / f"{n}.las")) for n in names])
    return model, read_well(force2020_dir / "16_2-16.las")


def test_dts_from_the_logged_dtc_on_a_blind_well(force_shear):
    """On a real blind well that logs DTC, DTS served from it is closer to the measured DTS than
    DTS from the predicted DTC, and its band still covers most of it."""
    from welllog.qc import formation_values

    model, well = force_shear
    pred = model.predict(well)
    none = model.predict(replace(well, data=well.data.assign(DTC=np.nan)))
    y = formation_values(well, "DTS")
    rows = np.isfinite(y) & ((pred["DTS_QC"].to_numpy() & QC_LOGGED_DTC) != 0)
    assert rows.sum() > 1000

    def rmse(p):
        return float(np.sqrt(np.mean((p["DTS_MEAN"].to_numpy()[rows] - y[rows]) ** 2)))

    assert rmse(pred) < 0.8 * rmse(none)
    inside = (y[rows] >= pred["DTS_P05"].to_numpy()[rows]) & (y[rows] <= pred["DTS_P95"].to_numpy()[rows])
    assert inside.mean() > 0.75
    from welllog.predict import checked_prediction

    checked_prediction(model, well)  # the output file says which DTS rows lean on the DTC log
    assert any(p.curve == "DTS" and p.message.startswith(f"T_QC bit 64 on {int(((pred['DTS_QC'] & QC_LOGGED_DTC) != 0).sum())} of")
               for p in well.provenance)


def test_dts_is_not_served_beyond_the_end_of_the_mudrock_line(fitted, shifted_part):
    """Where the DTC the shear routes use (here the measured one) is slower than the mudrock line
    reaches (~169 us/ft: the line runs to Vs = 0 near 225, and was cut at a flat 800 us/ft with a
    +-7% band), DTS is not served: T_QC bit 16 in DTS_QC only, DTC served as before, the reason
    in provenance. Elsewhere nothing changes."""
    from welllog.predict import checked_prediction
    from welllog.qc import run_qc
    from welllog.shear import MUDROCK_END_DTC

    test = slice_well(shifted_part, 4000, 4600)
    plain = fitted.predict(test)
    rng = np.random.default_rng(0)
    soft = np.zeros(len(test.data), dtype=bool)
    soft[100:200] = True  # a stretch of soft top-hole rock, logged
    data = test.data.assign(DTC=np.where(soft, 185.0 + rng.normal(0, 2.0, len(soft)), test.data["DTC"]))
    well = replace(test, data=data, provenance=[])
    run_qc(well)  # the changed DTC's own flags
    assert (logged_dtc(well)[soft] > MUDROCK_END_DTC).all()
    pred, _, _ = checked_prediction(fitted, well)
    assert pred["DTS_MEAN"].isna().to_numpy()[soft].all() and pred["DTC_MEAN"].notna().to_numpy()[soft].all()
    assert ((pred["DTS_QC"].to_numpy()[soft] & QC_NOT_PREDICTED) != 0).all()
    from welllog.predict import withheld_shear_rows  # what the dashboard's caption counts

    np.testing.assert_array_equal(withheld_shear_rows(pred), soft)
    assert not ((pred["DTS_QC"].to_numpy()[soft] & (QC_OOD | QC_LOGGED_DTC)) != 0).any()
    np.testing.assert_array_equal(pred["DTC_QC"].to_numpy(), plain["DTC_QC"].to_numpy())
    np.testing.assert_allclose(pred["DTS_MEAN"].to_numpy()[~soft][50:-50], plain["DTS_MEAN"].to_numpy()[~soft][50:-50])
    assert any(p.curve == "DTS" and p.message.startswith(f"DTS not served on {int(soft.sum())} rows where DTC is")
               for p in well.provenance)
    from welllog.explain import explain_well  # an explanation there says the value it explains is not served

    ex = explain_well(fitted, well, target="DTS", depth_range=(well.depth[120], well.depth[140]))
    assert np.isnan(ex.served.values).all() and f"Not served at {len(ex.depth)} of {len(ex.depth)}" in ex.served.reason


def test_dts_explanation_says_which_route_it_explains(fitted, shifted_part):
    """Without a DTC log the direct DTS model is explained (and said to be blended); with one, DTS is
    served (and explained) as the Vp/Vs ratio x the measured DTC."""
    from dataclasses import replace

    from welllog.explain import explain_well

    part = slice_well(shifted_part, 4000, 4100)
    unlogged = replace(part, data=part.data.drop(columns=["DTC"]), provenance=[])
    dts = explain_well(fitted, unlogged, target="DTS", parameter="mean")
    assert "direct DTS model only" in dts.transform and "0.7" in dts.transform and dts.measured is None
    logged = explain_well(fitted, part, target="DTS", parameter="mean")
    assert "of the Vp/Vs-ratio model; here DTS is served as that ratio x the well's measured DTC" in logged.transform
    assert "direct DTS model" not in explain_well(fitted, part, target="DTC", parameter="mean").transform


def test_depth_average_mixes_a_depth_companion_into_dtc(tmp_path, shifted_part):
    """depth_feature="average": DTC = 50/50 mixture of the no-depth model and a DTC model that also
    sees measured depth; wells without real depth (and every DTS route but through DTC) keep the rest."""
    from welllog.demo import generate_demo_wells
    from welllog.ingest import read_well
    from welllog.models.sonic import SonicModel

    wells = [read_well(p) for p in generate_demo_wells(tmp_path, n_wells=3, seed=4)]
    m = CalibratedSonicModel(family="lightgbm", targets=["DTC", "DTS"], params={"n_estimators": 30}, calibrate="none",
                             depth_feature="average").fit(wells[:2])
    # the companion sees vertical depth (TVD; these synthetic wells have none: measured depth, said in provenance)
    assert "TVD" not in m.feature_names and "TVD" in m.metadata["depth_companion"]["features"]
    assert "DEPT" not in m.metadata["depth_companion"]["features"]
    assert m.metadata["recipe"]["depth_average"] is True and m.metadata["recipe"]["companion_depth"] == "vertical"
    test = wells[2]
    prepared = m.prepare(test)
    main = SonicModel.predict_distributions(m, prepared)["DTC"][0]
    comp = m.depth_companion_.predict_distributions(m._with_depth_column(prepared))["DTC"][0]
    np.testing.assert_array_equal(prepared.data["TVD"].to_numpy(), test.depth)
    got = m.predict_distributions(test, physical=False)["DTC"][0]
    np.testing.assert_allclose(got.mean, (main.mean + comp.mean) / 2)
    assert any(p.curve == "TVD" and "takes measured depth as vertical depth" in p.message for p in test.provenance)
    assert (got.std >= np.minimum(main.std, comp.std) - 1e-9).all()  # a mixture is never narrower than both members
    assert not np.allclose(comp.mean, main.mean)  # the companion does see something else
    # the companion draws split thresholds at random (depth must not become a well identifier); the main model does not
    assert m.depth_companion_.estimators["DTC"].extra_trees is True and m.estimators["DTC"].extra_trees is False
    assert m.metadata["recipe"]["companion_extra_trees"] is True
    best = CalibratedSonicModel(family="lightgbm", targets=["DTC", "DTS"], params={"n_estimators": 30}, calibrate="none",
                                depth_feature="average", companion_extra_trees=False).fit(wells[:2])
    np.testing.assert_allclose(SonicModel.predict_distributions(best, prepared)["DTC"][0].mean, main.mean)
    assert not np.allclose(best.depth_companion_.predict_distributions(m._with_depth_column(prepared))["DTC"][0].mean, comp.mean)
    ens = CalibratedSonicModel(family="ensemble", targets=["DTC"], calibrate="none",
                               params={"ngboost_params": {"n_estimators": 20}, "lightgbm_params": {"n_estimators": 20}}).fit(wells[:2])
    assert ens.depth_companion_.estimators["DTC"].lightgbm_params["extra_trees"] is True
    assert "extra_trees" not in (ens.estimators["DTC"].lightgbm_params or {})
    from welllog.explain import explain_well

    ex = explain_well(m, test, target="DTC", parameter="mean", depth_range=(test.depth[100], test.depth[150]))
    assert "companion that also sees vertical depth" in ex.transform
    # a depth-less CSV (SPWLA) keeps the no-depth DTC; a single well without depth gets no companion
    part = slice_well(shifted_part, 0, 400)
    assert not part.has_depth
    served = m.predict_distributions(part, physical=False)["DTC"][0]
    np.testing.assert_allclose(served.mean, SonicModel.predict_distributions(m, m.prepare(part))["DTC"][0].mean)
    assert any(p.curve == "DTC" and "no depth column" in p.message for p in part.provenance)  # said, not silent
    # a well without a required curve: "found" lists the file's curves, not the TVD derived for the companion
    from dataclasses import replace as _replace

    from welllog.errors import MissingCurvesError

    no_gr = _replace(test, data=test.data.drop(columns=["GR"]))
    with pytest.raises(MissingCurvesError) as info:
        m.predict(no_gr)
    assert info.value.missing == ["GR"] and "TVD" not in info.value.found and "RHOB" in info.value.found
    m2 = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 20}, calibrate="none",
                              depth_feature="average").fit([part])
    assert m2.depth_companion_ is None and "depth_companion" not in m2.metadata
    with pytest.raises(Exception, match="depth_feature must be"):
        CalibratedSonicModel(targets=["DTC"], depth_feature="sometimes").fit([part])
    # blind calibration folds average the same way (a companion per fold)
    cal = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 20}, depth_feature="average").fit(wells)
    assert cal.depth_companion_ is not None and cal.metadata["calibration"]["DTC"]["split"] == "wells"


def test_recipe_member_settings_reach_every_model(tmp_path):
    """member_params: LightGBM trees (alone or in the ensemble) grown on a random 60% of the inputs,
    NGBoost leaves of >= 50 samples — in the main model, the calibration folds' models and the
    depth companion alike; a value the user sets wins; {} switches them off."""
    from welllog.demo import generate_demo_wells
    from welllog.ingest import read_well

    wells = [read_well(p) for p in generate_demo_wells(tmp_path, n_wells=3, seed=5)]
    small = {"ngboost_params": {"n_estimators": 15}, "lightgbm_params": {"n_estimators": 15}}
    m = CalibratedSonicModel(family="ensemble", targets=["DTC"], params=small, calibrate="none").fit(wells[:2])
    assert m.metadata["recipe"]["member_params"] == {"lightgbm": {"colsample_bytree": 0.6}, "ngboost": {"min_samples_leaf": 50}}
    assert m.params == small  # the user's params are not rewritten by fit
    for model in (m, m.depth_companion_):
        members = model.estimators["DTC"].members_
        booster = members["lightgbm"].model_.booster_
        assert booster.params["colsample_bytree"] == 0.6
        used = {i for tree in booster.dump_model()["tree_info"] for i in _split_features(tree["tree_structure"])}
        assert len(used) > 0.6 * len(model.feature_names)  # a share per tree, not a fixed subset
        trees = [t for stage in members["ngboost"].model_.base_models for t in stage]
        assert min(t.tree_.n_node_samples[t.tree_.children_left == -1].min() for t in trees) >= 50
        assert {t.max_features_ for t in trees} == {len(model.feature_names)}  # NGBoost sees every input
    fold = CalibratedSonicModel(family="ensemble", targets=["DTC"], params=small)
    assert fold._fold_params()["lightgbm_params"] == {"n_estimators": 15, "colsample_bytree": 0.6}
    assert fold._fold_params()["ngboost_params"] == {"n_estimators": 15, "min_samples_leaf": 50, "refit": False}
    own = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 15, "colsample_bytree": 0.9},
                               calibrate="none", depth_feature=False).fit(wells[:2])
    assert own.estimators["DTC"].colsample_bytree == 0.9
    off = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 15}, calibrate="none",
                               depth_feature=False, member_params={}).fit(wells[:2])
    on = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 15}, calibrate="none",
                              depth_feature=False).fit(wells[:2])
    assert off.estimators["DTC"].colsample_bytree == 1.0 and on.estimators["DTC"].colsample_bytree == 0.6
    assert not np.allclose(off.predict(wells[2])["DTC_MEAN"], on.predict(wells[2])["DTC_MEAN"], equal_nan=True)
    with pytest.raises(Exception, match="member_params are for the members"):
        CalibratedSonicModel(family="lightgbm", targets=["DTC"], member_params={"xgboost": {"max_depth": 3}}).fit(wells[:2])


def _split_features(node: dict) -> set[int]:
    """Feature indices a LightGBM tree (``dump_model`` structure) splits on."""
    if "split_feature" not in node:
        return set()
    return {node["split_feature"]} | _split_features(node["left_child"]) | _split_features(node["right_child"])


def test_well_without_caliper_is_predicted_by_a_model_whose_training_wells_all_had_one(force2020_dir):
    """force2020's 36/7-3 has a caliper on 1% of its rows; trained on two wells logged with a caliper
    throughout, the model still predicts its other rows (training median in place, T_QC bit 1)."""
    from welllog.ingest import read_well
    from welllog.well import QC_MISSING, QC_NOT_PREDICTED

    wells = [read_well(force2020_dir / f) for f in ("16_2-16.las", "25_11-24.las")]
    for w in wells:  # every training row (DTC and the core inputs) has a caliper
        rows = w.data[["DTC", "NPHI", "GR", "RHOB", "RDEP"]].notna().all(axis=1)
        assert w.data.loc[rows, "CALI"].notna().all()
    m = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 60}, calibrate="none").fit(wells)
    assert "CALI" in m.tolerated_curves and "CALI" not in m.required_curves
    assert set(m.metadata["substitutes"]) == {"CALI", "RMED_log10"} and m.metadata["substitutes"]["CALI"] > 0  # both optional
    target = read_well(force2020_dir / "36_7-3.las")
    no_cali = target.data["CALI"].isna().to_numpy()
    core = target.data[["NPHI", "GR", "RHOB", "RDEP"]].notna().all(axis=1).to_numpy()
    assert (no_cali & core).sum() > 5000
    pred = m.predict(target)
    code = pred["DTC_QC"].to_numpy()
    rows = no_cali & core
    assert pred["DTC_MEAN"].to_numpy()[rows].size and np.isfinite(pred["DTC_MEAN"].to_numpy()[rows]).mean() > 0.95
    assert ((code[rows] & QC_MISSING) != 0).all() and ((code[rows] & QC_NOT_PREDICTED) == 0).mean() > 0.95
    # the stand-in is the median, not zero: a row predicted without its caliper equals one given the median caliper
    filled = replace_cali(target, m.metadata["substitutes"]["CALI"])
    both = rows & np.isfinite(pred["DTC_MEAN"].to_numpy())
    np.testing.assert_allclose(m.predict(filled)["DTC_MEAN"].to_numpy()[both], pred["DTC_MEAN"].to_numpy()[both], rtol=1e-9)


def replace_cali(well, value: float):
    from dataclasses import replace

    return replace(well, data=well.data.assign(CALI=well.data["CALI"].fillna(value)), provenance=[])


def test_piece_cut_below_the_shift_still_counts_as_shifted(spwla):
    """Rows 21,000-24,000 of train.csv lie wholly below the PEF shift: QC flags them all, no factor
    can be measured inside the piece, and the curve is still left out (as for the whole well)."""
    below = slice_well(spwla, 21000, 24000, "below-shift")
    assert scale_shift_factors(below) == {}
    m = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 20}, calibrate="none").fit([below])
    assert m.metadata["excluded_inputs"] == {"PEF": ["below-shift"]} and "PEF" not in m.inputs


def test_missing_curve_error_says_why_and_lists_only_the_files_curves(fitted, shifted_part):
    """A density declared in kg/m3 that is in g/cm3 is nulled as impossible: the error says so,
    and "found" lists the well's curves, not the TVD the recipe derives for its depth companion."""
    from welllog.errors import MissingCurvesError
    from welllog.ingest import well_from_arrays

    part = slice_well(shifted_part, 0, 400)
    curves = {c: part.data[c].tolist() for c in ("GR", "NPHI", "RDEP", "RMED", "RHOB", "CALI")}
    well = well_from_arrays(curves, depth=[1500.0 + 0.1524 * k for k in range(len(part.data))], units={"RHOB": "kg/m3"})
    with pytest.raises(MissingCurvesError) as info:
        fitted.check_curves(well)
    message = str(info.value)
    assert "RHOB: read from RHOB, kg/m3 -> g/cm3" in message and "physically impossible" in message
    assert "TVD" not in info.value.found and set(info.value.found) == set(well.curves)


def test_depth_beyond_the_training_wells_is_flagged_out_of_range(tmp_path):
    """The depth companion's trees stop at their deepest training rock: a well logged 4 km deeper
    (same logs) gets T_QC bit 8 on every row, like any out-of-range input, and wider intervals."""
    from dataclasses import replace

    from welllog.demo import generate_demo_wells
    from welllog.ingest import read_well

    wells = [read_well(p) for p in generate_demo_wells(tmp_path, n_wells=4, seed=5, n_samples=900)]
    m = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 40}).fit(wells[:3])
    assert m.depth_companion_ is not None
    test = wells[3]
    deeper = replace(test, data=test.data.set_axis(test.data.index + 4000.0).assign(
        **({"TVD": test.data["TVD"] + 4000.0} if "TVD" in test.data.columns else {})), provenance=[])
    base, deep = m.predict(test), m.predict(deeper)
    ok = base["DTC_MEAN"].notna().to_numpy() & deep["DTC_MEAN"].notna().to_numpy()
    assert ok.mean() > 0.8
    assert ((deep["DTC_QC"].to_numpy()[ok] & QC_OOD) != 0).all()
    assert ((base["DTC_QC"].to_numpy()[ok] & QC_OOD) != 0).mean() < 0.1
    # every deep row's interval takes the out-of-range factor of the blind calibration (the
    # bad-hole one in the demo well's washouts)
    (raw, ok2), (cald, _) = (m.predict_distributions(deeper, calibrated=c, physical=False)["DTC"] for c in (False, True))
    codes = m.qc_codes(deeper)[ok2]
    main = (codes & QC_REDUCED) == 0  # rows without density/neutron: the reduced-input model's own calibration
    raw, cald, codes = raw.subset(main), cald.subset(main), codes[main]
    bad = (codes & QC_BAD_HOLE) != 0
    cal = m.calibration["DTC"]
    assert bad.any() and (~bad).sum() > 100 and cal.bad_hole_factor >= cal.ood_factor
    ratio = cald.std / raw.std / floor_ratio(raw.std, cal.spread_floor)
    np.testing.assert_allclose(ratio[~bad], cal.ood_factor, rtol=1e-9)
    np.testing.assert_allclose(ratio[bad], cal.bad_hole_factor, rtol=1e-9)


def _thinned(well, every: int = 5):
    """The well with every ``every``-th DTC/DTS sample kept (fast fits; features keep every sample)."""
    from dataclasses import replace

    data = well.data.copy()
    for t in ("DTC", "DTS"):
        if t in data.columns:
            data.loc[data.index[np.arange(len(data)) % every != 0], t] = np.nan
    return replace(well, data=data)


@pytest.fixture(scope="module")
def force_reduced(force2020_dir):
    """A recipe model on four real FORCE wells (targets thinned) and a blind well whose top hole
    (a third of its logged DTC) has no neutron or density log: 25/11-24."""
    from welllog.ingest import read_well

    names = ("16_2-16", "25_11-15", "31_3-1", "34_10-19")
    train = [_thinned(read_well(force2020_dir / f"{n}.las")) for n in names]
    model = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 60},
                                 feature_spec=recommended_spec()).fit(train)  # the features `welllog train` uses
    return model, read_well(force2020_dir / "25_11-24.las")


def test_rows_without_density_neutron_are_predicted_by_the_reduced_model(force_reduced):
    """Step 9: the main model needs NPHI and RHOB; top-hole rows without them get a synthetic log
    from the reduced-input model (GR, resistivity, caliper, depth) with its own blind calibration,
    flagged T_QC bit 32 (bit 1 kept: an input is missing) and noted in provenance — instead of
    nothing (bit 16)."""
    from welllog.predict import checked_prediction

    model, well = force_reduced
    fb = model.fallback_
    assert fb is not None and "NPHI" not in fb.inputs and "DEPT" in fb.inputs and fb.calibration["DTC"].factor > 0
    # its depth context is the longer window of the recipe's setting, the main model keeps its own
    assert fb.feature_spec.context_window == model.fallback_context == 101 and model.feature_spec.context_window == 21
    assert "GR_roll101_mean" in fb.feature_names and "GR_roll21_mean" in model.feature_names
    assert model.metadata["recipe"]["fallback_context"] == 101
    assert model.metadata["fallback"]["inputs"] == fb.inputs
    pred, _, _ = checked_prediction(model, well)
    code = pred["DTC_QC"].to_numpy()
    no_pair = (well.data["NPHI"].isna() | well.data["RHOB"].isna()).to_numpy() & well.data["GR"].notna().to_numpy() \
        & well.data["RDEP"].notna().to_numpy()  # RMED is optional: its absence is bit 1, not a reason to leave a row
    reduced = (code & QC_REDUCED) != 0
    assert no_pair.sum() > 3000 and reduced[no_pair].mean() > 0.95 and not reduced[~no_pair].any()
    assert pred["DTC_MEAN"].notna().to_numpy()[reduced].all() and ((code[reduced] & 16) == 0).all()
    assert ((code[reduced] & 1) != 0).all()
    # its band is the reduced model's, and it is honest on this blind top hole: the measured DTC
    # lies inside the 90% band on most of it, and the band is wider than the main model's
    y = well.data["DTC"].to_numpy()
    seen = reduced & np.isfinite(y)
    inside = (y >= pred["DTC_P05"].to_numpy()) & (y <= pred["DTC_P95"].to_numpy())
    assert seen.sum() > 2000 and inside[seen].mean() > 0.7
    width = (pred["DTC_P95"] - pred["DTC_P05"]).to_numpy()
    main = ~reduced & pred["DTC_MEAN"].notna().to_numpy()
    assert np.median(width[reduced]) > np.median(width[main])
    assert any("T_QC bit 32" in p.message for p in well.provenance if p.curve == "DTC")
    # the reduced model runs on the rows it fills only, with the same values as on the whole well
    (whole, ok_all), (part, ok_part) = (fb.predict_distributions(well, rows=r)["DTC"] for r in (None, reduced))
    assert ok_part.sum() == reduced.sum() and (ok_part <= ok_all).all()
    np.testing.assert_allclose(part.mean, whole.mean[ok_part[ok_all]])
    np.testing.assert_allclose(part.std, whole.std[ok_part[ok_all]])


def test_well_without_neutron_is_predicted_reduced_but_an_emptied_curve_is_still_an_error(force_reduced):
    from welllog.errors import MissingCurvesError
    from welllog.ingest import well_from_arrays

    model, well = force_reduced
    part = well.data.iloc[6000:7000]
    arrays = {c: part[c].tolist() for c in ("GR", "RDEP", "RMED", "CALI")}
    depth = part.index.tolist()
    no_pair = well_from_arrays(arrays, depth=depth)  # no density-neutron logged at all
    pred = model.predict(no_pair)
    done = pred["DTC_MEAN"].notna().to_numpy()
    need = part[[c for c in model.fallback_.required_curves if c in part.columns]].notna().all(axis=1).to_numpy()
    assert need.sum() > 300 and done[need].mean() > 0.95 and not done[~need].any()
    assert ((pred["DTC_QC"].to_numpy()[done] & QC_REDUCED) != 0).all()
    emptied = well_from_arrays({**arrays, "NPHI": part["NPHI"].tolist(), "RHOB": part["RHOB"].tolist()}, depth=depth,
                               units={"RHOB": "kg/m3"})  # RHOB in the file, nulled by a wrong unit: fixable, so refused
    with pytest.raises(MissingCurvesError, match="RHOB"):
        model.check_curves(emptied)


def test_reduced_rows_beyond_the_training_depths_are_counted_as_depth(force_reduced):
    """One cause, one name: rows of the reduced-input model beyond the training wells' depths count
    under ``depth`` in the out-of-range reasons, as the main model's do (they were ``DEPT``, which a
    client summing ``depth`` missed — API audit)."""
    from welllog.ingest import well_from_arrays

    model, well = force_reduced
    part = well.data.iloc[6000:7000]
    deep = well_from_arrays({c: part[c].tolist() for c in ("GR", "RDEP", "RMED", "CALI")},
                            depth=(part.index.to_numpy() + 8000.0).tolist())
    pred = model.predict(deep)
    reasons = model.out_of_range_reasons(deep, pred)["DTC"]
    assert reasons.get("depth", 0) > 300 and "DEPT" not in reasons


def test_a_stretch_without_medium_resistivity_is_still_predicted(force_reduced):
    """RMED is optional (recipe ``optional_inputs``): often not run in top hole and nearly the deep
    resistivity beside it, its absence no longer leaves rows without a synthetic log (31/5-4 S:
    three quarters of its logged depth). Such rows are predicted by the main model, T_QC bit 1."""
    model, well = force_reduced
    assert "RMED" in model.metadata["recipe"]["optional_inputs"] and "RMED" not in model.required_curves
    part = slice_well(well, 6000, 7000)
    plain = model.predict(part)
    cut = np.zeros(len(part.data), dtype=bool)
    cut[300:500] = True
    pred = model.predict(replace(part, data=part.data.assign(RMED=part.data["RMED"].where(~cut))))
    served = plain["DTC_MEAN"].notna().to_numpy() & ((plain["DTC_QC"].to_numpy() & QC_REDUCED) == 0) & cut  # by the main model
    assert served.sum() > 80 and pred["DTC_MEAN"].notna().to_numpy()[served].all()
    code = pred["DTC_QC"].to_numpy()[served]
    assert ((code & 1) != 0).all() and ((code & QC_REDUCED) == 0).all()
    assert model.reduced_model_for(replace(part, data=part.data.drop(columns=["NPHI", "RHOB", "RMED"]))) is not None


def test_a_well_without_depth_is_not_served_by_a_reduced_model_that_reads_depth(force_reduced):
    """The reduced-input model of wells with depth takes measured depth as an input; a depth-less
    well (a CSV of samples) would feed it NaN, read as depth 0 (SPWLA train.csv's rows without
    neutron, model trained on FORCE wells: 41 us/ft too slow, band covering 0.18). Such rows stay
    unpredicted, and a depth-less well without neutron or density is refused, naming the depth."""
    from welllog.errors import MissingCurvesError
    from welllog.ingest import well_from_arrays

    model, well = force_reduced
    assert "DEPT" in model.fallback_.fitted_spec().inputs
    part = well.data.iloc[6000:7000]
    logs = {c: part[c].tolist() for c in ("GR", "RDEP", "RMED", "CALI", "RHOB", "PEF")}
    nphi = part["NPHI"].where(np.arange(len(part)) % 25 != 0)
    holes = (nphi.isna() & part[["GR", "RDEP", "RMED", "CALI", "RHOB"]].notna().all(axis=1)).to_numpy()
    assert holes.sum() >= 20
    deep = model.predict(well_from_arrays({**logs, "NPHI": nphi.tolist()}, depth=part.index.tolist()))
    assert ((deep["DTC_QC"].to_numpy()[holes] & QC_REDUCED) != 0).all()  # with depth: the reduced model fills them
    flat = model.predict(well_from_arrays({**logs, "NPHI": nphi.tolist()}))  # no depth column: rows are numbered
    assert flat["DTC_MEAN"].isna().to_numpy()[holes].all()
    assert not ((flat["DTC_QC"].to_numpy().astype(np.int64) & QC_REDUCED) != 0).any()
    main = deep["DTC_MEAN"].notna().to_numpy() & ((deep["DTC_QC"].to_numpy() & QC_REDUCED) == 0)
    assert main.sum() > 500 and flat["DTC_MEAN"].notna().to_numpy()[main].all()  # the main model serves the rest
    with pytest.raises(MissingCurvesError, match="and a depth column"):
        model.check_curves(well_from_arrays({c: logs[c] for c in ("GR", "RDEP", "RMED", "CALI")}))



def test_no_fallback_inputs_keeps_rows_unpredicted(force_reduced):
    model, well = force_reduced
    plain = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 20}, calibrate="none",
                                 fallback_inputs=())
    plain.fit([slice_well(well, 6000, 12000)])
    assert plain.fallback_ is None and "fallback" not in plain.metadata
    code = plain.predict(well)["DTC_QC"].to_numpy()
    assert not ((code & QC_REDUCED) != 0).any() and ((code & 16) != 0).sum() > 3000


def test_explaining_a_top_hole_sample_explains_the_reduced_model(force_reduced):
    """A sample only the reduced-input model predicts is explained by that model (its inputs, its
    additive contributions), beside the value actually served there; a deeper sample still by the
    main model."""
    from welllog.explain import explain_samples

    model, well = force_reduced
    pred = model.predict(well)
    code = pred["DTC_QC"].to_numpy()
    depth = well.data.index.to_numpy()
    top = depth[np.flatnonzero((code & QC_REDUCED) != 0)[100]]
    deep = depth[np.flatnonzero(pred["DTC_MEAN"].notna().to_numpy() & ((code & QC_REDUCED) == 0))[-100]]
    shallow = explain_samples(model, well, target="DTC", depths=[top], group=True)
    assert "NPHI" not in shallow["features"] and "DEPT" in shallow["features"]
    np.testing.assert_allclose(shallow["served"]["values"], pred["DTC_MEAN"].to_numpy()[depth == top], rtol=1e-9)
    np.testing.assert_allclose(np.sum(shallow["values"], axis=1) + shallow["base_value"], shallow["output"], rtol=1e-6)
    deeper = explain_samples(model, well, target="DTC", depths=[deep], group=True)
    assert "NPHI" in deeper["features"]
    # both at once: not the top-hole depth snapped to the nearest main-model sample, but a clear error
    from welllog.errors import UsageError

    with pytest.raises(UsageError, match=rf"depth\(s\) {top:g} m are predicted by the reduced-input model .* {deep:g} m by the main"):
        explain_samples(model, well, target="DTC", depths=[top, deep], group=True)


def test_evaluation_scores_the_reduced_model_rows_apart(force_reduced):
    """`welllog evaluate` pools every scored row, and beside that splits them into the main model's
    and the reduced-input model's (T_QC bit 32), whose errors and bands differ."""
    from welllog.evaluation.compare import evaluate_model
    from welllog.qc import formation_values

    model, well = force_reduced
    result = evaluate_model(model, [well])
    parts = result["overall_by_model"]["DTC"]
    pred = model.predict(well)
    scored = np.isfinite(formation_values(well, "DTC")) & pred["DTC_MEAN"].notna().to_numpy()
    reduced = (pred["DTC_QC"].to_numpy() & QC_REDUCED) != 0
    assert parts["reduced-input"]["n"] == int((scored & reduced).sum()) > 1000
    assert parts["main"]["n"] + parts["reduced-input"]["n"] == result["overall"]["DTC"]["n"]
    y, mean = formation_values(well, "DTC")[scored & reduced], pred["DTC_MEAN"].to_numpy()[scored & reduced]
    assert parts["reduced-input"]["rmse"] == pytest.approx(float(np.sqrt(np.mean((y - mean) ** 2))), rel=1e-6)
    assert "overall_by_model" not in evaluate_model(model.fallback_, [well])  # a model without the reduced step: no split


def test_explaining_a_range_spanning_both_models_says_what_it_leaves_out(force_reduced):
    """A depth range (or the whole well) spanning both models explains the main model's samples and
    says which stretch it leaves to the reduced-input model, with a range that explains that model;
    that range then does (its own samples, its own inputs)."""
    from welllog.explain import explain_samples

    model, well = force_reduced
    pred = model.predict(well)
    depth = well.data.index.to_numpy()
    reduced = (pred["DTC_QC"].to_numpy() & QC_REDUCED) != 0
    main = pred["DTC_MEAN"].notna().to_numpy() & ~reduced
    top, bottom = depth[reduced][0], depth[main][200]
    both = explain_samples(model, well, target="DTC", depth_range=(top, bottom))
    assert both["explained_model"] == "main" and "NPHI" in both["features"]
    assert len(both["depths"]) == int((main & (depth >= top) & (depth <= bottom)).sum())
    n_left = int((reduced & (depth >= top) & (depth <= bottom)).sum())
    match = re.search(r"^(\d+) samples \(.*\) are predicted by the reduced-input model .* \(e\.g\. ([\d.]+) to ([\d.]+) m\)$", both["left_out"])
    assert match and int(match[1]) == n_left, both["left_out"]
    suggested = (float(match[2]), float(match[3]))
    rest = explain_samples(model, well, target="DTC", depth_range=suggested)
    assert rest["explained_model"] == "reduced-input" and rest["left_out"] is None and "NPHI" not in rest["features"]
    assert len(rest["depths"]) == int((reduced & (depth >= suggested[0]) & (depth <= suggested[1])).sum())
    start, stop = max(true_runs(main | ~(reduced | main)), key=lambda r: r[1] - r[0])  # a stretch without reduced rows
    clean = explain_samples(model, well, target="DTC", depth_range=(depth[start], depth[stop - 1]))
    assert clean["explained_model"] == "main" and clean["left_out"] is None


def test_cli_explain_names_the_stretch_it_leaves_out_and_explains_it_by_depth_range(force_reduced, tmp_path, capsys):
    """`welllog explain` on a well whose top hole only the reduced-input model predicts: the report
    says which samples it leaves out and how to ask for them; --depth-range inside that stretch
    explains the reduced-input model (said in the summary and the table)."""
    from welllog.cli.main import main
    from welllog.store import ModelStore

    model, well = force_reduced
    ModelStore(tmp_path / "models").save(model, "reduced")
    common = [well.source, "--model", "reduced", "--models-dir", str(tmp_path / "models"), "--parameter", "mean",
              "--interaction-samples", "0", "--top", "1"]
    assert main(["explain", *common, "--out", str(tmp_path / "whole")]) == 0
    err = " ".join(capsys.readouterr().out.split())  # with the results table, on stdout
    match = re.search(r"(\d+) samples \(.*?\) are predicted by the reduced-input model .*?: --depth-range ([\d.]+) ([\d.]+)", err)
    assert match, err
    assert main(["explain", *common, "--out", str(tmp_path / "top"), "--depth-range", match[2], match[3]]) == 0
    run = json.loads((tmp_path / "top" / "summary.json").read_text())["runs"][0]
    assert run["explained_model"] == "reduced-input" and run["left_out"] is None and run["left_out_depth_range"] is None
    assert float(match[2]) <= run["depth_range"][0] <= run["depth_range"][1] <= float(match[3])
    a, b = json.loads((tmp_path / "whole" / "summary.json").read_text())["runs"][0]["left_out_depth_range"]
    # every sample of the suggested stretch: the printed range is rounded outwards (CLI audit: ":g" lost one)
    assert run["samples"] == int(((well.depth >= a) & (well.depth <= b)).sum()) <= int(match[1])
    contrib = pd.read_csv(tmp_path / "top" / "DTC_mean_contributions.csv")
    assert len(contrib) == run["samples"] and "NPHI" not in contrib.columns


@pytest.fixture(scope="module")
def one_shear_well(force2020_dir):
    """Four real FORCE wells of which only 16/2-16 logs DTS (as DTS is logged in 5 of the 22): the
    shared folds (whole wells) hold 16/2-16 out in one fold, whose model then has no DTS to learn."""
    from welllog.ingest import read_well

    return [_thinned(read_well(force2020_dir / f"{n}.las")) for n in ("16_2-16", "25_11-15", "31_3-1", "34_10-19")]


def test_target_in_one_well_is_calibrated_on_its_own_depth_blocks(one_shear_well):
    """A target the shared folds never score gets folds of its own: depth blocks of the interval
    where the one well that logs it does, the other wells training every fold whole — not the
    model's own spread, silently, as before (bench/RESULTS.md, nineteenth session)."""
    shear = one_shear_well[0]
    m = CalibratedSonicModel(family="lightgbm", targets=["DTC", "DTS"], params={"n_estimators": 60}, fallback_inputs=())
    folds, split = m._folds(one_shear_well, target="DTS")
    assert split == "depth blocks" and len(folds) == 3
    logged = shear.data.index[shear.data["DTS"].notna()]
    for tr, te in folds:
        (held,) = te  # only the well that logs DTS is held out, block by block of its DTS interval
        assert held.name.startswith(shear.name) and logged[0] <= held.data.index[0] and held.data.index[-1] <= logged[-1]
        assert held.data["DTS"].notna().sum() > 50
        assert {w.name for w in tr} >= {w.name for w in one_shear_well[1:]}
        whole = [w for w in tr if not w.name.startswith(shear.name)]
        assert all(len(w.data) == len(o.data) for w, o in zip(whole, one_shear_well[1:]))
    m.fit(one_shear_well)
    dts, dtc = m.calibration["DTS"], m.calibration["DTC"]
    assert dtc.split == "wells" and dtc.calibrated
    assert dts.calibrated and dts.split == "depth blocks where DTS is logged" and dts.n > 100
    assert "depth blocks where DTS is logged" in dts.describe() and "NOT" not in dts.describe()


def test_band_without_a_blind_sample_says_it_is_not_calibrated(one_shear_well):
    """No blind sample at all: factors of 1 would pass for a calibration. The band stays the
    model's own distribution, and ``train`` (the describe line) and every prediction say so."""
    from dataclasses import replace

    from welllog.predict import checked_prediction

    none = fit_blind_calibration(np.zeros(0), np.zeros(0, dtype=bool), folds=3, split="wells",
                                 spread=np.zeros(0), tails=True)
    assert not none.calibrated and none.n == 0 and "NOT calibrated" in none.describe()
    d = Distribution.normal(np.array([80.0, 90.0]), np.array([2.0, 3.0]), [0.05, 0.95])
    assert none.apply(d, np.zeros(2, dtype=bool), None, [0.05, 0.95]) is d
    assert fit_blind_calibration(np.random.default_rng(0).normal(size=100)).calibrated

    model = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 30}, fallback_inputs=()).fit(one_shear_well[1:3])
    well = replace(one_shear_well[3], provenance=[])
    pred, _, _ = checked_prediction(model, well)
    assert not [p for p in well.provenance if "NOT calibrated" in p.message]
    model.calibration["DTC"] = none
    raw = model.predict_distributions(well, calibrated=False)["DTC"][0]
    well = replace(one_shear_well[3], provenance=[])
    pred, _, _ = checked_prediction(model, well)
    (note,) = [p for p in well.provenance if "NOT calibrated" in p.message]
    assert note.curve == "DTC" and "retrain with more wells that log DTC" in note.message
    done = pred["DTC_MEAN"].notna().to_numpy()
    np.testing.assert_allclose(pred["DTC_P95"].to_numpy()[done] - pred["DTC_P05"].to_numpy()[done],
                               raw.ppf(0.95) - raw.ppf(0.05), rtol=1e-4)
