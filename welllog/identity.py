"""Which well a file is: identity and elevation items read from the LAS header.

A petrophysicist checks that a file is the well they think it is (UWI/API number, field, company)
and which datum its depths hang from (KB or drill-floor elevation) before trusting a synthetic
log: the dashboard's "Well & mapping" view and ``welllog inspect`` show them. The items come from the canonical :class:`~welllog.well.Well`'s ``header`` (lasio's sections
as plain data: ``{"Well": {MNEM: {"value", "unit", "descr"}}, "Parameter": {...}}``): the ~Well
section first, then ~Parameter, where logging companies put elevations. An item that is absent,
blank or a null value is "not in file" — never a guess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from welllog.well import Well

#: shown for an item the header does not give
NOT_IN_FILE = "not in file"
#: header sections searched, in order (~Well before ~Parameter)
SECTIONS: tuple[str, ...] = ("Well", "Parameter")
#: (label, mnemonics in order of preference): LAS 2.0's ~Well items and the usual ~Parameter ones
IDENTITY_ITEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Well name", ("WELL",)),
    ("UWI", ("UWI",)),
    ("API number", ("API",)),
    ("Field", ("FLD", "FIELD")),
    ("Company", ("COMP", "COMPANY")),
    ("KB elevation", ("EKB", "KB", "KBE", "ELKB")),
    ("Drill floor elevation", ("EDF", "DFE")),
    ("Ground level elevation", ("EGL", "GL", "GLE")),
    ("Depth measured from", ("DREF", "LMF")),
    ("Depth reference elevation", ("EREF", "APD")),
)
#: values that stand for "no value" in headers whatever the file's own NULL says
COMMON_NULLS: frozenset[float] = frozenset({-999.25, -9999.0, -999.0, -99999.0})
#: a LAS 3.0 item repeated per run is read as ``EREF:1`` or ``EREF[1]``
_RUN_SUFFIX = re.compile(r"(:\d+|\[\d+\])$")


def _section(header: Mapping[str, Any], section: str) -> dict[str, Mapping[str, Any]]:
    """Mnemonic (upper case, without a run suffix) -> item of one header section; an item repeated
    per run keeps its first run's entry."""
    items = header.get(section)
    found: dict[str, Mapping[str, Any]] = {}
    for mnemonic, item in (items.items() if isinstance(items, Mapping) else ()):
        if isinstance(item, Mapping):
            found.setdefault(_RUN_SUFFIX.sub("", str(mnemonic)).upper(), item)
    return found


def _file_null(header: Mapping[str, Any]) -> float | None:
    """The ~Well NULL value, which some files also write into empty header items."""
    item = _section(header, "Well").get("NULL", {})
    try:
        return float(item.get("value"))
    except (TypeError, ValueError):
        return None


def _shown(item: Mapping[str, Any], null: float | None) -> str:
    """'3210 FT', 'NICHOLAS' — or '' for a blank or null value."""
    value = item.get("value")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value) or float(value) in COMMON_NULLS or (null is not None and float(value) == null):
            return ""
        text = f"{value:g}"
    else:
        text = str(value if value is not None else "").strip()
    unit = str(item.get("unit") or "").strip()
    return f"{text} {unit}" if text and unit else text


def header_value(header: Mapping[str, Any], mnemonics: tuple[str, ...]) -> tuple[str, str]:
    """(value, where: '~Well UWI') of the first of ``mnemonics`` the header gives a value for,
    searching :data:`SECTIONS` in order; ('', '') when none has one."""
    null = _file_null(header)
    for section in SECTIONS:
        found = _section(header, section)
        for mnemonic in mnemonics:
            text = _shown(found.get(mnemonic, {}), null)
            if text:
                return text, f"~{section} {mnemonic}"
    return "", ""


def well_identity(well: Well) -> pd.DataFrame:
    """One row per :data:`IDENTITY_ITEMS` entry: item, value (or :data:`NOT_IN_FILE`) and the
    header item it came from."""
    header = well.header if isinstance(well.header, Mapping) else {}
    rows = []
    for label, mnemonics in IDENTITY_ITEMS:
        value, where = header_value(header, mnemonics)
        rows.append({"item": label, "value": value or NOT_IN_FILE, "from": where})
    return pd.DataFrame(rows, columns=["item", "value", "from"])


def well_title(well: Well) -> str:
    """The header's well name (WELL), else the name the well was read under (its file's stem)."""
    value, _ = header_value(well.header if isinstance(well.header, Mapping) else {}, ("WELL",))
    return value or well.name


def identity_items(well: Well) -> dict[str, str]:
    """Item label -> value for the :data:`IDENTITY_ITEMS` the header gives (absent ones left out):
    plain data for ``welllog inspect --json`` (:meth:`welllog.well.Well.summary` does not read headers)."""
    return {row["item"]: row["value"] for row in well_identity(well).to_dict("records") if row["from"]}
