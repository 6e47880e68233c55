"""Aliases and units given by the user must name something and must make sense for the values.

Both used to be ignored or obeyed silently: ``--alias NOPE=GR`` left a provenance line and exit 0,
``--unit XX=m`` did nothing, and ``--unit ZDEN=kg/m3`` on SPWLA's g/cm3 density had QC null all
11,088 RHOB values with no hint why. Now each is one WellReadError naming the file, the curve and
what to do, with ``field`` (``aliases.SRC`` / ``units.MNEM``) for the API's 4xx body.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from welllog.errors import UsageError, WellReadError
from welllog.ingest import read_well, well_from_arrays

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SPWLA_CURVES = "CAL, CNC, GR, HRD, HRM, PE, ZDEN"


@pytest.fixture(scope="module")
def test_csv(spwla_dir) -> Path:
    return spwla_dir / "test.csv"


def _welllog(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("welllog")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)


def test_alias_for_a_curve_the_file_does_not_have_is_an_error(test_csv):
    with pytest.raises(WellReadError) as info:
        read_well(test_csv, aliases={"NOPE": "GR"})
    message = str(info.value)
    assert str(test_csv) in message and "alias NOPE=GR names no curve of this file" in message
    assert f"its curves are {SPWLA_CURVES}" in message and "--alias SRC=GR" in message
    assert info.value.field == "aliases.NOPE"
    # a source that is there (any case, as before) is still taken
    assert read_well(test_csv, aliases={"hrm": "RDEP"}).mapping["RDEP"].source == "HRM"


def test_unit_for_a_curve_the_file_does_not_have_is_an_error(test_csv):
    with pytest.raises(WellReadError) as info:
        read_well(test_csv, units={"XX": "m"})
    message = str(info.value)
    assert str(test_csv) in message and "unit XX=m names no curve of this file" in message
    assert f"its curves are {SPWLA_CURVES}" in message and info.value.field == "units.XX"
    # keys that name something: a file mnemonic in any case, or a canonical curve the file has
    assert "given by the user" in read_well(test_csv, units={"cnc": "v/v"}).mapping["NPHI"].conversion
    assert "given by the user" in read_well(test_csv, units={"NPHI": "v/v"}).mapping["NPHI"].conversion
    with pytest.raises(WellReadError, match="unit DTC=us/ft names no curve"):  # test.csv has no sonic
        read_well(test_csv, units={"DTC": "us/ft"})


def test_unrecognised_unit_names_the_field(test_csv):
    with pytest.raises(UsageError, match="not recognised") as info:
        read_well(test_csv, units={"ZDEN": "furlongs"})
    assert info.value.field == "units.ZDEN"


def test_json_request_units_and_aliases_must_name_a_sent_curve():
    curves = {"GR": [50.0, 60.0, 70.0], "RHOB": [2.3, 2.4, 2.5]}
    depth = [1000.0, 1000.5, 1001.0]
    with pytest.raises(WellReadError) as info:
        well_from_arrays(curves, depth=depth, units={"XX": "m"})
    assert "names no curve of the request" in str(info.value) and "its curves are GR, RHOB" in str(info.value)
    assert info.value.field == "units.XX"
    with pytest.raises(WellReadError) as info:
        well_from_arrays(curves, depth=depth, aliases={"NOPE": "GR"})
    assert info.value.field == "aliases.NOPE" and "names no curve of the request" in str(info.value)
    # a key in another case, and DEPTH for the depth array, are units of curves that were sent
    well = well_from_arrays(curves, depth=depth, units={"gr": "gAPI", "DEPTH": "ft"})
    np.testing.assert_allclose(well.depth, np.array(depth) * 0.3048)


def test_user_unit_making_every_value_impossible_is_an_error(test_csv):
    with pytest.raises(WellReadError) as info:
        read_well(test_csv, units={"ZDEN": "kg/m3"})
    message = str(info.value)
    assert str(test_csv) in message and "curve ZDEN" in message and "'kg/m3'" in message
    assert "all 11,088 values physically impossible as RHOB" in message
    assert "2.033 to 3.025" in message and "--unit ZDEN=g/cm3" in message
    assert info.value.field == "units.ZDEN"
    # the right unit is taken as given; by canonical name the hint names the key the user typed
    assert read_well(test_csv, units={"ZDEN": "g/cm3"}).data["RHOB"].notna().sum() == 11088
    with pytest.raises(WellReadError, match="--unit RHOB=g/cm3"):
        read_well(test_csv, units={"RHOB": "kg/m3"})


def test_file_declared_unit_keeps_its_note_not_an_error(test_csv, tmp_path):
    """The same wrong unit declared by the file itself is the file's business: noted, QC nulls."""
    lines = test_csv.read_text().splitlines()
    head = lines[0].replace("ZDEN", "ZDEN (kg/m3)")
    declared = tmp_path / "declared.csv"
    declared.write_text("\n".join([head, *lines[1:200]]) + "\n")
    well = read_well(declared)
    assert any("declared 'kg/m3' but values look like g/cm3" in p.message for p in well.provenance)
    assert well.data["RHOB"].notna().sum() == 0


