"""Unit spellings, conversions and range inference (welllog.curves.units)."""

from __future__ import annotations

import numpy as np
import pytest

from welllog.curves.units import conversion, infer_unit, normalise_unit, plausible_in, quantity_of


@pytest.mark.parametrize(
    ("spelling", "unit"),
    [
        ("M", "m"), ("F", "ft"), ("FT", "ft"), ("US/F", "us/ft"), ("us/ft", "us/ft"), ("G/C3", "g/cm3"),
        ("g/cm3", "g/cm3"), ("GAPI", "gAPI"), ("API", "gAPI"), ("OHMM", "ohm.m"), ("OHM.M", "ohm.m"),
        ("V/V", "v/v"), ("DEC", "v/v"), ("m3/m3", "v/v"), ("PU", "%"), ("%", "%"), ("IN", "in"),
        ("B/E", "b/e"), ("_", ""), ("", ""), (None, ""), ("MMHO/M", "mmho/m"), ("m/s", "m/s"),
        ("US/M", "us/m"), ("KG/M3", "kg/m3"),
    ],
)
def test_spellings_normalise(spelling, unit):
    assert normalise_unit(spelling) == unit


def test_unknown_spelling_is_none():
    assert normalise_unit("furlongs/fortnight") is None


@pytest.mark.parametrize(
    ("src", "dst", "value", "expected"),
    [
        ("ft", "m", 1000.0, 304.8),  # exactly 0.3048
        ("us/m", "us/ft", 328.084, 100.0),
        ("kg/m3", "g/cm3", 2650.0, 2.65),
        ("%", "v/v", 25.0, 0.25),
        ("mm", "in", 215.9, 8.5),
        ("cm", "in", 21.59, 8.5),
        ("m", "m", 12.0, 12.0),
    ],
)
def test_conversions(src, dst, value, expected):
    conv = conversion(src, dst)
    assert conv is not None
    assert conv.apply(np.array([value]))[0] == pytest.approx(expected, rel=1e-5)


def test_ft_to_m_factor_is_exact():
    assert conversion("ft", "m").factor == 0.3048


@pytest.mark.parametrize(("src", "dst"), [("mmho/m", "ohm.m"), ("m/s", "us/ft"), ("ft/s", "us/ft"), ("g/cm3", "v/v")])
def test_cross_family_conversion_refused(src, dst):
    assert conversion(src, dst) is None


def test_families():
    assert quantity_of("mS/m") == "conductivity"
    assert quantity_of("km/s") == "velocity"
    assert quantity_of("ohm.m") == "resistivity"


@pytest.mark.parametrize(
    ("curve", "values", "unit"),
    [
        ("NPHI", [12.0, 25.0, 33.0, 41.0, 0.5], "%"),  # mostly above 1 -> percent
        ("NPHI", [0.12, 0.25, 0.33, 1.2], "v/v"),
        ("RHOB", [2450.0, 2650.0, 2300.0], "kg/m3"),
        ("RHOB", [2.45, 2.65, 2.3], "g/cm3"),
        ("DTC", [260.0, 330.0, 400.0], "us/m"),
        ("DTC", [70.0, 90.0, 150.0], "us/ft"),
        ("CALI", [216.0, 220.0, 311.0], "mm"),
        ("DTS", [5000.0, 6000.0], None),  # fits nothing: no guess
    ],
)
def test_infer_unit_from_range(curve, values, unit):
    assert infer_unit(curve, np.array(values)) == unit


@pytest.mark.parametrize(("curve", "declared", "median_us_ft"), [("DTS", "us/m", 152.0), ("DTC", "us/m", 50.0),
                                                                  ("DTS", "us/ft", 400.0), ("DTC", "us/ft", 160.0)])
def test_a_sonic_in_its_declared_unit_is_not_doubted(curve, declared, median_us_ft):
    """Sonic ranges overlap between us/ft and us/m: a hard rock's DTS in us/m (500) reads like a soft
    rock's in us/ft. A declared unit whose range holds the values is kept without a doubt (the
    petrophysicist audit's DTS declared US/M was warned "values look like us/ft")."""
    values = np.array([0.9, 1.0, 1.1]) * median_us_ft * (3.28084 if declared == "us/m" else 1.0)
    assert plausible_in(curve, declared, values)
