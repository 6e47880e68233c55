"""A new user's unit mistakes on real FORCE 2020 files: each must come back with its cause and the
fix for the CLI *and* the API (JSON body and upload query), not a vague warning or CLI-only advice.

* ``NPHI .%`` over v/v values: the prediction runs (biased); its warning names the doubt and the fix.
* ``RHOB .kg/m3`` over g/cm3 values, or all-negative RDEP: QC nulls the curve; the missing-curves
  error says the file has it, why it is empty and which unit override brings it back.
* GR = 1e308 in a request: impossible values (curve, count), not "fits no known unit".
* A curve no unit explains (DTS in 'xx' x1000): passed over and named in the warning, not the well's failure.
* A depth of 1e308 in a file or request: an impossible depth value (file, curve, value, row), not "fix its unit".
* Fix phrases name CLI ``--unit``/``--alias``, JSON ``"units"``/``"aliases"`` and upload ``unit=``/``alias=``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from welllog.errors import MissingCurvesError, WellReadError
from welllog.ingest import read_well, well_from_arrays
from welllog.predict import coverage_warning, predict_well
from welllog.qc import qc_summary

BLIND_WELL = "16_2-16.las"
TRAIN_WELL = "16_2-11 A.las"


def _with_header(src: Path, dest: Path, curve: str, unit: str) -> Path:
    """``src`` with only the ~Curve unit of ``curve`` changed (values untouched), as the user did."""
    text, n = re.subn(rf"^({re.escape(curve)}\s*\.)\S*", lambda m: m.group(1) + unit,
                      src.read_text(encoding="latin-1"), count=1, flags=re.M)
    assert n == 1
    dest.write_text(text, encoding="latin-1")
    return dest


@pytest.fixture(scope="module")
def model(force2020_dir):
    """A small model that needs every input it saw (so an emptied curve is a missing one)."""
    from welllog.models.sonic import SonicModel

    return SonicModel("rf", ["DTC"], params={"n_estimators": 8}, tolerance=1.0).fit([read_well(force2020_dir / TRAIN_WELL)])


def _fixes(mnemonic: str, unit: str) -> list[str]:
    return [f"--unit {mnemonic}={unit}", f'"units": {{"{mnemonic}": "{unit}"}}', f"unit={mnemonic}={unit}"]


def test_percent_declared_over_fractions_is_named_in_the_prediction_warning(model, force2020_dir, tmp_path):
    path = _with_header(force2020_dir / BLIND_WELL, tmp_path / "nphi_pct.las", "NPHI", "%")
    well = read_well(path)
    assert well.unit_doubts == {"NPHI": {"curve": "NPHI", "declared": "%", "likely": "v/v"}}
    n, warning = coverage_warning(well, predict_well(model, well), model.inputs, model.required_curves)
    assert n > 0
    assert "NPHI declared '%' but its values look like v/v" in warning, warning
    assert all(fix in warning for fix in _fixes("NPHI", "v/v")), warning
    assert any(p.step == "warning" and p.message == warning for p in well.provenance)  # in every output file too
    # the fix works, and the true header says nothing of units
    for fixed in (read_well(path, units={"NPHI": "v/v"}), read_well(force2020_dir / BLIND_WELL)):
        assert fixed.unit_doubts == {}
        _, clean = coverage_warning(fixed, predict_well(model, fixed), model.inputs, model.required_curves)
        assert "declared" not in clean


def test_density_declared_kg_m3_says_the_curve_is_there_and_which_unit_fixes_it(model, force2020_dir, tmp_path):
    path = _with_header(force2020_dir / BLIND_WELL, tmp_path / "rhob_kg.las", "RHOB", "kg/m3")
    well = read_well(path)
    with pytest.raises(MissingCurvesError) as info:
        predict_well(model, well)
    message = str(info.value)
    assert "RHOB: read from RHOB, kg/m3 -> g/cm3" in message and "physically impossible" in message
    assert "its values look like g/cm3" in message and all(fix in message for fix in _fixes("RHOB", "g/cm3")), message
    assert "map a vendor mnemonic" not in message  # the file has RHOB: mapping another curve is not the fix
    assert predict_well(model, read_well(path, units={"RHOB": "g/cm3"}))["DTC_MEAN"].notna().any()


def test_training_on_a_density_in_the_wrong_unit_is_refused_with_the_fix(force2020_dir, tmp_path):
    """``welllog train`` on that same file saved a model without RHOB and exit 0 (CLI audit), while
    predicting on it names the unit: training refuses it too — one line, exit 2, the file, the fix —
    and the percent-declared neutron, kept on the wrong scale, likewise. The user's own unit is taken."""
    import subprocess
    import sys

    from welllog.models.sonic import SonicModel

    rhob = _with_header(force2020_dir / BLIND_WELL, tmp_path / "rhob_kg.las", "RHOB", "kg/m3")
    nphi = _with_header(force2020_dir / BLIND_WELL, tmp_path / "nphi_pct.las", "NPHI", "%")
    for path, curve, unit in ((rhob, "RHOB", "g/cm3"), (nphi, "NPHI", "v/v")):
        with pytest.raises(WellReadError) as info:
            SonicModel("rf", ["DTC"], params={"n_estimators": 4}).fit([read_well(path), read_well(force2020_dir / TRAIN_WELL)])
        message = str(info.value)
        assert message.startswith(f"{read_well(path).label}: training well: {curve} declared"), message
        assert all(fix in message for fix in _fixes(curve, unit)), message
    done = subprocess.run([sys.executable, "-m", "welllog.cli.main", "train", str(rhob), "--target", "DTC", "--name", "x",
                           "--model", "lightgbm", "--recipe", "plain", "--models-dir", str(tmp_path / "models")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "training well: RHOB declared 'kg/m3'" in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]  # beside the progress lines
    assert len(errors) == 1 and "Traceback" not in done.stderr and not (tmp_path / "models" / "x").exists()
    model = SonicModel("rf", ["DTC"], params={"n_estimators": 4}).fit([read_well(rhob, units={"RHOB": "g/cm3"})])
    assert "RHOB" in model.inputs


def test_all_negative_resistivity_suggests_the_unit_override(model, force2020_dir):
    real = read_well(force2020_dir / BLIND_WELL)
    part = real.data.dropna(subset=list(model.inputs)).iloc[:400]
    curves = {c: part[c].tolist() for c in model.inputs}
    curves["RDEP"] = [-v for v in curves["RDEP"]]
    well = well_from_arrays(curves, depth=part.index.tolist(), units={"RDEP": "ohm.m"})
    with pytest.raises(MissingCurvesError) as info:
        predict_well(model, well)
    message = str(info.value)
    assert "RDEP: read from RDEP" in message and "400 physically impossible value(s)" in message, message
    assert "if its unit 'ohm.m' is wrong" in message and all(fix in message for fix in _fixes("RDEP", "UNIT")), message
    assert "map a vendor mnemonic" not in message


def test_a_missing_curve_still_gets_the_alias_advice_for_every_client(model, force2020_dir):
    real = read_well(force2020_dir / BLIND_WELL)
    part = real.data.dropna(subset=list(model.inputs)).iloc[:50]
    well = well_from_arrays({c: part[c].tolist() for c in model.inputs if c != "GR"}, depth=part.index.tolist())
    with pytest.raises(MissingCurvesError) as info:
        predict_well(model, well)
    message = str(info.value)
    assert "Supply them or map a vendor mnemonic" in message
    assert all(p in message for p in ("--alias SRC=CANON", '"aliases": {"SRC": "CANON"}', "alias=SRC=CANON")), message


def test_overflowing_values_are_impossible_values_not_a_unit_problem(model, force2020_dir):
    """GR = 1e308 in a JSON request (an even count: its median overflows to inf)."""
    real = read_well(force2020_dir / BLIND_WELL)
    part = real.data.dropna(subset=list(model.inputs)).iloc[:300]
    curves = {c: part[c].tolist() for c in model.inputs}
    curves["GR"] = [1e308] * len(part)
    well = well_from_arrays(curves, depth=part.index.tolist())  # raised "median inf fits no known unit"
    assert not well.has("GR")
    assert any(p.curve == "GR" and "300 physically impossible value(s) set to null" in p.message for p in well.provenance)
    with pytest.raises(MissingCurvesError) as info:
        predict_well(model, well)
    message = str(info.value)
    assert "GR: read from GR" in message and "300 physically impossible value(s)" in message and "beyond any unit" in message
    assert "--unit" not in message and "fits no known unit" not in message  # no unit can fix 1e308
    # a few such values among real ones: nulled and counted, the rest predicted
    curves["GR"] = part["GR"].tolist()
    curves["GR"][:4] = [1e308] * 4
    well = well_from_arrays(curves, depth=part.index.tolist())
    assert qc_summary(well)["curves"]["GR"]["impossible"] == 4
    assert int(np.isnan(well.data["GR"].to_numpy()).sum()) == 4
    assert predict_well(model, well)["DTC_MEAN"].notna().sum() == 296


def test_an_impossible_depth_is_a_bad_value_not_a_unit_question(force2020_dir, tmp_path):
    """One depth of 1e308 in a real file: no length unit makes it a depth, so the error names the
    file, the depth curve, the value and its row, and does not send the user to the unit."""
    lines = (force2020_dir / BLIND_WELL).read_text(encoding="latin-1").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("~A")) + 1
    fields = lines[first + 9].split()
    lines[first + 9] = " ".join(["1e308", *fields[1:]]) + "\n"  # the 10th data row
    path = tmp_path / BLIND_WELL
    path.write_text("".join(lines), encoding="latin-1")
    with pytest.raises(WellReadError) as info:
        read_well(path)
    message = str(info.value)
    assert getattr(info.value, "field", None) is None  # a file's depth is no request field
    assert message.startswith(f"{path}: depth DEPT holds an impossible value, 1e+308 (data row 10)"), message
    assert "not a unit question" in message and "--unit" not in message and "deeper than any well" in message
    # the same in a JSON request; a depth a unit can explain is still a unit question
    with pytest.raises(WellReadError, match=r"request: depth DEPT holds an impossible value, 1e\+20 \(data row 2\) and 1 more"):
        well_from_arrays({"GR": [50.0, 60.0, 70.0]}, depth=[1000.0, 1e20, 1e308], name="request")
    with pytest.raises(WellReadError, match=r"every value is impossible as a depth .* name the depth curve"):
        well_from_arrays({"GR": [50.0, 60.0]}, depth=[1e300, 1e308])
    with pytest.raises(WellReadError, match=r"reaches 50,000 m .*fix its unit") as info:
        well_from_arrays({"GR": [50.0, 60.0]}, depth=[1000.0, 50000.0])
    assert info.value.field == "depth"  # the API names the request field (API audit: it was null)
    with pytest.raises(WellReadError, match="depth given twice") as info:
        well_from_arrays({"GR": [50.0, 60.0], "dept": [1.0, 2.0]}, depth=[1000.0, 1000.5])
    assert info.value.field == "depth"