def test_user_unit_with_possible_values_is_obeyed(test_csv):
    """Only a unit that makes *every* value impossible is refused: neutron in v/v declared as %
    gives tiny but possible porosities, the user's call (the API warns it is out of range)."""
    well = read_well(test_csv, units={"CNC": "%"})
    assert well.data["NPHI"].notna().sum() > 10000 and well.data["NPHI"].max() < 0.02


def test_unit_override_note_is_true_for_every_route(force2020_dir):
    """The provenance of a unit override must not name one route's option: the same override
    comes as the CLI's --unit, the API's "units" field or its upload query unit=."""
    well = read_well(force2020_dir / "16_2-16.las", units={"DEPT": "m", "RHOB": "g/cm3"})
    lines = [p.message for p in well.provenance if "given by" in p.message]
    assert "RHOB: unit g/cm3 given by the user (unit override)" in lines, lines
    assert "DEPT: unit m given by the user (unit override)" in lines, lines
    assert not any("--unit" in line for line in lines), lines
    assert "given by the user (unit override)" in well.mapping["RHOB"].conversion


def test_cli_reports_user_mapping_errors_in_one_line(test_csv):
    for args, expected in ((("--alias", "NOPE=GR"), "alias NOPE=GR names no curve"),
                           (("--unit", "XX=m"), "unit XX=m names no curve"),
                           (("--unit", "ZDEN=kg/m3"), "physically impossible as RHOB")):
        res = _welllog("inspect", str(test_csv), *args)
        assert res.returncode == 2, res.stdout[-500:]
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0] and "ZDEN" in lines[0]


def test_override_for_several_wells_fails_only_when_it_names_no_curve_of_any(force2020_dir, tmp_path):
    """One --unit/--alias for a run of several wells (a folder of mixed vendors): a well without
    that curve is read with a provenance note; only an override no well has is an error."""
    from welllog.curves import never_matched, unmatched_overrides

    with_dcal, without = force2020_dir / "25_11-24.las", force2020_dir / "16_2-16.las"
    noted = read_well(without, units={"DCAL": "in"}, unmatched="note")
    assert unmatched_overrides(noted) == {"units.DCAL"}
    assert any(p.step == "user" and p.message.startswith('unit override DCAL (CLI --unit, API "units") names no curve of this well') for p in noted.provenance)
    assert unmatched_overrides(read_well(with_dcal, units={"DCAL": "in"}, unmatched="note")) == set()
    never_matched([unmatched_overrides(noted), set()])  # one well has it: fine
    with pytest.raises(UsageError, match=r'unit override DCAL \(CLI --unit, API "units"\): names no curve of any of the 2 wells read'):
        never_matched([unmatched_overrides(noted), unmatched_overrides(noted)])
    with pytest.raises(WellReadError):  # alone, the same override is an error
        read_well(without, units={"DCAL": "in"})
    # the CLI reads a run's wells this way, then refuses an override that no well has (before any training)
    res = _welllog("train", str(with_dcal), str(without), "--target", "DTC", "--unit", "NOPE=in", "--name", "x",
                   "--models-dir", str(tmp_path))
    assert res.returncode == 2 and res.stderr.strip().splitlines()[-1] == (
        'error: unit override NOPE (CLI --unit, API "units"): names no curve of any of the 2 wells read; check the mnemonic '
        "(`welllog inspect FILE` lists each file's curves)")


def test_a_unit_override_for_a_file_curve_changes_only_that_curve():
    """``--unit GR=ohm.m`` names the file's GR: its SGR, another candidate for canonical GR, keeps its
    own gAPI and serves as GR (it was turned into a resistivity too, leaving no GR: CLI audit). A key
    that is no curve of the file still applies to the canonical curve's candidates."""
    rows = "\n".join(f"{1000 + 0.15 * i:.2f},{50 + i % 9},{60 + i % 7}" for i in range(30))
    text = f"DEPT,GR,SGR\nm,gAPI,gAPI\n{rows}\n".encode()
    well = read_well(text, name="two_gr.csv", units={"GR": "ohm.m"})
    assert well.mapping["GR"].source == "SGR" and well.mapping["GR"].source_unit == "gAPI"
    assert any(p.message == "GR not taken as GR: unit 'ohm.m' is a resistivity, not a gamma" for p in well.provenance)
    sgr_rows = "\n".join(f"{1000 + 0.15 * i:.2f},{60 + i % 7}" for i in range(30))
    only_sgr = read_well(f"DEPT,SGR\nm,\n{sgr_rows}\n".encode(), name="sgr.csv", units={"GR": "gAPI"})
    assert only_sgr.mapping["GR"].source == "SGR" and only_sgr.has("GR")  # the unit given for GR reached it
