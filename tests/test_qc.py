"""QC on hand-made wells and on the SPWLA 2020 train.csv scale trap (welllog.qc)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from welllog.curves import canonicalise
from welllog.ingest import read_raw
from welllog.ingest.raw import RawWell
from welllog.qc import qc_summary
from welllog.well import QCFlag

N = 400


def raw_with(curves: dict[str, tuple[str, np.ndarray]], depth=None, header=None) -> RawWell:
    frame = {"DEPT": np.asarray(depth if depth is not None else 2000 + 0.1524 * np.arange(N), dtype=float)}
    units = {"DEPT": "m"}
    for mnem, (unit, values) in curves.items():
        frame[mnem] = np.asarray(values, dtype=float)
        units[mnem] = unit
    return RawWell(name="qc", frame=pd.DataFrame(frame), units=units, depth_column="DEPT", header=header or {},
                   source="qc.las")


def smooth(level: float, noise: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return level + noise * rng.standard_normal(N)


def test_impossible_values_nulled_counted_original_kept():
    gr = smooth(60, 3)
    gr[[5, 6, 7]] = [-10.0, 1e308, 6000.0]  # no rock reads 6,000 gAPI (hot shales ~1,500)
    rhob = smooth(2.4, 0.02, 1)
    rhob[[10, 11, 12]] = [0.5, 3.9, 5.0]
    res = np.abs(smooth(5, 0.5, 2))
    res[[20, 21]] = [0.0, 1e12]  # tools saturate near 1e4-1e5 ohm.m
    dtc = smooth(90, 2, 3)
    dtc[30] = 400.0
    raw = raw_with({"GR": ("gAPI", gr), "RHOB": ("g/cm3", rhob), "RDEP": ("ohm.m", res), "DTC": ("us/ft", dtc)})
    well = canonicalise(raw)
    summary = qc_summary(well)
    assert summary["curves"]["GR"]["impossible"] == 3
    assert summary["curves"]["RHOB"]["impossible"] == 3
    assert summary["curves"]["RDEP"]["impossible"] == 2
    assert summary["curves"]["DTC"]["impossible"] == 1
    assert well.data["GR"].iloc[[5, 6, 7]].isna().all() and np.isnan(well.data["RDEP"].iloc[21])
    assert well.data["RHOB"].iloc[[10, 11, 12]].isna().all()
    assert (well.qc["RHOB"].to_numpy()[[10, 11, 12]] & QCFlag.IMPOSSIBLE).all()
    assert raw.frame["RHOB"].iloc[11] == 3.9 and well.original["GR"].iloc[5] == -10.0
    assert int(well.data["GR"].notna().sum()) == N - 3 and well.original["GR"].iloc[6] == 1e308


def test_missing_flagged_and_missing_inputs_listed():
    gr = smooth(60, 3)
    gr[100:150] = np.nan
    well = canonicalise(raw_with({"GR": ("gAPI", gr)}))
    summary = qc_summary(well)
    assert summary["curves"]["GR"]["missing"] == 50
    assert set(summary["missing_inputs"]) == {"CALI", "NPHI", "RDEP", "RMED", "PEF", "RHOB"}


def test_spike_flagged_not_removed():
    gr = smooth(60, 2)
    gr[200] = 250.0
    well = canonicalise(raw_with({"GR": ("gAPI", gr)}))
    flags = well.qc["GR"].to_numpy()
    assert flags[200] & QCFlag.SPIKE
    assert ((flags & QCFlag.SPIKE) > 0).sum() == 1
    assert well.data["GR"].iloc[200] == 250.0


def test_bed_boundary_is_not_a_spike():
    gr = np.where(np.arange(N) < N // 2, 30.0, 120.0) + smooth(0, 2)
    well = canonicalise(raw_with({"GR": ("gAPI", gr)}))
    assert (well.qc["GR"].to_numpy() & QCFlag.SPIKE).sum() == 0


def test_a_thin_bed_seen_by_several_logs_is_no_spike():
    """An excursion GR, density and sonic show at the same depth is a thin bed (16/2-16, 1393 m: a
    cemented stringer), kept unflagged; a lone excursion, and one only the caliper shares (a washout),
    stay spikes."""
    gr, rhob, dtc, cali = smooth(80, 2, 1), smooth(2.3, 0.01, 2), smooth(130, 1, 3), smooth(8.6, 0.05, 4)
    gr[100], rhob[101], dtc[100] = 45.0, 2.62, 92.0  # the stringer: three rock logs within a sample
    dtc[250] = 180.0  # a cycle skip: the sonic alone
    gr[300], cali[300] = 200.0, 14.0  # a glitch the caliper shares: no rock log corroborates it
    well = canonicalise(raw_with({"GR": ("gAPI", gr), "RHOB": ("g/cm3", rhob), "DTC": ("us/ft", dtc), "CALI": ("in", cali)}))
    spike = {c: (well.qc[c].to_numpy() & QCFlag.SPIKE) != 0 for c in ("GR", "RHOB", "DTC", "CALI")}
    assert not spike["GR"][100] and not spike["RHOB"][101] and not spike["DTC"][100]
    assert spike["DTC"][250] and spike["GR"][300] and spike["CALI"][300]
    assert any(p.curve == "DTC" and "1 more seen by another log at the same depth kept as thin beds" in p.message
               for p in well.provenance)


def test_bad_hole_from_bs_curve():
    cali = smooth(8.6, 0.05)
    cali[100:140] = 11.5
    bs = np.full(N, 8.5)
    raw = raw_with({"CALI": ("in", cali), "BS": ("in", bs), "RHOB": ("g/cm3", smooth(2.4, 0.02)),
                    "GR": ("gAPI", smooth(60, 2))})
    well = canonicalise(raw)
    summary = qc_summary(well)
    assert summary["bad_hole_samples"] == 40
    assert summary["curves"]["RHOB"]["bad_hole"] == 40 and summary["curves"]["GR"]["bad_hole"] == 0
    assert (well.qc["RHOB"].to_numpy()[100:140] & QCFlag.BAD_HOLE).all()
    assert summary["bit_size_source"] == "BS curve"


def test_bad_hole_from_header_parameter_in_mm():
    cali = smooth(8.6, 0.05)
    cali[:25] = 12.0
    header = {"Parameter": {"BIT": {"value": "215.9", "unit": "MM", "descr": "bit size"}}}
    well = canonicalise(raw_with({"CALI": ("in", cali), "NPHI": ("v/v", smooth(0.2, 0.01))}, header=header))
    summary = qc_summary(well)
    assert summary["curves"]["NPHI"]["bad_hole"] == 25
    assert "header" in summary["bit_size_source"]


def test_no_bit_size_no_bad_hole_but_noted():
    cali = smooth(8.6, 0.05)
    cali[:25] = 14.0
    well = canonicalise(raw_with({"CALI": ("in", cali)}))
    assert qc_summary(well)["bad_hole_samples"] == 0
    assert any("bit size unknown" in p.message for p in well.provenance)


def test_duplicate_and_unsorted_depths_reported():
    depth = 1000 + 0.1524 * np.arange(N)
    depth[50] = depth[49]  # a duplicate
    depth = depth[::-1].copy()  # logged upwards
    well = canonicalise(raw_with({"GR": ("gAPI", smooth(60, 2))}, depth=depth))
    issues = qc_summary(well)["depth"]
    assert issues == {"from_file": True, "null": 0, "duplicates": 1, "reordered": True}
    assert (np.diff(well.depth) > 0).all()


def test_scale_shift_flagged_on_hand_made_curve():
    pef = smooth(4.0, 0.3)
    pef[250:] *= 0.01
    well = canonicalise(raw_with({"PEF": ("b/e", pef)}))
    flags = well.qc["PEF"].to_numpy() & QCFlag.SCALE_SHIFT
    assert flags[250:].all() and not flags[:240].any()
    assert well.data["PEF"].iloc[300] == pytest.approx(pef[300])  # flagged, not changed


def test_resistivity_contrast_is_not_a_scale_shift():
    res = np.exp(smooth(0, 0.2))
    res[250:] *= 40  # tight / hydrocarbon interval: a real x40 contrast, still within typical levels
    well = canonicalise(raw_with({"RDEP": ("ohm.m", res)}))
    assert (well.qc["RDEP"].to_numpy() & QCFlag.SCALE_SHIFT).sum() == 0


def test_spwla_train_pe_scale_shift_found(spwla_dir):
    well = canonicalise(read_raw(spwla_dir / "train.csv"))
    summary = qc_summary(well)
    shifted = summary["curves"]["PEF"]["scale_shift"]
    assert 9000 < shifted < 11000  # the last third of the file: PE ~0.05 instead of ~5
    flags = well.qc["PEF"].to_numpy() & QCFlag.SCALE_SHIFT
    assert not flags[:19000].any() and flags[21000:].all()
    for curve in ("GR", "NPHI", "RDEP", "RMED", "RHOB", "DTC", "DTS", "CALI"):
        assert summary["curves"][curve]["scale_shift"] == 0, curve


def _not_formation(well, curve: str = "DTC") -> np.ndarray:
    return (well.qc_flags()[curve].to_numpy().astype(int) & int(QCFlag.NOT_FORMATION)) != 0


def test_casing_arrivals_and_filled_sonic_flagged_not_formation(force2020_dir):
    """Top-hole sonic that never measured the rock: 31/2-9's casing arrivals (flat ~56 us/ft above
    the shoe, no density-neutron) and 31/2-10's straight-line ramp above its first open-hole log.
    Flagged NOT_FORMATION with a note each; the values stay as read."""
    from welllog.ingest import read_well

    casing = read_well(force2020_dir / "31_2-9.las")
    flagged = _not_formation(casing)
    depth = casing.data.index.to_numpy()
    upper = (depth > 349) & (depth < 450)
    assert flagged[upper].all() and np.isfinite(casing.data["DTC"].to_numpy()[upper]).all()  # 360-363 m between two runs too
    assert not flagged[depth > 1600].any()  # open hole below
    assert any("casing arrivals" in p.message for p in casing.provenance if p.curve == "DTC")
    # casing arrivals need not be flat: 34/7-13 reads 51 us/ft over 923-931 m, steps to 55-56 down
    # to 938 m, then shale at ~140 below 955 m; all of the fast stretch is pipe, none of the shale
    stepped = read_well(force2020_dir / "34_7-13.las")
    flagged, depth = _not_formation(stepped), stepped.data.index.to_numpy()
    assert flagged[(depth > 923) & (depth < 938)].all()
    assert not flagged[(depth > 956) & (depth < 1000)].any()
    # below it, 42-70 us/ft beside a neutron of 0.45-0.50 over 941.6-952.9 m: cement, no rock that porous is that fast
    assert flagged[(depth > 941.6) & (depth < 952.9)].all() and not flagged[(depth > 953.9) & (depth < 956)].any()
    assert any("faster than the neutron allows" in p.message and "941.609-952.857 m" in p.message for p in stepped.provenance)

    filled = read_well(force2020_dir / "31_2-10.las")
    ramp = filled.data.index.to_numpy() < 300
    assert _not_formation(filled)[ramp & filled.data["DTC"].notna().to_numpy()].all()
    assert any("straight line" in p.message for p in filled.provenance if p.curve == "DTC")
    assert qc_summary(filled)["curves"]["DTC"]["not_formation"] == int(_not_formation(filled).sum())
    # what predictions are scored against (welllog evaluate, the benchmarks): the rest, unchanged
    from welllog.qc import formation_values

    scored, measured = formation_values(filled, "DTC"), filled.data["DTC"].to_numpy()
    assert np.isnan(scored[_not_formation(filled)]).all()
    np.testing.assert_array_equal(scored[~_not_formation(filled)], measured[~_not_formation(filled)])


def test_flat_hard_rock_with_density_neutron_is_formation(spwla_dir):
    """SPWLA 2020 well 1 holds ~15 m of tight limestone at DTC ~57 us/ft (rows 23352-23454), as flat
    as casing arrivals, but logged with density, neutron and a DTS of ~107: rock, not casing. Nor is
    its lower section, resampled piecewise-linearly (a knot every third sample), a filled line."""
    from welllog.ingest import read_well

    well = read_well(spwla_dir / "train.csv")
    assert not _not_formation(well)[23340:23470].any()
    assert _not_formation(well)[19900:30143].mean() < 0.01
    assert not _not_formation(well, "DTS").any()


def test_inputs_beside_casing_arrivals_are_flagged_behind_casing(force2020_dir):
    """Where DTC reads casing (31/2-9 above its shoe at ~450 m), the inputs logged beside it were read
    through pipe: RMED ~0.18 ohm.m there, ~1.6 below; a density-neutron pair inside the shoe reads
    cement. They are flagged BEHIND_CASING (values kept) and a synthetic there says so (T_QC bit 2),
    so it does not pass for an open-hole one; the open hole below keeps neither."""
    from welllog.ingest import read_well
    from welllog.models import SonicModel

    well = read_well(force2020_dir / "31_2-9.las")
    depth = well.data.index.to_numpy()
    behind = {c: (well.qc_flags()[c].to_numpy().astype(int) & int(QCFlag.BEHIND_CASING)) != 0 for c in ("GR", "RMED", "RHOB", "NPHI")}
    cased, below = (depth > 349.3) & (depth < 450.54), (depth > 451) & (depth < 1500)
    logged = {c: well.data[c].notna().to_numpy() for c in behind}
    for curve in behind:  # every value logged there, none below, none where the curve is missing (MISSING's job)
        assert (behind[curve] == (cased & logged[curve]))[depth < 1500].all(), curve
    assert behind["GR"][cased].mean() > 0.99 and behind["RHOB"][cased].sum() >= 40  # RHOB/NPHI logged inside the shoe
    assert not (well.qc_flags()["DTC"].to_numpy().astype(int) & int(QCFlag.BEHIND_CASING)).any()  # the sonic says NOT_FORMATION
    assert np.isfinite(well.data["RMED"].to_numpy()[cased]).mean() > 0.95  # kept as read
    assert any("349.305-450.537 m" in p.message and "BEHIND_CASING (CALI 48, NPHI 45, GR 666" in p.message for p in well.provenance)
    assert qc_summary(well)["curves"]["GR"]["behind_casing"] == int(behind["GR"].sum())
    model = SonicModel(targets=["DTC"], family="lightgbm", params={"n_estimators": 40}).fit([read_well(force2020_dir / "16_2-16.las")])
    pred = model.predict(well)
    code = pred["DTC_QC"].to_numpy().astype(int)
    served = pred["DTC_MEAN"].notna().to_numpy()
    assert served[cased].sum() > 30 and ((code[cased & served] & 2) != 0).all()
    assert ((code[below & served] & 2) == 0).mean() > 0.9
