"""Explanations put the served value beside the explained one and say why they differ.

A recipe model (depth companion averaged into DTC, DTS blended from three routes, blind
calibration) is explained through its direct estimators, so base value + contributions is not
what ``welllog predict`` serves. On a real FORCE well these tests check that every surface — the
library record, the report's tables and summary.json, the API answer and the dashboard caption —
carries the served value exactly as predicted, that it differs from the explained output where
the recipe blends, and that for a plain model the two are equal. Additivity of the explained
model is unchanged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from welllog.evaluation.splits import slice_well
from welllog.explain import explain_samples, explain_well
from welllog.models import SonicModel

pytestmark = pytest.mark.slow

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
WELL = "16_2-16.las"
STAT = {"mean": "MEAN", "scale": "STD"}


@pytest.fixture(scope="module")
def full_well(force2020_dir):
    from welllog.ingest import read_well

    return read_well(force2020_dir / WELL)


@pytest.fixture(scope="module")
def well(full_well):
    return slice_well(full_well, 9000, 12000, "16_2-16 part")


@pytest.fixture(scope="module")
def unlogged(well):
    """The same well without its DTC log: DTS is then served from the predicted DTC's routes."""
    from dataclasses import replace

    return replace(well, name="16_2-16 part, no DTC", data=well.data.drop(columns=["DTC"]), provenance=[])


@pytest.fixture(scope="module")
def recipe(well):
    """A small recommended-recipe model (NGBoost, so both mean and scale are explained)."""
    from welllog.recipes import CalibratedSonicModel

    return CalibratedSonicModel(family="ngboost", targets=["DTC", "DTS"], params={"n_estimators": 40, "learning_rate": 0.1}).fit([well])


@pytest.fixture(scope="module")
def plain(well):
    return SonicModel(targets=["DTC", "DTS"], family="ngboost", params={"n_estimators": 40, "learning_rate": 0.1}).fit([well])


@pytest.fixture(scope="module")
def store(tmp_path_factory, recipe, plain) -> Path:
    from welllog.store import ModelStore

    root = tmp_path_factory.mktemp("served-models")
    ModelStore(root).save(recipe, "recipe")
    ModelStore(root).save(plain, "plain")
    return root


def _range(well) -> tuple[float, float]:
    return float(well.depth[500]), float(well.depth[900])


@pytest.mark.parametrize("parameter", ["mean", "scale"])
@pytest.mark.parametrize("target", ["DTC", "DTS"])
def test_served_is_the_prediction_and_differs_where_the_recipe_blends(recipe, well, unlogged, target, parameter):
    well = unlogged if target == "DTS" else well  # DTS from the well's own DTC log: tests below
    ex = explain_well(recipe, well, target=target, parameter=parameter, depth_range=_range(well), check=True)
    # the explained model stays exactly additive
    assert ex.contributions.additivity_error() < 1e-8 * max(1.0, float(np.abs(ex.output).max()))
    pred = recipe.predict(well)
    column = f"{target}_{STAT[parameter]}"
    np.testing.assert_array_equal(ex.served.values, pred.loc[ex.depth, column].to_numpy())
    explained = ex.output if parameter == "mean" else np.exp(ex.output)  # NGBoost: scale is the log-std
    np.testing.assert_allclose(ex.served.explained, explained)
    gaps = np.abs(ex.served.values - explained)
    assert ex.served.mean_abs_gap == pytest.approx(gaps.mean()) and ex.served.max_abs_gap == pytest.approx(gaps.max())
    note = ex.served.note
    assert column in note and "companion that also sees vertical depth" in note or target == "DTS"
    if (target, parameter) == ("DTC", "mean"):
        # the served DTC is the 50/50 average with the depth companion, and SHAP is linear in the
        # model: half of each model's contributions explain DTC_MEAN itself, vertical depth among them
        assert gaps.max() < 1e-9 and ex.served.equal is True and "Here they agree" in note
        assert "50/50 average" in note and "TVD" in ex.contributions.features and "TVD" in ex.values()[1]
        assert "explains that average" in ex.transform
        return
    assert gaps.max() > 0.5, (target, parameter)  # blend / calibration act after the explained model
    assert ex.served.equal is False
    assert f"{gaps.mean():.1f} us/ft on average, {gaps.max():.1f} at most" in note
    assert "TVD" not in ex.contributions.features  # the std is not an average: the main model alone
    if target == "DTS":
        assert "direct DTS model" in note and "Vp/Vs-ratio route" in note and "(0.7)" in note and ex.measured is None
    else:
        assert "without depth" in note
    if parameter == "scale":
        assert "blind calibration" in note
        assert (f"adds a floor of {recipe.calibration[target].spread_floor:.3g}" in note) == (recipe.calibration[target].spread_floor > 0)
        df = recipe.calibration[target].tail_df
        assert (f"Student-t tails (df {df:g}" in note) == bool(np.isfinite(df))
    frame = ex.frame()
    after = list(frame.columns[list(frame.columns).index("output"):])
    assert after == (["output", "served"] if parameter == "mean" else ["output", "output_std", "served"])