def _scaled(src: Path, dest: Path, curve: str, unit: str, factor: float) -> Path:
    """``src`` with ``curve``'s values x ``factor`` under a unit no reader knows (a broken export)."""
    import lasio

    las = lasio.read(src)
    las.curves[curve].unit = unit
    las[curve] = las[curve] * factor
    las.write(str(dest), version=2.0)
    return dest


def test_a_curve_no_unit_explains_is_passed_over_and_named_not_the_whole_well(model, force2020_dir, tmp_path):
    """A measured DTS in 'xx' holding ~1.9e5: the well used to fail to read ("fits no known unit"),
    so no synthetic DTC for a well whose inputs are fine. Now the curve is passed over: the well
    predicts and the run's warning names the curve and the unit fix; where the passed-over curve is
    an input the model needs, the missing-curves error says so, with the same fix."""
    shear = read_well(_scaled(force2020_dir / BLIND_WELL, tmp_path / "dts_xx.las", "DTS", "xx", 1000.0))
    assert not shear.has("DTS") and "DTS" in shear.original.columns  # the original curve kept, untouched
    n, warning = coverage_warning(shear, predict_well(model, shear), model.inputs, model.required_curves)
    assert n > 0
    assert "DTS in the file not used as DTS: unit 'xx'" in warning and "fits no known unit" in warning, warning
    assert all(fix in warning for fix in _fixes("DTS", "UNIT")), warning

    neutron = read_well(_scaled(force2020_dir / BLIND_WELL, tmp_path / "nphi_xx.las", "NPHI", "xx", 1e5))
    with pytest.raises(MissingCurvesError) as info:
        predict_well(model, neutron)
    message = str(info.value)
    assert "NPHI not taken as NPHI: unit 'xx'" in message and "fits no known unit" in message, message
    assert all(fix in message for fix in _fixes("NPHI", "UNIT")), message


