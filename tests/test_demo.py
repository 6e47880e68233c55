"""Synthetic demo wells: deterministic, readable, and following their documented rock physics."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from welllog.demo import STEP_M, generate_demo_wells
from welllog.ingest import read_well
from welllog.qc import qc_summary


def _digest(paths) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]


@pytest.fixture(scope="module")
def demo_wells(tmp_path_factory):
    return generate_demo_wells(tmp_path_factory.mktemp("demo"), n_wells=4, seed=7, n_samples=2000)


def test_same_seed_same_files_other_seed_other_files(tmp_path, demo_wells):
    again = generate_demo_wells(tmp_path / "a", n_wells=4, seed=7, n_samples=2000)
    other = generate_demo_wells(tmp_path / "b", n_wells=4, seed=8, n_samples=2000)
    assert _digest(again) == _digest(demo_wells)
    assert _digest(other) != _digest(demo_wells)
    assert [p.name for p in demo_wells] == ["DEMO-1.las", "DEMO-2.las", "DEMO-3.las", "DEMO-4.las"]


def test_default_sizes_in_range(tmp_path):
    paths = generate_demo_wells(tmp_path, n_wells=2, seed=0)
    for p in paths:
        n = len(read_well(p).data)
        assert 2000 <= n <= 6000


def test_wells_read_back_with_canonical_curves(demo_wells):
    wells = [read_well(p) for p in demo_wells]
    assert all(w.has("DTC") for w in wells)
    assert sum(w.has("DTS") for w in wells) == 3  # most, not all, have DTS
    for w in wells:
        for curve in ("CALI", "BS", "NPHI", "GR", "RDEP", "RMED", "PEF", "RHOB"):
            assert w.has(curve), curve
        assert len(w.data) == 2000
        np.testing.assert_allclose(np.diff(w.depth), STEP_M, atol=1e-4)
        summary = qc_summary(w)
        assert summary["bad_hole_samples"] > 0  # the washout
        assert sum(c["impossible"] for c in summary["curves"].values()) == 0
        assert summary["curves"]["DTC"]["missing"] > 0  # null gaps / no sonic at the top


def test_rock_physics_relations_hold(demo_wells):
    for path in demo_wells[:3]:
        well = read_well(path)
        d = well.data.copy()
        d["LITH"] = well.original["LITH"].to_numpy()[well.rows]  # the synthetic lithology code
        d = d.dropna()
        # Castagna mudrock line in the clastics (sand 0, shale 1): Vs = 0.862 Vp - 1.172 km/s
        vp, vs = 304.8 / d["DTC"], 304.8 / d["DTS"]
        residual = (vs - (0.862 * vp - 1.172))[d["LITH"] < 2]
        assert abs(residual.median()) < 0.02 and residual.abs().quantile(0.9) < 0.15
        # porosity (seen by the neutron) drives slowness up (Wyllie)
        assert np.corrcoef(d["NPHI"], d["DTC"])[0, 1] > 0.5
        # gamma ray tracks shale; PEF tracks lithology (sand < shale < limestone)
        gr = d.groupby("LITH")["GR"].median()
        pef = d.groupby("LITH")["PEF"].median()
        assert gr[1.0] > gr[0.0] + 30 and gr[1.0] > gr[2.0] + 30
        assert pef[0.0] < pef[1.0] < pef[2.0]
        ratio = d["DTS"] / d["DTC"]
        assert (ratio > 1.4).mean() > 0.99 and ratio.median() < 3.0
