"""Vertical depth (welllog.depth) and the depth companion that uses it, on real force2020 wells.

31/5-4 S is a deviated sidetrack (measured depth runs 100-200 m ahead of vertical depth) whose
z_loc survey misses the rows at the top and bottom of the logged interval: the case the gap
filling exists for.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from welllog.depth import vertical_depth
from welllog.ingest import read_well
from welllog.recipes import CalibratedSonicModel


@pytest.fixture(scope="module")
def deviated(force2020_dir):
    return read_well(force2020_dir / "31_5-4 S.las")


def test_vertical_depth_keeps_the_survey_and_fills_its_gaps(deviated):
    tvd = deviated.data["TVD"].to_numpy()
    known = np.isfinite(tvd)
    assert 0.5 < known.mean() < 1.0  # the real file has gaps, else this test tests nothing
    got, how = vertical_depth(deviated)
    np.testing.assert_allclose(got[known], tvd[known])
    assert np.isfinite(got).all() and (np.diff(got) >= -1e-6).all()  # a depth, going down
    md = deviated.depth
    first, last = np.flatnonzero(known)[[0, -1]]
    # beyond the survey the hole is taken as vertical: the offset MD - TVD is held at its end values
    np.testing.assert_allclose((md - got)[:first], md[first] - tvd[first])
    np.testing.assert_allclose((md - got)[last + 1:], md[last] - tvd[last])
    assert (md - got)[known].max() > 100  # deviated: measured depth runs well ahead
    assert "z_loc" in how and f"{int((~known).sum())} row(s)" in how


def test_vertical_depth_without_a_tvd_curve_is_measured_depth(deviated):
    no_tvd = replace(deviated, data=deviated.data.drop(columns="TVD"), mapping={k: v for k, v in deviated.mapping.items() if k != "TVD"})
    got, how = vertical_depth(no_tvd)
    np.testing.assert_array_equal(got, deviated.depth)
    assert "no TVD curve" in how


def test_vertical_depth_sent_under_its_canonical_name_is_named_once(deviated):
    """The dashboard's API payload sends curves under canonical names: the note said "(TVD, TVD)"."""
    from welllog.ingest import well_from_arrays

    sent = well_from_arrays({"TVD": deviated.data["TVD"].tolist(), "GR": deviated.data["GR"].tolist()},
                            depth=deviated.depth.tolist())
    got, how = vertical_depth(sent)
    np.testing.assert_allclose(got, vertical_depth(deviated)[0])
    assert "true vertical depth (TVD);" in how and "TVD, TVD" not in how


def test_depth_companion_sees_vertical_depth_of_a_deviated_well(force2020_dir, deviated):
    """Trained on two vertical wells; on the deviated one the companion gets TVD (not MD), the
    served DTC differs from the measured-depth companion's, and provenance says which depth."""
    wells = [read_well(force2020_dir / f) for f in ("31_2-7.las", "31_6-5.las")]
    kw = dict(family="lightgbm", targets=["DTC"], params={"n_estimators": 40}, calibrate="none")
    vertical = CalibratedSonicModel(**kw).fit(wells)
    measured = CalibratedSonicModel(companion_depth="measured", **kw).fit(wells)
    assert vertical.metadata["depth_companion"]["features"][-1] == "TVD"
    assert measured.metadata["depth_companion"]["features"][-1] == "DEPT"
    prepared = vertical.prepare(deviated)
    np.testing.assert_allclose(prepared.data["TVD"].to_numpy(), vertical_depth(deviated)[0])
    well = replace(deviated, provenance=list(deviated.provenance))
    dtc_v, ok_v = vertical.predict_distributions(well)["DTC"]
    dtc_m, ok_m = measured.predict_distributions(deviated)["DTC"]
    assert ok_v.sum() > 1000 and (ok_v == ok_m).all()
    ahead = (deviated.depth - vertical_depth(deviated)[0])[ok_v] > 50  # where the hole is deviated
    assert ahead.sum() > 1000 and np.abs(dtc_v.mean - dtc_m.mean)[ahead].mean() > 0.5  # 100-200 m of depth make a difference
    assert any(p.curve == "TVD" and "true vertical depth (TVD, z_loc)" in p.message for p in well.provenance)
    # the main (no-depth) model and the original curves are untouched
    np.testing.assert_array_equal(well.data["TVD"].to_numpy(), deviated.data["TVD"].to_numpy(), strict=True)
    with pytest.raises(Exception, match="companion_depth must be"):
        CalibratedSonicModel(companion_depth="along-hole", **kw).fit(wells)


