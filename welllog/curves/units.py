"""Unit spellings, unit families and conversions to the canonical units.

Why a small table rather than a units library: well-log unit strings are vendor spellings ("US/F",
"G/C3", "GAPI", "DEC", "_") that no general units package parses, and we only ever need a handful
of linear conversions into the canonical units of :data:`welllog.well.CANONICAL_CURVES`. Every unit
belongs to one *quantity* (length, slowness, density, ...); a curve may only be converted within
its quantity, which is what stops a conductivity being read as a resistivity or a velocity as a
slowness.

Unknown or missing units are inferred from the value range only where the ranges cannot be
confused (:func:`infer_unit`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

#: normalised unit -> (quantity, factor to the quantity's reference unit)
#: reference units: length m, slowness us/ft, density g/cm3, fraction v/v, resistivity ohm.m,
#: gamma gAPI, pef b/e. Quantities with no conversion (conductivity, velocity, ...) have factor None.
UNITS: dict[str, tuple[str, float | None]] = {
    "m": ("length", 1.0),
    "ft": ("length", 0.3048),
    "in": ("length", 0.0254),
    "0.1in": ("length", 0.00254),  # tenths of an inch: an old Canadian depth index unit (LAS ".1IN")
    "mm": ("length", 0.001),
    "cm": ("length", 0.01),
    "us/ft": ("slowness", 1.0),
    "us/m": ("slowness", 0.3048),
    "g/cm3": ("density", 1.0),
    "kg/m3": ("density", 0.001),
    "v/v": ("fraction", 1.0),
    "%": ("fraction", 0.01),
    "ohm.m": ("resistivity", 1.0),
    "gAPI": ("gamma", 1.0),
    "b/e": ("pef", 1.0),
    # families that are never converted into a canonical curve
    "mmho/m": ("conductivity", None),
    "mS/m": ("conductivity", None),
    "S/m": ("conductivity", None),
    "m/s": ("velocity", None),
    "ft/s": ("velocity", None),
    "km/s": ("velocity", None),
    "mV": ("potential", None),
    "m/h": ("rate", None),
    "degC": ("temperature", None),
    "degF": ("temperature", None),
}

#: vendor spelling (upper-case, spaces removed) -> normalised unit; "" means "no unit given"
_SPELLINGS: dict[str, str] = {
    "": "", "_": "", "-": "", "NONE": "", "UNITLESS": "", "UNKNOWN": "",
    "M": "m", "METER": "m", "METERS": "m", "METRE": "m", "METRES": "m", "M(MD)": "m",
    "F": "ft", "FT": "ft", "FEET": "ft", "FOOT": "ft", "FT(MD)": "ft",
    "IN": "in", "INCH": "in", "INCHES": "in", '"': "in", ".1IN": "0.1in", "0.1IN": "0.1in",
    "MM": "mm", "CM": "cm",
    "US/F": "us/ft", "US/FT": "us/ft", "USEC/FT": "us/ft", "US/FOOT": "us/ft", "µS/FT": "us/ft",
    "MICROSECONDS/FOOT": "us/ft", "USFT": "us/ft",
    "US/M": "us/m", "USEC/M": "us/m", "µS/M": "us/m", "US/METER": "us/m", "USM": "us/m",
    "G/C3": "g/cm3", "G/CM3": "g/cm3", "G/CC": "g/cm3", "GM/CC": "g/cm3", "GR/CC": "g/cm3",
    "GRAM/CC": "g/cm3", "G/CM^3": "g/cm3", "G/CM**3": "g/cm3",
    "KG/M3": "kg/m3", "KG/M^3": "kg/m3", "K/M3": "kg/m3", "KG/M**3": "kg/m3",
    "V/V": "v/v", "DEC": "v/v", "FRAC": "v/v", "FRACTION": "v/v", "M3/M3": "v/v", "CFCF": "v/v",
    "CU.FT/CU.FT": "v/v", "PU_DEC": "v/v", "V/V_DEC": "v/v", "VOL/VOL": "v/v", "FRAC.": "v/v",
    "%": "%", "PU": "%", "P.U.": "%", "PERCENT": "%", "PCT": "%", "LSPU": "%", "SSPU": "%",
    "OHMM": "ohm.m", "OHM.M": "ohm.m", "OHM-M": "ohm.m", "OHM_M": "ohm.m", "OHMS": "ohm.m",
    "OHM": "ohm.m", "OHMS/M": "ohm.m", "OHM*M": "ohm.m", "Ω.M": "ohm.m", "OHMM2/M": "ohm.m",
    "GAPI": "gAPI", "API": "gAPI", "GAPI_UNITS": "gAPI", "API_UNITS": "gAPI",
    "B/E": "b/e", "BARN/E": "b/e", "BARNS/E": "b/e", "B/EL": "b/e", "BARNS/ELECTRON": "b/e",
    "B/ELEC": "b/e",
    "MMHO/M": "mmho/m", "MMHOS/M": "mmho/m", "MMHOM": "mmho/m", "MS/M": "mS/m", "S/M": "S/m",
    "M/S": "m/s", "M/SEC": "m/s", "FT/S": "ft/s", "FT/SEC": "ft/s", "KM/S": "km/s", "KM/SEC": "km/s",
    "MV": "mV", "M/H": "m/h", "M/HR": "m/h",
    "DEGC": "degC", "DEGF": "degF",
}


def normalise_unit(unit: str | None) -> str | None:
    """Vendor spelling -> normalised unit; '' when no unit is given; None when not recognised."""
    if unit is None:
        return ""
    key = re.sub(r"\s+", "", str(unit)).upper()
    if key in _SPELLINGS:
        return _SPELLINGS[key]
    for known in UNITS:  # an exact normalised spelling in any case, e.g. "gAPI", "mS/m"
        if key == known.upper():
            return known
    return None


def quantity_of(unit: str) -> str | None:
    """The physical quantity of a normalised unit (None when unknown or empty)."""
    entry = UNITS.get(unit)
    return entry[0] if entry else None


@dataclass(frozen=True)
class Conversion:
    """A linear conversion ``canonical = value * factor`` with a readable description."""

    source_unit: str
    target_unit: str
    factor: float

    @property
    def identity(self) -> bool:
        return self.factor == 1.0

    def describe(self) -> str:
        if self.identity:
            return "none"
        return f"{self.source_unit} -> {self.target_unit} (x {self.factor:.6g})"

    def apply(self, values: np.ndarray) -> np.ndarray:
        return values * self.factor if not self.identity else values.copy()


def conversion(source_unit: str, target_unit: str) -> Conversion | None:
    """Conversion between two normalised units of the same quantity; None when impossible."""
    src, dst = UNITS.get(source_unit), UNITS.get(target_unit)
    if src is None or dst is None or src[0] != dst[0] or src[1] is None or dst[1] is None:
        return None
    return Conversion(source_unit, target_unit, src[1] / dst[1])


#: canonical curve -> candidate units, canonical first, each with the plausible range of the
#: curve's MEDIAN in that unit. Only used when the file gives no (or an unrecognised) unit: the
#: canonical unit is accepted whenever the median fits it; otherwise the first alternative whose
#: range holds the median is inferred. Ranges are deliberately disjoint from the canonical one.
_RANGES: dict[str, list[tuple[str, float, float]]] = {
    "DEPT": [("m", -1e4, 1e5)],
    "TVD": [("m", -1e4, 1e5)],
    "CALI": [("in", 2.5, 40.0), ("mm", 60.0, 1000.0)],
    "BS": [("in", 2.5, 40.0), ("mm", 60.0, 1000.0)],
    "NPHI": [("v/v", -0.15, 1.0), ("%", 1.0, 100.0)],
    "GR": [("gAPI", -50.0, 1500.0)],
    "RDEP": [("ohm.m", 0.0, 1e5)],
    "RMED": [("ohm.m", 0.0, 1e5)],
    "PEF": [("b/e", 0.0, 20.0)],
    "RHOB": [("g/cm3", 0.9, 3.3), ("kg/m3", 900.0, 3300.0)],
    # sonic ranges overlap (a fast rock in us/m reads like a slow one in us/ft): a declared unit whose
    # range holds the median is kept without doubt, and a file without unit takes the first that does
    # (DTS declared US/M with a median of 500, i.e. 152 us/ft, was doubted as "looks like us/ft")
    "DTC": [("us/ft", 35.0, 200.0), ("us/m", 120.0, 800.0)],
    "DTS": [("us/ft", 60.0, 700.0), ("us/m", 200.0, 2300.0)],
}


#: no log value in any unit comes near this magnitude: such a value (1e308, a float overflow, a
#: broken null code) is impossible whatever the unit, so it is a bad value, never a unit question
BEYOND_ANY_UNIT = 1e30


#: curves whose value is positive in every unit: a slowness, a density, a resistivity or a hole
#: diameter of zero or less is impossible, whatever its unit (NPHI may read a little below zero)
POSITIVE_CURVES = frozenset({"DTC", "DTS", "RHOB", "RDEP", "RMED", "CALI", "BS"})


def beyond_any_unit(values: np.ndarray, canonical: str | None = None) -> np.ndarray:
    """Samples no unit can make plausible: infinite or of magnitude >= :data:`BEYOND_ANY_UNIT`,
    and, for a ``canonical`` curve in :data:`POSITIVE_CURVES`, zero or negative (an all -1 DTS
    was refused as "unit cannot be converted" and stopped the whole well; QC nulls it now)."""
    with np.errstate(invalid="ignore"):
        out = np.isinf(values) | (np.abs(values) >= BEYOND_ANY_UNIT)
        if canonical in POSITIVE_CURVES:
            out |= values <= 0
        return out


def _usable(values: np.ndarray, canonical: str) -> np.ndarray:
    """The finite values a unit can be judged on: without those beyond any unit (whose median
    overflows) nor, for a positive curve, zero or negative ones — the same values whose median a
    "fits no known unit" error quotes (it quoted 186.3 for a DTS whose tested median was -9999)."""
    return values[np.isfinite(values) & ~beyond_any_unit(values, canonical)]


def infer_unit(canonical: str, values: np.ndarray) -> str | None:
    """Unit inferred from the value range of a curve that has no usable unit, or None if ambiguous.

    NPHI "mostly above 1" means percent: the median is used, so a few high values in v/v (bad
    hole) do not flip the decision.
    """
    finite = _usable(values, canonical)
    if finite.size == 0:
        return _RANGES[canonical][0][0] if canonical in _RANGES else None
    median = float(np.median(finite))
    for unit, low, high in _RANGES.get(canonical, []):
        if low <= median <= high:
            return unit
    return None


def plausible_in(canonical: str, unit: str, values: np.ndarray) -> bool:
    """Does the curve's median fit the plausible range of ``unit``? (for sanity warnings)"""
    finite = _usable(values, canonical)
    if finite.size == 0:
        return True
    median = float(np.median(finite))
    for cand, low, high in _RANGES.get(canonical, []):
        if cand == unit:
            return low <= median <= high
    return True
