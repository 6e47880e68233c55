"""Dashboard building blocks on real wells: tracks, quality, sources, client payloads, catalog."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from dashboard.catalog import calibration_table, comparison_table, metrics_table
from dashboard.client import HttpBackend, prediction_frame, well_payload
from dashboard.quality import not_formation_count, outside_intervals, paired
from dashboard.tracks import (
    QC_CLEAR, QC_INFO, display_rows, log_tracks, out_of_range_caption, plan_tracks, print_scale, qc_labels,
)
from dashboard.wells import Overrides, WellSource, mapping_table, parse_pairs, read_source, sources_from_path
from welllog.errors import UsageError, WellReadError, WelllogError


@pytest.fixture(scope="module")
def well_16_2_16(force2020_dir):
    return read_source(WellSource(name="16_2-16.las", path=str(force2020_dir / "16_2-16.las")))


def test_display_rows_thins_large_wells_only():
    assert list(display_rows(10, 3000)) == list(range(10))
    rows = display_rows(13637, 3000)
    assert len(rows) <= 3000 and rows[0] == 0 and rows[-1] == 13636
    assert np.all(np.diff(rows) > 0)


def test_tracks_of_a_real_well(well_16_2_16):
    well = well_16_2_16
    fig = log_tracks(well, None, ["DTC", "DTS"])
    titles = [t.title for t in plan_tracks(well, None, ["DTC", "DTS"])]
    assert titles == ["GR", "Resistivity", "RHOB / NPHI", "PEF", "DTC (measured)", "DTS (measured)"]
    # depth shared and increasing downward on every track
    y_axes = [k for k in fig.layout.to_plotly_json() if k.startswith("yaxis")]
    assert len(y_axes) == len(titles)
    assert all(fig.layout[k].autorange == "reversed" for k in y_axes)
    assert fig.layout.xaxis2.type == "log"  # resistivity track
    # display is thinned, but the well is not
    assert len(well.data) > 3000
    assert all(len(tr.y) <= 3000 for tr in fig.data)
    # CALI/BS overlay the GR track on a top axis, NPHI overlays RHOB
    overlay_axes = {tr.name: tr.xaxis for tr in fig.data if tr.name in ("CALI", "BS", "NPHI")}
    assert set(overlay_axes) == {"CALI", "BS", "NPHI"}
    assert fig.layout[overlay_axes["NPHI"].replace("x", "xaxis")].overlaying == "x3"
    # a top scale reads like a log header: its ends and middle, not the main axis' gridlines
    nphi_axis = fig.layout[overlay_axes["NPHI"].replace("x", "xaxis")]
    assert list(nphi_axis.tickvals) == pytest.approx([0.45, 0.15, -0.15]) and list(nphi_axis.ticktext) == ["0.45", "0.15", "-0.15"]
    assert list(fig.layout[overlay_axes["CALI"].replace("x", "xaxis")].tickvals) == [6.0, 16.0, 26.0]
    assert fig.layout.xaxis2.dtick == 1  # resistivity: a label per decade only
    assert fig.layout.xaxis5.ticklabeloverflow == "hide past domain"  # no "200100" between neighbours


def test_prediction_tracks_band_and_qc(well_16_2_16):
    well = well_16_2_16
    # a prediction-shaped frame from the measured curve itself (band of +-5 us/ft)
    dtc = well.data["DTC"]
    pred = pd.DataFrame({"DTC_MEAN": dtc, "DTC_STD": 3.0, "DTC_P05": dtc - 5, "DTC_P50": dtc, "DTC_P95": dtc + 5,
                         "DTC_QC": np.where(dtc.isna(), 16, 0)}, index=well.data.index)
    fig = log_tracks(well, pred, ["DTC"])
    names = [tr.name for tr in fig.data]
    assert "DTC P05–P95" in names and "DTC predicted" in names and "DTC measured" in names
    band = next(tr for tr in fig.data if tr.name == "DTC P05–P95")
    assert band.fill == "toself"
    # one closed outline per run of predicted samples: NaN separators, never bridging a gap
    shown = np.isfinite(dtc.to_numpy()[display_rows(len(dtc))]).astype(int)
    expected_runs = int((np.diff(np.concatenate([[0], shown])) == 1).sum())
    assert np.isnan(np.asarray(band.x, dtype=float)).sum() == expected_runs
    assert np.nanmin(np.asarray(band.x, dtype=float)) >= np.nanmin(dtc) - 5 - 1e-9
    qc = next(tr for tr in fig.data if tr.type == "heatmap")
    z = np.asarray(qc.z)
    # "not predicted" where DTC is missing; none reduced; no "from DTC log" column (a DTS-only bit)
    assert qc.name == "DTC QC" and "from DTC log" not in list(qc.x)
    assert z.shape[1] == 6 and z[:, 4].any() and not z[:, 5].any()
    # the prediction track keeps its labels inside; the QC track's slanted labels may lean out
    axes = {fig.layout[k].title.text: fig.layout[k] for k in fig.layout.to_plotly_json() if k.startswith("xaxis")}
    assert axes["DTC (us/ft)"].ticklabeloverflow == "hide past domain"
    assert axes["DTC QC flags"].ticklabeloverflow is None


def test_quality_pairs_and_outside_intervals(well_16_2_16):
    well = well_16_2_16
    dtc = well.data["DTC"].to_numpy()
    pred = pd.DataFrame({"DTC_MEAN": dtc, "DTC_STD": 1.0, "DTC_P05": dtc - 1, "DTC_P95": dtc + 1},
                        index=well.data.index)
    # push two known intervals out of the band: 100 samples above, 50 below
    idx = np.flatnonzero(np.isfinite(dtc))
    above, below = idx[1000:1100], idx[3000:3050]
    pred.iloc[above, pred.columns.get_loc("DTC_P95")] = dtc[above] - 0.5
    pred.iloc[below, pred.columns.get_loc("DTC_P05")] = dtc[below] + 0.5
    pairs = paired(well, pred, "DTC")
    # scored where DTC measured the rock: 16/2-16's 53 samples QC calls not formation are left out, as `welllog evaluate` does
    assert len(pairs) == np.isfinite(dtc).sum() - 53 and not_formation_count(well, "DTC") == 53
    runs = outside_intervals(pairs)
    assert list(runs["samples"]) == [100, 50]
    assert list(runs["side"]) == ["above P95", "below P05"]
    assert runs["top"].iloc[0] == pytest.approx(well.depth[above[0]])
    assert runs["base"].iloc[1] == pytest.approx(well.depth[below[-1]])
    assert runs["max excess"].iloc[0] == pytest.approx(0.5)


def test_sources_from_path(force2020_dir):
    sources = sources_from_path(str(force2020_dir))
    assert len(sources) == 22 and all(s.path for s in sources)
    assert any(s.name == "16_2-11 A.las" for s in sources)  # names with spaces survive
    with pytest.raises(WellReadError, match="no-such-well.las"):
        sources_from_path(str(force2020_dir / "no-such-well.las"))


def test_upload_bytes_equal_path_and_overrides_reach_the_library(force2020_dir, spwla_dir):
    path = force2020_dir / "16_2-16.las"
    by_path = read_source(WellSource(name=path.name, path=str(path)))
    by_bytes = read_source(WellSource(name=path.name, data=path.read_bytes()))
    assert by_path.content_hash() == by_bytes.content_hash()
    # SPWLA 2020 vendor mnemonics; the user swaps the two resistivities through an override
    train = WellSource(name="train.csv", path=str(spwla_dir / "train.csv"))
    plain = read_source(train)
    assert plain.mapping["NPHI"].source == "CNC" and plain.mapping["RDEP"].source == "HRD"
    swapped = read_source(train, Overrides(aliases={"HRM": "RDEP", "HRD": "RMED"}))
    assert swapped.mapping["RDEP"].source == "HRM" and swapped.mapping["RMED"].source == "HRD"
    assert np.allclose(swapped.data["RDEP"].to_numpy(), plain.data["RMED"].to_numpy(), equal_nan=True)
    table = mapping_table(plain)
    assert {"canonical", "source", "unit", "coverage %"} <= set(table.columns)


def test_unreadable_upload_is_a_welllog_error():
    with pytest.raises(WelllogError, match="broken.las"):
        read_source(WellSource(name="broken.las", data=b"~V\nthis is not a LAS file\n\x00\x01"))


def test_parse_pairs():
    assert parse_pairs("ZDEN=RHOB, CNC = NPHI", what="aliases") == {"ZDEN": "RHOB", "CNC": "NPHI"}
    with pytest.raises(UsageError, match="ZDEN"):
        parse_pairs("ZDEN", what="aliases")
    with pytest.raises(UsageError, match="ZDEN given twice"):
        parse_pairs("ZDEN=RHOB; ZDEN=NPHI", what="aliases")


def test_http_payload_and_prediction_frame_round_trip(well_16_2_16):
    well = well_16_2_16
    payload = well_payload(well)
    text = json.dumps(payload, allow_nan=False)  # strict JSON: NaN became null
    assert set(payload["curves"]) == set(well.curves)
    n = len(well.data)
    assert len(payload["depth"]) == n
    assert sum(v is None for v in payload["curves"]["DTS"]) == int(well.data["DTS"].isna().sum())
    assert "NaN" not in text
    body = {"targets": {"DTC": {"mean": [1.0] * n, "std": [None] * n, "p05": [0.5] * n, "p50": [1.0] * n,
                                "p95": [1.5] * n, "qc": [8] * 3 + [0] * (n - 3), "unit": "us/ft",
                                "out_of_range": {"RDEP": 2, "depth": 3}}}}
    frame = prediction_frame(body, well.data.index)
    assert list(frame.columns) == ["DTC_MEAN", "DTC_STD", "DTC_P05", "DTC_P50", "DTC_P95", "DTC_QC"]
    # the causes of bit 8 travel with the frame, as the in-process prediction carries them
    assert frame.attrs["out_of_range"] == {"DTC": {"RDEP": 2, "depth": 3}}
    assert out_of_range_caption(frame, "DTC") == " OOD (bit 8) on 3 predicted samples — by cause: depth 3, RDEP 2."
    assert out_of_range_caption(frame.assign(DTC_QC=0), "DTC") == ""
    assert frame.index.equals(well.data.index)
    assert math.isnan(frame["DTC_STD"].iloc[0])
    with pytest.raises(WelllogError, match="values for"):
        prediction_frame({"targets": {"DTC": {"mean": [1.0]}}}, well.data.index)


def test_http_payload_of_a_well_without_depth_sends_no_depth(spwla_dir):
    """A CSV without depth is indexed by row number; sent as ``depth`` those numbers were metres to
    the API (TVD, the depth companion, "out of range: depth" on invented depths: dashboard audit).
    Without it the API reads the rows in order, as the dashboard's own well is read."""
    from welllog.ingest import read_well, well_from_arrays

    well = read_well(spwla_dir / "test.csv")
    assert not well.has_depth
    payload = well_payload(well)
    assert "depth" not in payload
    served = well_from_arrays(payload["curves"], depth=payload.get("depth"), units=payload["units"])
    assert not served.has_depth and np.array_equal(served.depth, well.depth)


