"""The plain-data functions the API and dashboard call (CONTRACTS.md "Explanations")."""

from __future__ import annotations

import json

import numpy as np
import pytest

from welllog.errors import UsageError, WelllogError
from welllog.evaluation.splits import slice_well
from welllog.explain import coupling, explain_samples, global_importance
from welllog.models import SonicModel


@pytest.fixture(scope="module")
def well(force2020_dir):
    from welllog.ingest import read_well

    return slice_well(read_well(force2020_dir / "16_2-16.las"), 9000, 10500, "16_2-16 part")


@pytest.fixture(scope="module")
def model(well):
    return SonicModel(targets=["DTC", "DTS"], family="ngboost", params={"n_estimators": 50, "learning_rate": 0.1}).fit([well])


def test_samples_are_nearest_and_additive(model, well):
    d = well.depth
    asked = [d[10] + 0.04, d[700] - 0.03, d[1200]]
    out = explain_samples(model, well, target="DTS", depths=asked)
    json.dumps(out, allow_nan=False)  # plain, JSON-serialisable data
    assert out["target"] == "DTS" and out["parameter"] == "mean"
    np.testing.assert_allclose(out["depths"], [d[10], d[700], d[1200]])
    vals = np.array(out["values"])
    assert vals.shape == (3, len(out["features"]))
    np.testing.assert_allclose(out["base_value"] + vals.sum(axis=1), out["output"], atol=1e-8)
    pred = model.predict(well).loc[out["depths"], "DTS_MEAN"].to_numpy()
    np.testing.assert_allclose(out["output"], pred, rtol=1e-6)
    assert len(out["feature_values"]) == 3 and len(out["feature_values"][0]) == len(out["features"])


def test_depth_range_and_ungrouped(model, well):
    lo, hi = well.depth[100], well.depth[160]
    out = explain_samples(model, well, depth_range=(hi, lo), parameter="scale", group=False)
    assert out["features"] == model.feature_names
    assert min(out["depths"]) >= lo and max(out["depths"]) <= hi and len(out["depths"]) > 50


def test_global_importance_ranked(model, well):
    g = global_importance(model, well, target="DTC")
    json.dumps(g, allow_nan=False)
    assert g["mean_abs"] == sorted(g["mean_abs"], reverse=True)
    assert set(g["features"]) == set(model.inputs) and g["samples"] > 1000


def test_coupling_pair(model, well):
    c = coupling(model, well, target="DTC", feature="RHOB", max_samples=120)
    json.dumps(c, allow_nan=False)
    assert c["feature"] == "RHOB" and c["partner"] != "RHOB"
    m = np.array(c["mean_abs_interaction"])
    i, j = c["features"].index("RHOB"), c["features"].index(c["partner"])
    off = [m[i, k] for k in range(len(m)) if k != i]
    assert m[i, j] == max(off)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"target": "RHOB"}, "not predicted"),
        ({"parameter": "variance"}, "cannot be explained"),
        ({"depths": [1.0]}, "outside the well"),
        ({"depths": []}, "non-empty"),
        ({"depth_range": (1.0, 2.0)}, "no predictable sample"),
    ],
)
def test_bad_requests_are_user_errors(model, well, kwargs, match):
    with pytest.raises(UsageError, match=match) as err:
        explain_samples(model, well, **kwargs)
    assert isinstance(err.value, WelllogError) and err.value.http_status == 400
