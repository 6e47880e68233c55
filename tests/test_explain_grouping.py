"""Derived features (rolling windows, gradients) fold back onto their source curve exactly."""

from __future__ import annotations

import numpy as np
import pytest

from welllog.evaluation.splits import slice_well
from welllog.explain import explain_well, global_importance, group_interactions, group_values, source_of
from welllog.features import FeatureSpec
from welllog.models import SonicModel


def test_group_values_sums_per_source():
    feats = ["RHOB", "RHOB_roll5_mean", "GR", "RDEP_log10", "RHOB_grad"]
    sources = {"RHOB": "RHOB", "RHOB_roll5_mean": "RHOB", "GR": "GR", "RDEP_log10": "RDEP", "RHOB_grad": "RHOB"}
    vals = np.arange(10.0).reshape(2, 5)
    grouped, names = group_values(vals, feats, sources)
    assert names == ["RHOB", "GR", "RDEP"]
    np.testing.assert_allclose(grouped, [[0 + 1 + 4, 2, 3], [5 + 6 + 9, 7, 8]])
    inter = np.random.default_rng(0).normal(size=(3, 5, 5))
    gi, _ = group_interactions(inter, feats, sources)
    assert gi.shape == (3, 3, 3)
    np.testing.assert_allclose(gi.sum(axis=(1, 2)), inter.sum(axis=(1, 2)))
    np.testing.assert_allclose(gi[:, 0, 0], inter[:, [0, 1, 4]][:, :, [0, 1, 4]].sum(axis=(1, 2)))


def test_source_of_fallback_without_mapping():
    assert source_of("RHOB_roll9_std") == "RHOB"
    assert source_of("RDEP_log10_grad") == "RDEP"
    assert source_of("depth_index") == "depth_index"


@pytest.mark.parametrize("family", ["ngboost", "lightgbm"])
def test_context_features_group_to_curves(force2020_dir, family):
    from welllog.ingest import read_well

    well = slice_well(read_well(force2020_dir / "16_2-16.las"), 9000, 11000, "part")
    spec = FeatureSpec(context_window=5, gradients=True)
    params = {"n_estimators": 40, "learning_rate": 0.1} if family == "ngboost" else {"n_estimators": 30}
    model = SonicModel(targets=["DTC"], family=family, feature_spec=spec, params=params).fit([well])
    assert len(model.feature_names) > len(model.inputs)  # derived features exist
    ex = explain_well(model, well, depth_range=(well.depth[100], well.depth[400]))
    grouped, curves = ex.values(group=True)
    raw, feats = ex.values(group=False)
    assert curves == list(model.inputs)
    for j, curve in enumerate(curves):
        members = [i for i, f in enumerate(feats) if model.feature_sources[f] == curve]
        assert len(members) == 4  # point value, roll mean, roll std, gradient
        np.testing.assert_allclose(grouped[:, j], raw[:, members].sum(axis=1))
    # grouping keeps additivity
    np.testing.assert_allclose(ex.base + grouped.sum(axis=1), ex.output, atol=1e-8)
    g = global_importance(model, well, group=True)
    assert set(g["features"]) == set(model.inputs)
    assert g["mean_abs"] == sorted(g["mean_abs"], reverse=True)


def test_a_curve_without_value_is_its_own_column(force2020_dir):
    """Where the well has no caliper value, the caliper's contribution is the model's missing-value
    branch — the absence's effect, not the rock's — and is shown as "CALI (missing)"; the sum over
    columns, hence additivity, is unchanged."""
    from dataclasses import replace

    from welllog.ingest import read_well

    well = slice_well(read_well(force2020_dir / "16_2-16.las"), 9000, 11000, "part")
    gap = well.data["CALI"].copy()
    gap.iloc[200:300] = np.nan
    gap.iloc[1000:1400] = np.nan  # runs without caliper in training too: the model tolerates its absence
    holed = replace(well, data=well.data.assign(CALI=gap))
    model = SonicModel(targets=["DTC"], family="lightgbm", feature_spec=FeatureSpec(context_window=5),
                       params={"n_estimators": 30}).fit([holed])
    assert "CALI" in model.tolerated_curves
    ex = explain_well(model, holed, depth_range=(well.depth[100], well.depth[400]))
    grouped, names = ex.values(group=True)
    assert names[-1] == "CALI (missing)" and names.count("CALI") == 1
    absent = ex.curves["CALI"].isna().to_numpy()
    assert absent.sum() == 100
    cali, missing = grouped[:, names.index("CALI")], grouped[:, -1]
    assert (cali[absent] == 0).all() and (missing[~absent] == 0).all() and np.abs(missing[absent]).max() > 0
    raw, feats = ex.values(group=False)
    np.testing.assert_allclose(grouped.sum(axis=1), raw.sum(axis=1))
    assert "CALI (missing)" in set(ex.importance()["feature"])
    full = explain_well(model, well, depth_range=(well.depth[100], well.depth[400]))
    assert full.values(group=True)[1] == list(model.inputs)  # nothing missing: no extra column