def test_http_prediction_notes_the_models_input_repairs_in_the_well(well_16_2_16):
    """Through the API as in-process: the model's steps land in the well's provenance (once), so
    the provenance view and the downloaded LAS say what the model did to its inputs."""
    from dataclasses import replace

    well = replace(well_16_2_16, provenance=list(well_16_2_16.provenance))
    n = len(well.data)
    step = {"step": "model", "curve": "GR", "message": "model input: GR normalised from this well's P5/P95 20/120 ..."}
    body = {"targets": {"DTC": {k: [1.0] * n for k in ("mean", "std", "p05", "p50", "p95")} | {"qc": [0] * n}},
            "provenance": [p.to_dict() for p in well.provenance] + [step]}
    backend = HttpBackend("http://127.0.0.1:9")
    backend._call = lambda *a, **k: body  # the API's answer, without a server
    before = len(well.provenance)
    backend.predict("m", well)
    backend.predict("m", well)
    assert [p.to_dict() for p in well.provenance[before:]] == [step]


def test_http_prediction_carries_what_wrote_it_as_in_process(well_16_2_16):
    """The API's prediction frame names the model the API served and its training date (the output
    file's WLMODEL/WLMODVER/WLTRAIN, :func:`welllog.predict.written_by`), as an in-process one does:
    without it the dashboard's download lost them. No store answer: the file only lacks WLTRAIN."""
    from welllog.predict import written_by

    n = len(well_16_2_16.data)
    predicted = {"model": {"name": "m", "version": "v2", "family": "lightgbm", "targets": ["DTC"]},
                 "targets": {"DTC": {k: [1.0] * n for k in ("mean", "std", "p05", "p50", "p95")} | {"qc": [0] * n}}}
    versions = {"name": "m", "versions": [{"version": "v1", "created_at": "2025-01-02T03:04:05"},
                                          {"version": "v2", "created_at": "2025-06-07T08:09:10"},
                                          {"version": "v3", "created_at": "2025-09-09T00:00:00"}]}
    calls = []
    backend = HttpBackend("http://127.0.0.1:9")

    def answer(method, path, **kwargs):
        calls.append((method, path))
        return predicted if method == "POST" else versions

    backend._call = answer
    frame = backend.predict("m", well_16_2_16)
    assert frame.attrs["written_by"] == written_by("m", "v2", "2025-06-07")  # the served version's date, not the latest's
    assert calls == [("POST", "/v1/predict"), ("GET", "/v1/models/m")]
    versions["versions"] = []
    assert backend.predict("m", well_16_2_16).attrs["written_by"] == written_by("m", "v2")


