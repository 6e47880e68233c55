"""Exact additivity on a real well for every family: base + sum of contributions == the model.

The reference is the model's *public* prediction (``SonicModel.predict`` T_MEAN for the mean;
the fitted distribution's log-scale / the scale model's own predict for the uncertainty), so
the test fails if the tree conversion (NGBoost's binned thresholds, column maps, scalings) or
the native routes drift from what the model really computes.
"""

from __future__ import annotations

import numpy as np
import pytest

from welllog.evaluation.splits import slice_well
from welllog.explain import explain_well
from welllog.models import FAMILIES, SonicModel

from .fast_models import FAST_PARAMS as FAST


@pytest.fixture(scope="module")
def well(force2020_dir):
    from welllog.ingest import read_well

    full = read_well(force2020_dir / "16_2-16.las")
    return slice_well(full, 9000, 12000, "16_2-16 part")


@pytest.fixture(scope="module", params=FAMILIES)
def model(request, well):
    return SonicModel(targets=["DTC", "DTS"], family=request.param, params=FAST[request.param]).fit([well])


@pytest.mark.parametrize("parameter", ["mean", "scale"])
@pytest.mark.parametrize("target", ["DTC", "DTS"])
def test_base_plus_contributions_is_model_output(model, well, target, parameter):
    lo, hi = well.depth[500], well.depth[800]
    ex = explain_well(model, well, target=target, parameter=parameter, depth_range=(lo, hi), check=True)
    assert len(ex.depth) > 250
    scale = max(1.0, float(np.abs(ex.output).max()))
    # XGBoost computes in float32: allow its rounding, nothing more
    tol = 1e-4 * scale if model.family == "xgboost" else 1e-8 * scale
    assert ex.contributions.additivity_error() < tol, (model.family, target, parameter)
    # contributions are not trivially zero: the explained output varies along the well
    assert np.ptp(ex.output) > 0 and np.abs(ex.contributions.values).sum() > 0
    if parameter == "mean":
        pred = model.predict(well).loc[ex.depth, f"{target}_MEAN"].to_numpy()
        np.testing.assert_allclose(ex.base + ex.contributions.values.sum(axis=1), pred, rtol=1e-5, atol=1e-4)


def test_stock_ngboost_with_column_subsampling(spwla_dir):
    """A stock NGBRegressor (col_sample < 1: trees see column subsets) combined into one ensemble."""
    import pandas as pd
    from ngboost import NGBRegressor

    from welllog.explain import contributions

    df = pd.read_csv(spwla_dir / "train.csv").replace(-999, np.nan).iloc[14000:17000]
    X = df[["CAL", "CNC", "GR", "PE", "ZDEN"]].dropna()
    y = df.loc[X.index, "DTC"]
    keep = y.notna()
    X, y = X[keep], y[keep]
    ngb = NGBRegressor(n_estimators=40, col_sample=0.6, verbose=False, random_state=0).fit(X.to_numpy(), y.to_numpy())
    for param in (0, 1):
        c = contributions(ngb, X.iloc[:300], param=param, check=True)
        assert c.additivity_error() < 1e-8 * max(1.0, np.abs(c.output).max())
        np.testing.assert_allclose(c.output, ngb.pred_param(X.iloc[:300].to_numpy())[:, param])
