"""Model store: exact round trip, versioning, tamper refusal, helpful not-found errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from welllog.errors import ModelIntegrityError, ModelNotFoundError, UsageError
from welllog.models import SonicModel
from welllog.store import LOCK_FILE, ModelStore, default_models_dir


@pytest.fixture(scope="module")
def demo_wells(tmp_path_factory):
    from welllog.demo import generate_demo_wells
    from welllog.ingest import read_well

    d = tmp_path_factory.mktemp("demo")
    return [read_well(p) for p in generate_demo_wells(d, n_wells=3, seed=11, n_samples=600)]


@pytest.fixture(scope="module")
def fitted(demo_wells):
    return SonicModel(targets=["DTC", "DTS"], family="ngboost", params={"n_estimators": 80, "learning_rate": 0.1}).fit(demo_wells[:2])


def test_round_trip_predicts_identically(fitted, demo_wells, tmp_path):
    store = ModelStore(tmp_path)
    version = store.save(fitted, "m", metrics={"note": "test"})
    assert version == "v1"
    loaded = store.load("m")
    a, b = fitted.predict(demo_wells[2]), loaded.predict(demo_wells[2])
    pd.testing.assert_frame_equal(a, b)
    md = store.metadata("m:v1")
    assert md["targets"] == ["DTC", "DTS"] and md["family"] == "ngboost"
    assert md["metrics"] == {"note": "test"}
    assert {w["content_hash"] for w in md["training_wells"]} == {w.content_hash() for w in demo_wells[:2]}
    assert md["units"]["DTC"] == "us/ft" and "scikit-learn" in md["library_versions"]
    assert md["features"] == fitted.feature_names and len(md["artifacts"]["model.joblib"]) == 64
    json.dumps(md)  # plain JSON


def test_versions_and_latest(fitted, tmp_path):
    store = ModelStore(tmp_path)
    assert [store.save(fitted, "m") for _ in range(3)] == ["v1", "v2", "v3"]
    assert [v["version"] for v in store.versions("m")] == ["v1", "v2", "v3"]
    assert store.load("m").metadata["version"] == "v3"
    assert store.load("m:v2").metadata["version"] == "v2"
    listing = store.list_models()
    assert listing[0]["name"] == "m" and listing[0]["versions"] == ["v1", "v2", "v3"]


def _save_after_barrier(root, model, barrier, results):
    barrier.wait()
    try:
        results.put(ModelStore(root).save(model, "m"))
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put(f"{type(exc).__name__}: {exc}")


def test_concurrent_saves_to_one_name_take_turns(fitted, tmp_path):
    """Four processes saving to one name at the same moment get four distinct versions."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=_save_after_barrier, args=(tmp_path, fitted, barrier, results)) for _ in range(4)]
    for p in procs:
        p.start()
    got = sorted(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert got == ["v1", "v2", "v3", "v4"]
    assert [v["version"] for v in ModelStore(tmp_path).versions("m")] == ["v1", "v2", "v3", "v4"]
    ModelStore(tmp_path).load("m:v3")  # every version complete and hash-checked


def test_tampered_artifact_is_refused(fitted, tmp_path):
    store = ModelStore(tmp_path)
    store.save(fitted, "m")
    art = tmp_path / "m" / "v1" / "model.joblib"
    data = bytearray(art.read_bytes())
    data[len(data) // 2] ^= 0xFF
    art.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="sha256"):
        store.load("m")


def test_unknown_model_lists_available(fitted, tmp_path):
    store = ModelStore(tmp_path)
    store.save(fitted, "alpha")
    with pytest.raises(ModelNotFoundError) as err:
        store.load("beta")
    assert "alpha" in str(err.value) and err.value.exit_code == 2
    with pytest.raises(ModelNotFoundError):
        store.load("alpha:v9")
    with pytest.raises(UsageError):
        store.load("../etc")


def test_default_models_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("WELLLOG_MODELS_DIR", raising=False)
    assert str(default_models_dir()) == "models"
    monkeypatch.setenv("WELLLOG_MODELS_DIR", str(tmp_path))
    assert default_models_dir() == tmp_path
    assert ModelStore().root == tmp_path


def test_features_for_matches_prediction(fitted, demo_wells):
    """The matrix SHAP explains is the one the estimator predicts from."""
    X, ok = fitted.features_for(demo_wells[2])
    dist = fitted.estimators["DTC"].predict_dist(X.to_numpy()[ok])
    pred = fitted.predict(demo_wells[2])
    np.testing.assert_allclose(pred["DTC_MEAN"].to_numpy()[ok], dist.mean)
    assert list(X.columns) == fitted.feature_names and not X[ok].isna().any().any()


def test_metadata_file_is_strict_json(fitted, tmp_path):
    """NaN metrics (e.g. R² of a constant target) are written as null, numpy scalars as numbers."""
    store = ModelStore(tmp_path)
    store.save(fitted, "m", metrics={"r2": np.nan, "rmse": np.float64(7.5), "n": np.int64(3)})
    text = next(tmp_path.glob("m/v1/metadata.json")).read_text()
    md = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c} in metadata"))
    assert md["metrics"] == {"r2": None, "rmse": 7.5, "n": 3}