def test_output_well_notes_the_tie_where_the_cli_does(well_16_2_16):
    """`welllog predict --tie` notes the tie after the model's lines and before the run's warning
    (:func:`welllog.predict.checked_prediction`); the download noted it after the warning, so the
    file of a well with a warning differed from the CLI's. On a copy: the shared well is unchanged."""
    from dashboard.context import Context
    from welllog.well import Provenance

    well = well_16_2_16
    read = list(well.provenance)
    made = [Provenance("predict", "predicted by ..."), Provenance("model", "GR normalised ...", "GR"),
            Provenance("warning", "only 10 of 100 logged rows predicted ...")]
    pred = pd.DataFrame(index=well.data.index)
    pred.attrs["provenance"] = made
    tied = Provenance("model", "DTC_TIED: the synthetic tied ...", "DTC")
    ctx = Context(client=None, well=well, tie=True, tie_notes={"DTC": tied.message}, _prediction=pred, _predicted=True)
    assert ctx.output_well().provenance == [*read, made[0], made[1], tied, made[2]]
    ctx.tie = False
    assert ctx.output_well().provenance == [*read, *made]
    pred.attrs["provenance"] = made[:2]  # no warning: the tie's line last
    ctx.tie = True
    assert ctx.output_well().provenance == [*read, *made[:2], tied]
    assert well.provenance == read