def test_a_huge_depth_gives_the_fix_for_the_cli_and_the_api(corpus_dir, tmp_path):
    import lasio

    src = lasio.read(corpus_dir / "2.0" / "sample_2.0.las")
    path = tmp_path / "step1000.las"
    src.index[:] = np.arange(len(src.index)) * 1000.0 + 20000.0
    src.write(str(path), version=2.0)
    with pytest.raises(WellReadError) as info:
        read_well(path)
    message = str(info.value)
    assert "deeper than any well" in message and all(fix in message for fix in _fixes("DEPT", "ft")), message
    assert '"aliases": {"CURVE": "DEPT"}' in message and "alias=CURVE=DEPT" in message


def test_server_path_loads_every_good_entry_and_names_each_bad_one(force2020_dir, tmp_path):
    from dashboard.wells import sources_from_path

    folder = tmp_path / "batch"
    folder.mkdir()
    for name in (BLIND_WELL, TRAIN_WELL):
        (folder / name).write_bytes((force2020_dir / name).read_bytes())
    (tmp_path / "empty").mkdir()
    problems: list = []
    sources = sources_from_path(f"{folder};{tmp_path / 'nonexistent.las'};{tmp_path / 'empty'}", problems)
    assert sorted(s.name for s in sources) == sorted((BLIND_WELL, TRAIN_WELL))
    assert len(problems) == 2 and "nonexistent.las" in str(problems[0]) and "empty" in str(problems[1])
    with pytest.raises(WellReadError, match="nonexistent.las"):  # without a list: the first bad entry raises
        sources_from_path(f"{folder};{tmp_path / 'nonexistent.las'}")


