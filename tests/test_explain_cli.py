"""`welllog explain` writes the tables and non-blank PNG figures, and fails cleanly on bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from welllog.cli.main import main
from welllog.evaluation.splits import slice_well
from welllog.models import SonicModel


@pytest.fixture(scope="module")
def setup(force2020_dir, tmp_path_factory):
    """A small model in a temporary store and a real-data CSV (1,200 samples of 16/2-16) to explain."""
    from welllog.ingest import read_well
    from welllog.store import ModelStore

    tmp = tmp_path_factory.mktemp("explain_cli")
    well = slice_well(read_well(force2020_dir / "16_2-16.las"), 9000, 10200, "16_2-16 part")
    model = SonicModel(targets=["DTC", "DTS"], family="ngboost", params={"n_estimators": 40, "learning_rate": 0.1}).fit([well])
    ModelStore(tmp / "models").save(model, "ngsmall")
    csv = tmp / "part.csv"
    well.data.reset_index().to_csv(csv, index=False)
    return tmp, csv


def test_cli_writes_tables_and_images(setup):
    tmp, csv = setup
    out = tmp / "out"
    rc = main(["explain", str(csv), "--model", "ngsmall", "--models-dir", str(tmp / "models"), "--out", str(out),
               "--target", "dtc", "--interaction-samples", "60", "--top", "2"])
    assert rc == 0
    for param in ("mean", "scale"):
        imp = pd.read_parquet(out / f"DTC_{param}_importance.parquet")
        assert list(imp.columns) == ["rank", "feature", "mean_abs", "mean"] and len(imp) == 7
        assert imp["mean_abs"].is_monotonic_decreasing
        contrib = pd.read_csv(out / f"DTC_{param}_contributions.csv")
        assert len(contrib) > 1000 and {"depth_m", "base_value", "output", "RHOB"} <= set(contrib.columns)
        curves = [c for c in contrib.columns if c not in ("depth_m", "base_value", "output", "output_std", "served")]
        np.testing.assert_allclose(contrib["base_value"] + contrib[curves].sum(axis=1), contrib["output"], atol=1e-6)
        # a plain NGBoost model serves what it explains: the served column is the output (scale: as a std)
        explained = contrib["output"] if param == "mean" else contrib["output_std"]
        np.testing.assert_allclose(contrib["served"], explained, rtol=1e-8)
        assert (out / f"DTC_{param}_interactions.parquet").exists()
        pngs = sorted(out.glob(f"DTC_{param}_*.png"))
        names = {p.name for p in pngs}
        assert {f"DTC_{param}_importance.png", f"DTC_{param}_beeswarm.png", f"DTC_{param}_depth_track.png"} <= names
        assert sum("dependence" in n for n in names) == 2
        for png in pngs:
            img = imread(png)
            assert img.shape[0] > 100 and img.shape[1] > 100, png
            assert float(img[..., :3].std()) > 0.02, f"{png} looks blank"
    assert not list(out.glob("DTS_*"))  # --target DTC only
    summary = json.loads((out / "summary.json").read_text())
    assert all(r["additivity_max_abs_error"] < 1e-6 for r in summary["runs"])
    assert all(r["served"]["equal"] and r["served"]["max_abs_gap"] < 1e-6 for r in summary["runs"])


def test_cli_unknown_model_is_exit_2(setup, capsys):
    tmp, csv = setup
    rc = main(["explain", str(csv), "--model", "nosuch", "--models-dir", str(tmp / "models"), "--out", str(tmp / "o2")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error:") and "nosuch" in err and len(err.strip().splitlines()) == 1


def test_cli_bad_target_is_exit_2(setup, capsys):
    tmp, csv = setup
    rc = main(["explain", str(csv), "--model", "ngsmall", "--models-dir", str(tmp / "models"), "--out", str(tmp / "o3"), "--target", "GR"])
    assert rc == 2 and "--target GR" in capsys.readouterr().err


def test_cli_one_unreadable_file_of_several_leaves_the_others_explained_and_listed(setup, tmp_path, capsys):
    """Two files, one broken: the good one is explained and its row of the table printed (on stdout,
    with the results); the broken one is one error line and exit 2 — the table went missing (CLI audit)."""
    tmp, csv = setup
    broken = tmp_path / "broken.las"
    broken.write_text("~V\nthis is not a LAS file\n")
    rc = main(["explain", str(csv), str(broken), "--model", "ngsmall", "--models-dir", str(tmp / "models"),
               "--out", str(tmp_path / "out"), "--target", "DTC", "--parameter", "mean", "--interaction-samples", "0"])
    captured = capsys.readouterr()
    assert rc == 2
    assert "explanations" in captured.out and "│ part" in captured.out  # the table, with the good well's row
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "broken.las" in errors[0]
    assert (tmp_path / "out" / "part" / "summary.json").exists()


def test_cli_explains_a_model_with_measured_depth_as_input(force2020_dir, tmp_path):
    """With --depth input the recipe uses DEPT as an input: its contribution column must not clash with the depth index."""
    from welllog.ingest import read_well

    well = slice_well(read_well(force2020_dir / "16_2-16.las"), 9000, 10200, "16_2-16 part")
    csv = tmp_path / "part.csv"
    well.data.reset_index().to_csv(csv, index=False)
    models = str(tmp_path / "models")
    assert main(["train", str(csv), "--target", "DTC", "--model", "lightgbm", "--name", "withdepth", "--models-dir", models,
                 "--depth", "input"]) == 0
    rc = main(["explain", str(csv), "--model", "withdepth", "--models-dir", models, "--out", str(tmp_path / "out"),
               "--interaction-samples", "0", "--top", "1"])
    assert rc == 0
    contrib = pd.read_csv(tmp_path / "out" / "DTC_mean_contributions.csv")
    assert {"depth_m", "DEPT"} <= set(contrib.columns)
    assert contrib["depth_m"].is_monotonic_increasing and contrib["depth_m"].iloc[0] >= well.depth[0]


def test_depth_track_leaves_prediction_gaps_empty():
    from welllog.explain.plots import break_at_gaps

    depth = np.r_[np.arange(100, 110, 0.5), np.arange(150, 160, 0.5)]  # 40 m without prediction between
    vals = np.column_stack([np.ones(len(depth)), -np.ones(len(depth))])
    d, out, v = break_at_gaps(depth, depth * 2, vals)
    assert len(d) == len(depth) + 1 and np.isnan(d[20]) and np.isnan(out[20]) and np.isnan(v[20]).all()
    np.testing.assert_array_equal(d[~np.isnan(d)], depth)  # nothing else moves
    np.testing.assert_array_equal(v[21], vals[20])
    same = break_at_gaps(np.arange(0, 10, 0.15), np.zeros(67))
    assert not np.isnan(same[0]).any() and len(same[0]) == 67
