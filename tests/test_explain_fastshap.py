"""The compiled per-leaf TreeSHAP equals SHAP's C++ code / the libraries' native SHAP, NaNs included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from welllog.explain import engine
from welllog.models import FAMILIES, make_estimator

from .fast_models import FAST_PARAMS as FAST


@pytest.fixture(scope="module")
def data(spwla_dir):
    df = pd.read_csv(spwla_dir / "train.csv").replace(-999, np.nan).iloc[14000:18000]
    X = df[["CAL", "CNC", "GR", "HRD", "HRM", "PE", "ZDEN"]].copy()
    X[["HRD", "HRM"]] = np.log10(X[["HRD", "HRM"]].where(X[["HRD", "HRM"]] > 0))
    y = df["DTC"].to_numpy()
    keep = np.isfinite(y)
    return X[keep].to_numpy(), y[keep]


@pytest.mark.parametrize("family", FAMILIES)
def test_compiled_route_matches_reference(family, data):
    X, y = data
    est = make_estimator(family, **FAST[family])
    nan_native = est.accepts_nan
    Xfit = X if nan_native else np.where(np.isnan(X), np.nanmedian(X, axis=0), X)
    est.fit(Xfit[::2], y[::2])
    Xe = (X[1::2][:600] if nan_native else Xfit[1::2][:600]).copy()
    if nan_native:  # exercise the NaN (default direction) path: gaps in a resistivity and the density
        Xe[::7, 3] = np.nan
        Xe[::11, 6] = np.nan
    for name, tree in est.explain_targets().items():
        fast = engine.prepare(tree)
        ref = engine.prepare(tree, compiled=False)
        assert fast.tables is not None, (family, name)
        a = engine.contributions(fast, Xe)
        b = engine.contributions(ref, Xe, check=True)
        assert fast.tables is not None and fast.verified, (family, name)  # compiled route really used
        tol = 1e-4 if family == "xgboost" else 1e-9
        scale = max(1.0, float(np.abs(b.values).max()))
        np.testing.assert_allclose(a.values, b.values, atol=tol * scale)
        assert a.base == pytest.approx(b.base, abs=tol * scale)
        # and the compiled values add up to the model's own output
        assert np.max(np.abs(a.base + a.values.sum(axis=1) - b.output)) < tol * max(1.0, float(np.abs(b.output).max()))


def test_native_families_fall_back_when_compiled_route_disagrees(data):
    """If SHAP's parse of an XGBoost/LightGBM model ever drifts, the native route takes over."""
    X, y = data
    est = make_estimator("lightgbm", n_estimators=20).fit(X[::2], y[::2])
    prep = engine.prepare(est.explain_targets()["mean"])
    prep.tables.table = prep.tables.table * 1.5  # simulate a wrong parse
    got = engine.contributions(prep, X[1::2][:200])
    assert prep.tables is None and prep.verified is False
    ref = engine.contributions(engine.prepare(est.explain_targets()["mean"], compiled=False), X[1::2][:200])
    np.testing.assert_allclose(got.values, ref.values)


@pytest.mark.parametrize("family", ["gbdt", "xgboost", "lightgbm"])
def test_trees_too_wide_for_tables_are_added_from_shap(family, data, monkeypatch):
    """Trees whose paths use more distinct features than the tables allow go through SHAP's C++
    code (LightGBM's missing-value rules applied to the inputs) and are summed in exactly."""
    from welllog.explain import fastshap

    X, y = data
    est = make_estimator(family, **FAST[family]).fit(X[::2], y[::2])
    Xe = X[1::2][:400].copy()
    Xe[::5, 2] = np.nan
    Xe[::9, 5] = np.nan
    tree = est.explain_targets()["mean"]
    parsed = engine.prepare(tree, compiled=False).explainer.model
    widths = sorted(fastshap._max_distinct(parsed.children_left, parsed.children_right, parsed.features, t)
                    for t in range(parsed.children_left.shape[0]))
    limit = widths[len(widths) // 2]
    if limit == widths[-1]:
        limit -= 1
    monkeypatch.setattr(fastshap, "MAX_DISTINCT", limit)
    fast = engine.prepare(tree)
    assert fast.tables is not None and fast.tables.rest and fast.rest is not None
    assert len(fast.tables.table_ptr) > 0  # both halves are in use
    got = engine.contributions(fast, Xe)
    assert fast.verified and fast.tables is not None
    ref = engine.contributions(engine.prepare(tree, compiled=False), Xe)
    tol = 1e-4 if family == "xgboost" else 1e-9
    np.testing.assert_allclose(got.values, ref.values, atol=tol * max(1.0, float(np.abs(ref.values).max())))