def test_promote_publishes_an_identical_copy_under_the_serving_name(fitted, demo_wells, tmp_path):
    """The serving name's latest version becomes the promoted one, byte for byte; the source is untouched."""
    import copy

    older = copy.deepcopy(fitted)
    older.metadata = {**older.metadata, "note": "the model in service before"}  # different bytes
    store = ModelStore(tmp_path)
    store.save(fitted, "north-sea", metrics={"note": "blind"}), store.save(older, "north-sea")
    store.save(older, "default")
    assert store.promote("north-sea:v1", "default") == "v2"
    served, source = store.metadata("default"), store.metadata("north-sea:v1")
    assert served["version"] == "v2" and served["promoted_from"] == "north-sea:v1" and served["promoted_at"]
    assert served["artifacts"] == source["artifacts"] and served["metrics"] == {"note": "blind"}
    assert (tmp_path / "default/v2/model.joblib").read_bytes() == (tmp_path / "north-sea/v1/model.joblib").read_bytes()
    assert "promoted_from" not in source and store.metadata("north-sea")["version"] == "v2"  # source side unchanged
    pd.testing.assert_frame_equal(store.load("default").predict(demo_wells[2]), fitted.predict(demo_wells[2]))
    assert [m["promoted_from"] for m in store.list_models()] == ["north-sea:v1", None]
    assert store.promote("default:v1", "default") == "v3"  # rolling back is promoting the older one again
    assert store.metadata("default")["promoted_from"] == "default:v1" and store.metadata("default")["trained_as"] == "default:v1"
    # and forward again: promoted from default:v2, which was trained as north-sea:v1 — both kept
    assert store.promote("default:v2", "default") == "v4"
    latest = {m["name"]: m for m in store.list_models()}["default"]
    assert latest["promoted_from"] == "default:v2" and latest["trained_as"] == "north-sea:v1"


def test_promote_refuses_what_is_already_served_or_tampered(fitted, tmp_path):
    store = ModelStore(tmp_path)
    store.save(fitted, "m")
    store.promote("m", "default")
    with pytest.raises(UsageError, match=r"default's latest version is already m:v1 \(as default:v1\); nothing to promote"):
        store.promote("m:v1", "default")
    with pytest.raises(UsageError, match=r"default's latest version is already default:v1; nothing to promote"):  # not "(it is default:v1)"
        store.promote("default", "default")
    with pytest.raises(ModelNotFoundError, match="m:v4"):
        store.promote("m:v4", "default")
    with pytest.raises(UsageError):
        store.promote("m", "../elsewhere")
    store.save(fitted, "m")
    art = tmp_path / "m" / "v2" / "model.joblib"
    art.write_bytes(art.read_bytes()[:-10])
    with pytest.raises(ModelIntegrityError, match="sha256"):
        store.promote("m:v2", "default")
    assert [v["version"] for v in store.versions("default")] == ["v1"]  # nothing half-written was left
    assert not [p for p in (tmp_path / "default").iterdir() if p.name.startswith(".") and p.name != LOCK_FILE]


def test_one_unreadable_version_does_not_hide_the_other_models(fitted, tmp_path):
    """A broken metadata.json leaves that model out of the listing, with its error, instead of
    failing the whole listing (CLI audit); a store folder that does not exist is said to be missing."""
    store = ModelStore(tmp_path)
    store.save(fitted, "good")
    store.save(fitted, "bad")
    (tmp_path / "bad" / "v1" / "metadata.json").write_text("{bad")
    unreadable: list[str] = []
    assert [m["name"] for m in store.list_models(unreadable)] == ["good"]
    assert len(unreadable) == 1 and "bad/v1/metadata.json: unreadable model metadata" in unreadable[0]
    with pytest.raises(ModelNotFoundError, match=r"not found in .*nodir \(no such folder\)"):
        ModelStore(tmp_path / "nodir").load("good")
