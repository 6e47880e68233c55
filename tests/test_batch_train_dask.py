"""LightGBM / XGBoost family training through their Dask interfaces on a real LocalCluster."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from welllog.batch.train_dask import fit_family_dask, training_frame
from welllog.errors import UsageError
from welllog.features import FeatureSpec, build_features
from welllog.ingest import read_well
from welllog.models import make_estimator

pytestmark = pytest.mark.slow

TRAIN = ("16_2-16.las", "16_5-3.las", "25_11-24.las")
BLIND = "32_2-1.las"


def test_dask_trained_families_predict_blind_well_like_local(force2020_dir: Path) -> None:
    from distributed import Client, LocalCluster

    spec = FeatureSpec()
    features = spec.feature_names()
    blind = read_well(force2020_dir / BLIND)
    X_blind = build_features(blind.data, spec).to_numpy(dtype=float)
    y_blind = blind.data["DTC"].to_numpy(dtype=float)
    ok = np.isfinite(y_blind)
    # the same rows for a single-process fit of the same family (the reference)
    wells = [read_well(force2020_dir / n) for n in TRAIN]
    X_all = np.vstack([build_features(w.data, spec).to_numpy(dtype=float) for w in wells])
    y_all = np.concatenate([w.data["DTC"].to_numpy(dtype=float) for w in wells])
    g_all = np.concatenate([np.full(len(w.data), i) for i, w in enumerate(wells)])
    rows = np.isfinite(y_all)

    def blind_rmse(est) -> float:
        return float(np.sqrt(np.mean((est.predict(X_blind)[ok] - y_blind[ok]) ** 2)))
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        frame = training_frame([force2020_dir / n for n in TRAIN], ["DTC"], spec).persist()
        for family in ("lightgbm", "xgboost"):
            est = fit_family_dask(client, make_estimator(family, n_estimators=40, n_jobs=1), frame, features, "DTC")
            dist = est.predict_dist(X_blind, quantiles=(0.05, 0.95))
            rmse = float(np.sqrt(np.mean((dist.mean[ok] - y_blind[ok]) ** 2)))
            local = make_estimator(family, n_estimators=40, n_jobs=1).fit(X_all[rows], y_all[rows], groups=g_all[rows])
            inside = float(np.mean((y_blind[ok] >= dist.quantiles[0.05][ok]) & (y_blind[ok] <= dist.quantiles[0.95][ok])))
            spread = float(np.nanstd(y_blind[ok]))
            assert rmse < spread, (family, rmse, spread)  # better than the blind well's own mean
            assert rmse <= 1.15 * blind_rmse(local), (family, rmse, blind_rmse(local))  # as good as one process
            assert 0.5 < est.scale_factor_ / local.scale_factor_ < 2.0  # same calibration recipe
            assert 0.5 < inside <= 1.0, (family, inside)  # intervals calibrated on blind residuals, roughly
            assert np.all(dist.std > 0)
        with pytest.raises(UsageError):
            fit_family_dask(client, make_estimator("rf"), frame, features, "DTC")
    finally:
        client.close()
        cluster.close()


def test_cli_train_engine_dask_saves_a_usable_model(force2020_dir: Path, tmp_path: Path, capsys) -> None:
    from welllog.batch import run_batch
    from welllog.cli.main import main
    from welllog.store import ModelStore

    junk = tmp_path / "junk.csv"  # a stray table beside the wells: left out and named, as in one process
    junk.write_text("a,b\n1,2\n")
    files = [str(force2020_dir / n) for n in (*TRAIN[:2], BLIND)] + [str(junk)]
    models = tmp_path / "models"
    code = main(["train", *files, "--target", "DTC", "--model", "lightgbm", "--name", "dasked", "--models-dir", str(models),
                 "--engine", "dask", "--workers", "2", "--validate-on", Path(BLIND).stem])
    said = capsys.readouterr()
    assert code == 0, said.err
    printed = " ".join(said.out.split())  # rich wraps lines at the terminal width
    assert "2 training well(s)" in printed and "not trained on (no DTC logged): junk" in printed
    md = ModelStore(models).metadata("dasked")
    assert md["trained_with"]["engine"] == "dask" and md["trained_with"]["workers"] == 2 and md["untrained_wells"] == ["junk"]
    assert [w["name"] for w in md["training_wells"]] and len(md["training_wells"]) == 2  # blind well not trained on
    assert md["metrics"]["overall"]["DTC"]["rmse"] < float(np.nanstd(read_well(force2020_dir / BLIND).data["DTC"]))
    # the fitted state a one-process fit has (code review: no target ranges, so nothing beyond them was flagged)
    dasked, local = ModelStore(models).load("dasked"), None
    from welllog.models import SonicModel

    local = SonicModel("lightgbm", ["DTC"], params={"n_estimators": 20}).fit([read_well(force2020_dir / n) for n in TRAIN[:2]])
    assert md["target_ranges"]["DTC"] == pytest.approx(list(local.target_ranges["DTC"]))
    assert dasked.feature_spec_ is not None and dasked.untrained_wells_ == ["junk"]
    for name, median in local.feature_medians.items():  # histogram medians: within a bin of the exact ones
        assert dasked.feature_medians[name] == pytest.approx(median, rel=0.01, abs=0.01), name
    report = run_batch([force2020_dir / BLIND], "dasked", tmp_path / "out", models_dir=models)
    assert [r.status for r in report.results] == ["ok"]
    # NGBoost has no distributed trainer: a clear usage error, not a silent single-process run
    assert main(["train", *files, "--target", "DTC", "--model", "ngboost", "--name", "x", "--models-dir", str(models),
                 "--engine", "dask"]) == 2
    assert "NGBoost" in capsys.readouterr().err
    # the distributed trainer fits the bare family: recipe options are refused, not silently dropped (code review)
    assert main(["train", *files, "--target", "DTC", "--model", "lightgbm", "--name", "x", "--models-dir", str(models),
                 "--engine", "dask", "--depth", "off"]) == 2
    assert "--engine dask trains the bare family (--recipe plain): --depth needs the local engine" in capsys.readouterr().err
