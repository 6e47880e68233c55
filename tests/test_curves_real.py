"""All 22 FORCE 2020 wells and both SPWLA 2020 CSVs canonicalise to the expected curves and units."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from welllog.curves import canonicalise
from welllog.ingest import read_raw, read_well
from welllog.well import CANONICAL_CURVES

FORCE_WELLS = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "shared/data/force2020").glob("*.las"))
WITH_DTS = {"16_2-11 A", "16_2-16", "16_5-3", "25_11-24", "32_2-1"}


def test_all_force_wells_listed(force2020_dir):
    assert sorted(p.name for p in force2020_dir.glob("*.las")) == FORCE_WELLS and len(FORCE_WELLS) == 22


@pytest.mark.parametrize("fname", FORCE_WELLS)
def test_force2020_well(force2020_dir, fname):
    raw = read_raw(force2020_dir / fname)
    well = canonicalise(raw)
    stem = fname[:-4]
    assert well.has("DTC")
    assert well.has("DTS") == (stem in WITH_DTS)
    for curve in ("GR", "RDEP", "RMED", "RHOB", "NPHI", "CALI"):
        assert well.has(curve), curve
    for canonical, mapping in well.mapping.items():
        assert mapping.unit == CANONICAL_CURVES[canonical][0]
        # force2020 already uses the canonical mnemonics, but for vertical depth (z_loc)
        assert mapping.source == ("z_loc" if canonical == "TVD" else canonical)
    # z_loc is an elevation below sea level (negative down): canonical TVD is a depth, positive
    # down and above no measured depth (which counts from the rig floor), and the flip is recorded
    tvd = well.data["TVD"].to_numpy()
    both = np.isfinite(tvd)
    assert both.mean() > 0.8 and (tvd[both] > 0).all() and (tvd[both] < well.depth[both]).all()
    assert any(p.curve == "TVD" and "sign flipped" in p.message for p in well.provenance)
    assert "sign flipped" in well.mapping["TVD"].conversion
    np.testing.assert_array_equal(well.original["z_loc"].to_numpy()[well.rows][both], -tvd[both])
    # DEPT, not DEPTH_MD, is the index, and the choice is reported
    assert well.mapping["DEPT"].source == "DEPT" and "DEPTH_MD" in well.mapping["DEPT"].reason
    assert well.depth[0] > 0 and (well.depth[1:] > well.depth[:-1]).all()
    assert "DRHO" not in {m.source for m in well.mapping.values()}
    # original untouched: same rows, same columns as the file
    assert list(well.original.columns) == list(raw.frame.columns)
    assert well.qc is not None and well.qc.shape == well.data.shape


@pytest.mark.parametrize("fname", ["train.csv", "test.csv"])
def test_spwla2020(spwla_dir, fname):
    well = canonicalise(read_raw(spwla_dir / fname))
    sources = {c: m.source for c, m in well.mapping.items()}
    expected = {"CALI": "CAL", "NPHI": "CNC", "GR": "GR", "RDEP": "HRD", "RMED": "HRM", "PEF": "PE", "RHOB": "ZDEN"}
    if fname == "train.csv":
        expected |= {"DTC": "DTC", "DTS": "DTS"}
    assert sources == expected
    assert not well.has_depth
    assert well.data.index[0] == 0 and well.data.index[-1] == len(well.original) - 1
    for canonical, mapping in well.mapping.items():
        assert mapping.unit == CANONICAL_CURVES[canonical][0]
        assert "accepted as" in mapping.conversion  # no unit in a CSV: range checked, noted


def test_depth_in_tenths_of_an_inch(corpus_dir):
    """lasio's autodepthindex_point_one_inch.las declares its index in '.1IN' (tenths of an inch)."""
    well = read_well(corpus_dir / "autodepthindex_point_one_inch.las")
    assert well.data.index.min() == pytest.approx(890160 * 0.00254) and well.data.index.max() == pytest.approx(986904 * 0.00254)
    assert well.mapping["DEPT"].source_unit == ".1IN"


def test_time_index_gives_way_to_a_depth_curve(corpus_dir):
    """data_characters.las is indexed by TIME (HHMMSS) and also carries DEPT in m: depth comes from DEPT."""
    well = read_well(corpus_dir / "data_characters.las")
    assert well.mapping["DEPT"].source == "DEPT" and len(well.data) == 2
    assert any("TIME" in p.message and "not a length" in p.message for p in well.provenance)


def test_depth_deeper_than_any_well_is_refused(tmp_path, corpus_dir):
    """A STEP of 1000 m (or a unit mix-up) puts samples thousands of km down: one clear error, not a prediction."""
    import lasio
    import numpy as np

    from welllog.errors import WellReadError
    from welllog.ingest import well_from_arrays

    src = lasio.read(corpus_dir / "2.0" / "sample_2.0.las")
    path = tmp_path / "step1000.las"
    src.index[:] = np.arange(len(src.index)) * 1000.0 + 20000.0
    src.write(str(path), version=2.0)
    with pytest.raises(WellReadError, match=r"step1000\.las: depth DEPT reaches .* m \(read as m\): deeper than any well; fix its unit"):
        read_well(path)
    with pytest.raises(WellReadError, match="deeper than any well"):
        well_from_arrays({"GR": [50.0, 60.0, 70.0]}, depth=[1000.0, 50000.0, 1e6])  # 1e9: an impossible value


def test_repeated_depths_are_called_repeated_not_unsorted():
    from welllog.ingest import well_from_arrays

    well = well_from_arrays({"GR": [50.0, 60.0, 70.0]}, depth=[1000.0, 1000.0, 1000.0])
    assert len(well.data) == 1
    notes = [p.message for p in well.provenance if p.step == "depth"]
    assert any(n.startswith("depths repeated (in order otherwise); 2 duplicate depth row(s) dropped") for n in notes), notes
    assert not any("sorted" in n for n in notes)


def test_a_sparse_curve_gives_way_to_a_fuller_one_of_lower_priority(tmp_path, force2020_dir):
    """A vendor export of 16/2-16 with its compressional sonic as DTCO (complete) beside a DT logged
    over the bottom tenth only: DT's alias priority is higher, but DTCO holds the well's log — taking
    DT served DTS from 1,242 measured DTC rows instead of ~9,400 (vendor-export audit). The fuller
    curve is taken and the mapping says why and how to take the other."""
    import lasio

    las = lasio.read(force2020_dir / "16_2-16.las")
    dtc = las["DTC"].copy()
    las.curves["DTC"].mnemonic = "DTCO"
    partial = np.where(np.arange(len(dtc)) > 0.9 * len(dtc), dtc, np.nan)
    las.append_curve("DT", partial, unit="us/ft", descr="sonic, bottom section only")
    las.write(str(tmp_path / "export.las"), version=2.0)
    well = read_well(tmp_path / "export.las")
    assert well.mapping["DTC"].source == "DTCO"
    reason = well.mapping["DTC"].reason
    assert "taken before DT, logged on fewer than half as many samples" in reason and "--alias DT=DTC" in reason
    original = read_well(force2020_dir / "16_2-16.las")
    np.testing.assert_allclose(well.data["DTC"].to_numpy(), original.data["DTC"].to_numpy(), atol=1e-5)  # lasio writes 5 decimals
    # asked for by name, the sparse one is taken
    assert read_well(tmp_path / "export.las", aliases={"DT": "DTC"}).mapping["DTC"].source == "DT"