def test_rows_logged_without_a_caliper_are_trained_on_and_predicted(force2020_dir):
    """The caliper describes the hole, not the rock (recipe ``optional_inputs``): 36/7-3 has it on
    1% of its DTC rows, so requiring it threw that well out of training and left most of 31/3-3
    (caliper on 27% of its DTC rows) unpredicted."""
    from welllog.well import QC_MISSING, QC_NOT_PREDICTED

    wells = [read_well(force2020_dir / f) for f in ("36_7-3.las", "31_3-1.las")]  # PEF in one: tolerated
    blind = read_well(force2020_dir / "31_3-3.las")
    kw = dict(family="lightgbm", targets=["DTC"], params={"n_estimators": 40}, calibrate="none", depth_feature=False)
    default = CalibratedSonicModel(**kw).fit(wells)
    strict = CalibratedSonicModel(optional_inputs=(), **kw).fit(wells)
    assert default.metadata["recipe"]["optional_inputs"] == ["CALI", "RMED"] and strict.metadata["recipe"]["optional_inputs"] == []
    rows, rows_strict = default.metadata["training_rows"]["DTC"], strict.metadata["training_rows"]["DTC"]
    assert rows > rows_strict + 5000  # 36/7-3's caliper-less rows are trained on
    assert "CALI" in default.tolerated_curves and "CALI" in strict.required_curves
    has_dtc = blind.data["DTC"].notna().to_numpy()
    no_cali = blind.data["CALI"].isna().to_numpy() & has_dtc
    assert no_cali.sum() > 5000
    _, ok = default.predict_distributions(blind)["DTC"]
    _, ok_strict = strict.predict_distributions(blind)["DTC"]
    rock_logged = blind.data[default.required_curves].notna().all(axis=1).to_numpy()  # CALI is not among them
    assert (no_cali & rock_logged).sum() > 5000
    assert ok[no_cali & rock_logged].all() and not ok_strict[no_cali].any()
    codes = default.qc_codes(blind)
    assert ((codes[no_cali & ok] & QC_MISSING) != 0).all() and not (codes[no_cali & ok] & QC_NOT_PREDICTED).any()


def test_vertical_depth_below_the_hole_is_impossible(force2020_dir, tmp_path):
    """QC nulls TVD values more than 1 m below the row's measured depth (a hole is never shorter
    than the vertical distance it covers). The real files never trip it (force2020's TVD is sea-level
    based, 22-31 m above MD); the same survey written in feet would reach the depth companion ~3x
    too deep and is refused row by row, with a note that says what to check."""
    import lasio

    path = force2020_dir / "31_2-7.las"
    real = read_well(path)
    assert np.isfinite(real.data["TVD"]).mean() > 0.8 and not (real.qc["TVD"] & 2).any()
    assert (real.depth - real.data["TVD"]).dropna().between(20, 35).all()
    las = lasio.read(path)
    las["Z_LOC"] = las["Z_LOC"] * 3.2808  # elevations in feet, in a file that says nothing about it
    feet = tmp_path / "31_2-7_tvd_feet.las"
    las.write(str(feet), version=2.0)
    well = read_well(feet)
    surveyed = np.isfinite(real.data["TVD"].to_numpy())
    nulled = surveyed & np.isnan(well.data["TVD"].to_numpy())
    assert nulled.sum() == surveyed.sum()  # 3.28 x TVD is deeper than MD on every surveyed row
    assert ((well.qc["TVD"].to_numpy()[nulled] & 2) != 0).all()  # QCFlag.IMPOSSIBLE
    notes = [p.message for p in well.provenance if p.curve == "TVD" and "below the measured depth" in p.message]
    assert len(notes) == 1 and f"{int(nulled.sum())} vertical depth value(s)" in notes[0] and "unit and datum" in notes[0]
    got, how = vertical_depth(well)
    np.testing.assert_array_equal(got, well.depth)
    assert how.startswith("no usable TVD value")


def test_depth_index_given_as_elevations_is_read_positive_down(force2020_dir, tmp_path):
    """A file indexed by elevation (negative below the datum) read as it stood put its deepest row
    first: tracks upside down, context gradients of the wrong sign, depths no model was trained on.
    It now reads as the same well indexed by depth, said in provenance, and the written file keeps
    the index the user gave."""
    import io

    import lasio

    from welllog.ingest import write_well

    path = force2020_dir / "31_2-7.las"
    real = read_well(path)
    las = lasio.read(path)
    las.set_data_from_df(las.df().set_axis(-las.index, axis=0).rename_axis("DEPT"))
    flipped_path = tmp_path / "31_2-7_elevation.las"
    las.write(str(flipped_path), version=2.0)
    well = read_well(flipped_path)
    np.testing.assert_allclose(well.depth, real.depth)
    for curve in ("GR", "NPHI", "RHOB", "DTC"):
        np.testing.assert_allclose(well.data[curve].to_numpy(), real.data[curve].to_numpy(), atol=1e-5, equal_nan=True)  # lasio writes 5 decimals
    assert any(p.curve == "DEPT" and "elevations" in p.message and "sign flipped" in p.message for p in well.provenance)
    assert "sign flipped" in well.mapping["DEPT"].conversion
    out = io.BytesIO()
    write_well(well, out, "las")
    written = lasio.read(io.StringIO(out.getvalue().decode()))
    assert (las.index < 0).all()
    np.testing.assert_allclose(written.index, las.index)  # the original (negative) index, as given
