"""The Python library as a notebook user meets it (library audit): scikit-learn's conventions for the
model classes, settings checked when fitting with errors that name them, plain errors for wrong
arguments, a store that saves only fitted models where others can read them, wells compared by
identity, and training wells marked when scored."""

from __future__ import annotations

import os
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from welllog.errors import UsageError
from welllog.evaluation.splits import named_wells, slice_well
from welllog.features import FeatureSpec
from welllog.models import SonicModel
from welllog.recipes import CalibratedSonicModel, recommended_model, recommended_spec

FAST = {"n_estimators": 20}


@pytest.fixture(scope="module")
def wells(force2020_dir):
    from welllog.ingest import read_well

    return [read_well(force2020_dir / f"{name}.las") for name in ("16_5-3", "32_2-1")]


@pytest.fixture(scope="module")
def shifted(spwla_dir):
    """SPWLA 2020's train.csv around its PE scale shift: a training well whose PEF the recipe leaves out."""
    from welllog.ingest import read_well

    return slice_well(read_well(spwla_dir / "train.csv"), 17000, 23000, "spwla shift")


def test_models_follow_scikit_learn(wells):
    """The constructor stores its arguments as given; get_params / set_params / clone work; fit
    returns the model and keeps its fitted state in attributes of its own."""
    weights = [0.2, 0.8, 0.0]
    m = CalibratedSonicModel(family="lightgbm", targets=["DTC"], params=FAST, shear_weights=weights, calibrate="none")
    assert m.shear_weights is weights and m.params is FAST and m.feature_spec is None and not m.metadata
    twin = clone(m)
    assert twin.get_params() == m.get_params() and twin is not m
    assert m.set_params(level=0.8) is m and m.level == 0.8
    assert "CalibratedSonicModel(" in repr(m) and "family='lightgbm'" in repr(m)
    plain = SonicModel("lightgbm", ["DTC"], params=FAST)
    assert clone(plain).get_params()["family"] == "lightgbm"
    assert m.fit(wells[:1]) is m and m.feature_spec is None and isinstance(m.fitted_spec(), FeatureSpec)
    assert m.metadata["targets"] == ["DTC"] and type(m).metadata == {}  # the class default stays empty
    before = clone(m).get_params()
    with pytest.raises(TypeError):
        m.fit(wells[:1], targets=["DTS"])  # settings go through the constructor / set_params, not fit
    m.set_params(targets=["DTS"]).fit(wells[:1])
    assert m.metadata["targets"] == ["DTS"] and {k: v for k, v in m.get_params().items() if k != "targets"} == \
        {k: v for k, v in before.items() if k != "targets"}


def test_refitting_starts_from_the_settings_given(shifted, wells):
    """A fit that leaves PEF out (it changed scale in a training well) does not carry that into the
    next fit on other wells: the fitted recipe is ``feature_spec_``, ``feature_spec`` stays as given."""
    m = CalibratedSonicModel(family="lightgbm", targets=["DTC"], feature_spec=recommended_spec(), params=FAST, calibrate="none")
    m.fit([shifted])
    assert "PEF" not in m.fitted_spec().inputs and m.metadata["excluded_inputs"] and "PEF" in m.feature_spec.inputs
    m.fit(wells[:1])
    assert "PEF" in m.fitted_spec().inputs and not m.metadata["excluded_inputs"]


@pytest.mark.parametrize("setting, value, named", [
    ("level", 1.5, "level must be a probability"),
    ("calibration_folds", 1, "calibration_folds must be an integer >= 2"),
    ("tolerance", 2.0, "tolerance must be a fraction"),
    ("min_vpvs", -1, "min_vpvs must be >= 0"),
    ("calibration_gap", -5, "calibration_gap must be an integer >= 0"),
    ("calibration_aggregate", "bogus", "calibration_aggregate must be one of"),
    ("optional_inputs", ("XYZ",), "optional_inputs must name input curves"),
])
def test_bad_settings_are_refused_by_name_before_any_work(wells, setting, value, named):
    with pytest.raises(UsageError, match=named):
        CalibratedSonicModel(family="lightgbm", params=FAST, **{setting: value}).fit(wells[:1])


def test_a_feature_recipe_cannot_take_its_target_or_an_unknown_curve(wells):
    for inputs, message in ((("GR", "DTC"), "include the target"), (("GR", "FOO"), "FOO are no canonical curves")):
        with pytest.raises(UsageError, match=message):
            SonicModel("lightgbm", ["DTC"], feature_spec=FeatureSpec(inputs=inputs), params=FAST).fit(wells[:1])