def test_metrics_table_flattens_nested_metrics():
    meta = {"name": "m", "family": "lightgbm",
            "metrics": {"validation": {"DTC": {"rmse": 5.0, "r2": 0.9}, "DTS": {"rmse": 9.0, "r2": 0.8}}}}
    table = metrics_table(meta)
    assert list(table.columns) == ["scope", "target", "rmse", "r2"]
    assert table.set_index("target").loc["DTS", "rmse"] == 9.0
    both = comparison_table([meta, {**meta, "name": "n", "family": "rf"}])
    assert list(both["family"]) == ["lightgbm", "lightgbm", "rf", "rf"]


def test_metrics_table_reads_the_store_layout():
    meta = {"name": "default", "family": "ngboost", "metrics": {
        "validation_wells": ["W"], "overall": {"DTC": {"n": 10, "rmse": 4.0}, "DTS": {"n": 5, "rmse": 8.0}},
        "per_well": [{"well": "W", "target": "DTC", "rmse": 4.0}], "contest_score": 6.5, "samples": 10}}
    table = metrics_table(meta)
    assert list(table.columns) == ["target", "n", "rmse"]
    assert list(table["rmse"]) == [4.0, 8.0]
    both = comparison_table([meta])
    assert list(both["contest_score"]) == [6.5, 6.5]


