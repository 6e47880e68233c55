"""Alias resolution, unit checks, depth handling on hand-made wells (welllog.curves.canonicalise).

Each case is a misleading or ambiguous file a real user could hand us.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from welllog.curves import canonicalise, load_aliases
from welllog.errors import UsageError, WellReadError
from welllog.ingest.raw import RawWell

N = 60


def make_raw(curves: dict[str, tuple[str, object]], depth=None, depth_unit="m", name="hand") -> RawWell:
    """A RawWell from {mnemonic: (unit, values)}; depth column DEPT first unless depth is False."""
    rng = np.random.default_rng(1)
    frame: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    if depth is not False:
        frame["DEPT"] = np.asarray(depth if depth is not None else 1000 + 0.5 * np.arange(N), dtype=float)
        units["DEPT"] = depth_unit
    n = len(next(iter(frame.values()))) if frame else N
    for mnem, (unit, values) in curves.items():
        if np.isscalar(values):
            values = float(values) * (1 + 0.02 * rng.standard_normal(n))
        frame[mnem] = np.asarray(values, dtype=float)
        units[mnem] = unit
    return RawWell(
        name=name, frame=pd.DataFrame(frame), units=units, depth_column=None if depth is False else "DEPT",
        source=f"{name}.las", source_format="las" if depth is not False else "csv",
    )


def notes(well, curve=None) -> str:
    return " | ".join(p.message for p in well.provenance if curve is None or p.curve == curve)


def test_vendor_mnemonics_map_to_canonical():
    raw = make_raw({"HCAL": ("IN", 8.6), "TNPH": ("V/V", 0.2), "RHOZ": ("G/C3", 2.4), "PEFZ": ("B/E", 3.0),
                    "AT90": ("OHMM", 5.0), "AT30": ("OHMM", 4.0), "DTCO": ("US/F", 90.0), "DTSM": ("US/F", 170.0),
                    "SGR": ("GAPI", 60.0)})
    well = canonicalise(raw)
    assert {m.canonical: m.source for m in well.mapping.values()} == {
        "DEPT": "DEPT", "CALI": "HCAL", "NPHI": "TNPH", "RHOB": "RHOZ", "PEF": "PEFZ", "RDEP": "AT90",
        "RMED": "AT30", "DTC": "DTCO", "DTS": "DTSM", "GR": "SGR"}
    assert well.mapping["RHOB"].unit == "g/cm3"
    assert list(well.data.columns) == ["CALI", "NPHI", "GR", "RDEP", "RMED", "PEF", "RHOB", "DTC", "DTS"]


def test_drho_is_never_rhob():
    well = canonicalise(make_raw({"DRHO": ("g/cm3", 0.02), "GR": ("gAPI", 50.0)}))
    assert not well.has("RHOB")
    assert "DRHO not mapped" in notes(well)


def test_density_correction_under_a_density_mnemonic_is_refused():
    # a vendor exported the correction under the top-priority name RHOB: g/cm3 but values near 0
    well = canonicalise(make_raw({"RHOB": ("g/cm3", 0.03), "DEN": ("g/cm3", 2.45)}))
    assert well.mapping["RHOB"].source == "DEN"
    assert "RHOB not taken as RHOB: values near 0 g/cm3" in notes(well, "RHOB")


def test_conductivity_never_resistivity():
    well = canonicalise(make_raw({"ILD": ("mmho/m", 200.0), "ILM": ("MS/M", 150.0)}))
    assert not well.has("RDEP") and not well.has("RMED")
    assert "conductivity" in notes(well, "RDEP")


def test_conductivity_loses_to_a_real_resistivity_of_lower_priority():
    well = canonicalise(make_raw({"ILD": ("mmho/m", 200.0), "LLD": ("ohm.m", 5.0)}))
    assert well.mapping["RDEP"].source == "LLD"
    assert well.data["RDEP"].median() == pytest.approx(5.0, rel=0.05)


@pytest.mark.parametrize("unit", ["m/s", "ft/s", "km/s"])
def test_velocity_never_slowness(unit):
    well = canonicalise(make_raw({"DT": (unit, 3000.0), "GR": ("gAPI", 50.0)}))
    assert not well.has("DTC")
    assert "velocity" in notes(well, "DTC")


def test_percent_nphi_inferred_and_converted():
    raw = make_raw({"NPHI": ("", 25.0)})
    well = canonicalise(raw)
    assert well.data["NPHI"].median() == pytest.approx(0.25, rel=0.05)
    assert "inferred %" in well.mapping["NPHI"].conversion
    assert "inferred %" in notes(well, "NPHI")
    # the original is untouched
    assert raw.frame["NPHI"].median() == pytest.approx(25.0, rel=0.05)
    assert well.original["NPHI"].median() == pytest.approx(25.0, rel=0.05)


def test_unknown_unit_fitting_canonical_is_accepted_with_note():
    well = canonicalise(make_raw({"RHOB": ("_", 2.4)}))
    assert well.data["RHOB"].median() == pytest.approx(2.4, rel=0.05)
    assert "accepted as g/cm3" in well.mapping["RHOB"].conversion


def test_declared_conversions_recorded():
    well = canonicalise(make_raw({"DT": ("us/m", 300.0), "RHOB": ("kg/m3", 2500.0), "CALI": ("mm", 215.9),
                                  "NPHI": ("PU", 20.0)}))
    assert well.data["DTC"].median() == pytest.approx(300 * 0.3048, rel=0.05)
    assert well.data["RHOB"].median() == pytest.approx(2.5, rel=0.05)
    assert well.data["CALI"].median() == pytest.approx(8.5, rel=0.05)
    assert well.data["NPHI"].median() == pytest.approx(0.2, rel=0.05)
    assert well.mapping["DTC"].conversion.startswith("us/m -> us/ft")
    assert "converted us/m -> us/ft" in notes(well, "DTC")


def test_competing_curves_resolved_by_priority():
    well = canonicalise(make_raw({"SGR": ("gAPI", 80.0), "GR": ("gAPI", 60.0), "CGR": ("gAPI", 40.0)}))
    assert well.mapping["GR"].source == "GR"
    assert "SGR" in well.mapping["GR"].reason and "CGR" in well.mapping["GR"].reason
    # the choice is recorded once (it used to be twice, so twice in an output LAS's ~Other)
    choice = [p.message for p in well.provenance if "SGR" in p.message]
    assert choice == ["GR -> GR: alias GR, priority 1; preferred over SGR, CGR"], choice
    # priority is the table order
    table = load_aliases()
    assert table.aliases["GR"].index("GR") < table.aliases["GR"].index("SGR") < table.aliases["GR"].index("CGR")


def test_all_null_candidate_gives_way():
    well = canonicalise(make_raw({"GR": ("gAPI", np.full(N, np.nan)), "SGR": ("gAPI", 80.0)}))
    assert well.mapping["GR"].source == "SGR"
    assert "GR not taken as GR: no values" in notes(well, "GR")


def test_user_override_wins_and_is_recorded():
    raw = make_raw({"GR": ("gAPI", 60.0), "SGR": ("gAPI", 80.0), "XRES": ("ohm.m", 7.0)})
    well = canonicalise(raw, aliases={"SGR": "GR", "xres": "rdep"})
    assert well.mapping["GR"].source == "SGR"
    assert well.mapping["GR"].reason.startswith("user override SGR=GR")
    assert well.mapping["RDEP"].source == "XRES"
    assert well.data["GR"].median() == pytest.approx(80.0, rel=0.05)


def test_override_to_unknown_canonical_is_a_usage_error():
    with pytest.raises(UsageError, match="not a canonical curve"):
        canonicalise(make_raw({"GR": ("gAPI", 60.0)}), aliases={"GR": "GAMMA"})


def test_override_cannot_force_a_conductivity_into_resistivity():
    with pytest.raises(WellReadError, match="CILD.*conductivity"):
        canonicalise(make_raw({"CILD": ("mmho/m", 200.0)}), aliases={"CILD": "RDEP"})


def test_unconvertible_unknown_unit_is_passed_over_with_its_fix_and_an_error_when_asked_for():
    """No unit explains 5000 as a slowness: the curve is not taken (provenance names the unit
    and the fix; a model that needs it says so), not the whole file refused; an explicit alias
    for it is an error naming the file."""
    raw = make_raw({"DT": ("xyz", 5000.0)})
    well = canonicalise(raw)
    assert "DTC" not in well.mapping and "DT" in well.original.columns
    message = notes(well, "DTC")
    assert "DT not taken as DTC: unit 'xyz'" in message and "us/ft" in message and "--unit DT=" in message, message
    with pytest.raises(WellReadError) as err:
        canonicalise(raw, aliases={"DT": "DTC"})
    assert "hand.las" in str(err.value) and "--unit DT=" in str(err.value)
    with pytest.raises(UsageError, match="not recognised"):
        canonicalise(raw, units={"DT": "parsecs"})


def test_units_override_by_mnemonic_or_canonical():
    well = canonicalise(make_raw({"NPHI": ("v/v", 30.0)}), units={"NPHI": "%"})
    assert well.data["NPHI"].median() == pytest.approx(0.30, rel=0.05)
    assert "given by the user (unit override)" in well.mapping["NPHI"].conversion


def test_declared_unit_contradicted_by_values_is_warned_not_changed():
    well = canonicalise(make_raw({"NPHI": ("v/v", 30.0)}))
    assert "values look like %" in notes(well, "NPHI")


def test_lasio_duplicate_suffixes_match():
    well = canonicalise(make_raw({"GR:1": ("gAPI", 60.0), "GR:2": ("gAPI", 90.0)}))
    assert well.mapping["GR"].source == "GR:1"
    assert "GR:2" in well.mapping["GR"].reason


def test_dcal_never_caliper():
    well = canonicalise(make_raw({"DCAL": ("in", 0.3), "BS": ("in", 8.5)}))
    assert not well.has("CALI")


def test_depth_in_feet_converted_exactly():
    depth = 5000.0 + 0.5 * np.arange(N)
    well = canonicalise(make_raw({"GR": ("gAPI", 60.0)}, depth=depth, depth_unit="FT"))
    np.testing.assert_array_equal(well.depth, depth * 0.3048)
    assert well.mapping["DEPT"].conversion.startswith("ft -> m")


def test_depth_competition_dept_over_depth_md():
    raw = make_raw({"DEPTH_MD": ("_", 1000 + 0.5 * np.arange(N)), "GR": ("gAPI", 60.0)})
    well = canonicalise(raw)
    assert well.mapping["DEPT"].source == "DEPT"
    assert "DEPTH_MD" in well.mapping["DEPT"].reason


def test_duplicate_nonmonotonic_and_null_depths():
    depth = np.array([10.0, 10.5, 10.5, 11.0, 9.5, np.nan, 12.0])
    gr = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]) * 10
    raw = make_raw({"GR": ("gAPI", gr)}, depth=depth)
    well = canonicalise(raw)
    np.testing.assert_array_equal(well.depth, [9.5, 10.0, 10.5, 11.0, 12.0])
    np.testing.assert_array_equal(well.rows, [4, 0, 1, 3, 6])  # first of the duplicates kept
    np.testing.assert_array_equal(well.data["GR"].to_numpy(), [50, 10, 20, 40, 70])
    text = notes(well, "DEPT")
    assert "1 row(s) with null depth dropped" in text and "1 duplicate" in text and "sorted" in text
    assert len(well.original) == 7  # nothing lost from the original view


def test_csv_without_depth_uses_row_numbers():
    raw = make_raw({"GR": ("", 60.0), "ZDEN": ("", 2.4)}, depth=False)
    well = canonicalise(raw)
    assert not well.has_depth
    np.testing.assert_array_equal(well.depth, np.arange(N, dtype=float))
    assert "no depth column" in notes(well, "DEPT")
    assert "DEPT" not in well.mapping


def test_user_override_can_choose_the_depth_column():
    raw = make_raw({"TVD": ("m", 900 + 0.4 * np.arange(N)), "GR": ("gAPI", 60.0)})
    well = canonicalise(raw, aliases={"TVD": "DEPT"})
    assert well.mapping["DEPT"].source == "TVD"
    assert well.depth[0] == pytest.approx(900.0)


def test_a_tool_prefixed_mnemonic_is_read_by_its_description(corpus_dir):
    """A Kansas file's curves are all tool-prefixed (DLDN, NCNPL, IDID, ACTC): none is in the alias
    table, but the ~Curve descriptions say what each is. The description is the fallback, recorded
    in the mapping's reason; the curves it names still pass the same value and unit checks (here
    DLDN, "BULK DENSITY", holds only nulls and is passed over, saying so)."""
    from welllog.ingest import read_well

    well = read_well(corpus_dir / "1001178549.las")
    assert {c: m.source for c, m in well.mapping.items() if c != "DEPT"} == {
        "CALI": "ACCL1", "GR": "IDGR", "RDEP": "IDID", "RMED": "IDIM", "DTC": "ACTC"}
    assert well.mapping["RDEP"].reason == ("description '21 DEEP INDUCTION' names RDEP (DEEP INDUCTION); "
                                           "mnemonic IDID not in the alias table")
    assert "DLDN not taken as RHOB: no values (all null)" in notes(well, "RHOB")
    assert "IDIDC" not in {m.source for m in well.mapping.values()}  # "INDUCTION (CONDUCTIVITY UNITS)"


def test_a_description_never_overrules_a_known_mnemonic_nor_a_veto():
    raw = make_raw({"DRHO": ("g/cm3", 0.05), "XDEN": ("g/cm3", 2.4), "SFLU": ("ohmm", 10.0), "XSH": ("us/ft", 180.0),
                    "XDT": ("us/ft", 90.0), "XRES": ("ohmm", 20.0)})
    raw.descr.update({"DRHO": "BULK DENSITY", "XDEN": "12 Bulk density, compensated", "SFLU": "DEEP RESISTIVITY",
                      "XSH": "SHEAR INTERVAL TRANSIT TIME", "XDT": "Interval transit time", "XRES": "Deep induction conductivity"})
    well = canonicalise(raw)
    assert well.mapping["RHOB"].source == "XDEN"  # DRHO is the table's: a density correction, whatever it says
    assert well.mapping["DTC"].source == "XDT"  # "SHEAR ..." vetoes DTC
    assert well.mapping["DTS"].source == "XSH"
    assert "RDEP" not in well.mapping  # SFLU is shallow (never-list); XRES says conductivity
    # the alias table still comes first: a real RHOB beside a described density wins
    raw.frame["RHOB"] = 2.5
    raw.units["RHOB"] = "g/cm3"
    assert canonicalise(raw).mapping["RHOB"].source == "RHOB"
