"""CSV reading: SPWLA 2020 (no depth column), depth detection, unit rows, bad files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from welllog.errors import WellReadError
from welllog.ingest import read_raw, read_well


def test_spwla_train_and_test_read(spwla_dir):
    train = read_raw(spwla_dir / "train.csv")
    test = read_raw(spwla_dir / "test.csv")
    assert list(train.frame.columns) == ["CAL", "CNC", "GR", "HRD", "HRM", "PE", "ZDEN", "DTC", "DTS"]
    assert list(test.frame.columns) == ["CAL", "CNC", "GR", "HRD", "HRM", "PE", "ZDEN"]
    assert train.depth_column is None and test.depth_column is None
    assert train.source_format == "csv" and train.name == "train"
    reference = pd.read_csv(spwla_dir / "train.csv", float_precision="round_trip")
    assert len(train.frame) == len(reference)
    expected = reference.to_numpy(dtype=float)
    expected[expected == -999] = np.nan
    np.testing.assert_array_equal(train.frame.to_numpy(), expected)  # row order kept, -999 is null
    assert train.units == {c: "" for c in train.frame.columns}


def test_spwla_canonical_end_to_end(spwla_dir):
    well = read_well(spwla_dir / "train.csv")
    assert {"CALI", "NPHI", "GR", "RDEP", "RMED", "PEF", "RHOB", "DTC", "DTS"} <= set(well.curves)
    assert not well.has_depth and len(well.original) == 30143


def test_depth_column_unit_row_and_nulls():
    text = b"DEPTH_MD,GR,RHOB,NOTE\nm,gAPI,g/cm3,\n1000.0,50.5,2.31,a\n1000.5,,-999.25,b\n1001.0,-999,2.40,c\n"
    raw = read_raw(text, name="w1.csv")
    assert raw.depth_column == "DEPTH_MD"
    assert raw.units == {"DEPTH_MD": "m", "GR": "gAPI", "RHOB": "g/cm3", "NOTE": ""}
    assert raw.frame["GR"].isna().tolist() == [False, True, True]
    assert raw.frame["RHOB"].isna().tolist() == [False, True, False]
    assert raw.frame["NOTE"].isna().all() and any("NOTE" in n for n in raw.notes)


def test_units_in_header_cells_and_semicolons():
    raw = read_raw(b"DEPT [ft];GR (gAPI);DT\n100;20;80\n100.5;21;81\n", name="w2.csv")
    assert raw.depth_column == "DEPT"
    assert raw.units == {"DEPT": "ft", "GR": "gAPI", "DT": ""}
    assert raw.frame["DT"].tolist() == [80.0, 81.0]


def test_a_guessed_depth_unit_is_a_prediction_warning_with_the_override():
    """A CSV depth without a unit and a 0.5 step is read as feet — the usual case, but metric logs are
    sampled so too, and a wrong guess moves every depth 3.3x with no other sign: the guess and the
    override reach the prediction's warnings, not only provenance (API audit). A given unit is no guess."""
    from welllog.predict import coverage_warning

    rows = "\n".join(f"{5000 + 0.5 * i},{50 + i % 7},{2.3 + 0.01 * (i % 5)}" for i in range(40))
    guessed = read_well(f"DEPT,GR,RHOB\n{rows}\n".encode(), name="half.csv")
    assert guessed.depth[0] == pytest.approx(5000 * 0.3048)
    assert "read as ft from its step 0.5" in guessed.depth_unit_guess and "--unit DEPT=m" in guessed.depth_unit_guess
    pred = pd.DataFrame({"DTC_MEAN": np.full(40, 100.0), "DTC_QC": np.zeros(40, dtype=int)})
    assert guessed.depth_unit_guess in coverage_warning(guessed, pred, ["GR", "RHOB"], ["GR", "RHOB"])[1]
    given = read_well(f"DEPT,GR,RHOB\nm,gAPI,g/cm3\n{rows}\n".encode(), name="metres.csv")
    assert given.depth[0] == 5000 and given.depth_unit_guess == ""
    assert coverage_warning(given, pred, ["GR", "RHOB"], ["GR", "RHOB"])[1] == ""