@pytest.mark.parametrize("parameter", ["mean", "scale"])
def test_dts_served_from_the_measured_dtc_is_explained_through_that_route(recipe, well, parameter):
    """Where the well logs DTC the served DTS is the Vp/Vs ratio x the measured DTC (T_QC bit 64),
    moving to the mudrock line of that DTC where it is slower than the ratio model's rocks (most of
    this part of 16/2-16); the direct DTS model plays no part. So the ratio model is explained,
    its contributions x the measured DTC, and the measured DTC is a contribution of its own: the
    served mean is then explained exactly, mudrock rows included."""
    from welllog.shear import RATIO_TARGET

    ex = explain_well(recipe, well, target="DTS", parameter=parameter, depth_range=_range(well), check=True)
    pred = recipe.predict(well).loc[ex.depth]
    assert ((pred["DTS_QC"].to_numpy() & 64) != 0).all() and ex.measured is not None and ex.left_out is None
    assert ex.contributions.additivity_error() < 1e-8 * max(1.0, float(np.abs(ex.output).max()))
    np.testing.assert_array_equal(ex.measured.values, well.data.loc[ex.depth, "DTC"].to_numpy())
    values, names = ex.values()
    assert names[-1] == "DTC (measured)" and "DTC" not in recipe.features_for(well)[0].columns and RATIO_TARGET in recipe.estimators
    note = ex.served.note
    assert "Vp/Vs-ratio model x this well's measured DTC" in note and "direct DTS model" not in note
    if parameter == "mean":
        np.testing.assert_allclose(ex.served.values, ex.output, rtol=1e-9)  # served DTS_MEAN, exactly
        assert ex.served.equal is True and "Here they agree" in note
        assert (ex.measured.mudrock > 0.2).mean() > 0.5  # the served mean leans on the mudrock line here, and is still exact
    else:  # log-std: log c added to the ratio's log-std; the mudrock ramp and calibration are described
        np.testing.assert_allclose(ex.output - np.log(ex.measured.values), ex.output - values[:, -1] - np.log(ex.measured.reference))
        assert "mudrock line" in note and "blind calibration" in note and ex.served.equal is False


def test_dts_explanation_follows_the_route_of_each_sample(recipe, well):
    """A range spanning logged and unlogged DTC explains the larger part through its route and
    names the rest; listed depths on both routes are refused, as with the reduced-input model."""
    from dataclasses import replace

    from welllog.errors import UsageError

    a = 500
    dtc = well.data["DTC"].to_numpy().copy()
    dtc[a:650] = np.nan  # 150 rows without DTC, 251 with
    part = replace(well, name="16_2-16 gap", data=well.data.assign(DTC=dtc), provenance=[])
    ex = explain_well(recipe, part, target="DTS", depth_range=_range(well))
    assert ex.measured is not None and len(ex.depth) == 251 and ex.depth[0] == well.depth[650]
    assert str(ex.left_out).startswith(f"150 samples ({well.depth[a]:g}-{well.depth[649]:g} m) are served from the DTS models "
                                       "without the measured DTC")
    np.testing.assert_allclose(ex.served.values, ex.output, rtol=1e-9)
    top = explain_well(recipe, part, target="DTS", depth_range=(float(well.depth[a]), float(well.depth[640])))
    assert top.measured is None and top.left_out is None and "direct DTS model" in top.served.note
    with pytest.raises(UsageError, match=r"served from the Vp/Vs ratio x the well's measured DTC .* explain them in two requests"):
        explain_well(recipe, part, target="DTS", depths=[float(well.depth[600]), float(well.depth[700])])


def test_interactions_of_the_served_dtc_mean_add_up_to_its_contributions(recipe, well):
    """The coupling view explains the same average as the contributions: each curve's row of
    interaction values sums to its contribution, vertical depth included."""
    from welllog.explain.core import interaction_values

    inter = interaction_values(recipe, well, target="DTC", max_samples=40)
    ex = explain_well(recipe, well, target="DTC", depths=list(inter.depth), served=False)
    values, names = ex.values()
    assert "TVD" in inter.names and names == inter.names
    np.testing.assert_allclose(inter.values.sum(axis=2), values, atol=1e-6)
    # DTS from the measured DTC: the ratio model's interactions x that DTC, the DTC a main effect
    inter = interaction_values(recipe, well, target="DTS", max_samples=40)
    ex = explain_well(recipe, well, target="DTS", depths=list(inter.depth), served=False)
    values, names = ex.values()
    assert ex.measured is not None and names == inter.names and names[-1] == "DTC (measured)"
    np.testing.assert_allclose(inter.values.sum(axis=2), values, atol=1e-6)