def test_low_coverage_names_the_curve_that_tells_unpredicted_rows_apart():
    """A well without PEF, density or neutron whose top-hole rows the reduced-input model predicted
    where RMED is logged (as 31/5-4 S with a recipe model): the low-coverage warning names RMED — the
    curve missing on the unpredicted rows and present on the predicted ones — not PEF, which is missing
    on both (API audit); the whole-well note gives the alias fix the right way round, for every interface."""
    import pandas as pd

    n = 1000
    rmed = np.where(np.arange(n) < 200, 5.0, np.nan)
    well = well_from_arrays({"GR": np.full(n, 60.0), "RDEP": np.full(n, 4.0), "RMED": rmed}, depth=1000 + 0.15 * np.arange(n),
                            units={"DEPT": "m", "GR": "gAPI", "RDEP": "ohm.m", "RMED": "ohm.m"}, name="sparse")
    done = np.arange(n) < 200
    pred = pd.DataFrame({"DTC_MEAN": np.where(done, 100.0, np.nan), "DTC_QC": np.where(done, 32, 16)})
    n_done, warning = coverage_warning(well, pred, ["GR", "RDEP", "RMED", "PEF", "RHOB", "NPHI"],
                                       ["GR", "RDEP", "RMED", "PEF", "RHOB", "NPHI"])
    assert n_done == 200
    assert "only 200 of 1000 logged rows predicted; RMED, required by this model, is missing on 100% of the rest" in warning
    assert "PEF, RHOB, NPHI not in the file: 200 of 200 predicted rows come from the reduced-input model" in warning
    assert "CLI --alias MNEMONIC=PEF" in warning and "alias=MNEMONIC=PEF" in warning and '"aliases"' in warning