def test_calibration_table_of_a_recipe_model(well_16_2_16):
    from welllog.recipes import CalibratedSonicModel

    model = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params={"n_estimators": 20}).fit([well_16_2_16])
    table = calibration_table(model.metadata)
    cal = model.metadata["calibration"]["DTC"]
    assert list(table["target"]) == ["DTC"] and table.loc[0, "std factor"] == cal["factor"]
    # the band is factor x sqrt(spread^2 + floor^2): never below factor x floor (in us/ft, as served)
    assert table.loc[0, "least std"] == pytest.approx(cal["factor"] * cal["spread_floor"])
    assert table.loc[0, "rule"] == "pooled" and table.loc[0, "blind folds"] == "3 (depth blocks)"
    assert table.loc[0, "fold factors"] == " / ".join(f"{f:.2f}" for f in cal["fold_factors"])
    assert table.loc[0, "tails"] == (f"Student-t (df {cal['tail_df']:g})" if np.isfinite(cal["tail_df"]) else "Normal")
    assert calibration_table({"name": "old", "calibration": {"DTC": {**cal, "tail_df": None}}}).loc[0, "tails"] == "Normal"
    assert calibration_table({"name": "plain", "family": "lightgbm"}).empty  # no blind calibration, no table
    blind = {**cal, "n": 0, "n_ood": 0, "n_bad_hole": 0}  # no fold held out a DTC sample: factors of 1 are no calibration
    assert calibration_table({"name": "few", "calibration": {"DTC": blind}}).loc[0, "blind folds"] == \
        "none held out this target: band NOT calibrated"


def _explanation(parameter: str = "mean", served: dict | None = None) -> dict:
    """A one-sample explanation as the client returns it (shape of ``explain_samples``)."""
    out = {"target": "DTS", "parameter": parameter, "base_value": 380.0, "features": ["GR", "RHOB"],
           "depths": [1178.73], "values": [[20.0, 5.7]], "output": [405.7] if parameter == "mean" else [4.036],
           "transform": "identity; this explains the direct DTS model only"}
    if served is not None:
        out["served"] = served
    return out


def test_served_caption_puts_the_served_value_beside_the_explained_total():
    from dashboard.views.explain import served_caption, served_line

    reason = "Explains the direct DTS model (base value + contributions = its output), not DTS_MEAN: the served mean blends it."
    ex = _explanation(served={"column": "DTS_MEAN", "values": [399.3], "explained": [405.7], "reason": reason, "equal": False})
    caption = served_caption(ex)
    assert caption.startswith("Served DTS mean here: **399.3 us/ft**, beside the explained total 405.7 (-6.4).")
    assert reason in caption and served_line(ex) == 399.3
    # scale: the total is a log-std, compared as a std in us/ft; no line (different axis)
    sc = _explanation("scale", {"column": "DTS_STD", "values": [64.4], "explained": [56.6], "reason": "Explains the log-std.", "equal": False})
    assert served_caption(sc).startswith("Served DTS std here: **64.4 us/ft**, beside the explained total 4.04, a std of 56.6 us/ft (+7.8).")
    assert served_line(sc) is None
    # a plain model: equal, said briefly, nothing drawn
    plain = "Explains the ngboost model of DTS, the model served as DTS_MEAN: DTS_MEAN = base value + contributions."
    same = _explanation(served={"column": "DTS_MEAN", "values": [405.7], "explained": [405.7], "reason": plain, "equal": True})
    assert served_caption(same) == "The explained total (405.7) equals the served DTS mean here (405.7 us/ft)."
    assert served_line(same) is None
    # equal through a route of the recipe (DTS from the measured DTC): the route is named
    route = "Explains the Vp/Vs-ratio model x this well's measured DTC (base value + contributions = its output), not DTS_MEAN."
    ratio = _explanation(served={"column": "DTS_MEAN", "values": [405.7], "explained": [405.7], "reason": route, "equal": True})
    assert served_caption(ratio) == f"The explained total (405.7) equals the served DTS mean here (405.7 us/ft). {route}"


def test_served_caption_of_an_older_api_answer_uses_the_pages_prediction():
    """An API from before the ``served`` record: the page's own prediction is the served value."""
    from dashboard.views.explain import served_caption, served_from_prediction

    pred = pd.DataFrame({"DTS_MEAN": [390.0, 399.3, 410.0], "DTS_STD": [60.0, 64.4, 70.0]}, index=[1178.58, 1178.73, 1178.88])
    ex = _explanation()
    assert served_from_prediction(ex, pred) == 399.3
    caption = served_caption(ex, fallback=served_from_prediction(ex, pred))
    assert "**399.3 us/ft**" in caption and "405.7 (-6.4)" in caption and "direct DTS model" in caption
    scale = _explanation("scale")
    assert served_caption(scale, fallback=served_from_prediction(scale, pred)).startswith("Served DTS std here: 64.4 us/ft.")
    assert served_caption(_explanation()) is None  # nothing served known: no caption