@pytest.mark.parametrize("parameter", ["mean", "scale"])
def test_plain_model_serves_what_is_explained(plain, well, parameter):
    ex = explain_well(plain, well, target="DTS", parameter=parameter, depth_range=_range(well))
    explained = ex.output if parameter == "mean" else np.exp(ex.output)
    np.testing.assert_allclose(ex.served.values, explained, rtol=1e-9)
    np.testing.assert_array_equal(ex.served.values, plain.predict(well).loc[ex.depth, f"DTS_{STAT[parameter]}"].to_numpy())
    assert ex.served.equal is True and "the model served as" in ex.served.note and "Here they agree" in ex.served.note


def test_samples_answer_carries_served_values_and_note(recipe, well):
    d = well.depth
    out = explain_samples(recipe, well, target="DTS", depths=[d[600], d[800]])
    json.dumps(out, allow_nan=False)
    served = out["served"]
    pred = recipe.predict(well).loc[out["depths"], "DTS_MEAN"].to_numpy()
    np.testing.assert_array_equal(served["values"], pred)
    np.testing.assert_allclose(served["explained"], out["output"])
    assert served["column"] == "DTS_MEAN" and served["equal"] is True and "Vp/Vs-ratio model x this well's measured DTC" in served["note"]
    assert out["features"][-1] == "DTC (measured)" and out["feature_values"][0][-1] == pytest.approx(well.data.loc[out["depths"][0], "DTC"])
    np.testing.assert_allclose(out["base_value"] + np.array(out["values"]).sum(axis=1), out["output"], atol=1e-8)


