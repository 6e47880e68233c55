"""Depth-match check of measured sonic against the inputs (welllog.alignment), on real wells.

31/5-4 S's measured DTC is not depth-matched to its density-neutron run (it sits ~1.5 m deeper);
16/5-3's DTC and DTS are. Shifting 16/5-3's own DTC by a known number of samples must be found
back with the right sign and size: that is what makes the check trustworthy on a user's well.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from welllog.alignment import depth_offset
from welllog.curves import canonicalise
from welllog.ingest import read_raw, read_well
from welllog.qc import qc_summary


@pytest.fixture(scope="module")
def sidetrack(force2020_dir):
    return read_well(force2020_dir / "31_5-4 S.las")


@pytest.fixture(scope="module")
def matched_raw(force2020_dir):
    return read_raw(force2020_dir / "16_5-3.las")


def _with_dtc_moved(raw, samples: int):
    """The raw well with its DTC read ``samples`` rows deeper (positive) or shallower."""
    frame = raw.frame.copy()
    col = next(c for c in frame.columns if c.upper() == "DTC")
    frame[col] = frame[col].shift(samples)
    return canonicalise(raw.__class__(**{**raw.__dict__, "frame": frame}))


def test_unmatched_sonic_is_reported_in_qc_and_provenance_values_kept(sidetrack):
    offsets = qc_summary(sidetrack)["depth_offsets"]
    assert set(offsets) == {"DTC"}
    dtc = offsets["DTC"]
    assert 8 <= dtc["samples"] <= 12 and 1.2 <= dtc["metres"] <= 1.85
    assert dtc["correlation"] - dtc["correlation_in_place"] >= 0.3
    notes = [p.message for p in sidetrack.provenance if p.step == "qc" and p.curve == "DTC"]
    assert any("deeper than NPHI/RHOB" in m and "depth-match" in m for m in notes)
    source = sidetrack.mapping["DTC"].source
    measured = sidetrack.original[source].to_numpy(dtype=float)[sidetrack.rows]
    kept = np.isfinite(measured) & sidetrack.data["DTC"].notna().to_numpy()
    np.testing.assert_array_equal(sidetrack.data["DTC"].to_numpy()[kept], measured[kept])


def test_matched_well_reports_nothing(matched_raw):
    well = canonicalise(matched_raw)
    assert well.has("DTS")
    assert qc_summary(well)["depth_offsets"] == {}
    assert not any("depth-match" in p.message for p in well.provenance)


@pytest.mark.parametrize("moved", [6, -4, 15])
def test_known_shift_of_a_real_log_is_found_back(matched_raw, moved):
    well = _with_dtc_moved(matched_raw, moved)
    offset = depth_offset(well, "DTC")
    assert offset is not None and offset.samples == moved
    step = float(np.median(np.diff(well.depth)))
    assert offset.metres == pytest.approx(moved * step, abs=1e-3)
    assert depth_offset(well, "DTS") is None  # the other sonic curve stays matched


def test_no_reference_curves_no_verdict(matched_raw):
    frame = matched_raw.frame.drop(columns=[c for c in matched_raw.frame.columns if c.upper() in ("NPHI", "RHOB")])
    well = canonicalise(matched_raw.__class__(**{**matched_raw.__dict__, "frame": frame}))
    assert not well.has("NPHI") and not well.has("RHOB")
    assert depth_offset(well, "DTC") is None


def test_evaluate_names_a_measured_curve_off_depth(force2020_dir):
    """`welllog evaluate` against a measured curve that is off depth says so (human and JSON)."""
    from tests.test_api_support import BLIND_WELL, trained_store

    models = trained_store(force2020_dir)
    cli = [sys.executable, "-m", "welllog.cli.main", "evaluate", "--model", "ngb", "--models-dir", str(models)]
    r = subprocess.run([*cli, str(force2020_dir / "31_5-4 S.las"), "--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    offsets = json.loads(r.stdout)["measured_depth_offsets"]
    assert list(offsets) == ["31/5-4 S"] and 8 <= offsets["31/5-4 S"]["DTC"]["samples"] <= 12
    r = subprocess.run([*cli, str(force2020_dir / "31_5-4 S.las")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    said = " ".join(r.stdout.split())  # the console wraps long lines
    assert "note: 31/5-4 S: measured DTC is +1.52 m off depth against its inputs (QC)" in said
    assert "depth-match it to judge the model" in said
    r = subprocess.run([*cli, str(force2020_dir / BLIND_WELL), "--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["measured_depth_offsets"] == {}