def _renamed(src: Path, dest: Path, curve: str, name: str) -> Path:
    """``src`` with ``curve``'s ~Curve mnemonic renamed (values untouched), as another vendor's export."""
    text, n = re.subn(rf"^(\s*){re.escape(curve)}(\s*\.)", lambda m: m.group(1) + name + m.group(2),
                      src.read_text(encoding="latin-1"), count=1, flags=re.M)
    assert n == 1
    dest.write_text(text, encoding="latin-1")
    return dest


def test_a_dual_laterolog_well_reads_lls_and_an_unknown_resistivity_is_named(model, force2020_dir, tmp_path):
    """A dual-laterolog export logs LLD/LLS: LLS is now a medium resistivity (the last alias for RMED),
    so the well predicts as the original does. A medium resistivity under a mnemonic no table knows
    is named in the missing-curves error with the alias that maps it — the error listed only the
    canonical curves found, and the user had to guess which of the file's curves was meant."""
    original = predict_well(model, read_well(force2020_dir / BLIND_WELL))
    lls = read_well(_renamed(force2020_dir / BLIND_WELL, tmp_path / "lls.las", "RMED", "LLS"))
    assert lls.mapping["RMED"].source == "LLS"
    np.testing.assert_allclose(predict_well(model, lls)["DTC_MEAN"].to_numpy(), original["DTC_MEAN"].to_numpy(), rtol=1e-12)
    unknown = read_well(_renamed(force2020_dir / BLIND_WELL, tmp_path / "odd.las", "RMED", "RES_SHALLOWISH"))
    with pytest.raises(MissingCurvesError) as info:
        predict_well(model, unknown)
    message = str(info.value)
    assert "RMED: the file's RES_SHALLOWISH (ohm.m) is in RMED's unit but no mnemonic known for RMED" in message, message
    assert all(p in message for p in ("--alias RES_SHALLOWISH=RMED", '"aliases": {"RES_SHALLOWISH": "RMED"}')), message


def test_a_depth_column_of_nulls_is_named_not_every_curve(force2020_dir, tmp_path):
    """A CSV export whose depth is -999 throughout read as a zero-row well, and prediction then said
    "missing GR, NPHI, ... no usable value is left" for every curve (code review)."""
    real = read_well(force2020_dir / BLIND_WELL)
    part = real.original.iloc[1000:1200].copy()
    part["DEPT"] = -999.0
    path = tmp_path / "null_depth.csv"
    part.to_csv(path, index=False)
    with pytest.raises(WellReadError) as info:
        read_well(path)
    message = str(info.value)
    assert message.startswith(f"{path}: depth DEPT: every one of its 200 rows is null"), message
    assert "alias=CURVE=DEPT" in message and "--alias CURVE=DEPT" in message
    with pytest.raises(WellReadError) as info:  # a request: the API names the field
        well_from_arrays({"GR": [50.0, 60.0]}, depth=[None, None])
    assert info.value.field == "depth"