def test_tracks_say_what_qc_did_not_check_and_draw_casing_apart(force2020_dir, spwla_dir):
    """31/2-9 has no bit size: its QC column reads "bad hole: not checked", not an empty "bad hole"
    (read as good hole); its casing arrivals (349-450 m, QC NOT_FORMATION) are a grey dotted trace
    apart from the measured log; bit 64 (how DTS was made, no caution) is grey in the QC track, not
    red; a depth-less file's hover says rows, not metres; a gamma ray spike of ~1,100 gAPI does not
    autoscale SPWLA's test well to 0-1,100 (dashboard audit)."""
    from welllog.ingest import read_well

    well = read_source(WellSource(name="31_2-9.las", path=str(force2020_dir / "31_2-9.las")))
    dtc = well.data["DTC"]
    pred = pd.DataFrame({"DTC_MEAN": 100.0, "DTC_STD": 3.0, "DTC_P05": 95.0, "DTC_P50": 100.0, "DTC_P95": 105.0,
                         "DTC_QC": 0, "DTS_MEAN": 200.0, "DTS_STD": 9.0, "DTS_P05": 185.0, "DTS_P50": 200.0,
                         "DTS_P95": 215.0, "DTS_QC": np.where(dtc.notna(), 64, 0)}, index=well.data.index)
    fig = log_tracks(well, pred, ["DTC", "DTS"])
    qc = next(tr for tr in fig.data if tr.name == "DTS QC")
    assert "bad hole: not checked" in list(qc.x)
    z = np.asarray(qc.z, dtype=float)
    assert set(np.unique(z[:, list(qc.x).index("from DTC log")])) == {QC_CLEAR, QC_INFO}  # grey, not red
    casing = next(tr for tr in fig.data if tr.name == "DTC measured, not formation (QC)")
    shown = np.asarray(casing.y, dtype=float)[np.isfinite(np.asarray(casing.x, dtype=float))]
    assert shown.min() < 360 and shown.max() > 440 and casing.line.dash == "dot"
    rock = next(tr for tr in fig.data if tr.name == "DTC measured")
    assert not np.isfinite(np.asarray(rock.x, dtype=float)[(np.asarray(rock.y) > 350) & (np.asarray(rock.y) < 449)]).any()
    checked = read_source(WellSource(name="16_2-16.las", path=str(force2020_dir / "16_2-16.las")))
    assert "bad hole" in qc_labels(checked, "DTC")  # a bit size is given there

    test = read_well(spwla_dir / "test.csv")
    assert np.nanmax(test.data["GR"]) > 1000
    gr = next(t for t in plan_tracks(test, None, ["DTC"]) if t.title == "GR")
    assert gr.x_range == (0.0, 150.0)
    assert "row %{y:.0f}" in log_tracks(test, None, ["DTC"]).data[0].hovertemplate
    assert print_scale(pd.Series([3.0, 12.0, 14.0, 15.0]), (0.0, 10.0)) == (0.0, 20.0)  # a well mostly past the scale