def test_wrong_arguments_get_plain_errors(wells):
    m = SonicModel("lightgbm", "DTC", params=FAST)  # one target name is a list of one, not D, T, C
    with pytest.raises(UsageError, match="not fitted yet; call fit"):
        m.predict(wells[0])
    with pytest.raises(UsageError, match=r"fit takes a list of wells: fit\(\[well\]\)"):
        m.fit(wells[0])
    with pytest.raises(UsageError, match="fit takes Well objects .* not str"):
        m.fit(["16_5-3.las"])
    m.fit(wells[:1])
    assert m.targets == ["DTC"]
    with pytest.raises(UsageError, match="expected a Well .* not str"):
        m.predict("16_5-3.las")
    for quantiles, message in (((1.5,), "1.5 is not a probability"), (0.5, "must be a list of probabilities")):
        with pytest.raises(UsageError, match=message):
            m.predict(wells[1], quantiles=quantiles)


def test_store_saves_only_fitted_models_where_others_can_read_them(wells, tmp_path):
    from welllog.store import ModelStore

    store = ModelStore(tmp_path)
    for thing, message in (("hello", "a str, not a welllog model"), (SonicModel(), "an unfitted model: fit it first")):
        with pytest.raises(UsageError, match=message):
            store.save(thing, "default")
    assert not (tmp_path / "default").exists() or not any((tmp_path / "default").glob("v*"))
    old = os.umask(0o022)
    try:
        version = store.save(SonicModel("lightgbm", ["DTC"], params=FAST).fit(wells[:1]), "m")
    finally:
        os.umask(old)
    assert (tmp_path / "m" / version).stat().st_mode & 0o055 == 0o055  # group and others may read and enter
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no InconsistentVersionWarning: pickles carry no sklearn version stamp
        loaded = store.load("m")
    assert "_sklearn_version" not in pickle.loads(pickle.dumps(loaded)).__dict__
    np.testing.assert_allclose(loaded.predict(wells[1])["DTC_MEAN"], store.load("m").predict(wells[1])["DTC_MEAN"])


def test_wells_compare_by_identity_and_named_wells_takes_one_name(wells):
    from dataclasses import replace

    twin = replace(wells[1], provenance=list(wells[1].provenance))  # same name, another object
    assert wells[1] == wells[1] and wells[1] != twin
    train, test = named_wells([wells[0], wells[1]], wells[0].name)
    assert test == [wells[0]] and train == [wells[1]]
    train, test = named_wells([wells[1], twin, wells[0]], wells[0].name)
    assert train[0] is wells[1] and train[1] is twin


def test_scores_of_a_training_well_are_marked(wells):
    from welllog.evaluation import evaluate_model

    m = SonicModel("lightgbm", ["DTC"], params=FAST).fit(wells[:1])
    result = evaluate_model(m, wells)
    marked = {r["well"]: r.get("training_well", False) for r in result["per_well"]}
    assert marked == {wells[0].name: True, wells[1].name: False}
    assert result["training_wells_included"] == [wells[0].name]


def test_recommended_model_is_what_welllog_train_builds():
    m = recommended_model()
    assert m.family == "ensemble" and m.targets == ["DTC", "DTS"] and m.feature_spec.context_window == 21
    assert recommended_model(["DTC"], family="lightgbm").family == "lightgbm"


def test_reading_with_wrong_arguments_says_which(force2020_dir):
    import pandas as pd

    from welllog.errors import WellReadError
    from welllog.ingest import read_raw, read_well, well_from_arrays

    path = force2020_dir / "16_5-3.las"
    with pytest.raises(WellReadError, match="this one is the file's content: pass it as bytes"):
        read_well(path.read_text(errors="replace"))  # the text itself, not a path: no 2 KB "File name too long"
    with pytest.raises(UsageError, match=r"aliases must be a mapping like \{'ILD': 'RDEP'\}, not list"):
        read_well(path, aliases=["GR"])
    with pytest.raises(UsageError, match="units must be a mapping"):
        read_well(path, units="GR=gAPI")
    with pytest.raises(WellReadError, match="unknown format 5"):
        read_raw(path, fmt=5)
    with pytest.raises(WellReadError, match="curves must be a mapping of curve name -> values .* not DataFrame"):
        well_from_arrays(pd.DataFrame({"GR": [1.0, 2.0]}))


def test_an_ensemble_member_setting_is_set_the_nested_way():
    from welllog.models import make_estimator

    e = make_estimator("ensemble", lightgbm_params={"colsample_bytree": 0.6})
    assert e.set_params(lightgbm_params__n_estimators=10, weight_ngboost=0.4) is e
    assert e.lightgbm_params == {"colsample_bytree": 0.6, "n_estimators": 10} and e.weight_ngboost == 0.4
    assert clone(e).get_params()["lightgbm_params"] == e.lightgbm_params