def test_bad_csv_inputs_raise_wellreaderror():
    with pytest.raises(WellReadError, match="file is empty"):
        read_raw(b"   \n", name="empty.csv")
    with pytest.raises(WellReadError, match="no header row"):
        read_raw(b"1,2,3\n4,5,6\n", name="noheader.csv")
    with pytest.raises(WellReadError, match="no data rows"):
        read_raw(b"GR,RHOB\n", name="headeronly.csv")
    with pytest.raises(WellReadError, match="not a LAS or CSV file"):
        read_raw(b"hello world, this is prose\nnothing, here\nor, there\n", name="prose.csv")
    with pytest.raises(WellReadError, match="binary"):
        read_raw(bytes(range(256)) * 4, name="blob.bin")
    # a row with more or fewer values than the header names columns: which line, how many, what to do
    # (pandas would pad a short row with nulls silently: a file cut off mid-row)
    with pytest.raises(WellReadError, match=r"line 4 has 2 value\(s\) where the header names 3 columns \(the file looks cut off"):
        read_raw(b"DEPT,GR,RHOB\n1000,50,2.3\n1000.5,51,2.4\n1001,5", name="cut.csv")
    with pytest.raises(WellReadError, match=r"line 3 has 4 value\(s\) where the header names 3 columns; every row"):
        read_raw(b"DEPT,GR,RHOB\n1000,50,2.3\n1000.5,51,2.4,9\n", name="long.csv")
    # empty values between delimiters are nulls, not a short row
    assert read_raw(b"DEPT,GR,RHOB\n1000,,\n1000.5,51,2.4\n", name="gaps.csv").frame["GR"].isna().tolist() == [True, False]


def test_real_csv_cut_off_mid_row_is_refused(spwla_dir):
    """SPWLA test.csv cut in the middle of its last row: refused, naming the line, not padded with nulls."""
    text = (spwla_dir / "test.csv").read_bytes()
    cut = text[: text.rindex(b",", 0, len(text) - 2)]  # drop the last value(s) of the last row
    with pytest.raises(WellReadError, match=r"test_cut.csv: line \d+ has \d value\(s\) where the header names 7 columns \(the file looks cut off"):
        read_raw(cut, name="test_cut.csv")


def test_common_null_codes_of_a_vendor_csv_are_nulls(tmp_path, force2020_dir):
    """A CSV has no NULL item: 25/11-24 exported with -9999 for every gap and no unit row. Read as
    numbers, -9999 made a neutron's median fit no unit and the well failed; now the codes are nulls
    (counted in the read notes), units are inferred from the logged values, and QC sees missing
    samples (bit MISSING), not thousands of impossible ones."""
    from welllog.well import QCFlag

    original = read_well(force2020_dir / "25_11-24.las")
    frame = original.original[["DEPT", "GR", "NPHI", "RHOB", "RDEP", "RMED", "DTC", "DTS"]].fillna(-9999.0)
    frame.to_csv(tmp_path / "export.csv", index=False)
    well = read_well(tmp_path / "export.csv")
    for curve in ("NPHI", "DTS", "DTC"):
        assert well.mapping[curve].unit == original.mapping[curve].unit
        np.testing.assert_allclose(well.data[curve].to_numpy(), original.data[curve].to_numpy(), rtol=1e-12, equal_nan=True)
        flags = well.qc_flags()[curve].to_numpy().astype(int)
        assert not (flags & int(QCFlag.IMPOSSIBLE)).any()
    gaps = int((frame["NPHI"] == -9999.0).sum())
    assert gaps > 1000 and any(p.message == f"column NPHI: {gaps} null code(s) (-9999) read as null" for p in well.provenance)