def test_clicks_on_the_same_well_predict_it_once(recipe, well, monkeypatch):
    """One depth explained takes ~20 ms, the served value a whole-well prediction: a second click
    on the same curves (same content, even another copy) reuses it; changed curves do not."""
    from dataclasses import replace

    from welllog.explain import explain_samples, served

    served._PREDICTIONS.clear()
    calls = []
    predict = type(recipe).predict
    monkeypatch.setattr(type(recipe), "predict", lambda self, w, *a, **k: calls.append(w.name) or predict(self, w, *a, **k))
    middle = [float(well.depth[len(well.depth) // 2])]
    notes = list(well.provenance)
    first = explain_samples(recipe, well, target="DTC", depths=middle)
    assert well.provenance == notes  # the whole-well prediction noted into a copy, not the caller's well
    again = explain_samples(recipe, replace(well, provenance=[]), target="DTC", depths=[float(well.depth[10])])
    assert len(calls) == 1 and first["served"]["values"][0] is not None and again["served"]["values"][0] is not None
    changed = replace(well, data=well.data.assign(GR=well.data["GR"] * 1.01), provenance=[])
    explain_samples(recipe, changed, target="DTC", depths=middle)
    assert len(calls) == 2
    # the same curves with other QC flags (a header bit size makes rows bad hole: a wider band) are another well
    flagged = well.qc.copy()
    flagged.iloc[: len(flagged) // 2] |= 4
    explain_samples(recipe, replace(well, qc=flagged, provenance=[]), target="DTC", depths=middle)
    assert len(calls) == 3


def test_report_tables_and_summary_say_what_is_served(recipe, well, tmp_path):
    from welllog.explain.report import write_report

    summary = write_report(recipe, well, tmp_path, interaction_samples=0, plots=False)
    pred = recipe.predict(well)
    runs = {(r["target"], r["parameter"]): r for r in summary["runs"]}
    assert set(runs) == {("DTC", "mean"), ("DTC", "scale"), ("DTS", "mean"), ("DTS", "scale")}
    for (target, parameter), run in runs.items():
        table = pd.read_csv(tmp_path / f"{target}_{parameter}_contributions.csv")
        expected = pred.loc[table["depth_m"].to_numpy(), f"{target}_{STAT[parameter]}"].to_numpy()
        np.testing.assert_allclose(table["served"], expected, rtol=1e-12)
        curves = [c for c in table.columns if c not in ("depth_m", "base_value", "output", "output_std", "served")]
        np.testing.assert_allclose(table["base_value"] + table[curves].sum(axis=1), table["output"], atol=1e-6)
        explained = table["output"] if parameter == "mean" else table["output_std"]
        gap = (table["served"] - explained).abs()
        assert run["served"]["mean_abs_gap"] == pytest.approx(gap.mean(), rel=1e-6)
        assert run["served"]["max_abs_gap"] == pytest.approx(gap.max(), rel=1e-6)
        assert (gap.max() < 1e-9) if parameter == "mean" else (gap.max() > 0.5)  # DTS: from the measured DTC
        assert run["served"]["column"] == f"{target}_{STAT[parameter]}" and run["served"]["note"].startswith("Explains ")
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert "Vp/Vs-ratio model x this well's measured DTC" in saved["runs"][2]["served"]["note"]
    # the served DTC mean is explained with the companion's vertical depth: listed as a feature
    assert "TVD" in saved["features"] and "TVD" in pd.read_csv(tmp_path / "DTC_mean_contributions.csv").columns


def test_cli_prints_the_gap_and_why(store, well, tmp_path, capsys):
    from welllog.cli.main import main

    csv = tmp_path / "part.csv"
    well.data.reset_index().to_csv(csv, index=False)
    rc = main(["explain", str(csv), "--model", "recipe", "--models-dir", str(store), "--out", str(tmp_path / "out"),
               "--target", "DTS", "--parameter", "mean", "--interaction-samples", "0", "--top", "1"])
    assert rc == 0
    out = " ".join(capsys.readouterr().out.split())  # with the results table, on stdout
    assert "DTS mean: Explains the Vp/Vs-ratio model x this well's measured DTC" in out  # named although the gap is 0


def test_api_answer_adds_served(store, well):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings
    from dashboard.client import well_payload

    depth = float(well.depth[700])
    with TestClient(create_app(settings=Settings(models_dir=store))) as client:
        body = {"model": "recipe", **well_payload(well), "target": "DTS", "depths": [depth]}
        r = client.post("/v1/explain", json=body)
        assert r.status_code == 200, r.text
        answer = r.json()
        p = client.post("/v1/predict", json={"model": "recipe", **well_payload(well)})
        assert p.status_code == 200, p.text
    served, predicted = answer["served"], p.json()
    i = int(np.argmin(np.abs(np.asarray(predicted["depth"], dtype=float) - depth)))
    assert served["values"][0] == pytest.approx(predicted["targets"]["DTS"]["mean"][i], rel=1e-9)
    assert served["values"][0] == pytest.approx(answer["output"][0], rel=1e-9)  # from the measured DTC: exact
    assert "Vp/Vs-ratio model x this well's measured DTC" in served["note"] and served["column"] == "DTS_MEAN"
    assert answer["features"][-1] == "DTC (measured)"


# -- dashboard: the caption under the waterfall ---------------------------------------------------
def _app(store: Path, monkeypatch, well_path: Path, model: str):
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("WELLLOG_API_URL", raising=False)
    monkeypatch.setenv("WELLLOG_MODELS_DIR", str(store))
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.run()
    at.file_uploader(key="uploads").upload(WELL, well_path.read_bytes())
    at.run()
    at.selectbox(key="model").set_value(model).run()
    at.segmented_control(key="view").set_value("Explain").run()
    assert not at.exception, at.exception
    return at


def _waterfall_total(at, title_start: str) -> tuple[float, float]:
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        title = spec.get("layout", {}).get("title", {}).get("text") or ""
        if title.startswith(title_start):
            return float(re.search(r"at ([\d.]+) m", title).group(1)), float(spec["data"][0]["y"][-1])
    raise AssertionError(f"no waterfall {title_start!r}")


def test_dashboard_caption_names_what_is_explained_and_the_served_value(store, monkeypatch, force2020_dir, full_well, recipe):
    at = _app(store, monkeypatch, force2020_dir / WELL, "recipe")
    at.radio(key="target").set_value("DTS").run()
    at.number_input(key="explain_depth").set_value(1700.0).run()
    assert not at.exception, at.exception
    depth, total = _waterfall_total(at, "DTS mean at")
    pred = recipe.predict(full_well)
    served = float(pred["DTS_MEAN"].iloc[int(np.argmin(np.abs(full_well.depth - depth)))])
    captions = [c.value for c in at.caption]
    # 16/2-16 logs DTC at 1700 m: DTS is served as the Vp/Vs ratio x that DTC, and explained so: equal, the route named
    mean_caption = next(c for c in captions if c.startswith("The explained total"))
    assert f"equals the served DTS mean here ({served:.1f} us/ft)" in mean_caption and f"({total:.1f})" in mean_caption
    assert "Vp/Vs-ratio model x this well's measured DTC" in mean_caption and "direct DTS model" not in mean_caption
    scale_caption = next(c for c in captions if c.startswith("Served DTS std here"))
    std = float(pred["DTS_STD"].iloc[int(np.argmin(np.abs(full_well.depth - depth)))])
    assert f"**{std:.1f} us/ft**" in scale_caption and "blind calibration" in scale_caption


def test_dashboard_caption_of_a_plain_model_says_equal(store, monkeypatch, force2020_dir):
    at = _app(store, monkeypatch, force2020_dir / WELL, "plain")
    at.number_input(key="explain_depth").set_value(1700.0).run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert any(c.startswith("The explained total") and "equals the served DTC mean" in c for c in captions), captions
    assert not any(c.startswith("Served DTC") for c in captions)