def test_global_explanation_depths_fall_to_one_route(well_16_2_16):
    """DTS served from the measured DTC (bit 64) and from the predicted one are not explained in one
    request (the library refuses): the page's sample takes the larger part and names the other;
    rows of the reduced-input model (bit 32) are left out when the main model has rows."""
    from dashboard.state import sample_depths

    well = well_16_2_16
    n = len(well.data)
    code = np.zeros(n, dtype=int)
    code[: n // 4] = 32
    code[n // 4: n // 2] = 64
    pred = pd.DataFrame({"DTS_MEAN": 300.0, "DTS_QC": code}, index=well.data.index)
    sampled = sample_depths(well, pred, "DTS", n=50)
    depths = np.asarray(sampled.depths)
    assert len(depths) == 50 and depths.min() >= well.depth[n // 2]  # the larger part: served from the predicted DTC
    assert f"{n // 4:,} samples predicted by the reduced-input model" in sampled.left_out
    assert f"{n // 2 - n // 4:,} samples served from the measured DTC (T_QC bit 64)" in sampled.left_out
    assert sample_depths(well, pred.assign(DTS_QC=0), "DTS").left_out == ""


def test_explain_page_does_not_explain_a_withheld_value(well_16_2_16):
    from dashboard.views.explain import not_served_note

    well = well_16_2_16
    mean = np.where(well.depth < 500, np.nan, 300.0)
    pred = pd.DataFrame({"DTS_MEAN": mean, "DTS_QC": np.where(well.depth < 500, 16 | 8, 0)}, index=well.data.index)
    note = not_served_note(pred, "DTS", 300.0)
    assert note.startswith("No DTS is served at 300.") and "T_QC 24: out of training range" in note
    assert not_served_note(pred, "DTS", 1500.0) == ""


def test_explain_page_says_a_dts_withheld_past_the_mudrock_line():
    from dashboard.views.explain import not_served_note

    pred = pd.DataFrame({"DTC_MEAN": [180.0, 120.0], "DTS_MEAN": [np.nan, 250.0], "DTS_QC": [16 | 1, 0]}, index=[300.0, 301.0])
    assert "slower than the mudrock line reaches" in not_served_note(pred, "DTS", 300.0)


def test_identity_from_the_header_or_not_in_file(corpus_dir, spwla_dir):
    """Header items as the file gives them, with where each came from; a null (-999.25) or blank
    item is "not in file", as is everything of a CSV (no header)."""
    from welllog.identity import NOT_IN_FILE, well_identity, well_title
    from welllog.ingest import read_well

    well = read_well(corpus_dir / "3.0" / "Good File (SS).las")
    shown = well_identity(well).set_index("item")
    assert shown.loc["KB elevation", "value"] == NOT_IN_FILE  # EKB -999.25: a null, not an elevation
    assert shown.loc["Drill floor elevation"].tolist() == ["91 ft", "~Well EDF"]
    assert shown.loc["Ground level elevation", "value"] == "-5614 ft"
    assert shown.loc["Depth measured from", "value"] == "RT"  # DREF before LMF (DF)
    assert shown.loc["API number", "value"] == NOT_IN_FILE  # blank
    assert well_title(well) == "DUMMY WELL"
    csv = read_well(spwla_dir / "test.csv")
    assert (well_identity(csv)["value"] == NOT_IN_FILE).all() and well_title(csv) == csv.name


def test_log_ticks_label_each_tick_with_its_value():
    from dashboard.charts import log_ticks

    ticks = log_ticks(np.array([0.42, 3.0, 24.0, np.nan]))
    assert ticks["tickvals"] == [0.5, 1.0, 2.0, 5.0, 10.0, 20.0] and ticks["ticktext"] == ["0.5", "1", "2", "5", "10", "20"]
    assert log_ticks(np.array([0.2, 2000.0]))["tickvals"] == [1.0, 10.0, 100.0, 1000.0]  # wide: decades only
    assert log_ticks(np.array([0.6, 3.0]))["ticktext"] == ["0.7", "1", "1.5", "2", "3"]  # narrow: denser
    assert log_ticks(np.array([np.nan, -1.0])) == {}


def test_archive_names_follow_the_cli_and_never_collide():
    from dashboard.summary import SUMMARY_FILE, archive_name

    taken = {SUMMARY_FILE}
    assert [archive_name(n, taken) for n in ("a.las", "a.csv", "A.las.gz", "b c.LAS")] == ["a.las", "a (2).las", "A (3).las", "b c.las"]


def test_summary_columns_of_a_target_the_well_does_not_log(well_16_2_16):
    """Counts and caution share from the prediction; no RMSE without a measured curve; nothing at
    all without a prediction of the target."""
    from dashboard.summary import target_columns

    well = well_16_2_16
    n = len(well.data)
    qc = np.zeros(n, dtype=int)
    qc[:100] = 8  # caution
    qc[100:200] = 1 | 32  # how a value was made: no caution
    qc[200:300] = 16 | 4  # not predicted: its bad hole cautions against nothing
    mean = np.where(qc & 16, np.nan, 500.0)
    pred = pd.DataFrame({"DTX_MEAN": mean, "DTX_P05": mean - 5, "DTX_P95": mean + 5, "DTX_QC": qc}, index=well.data.index)
    assert target_columns(well, pred, "DTX") == {"DTX predicted": n - 100, "DTX caution %": round(100 * 100 / (n - 100), 1),
                                                "DTX RMSE": None}
    assert set(target_columns(well, None, "DTS").values()) == {None}
