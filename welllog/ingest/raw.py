"""What a reader hands on: the file's curves exactly as written, before any canonicalisation.

Readers (LAS fast path, lasio, CSV, JSON arrays) only *parse*; deciding what a curve is and
converting it is the job of :mod:`welllog.curves`. Keeping the two apart means every reader gets
aliasing, units and QC for free and every decision lands in one provenance list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class RawWell:
    """Curves as read: original mnemonics (made unique), values as floats with nulls as NaN."""

    name: str
    frame: pd.DataFrame  #: columns = original mnemonics in file order, RangeIndex in file row order
    units: dict[str, str] = field(default_factory=dict)  #: mnemonic -> unit as declared ('' if none)
    descr: dict[str, str] = field(default_factory=dict)  #: mnemonic -> description
    depth_column: str | None = None  #: which column is the index (None: CSV without depth)
    header: dict[str, Any] = field(default_factory=dict)  #: section -> {mnemonic: {value, unit, descr}}
    source: str | None = None
    source_format: str = "las"  #: las | csv | json
    notes: list[str] = field(default_factory=list)  #: reader decisions (fast path or lasio, encoding, ...)
    #: mnemonic -> the column's values as read (object array: text, or None where null), for columns
    #: holding text that is not a number (a LAS 3.0 zone name, a date): ``frame`` has them as null
    #: (no model reads text) and outputs write these back, so the user gets the curve as given
    text: dict[str, Any] = field(default_factory=dict)
    #: how a CSV gave its units: "row" (a second header row), "names" ("DTC (us/ft)"), "" (none, or
    #: not a CSV) — a CSV output writes them back the same way (:func:`welllog.ingest.writers.csv_bytes`)
    csv_units: str = ""
    #: the null code a CSV used (-9999, -999.25, ...; the most frequent when several), "" for none or
    #: not a CSV — a CSV output writes nulls with it, so an original curve comes back as given
    csv_null: str = ""
