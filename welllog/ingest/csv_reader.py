"""CSV reader: one well per file, one row per sample, with or without a depth column.

Only parsing happens here: a likely depth column is *detected by name* (the canonical mapping is
the job of :mod:`welllog.curves`); without one, rows are taken to be in depth order. Units come
from ``NAME (unit)`` / ``NAME [unit]`` headers or a second header row of unit names.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import numpy as np
import pandas as pd

from welllog.errors import WellReadError, brief

from .las_lasio import text_tokens, unique_names
from .raw import RawWell
from .sniff import NOT_LAS_OR_CSV

#: column names taken as depth, best first (compared upper-case, after stripping a unit suffix)
DEPTH_NAMES = ("DEPT", "DEPTH", "MD", "DEPTH_MD", "DEPTH_M", "DEPTH_FT", "MD_M", "MD_FT", "TDEP", "MEASURED_DEPTH")
#: numeric values that mean "no value" in CSV exports (a CSV declares no NULL, as LAS does): the LAS
#: default and the codes Petrel, Techlog and spreadsheets write. Left as numbers, -9999 was a
#: "physically impossible" value to QC (T_QC bit 2, not 1) and, in a column without unit, the median
#: that fitted no unit and failed the well (vendor-export audit)
NULL_VALUES = (-999.0, -999.25, -9999.0, -99999.0)
_NAME_WITH_UNIT = re.compile(r"^\s*(?P<name>[^\[\(]+?)\s*[\[\(]\s*(?P<unit>[^\]\)]*?)\s*[\]\)]\s*$")
_DELIMITERS = ",;\t|"
#: text cells read as null
_NULL_TEXT = ["", "nan", "NaN", "NA", "N/A", "null", "NULL", "#N/A"]


def read_csv_text(text: str, *, source: str, stem: str | None, encoding: str) -> RawWell:
    """Parse decoded CSV text into a RawWell (raises WellReadError for anything unusable).

    Steps, one function each: the header lines (:func:`_header_lines`), the table (:func:`_parse_table`),
    column names and units (:func:`_names_and_units`), numbers, text cells and null codes
    (:func:`_numeric_columns`); then the depth column is detected by name."""
    notes = [f"encoding: {encoding}"]
    sep, header_cells, unit_cells, unit_row = _header_lines(text, source)
    frame = _parse_table(text, source, sep, len(header_cells), unit_row)
    names, units, in_names = _names_and_units(header_cells, unit_cells, frame.shape[1])
    out, cells, null_codes = _numeric_columns(frame, names, notes)
    if not out.notna().to_numpy().any():
        raise WellReadError(source, "not a LAS or CSV file: no numeric values found")
    depth = _depth_column(names)
    notes.append(f"read path: csv (delimiter {sep!r}{', unit row' if unit_row else ''})")
    notes.append(f"depth column: {depth}" if depth else "no depth column: rows taken in depth order")
    return RawWell(
        name=stem or "well",
        frame=out,
        units=dict(zip(names, units)),
        descr={n: "" for n in names},
        depth_column=depth,
        header={},
        source=source,
        source_format="csv",
        notes=notes,
        text=cells,
        csv_units="row" if unit_row else "names" if in_names else "",
        csv_null=f"{null_codes.most_common(1)[0][0]:g}" if null_codes else "",
    )


def _header_lines(text: str, source: str) -> tuple[str, list[str], list[str], bool]:
    """(delimiter, header cells, the unit row's cells or [], whether line 2 is a row of units); a file
    whose first line names no columns is not a CSV of logs."""
    lines = [line for line in text.split("\n", 3)[:3] if line.strip()]
    if not lines:
        raise WellReadError(source, "file is empty")
    sep = _delimiter(lines[0])
    header_cells = _split(lines[0], sep)
    if not names_columns(lines[0]):
        raise WellReadError(source, NOT_LAS_OR_CSV)
    unit_row = len(lines) > 1 and _is_unit_row(_split(lines[1], sep), len(header_cells))
    return sep, header_cells, _split(lines[1], sep) if unit_row else [], unit_row


def _parse_table(text: str, source: str, sep: str, n_columns: int, unit_row: bool) -> pd.DataFrame:
    """The table as pandas reads it (text cells kept, values correctly rounded), after refusing a
    ragged row with its line number: pandas would pad a short one with nulls without a word."""
    ragged = _ragged_row(text, sep, n_columns)
    if ragged:
        number, n = ragged
        cut = " (the file looks cut off: re-export or re-upload it)" if n < n_columns else ""
        raise WellReadError(source, f"line {number} has {n} value(s) where the header names {n_columns} "
                            f"columns{cut}; every row needs one value per column (empty between delimiters for a null)")
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep if sep != " " else r"\s+",
            header=0,
            skiprows=[1] if unit_row else None,
            skip_blank_lines=True,
            keep_default_na=False,
            na_values=_NULL_TEXT,
            float_precision="round_trip",  # correctly rounded: values identical to Python's float()
            skipinitialspace=True,
        )
    except (pd.errors.ParserError, ValueError, pd.errors.EmptyDataError) as exc:
        raise WellReadError(source, f"not a readable CSV file ({brief(exc)})") from None
    if frame.empty:
        raise WellReadError(source, "no data rows below the header")
    return frame


def _names_and_units(header_cells: list[str], unit_cells: list[str], n_columns: int) -> tuple[list[str], list[str], bool]:
    """(unique column names, their units, whether a unit came in a header name): ``NAME (unit)`` /
    ``NAME [unit]`` headers, a unit row overriding them; columns without a header named COL<i>."""
    names, units = [], []
    in_names = False
    for i, raw_name in enumerate(header_cells[:n_columns]):
        name, unit = _name_and_unit(raw_name)
        in_names = in_names or bool(unit)
        if i < len(unit_cells) and unit_cells[i].strip():
            unit = unit_cells[i].strip()
        names.append(name)
        units.append(unit)
    names = unique_names(names + [f"COL{i}" for i in range(len(names), n_columns)])
    units += [""] * (len(names) - len(units))
    return names, units, in_names


def _numeric_columns(frame: pd.DataFrame, names: list[str], notes: list[str]
                     ) -> tuple[pd.DataFrame, dict[str, np.ndarray], Counter]:
    """(the columns as numbers, null codes as NaN; the text cells of columns that hold text, kept to
    be written back; how often each null code occurred — the output writes the commonest)."""
    data, cells, null_codes = {}, {}, Counter()
    for name, col in zip(names, frame.columns):
        data[name] = _numeric(frame[col], name, notes, null_codes)
        if frame[col].dtype.kind == "O":
            tokens = text_tokens(frame[col].to_numpy(dtype=object), data[name])
            if tokens is not None:
                cells[name] = tokens
    return pd.DataFrame(data), cells, null_codes


def _ragged_row(text: str, sep: str, n_columns: int) -> tuple[int, int] | None:
    """(line number, values) of the first data line with more or fewer values than the header has
    columns, else None. Why not leave it to pandas: it pads a short row with nulls without a word —
    a file cut off mid-row would load with a last row of made-up gaps — and reports a long one as
    a C tokenizer error that names no column count."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number == 1 or not line.strip():
            continue
        n = len(_split(line, sep))
        if n != n_columns:
            return number, n
    return None


def names_columns(line: str) -> bool:
    """Does this first line name columns (a CSV header) rather than hold values?"""
    cells = _split(line, _delimiter(line))
    return bool(cells) and not all(_is_number(c) for c in cells if c.strip())


def _delimiter(line: str) -> str:
    try:
        return csv.Sniffer().sniff(line, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        counts = {d: line.count(d) for d in _DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else " "


def _split(line: str, sep: str) -> list[str]:
    if sep == " ":
        return line.split()
    return next(csv.reader([line], delimiter=sep))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _is_unit_row(cells: list[str], n_columns: int) -> bool:
    """A second header row holds unit names: no cell is a number and at least one is filled."""
    filled = [c.strip() for c in cells if c.strip()]
    return bool(filled) and len(cells) <= n_columns and not any(_is_number(c) for c in filled) \
        and not all(c.upper() in {"NAN", "NA", "NULL", "N/A"} for c in filled)


def _name_and_unit(cell: str) -> tuple[str, str]:
    match = _NAME_WITH_UNIT.match(cell)
    if match:
        return match.group("name").strip(), match.group("unit").strip()
    return cell.strip(), ""


def _numeric(column: pd.Series, name: str, notes: list[str], null_codes: Counter) -> np.ndarray:
    """Float values; a mostly-numeric column with stray text keeps its numbers (text -> null).
    ``null_codes`` counts the null codes met (code -> cells), for the file's own null on output."""
    if column.dtype.kind in "iufb":
        values = column.to_numpy(dtype="float64", copy=True)
    else:
        values = np.array([_to_float(v) for v in column], dtype="float64")
        bad = int(np.sum(np.isnan(values) & column.notna().to_numpy()))
        if bad:
            notes.append(f"column {name}: {bad} non-numeric value(s) read as null (text no model reads; outputs carry it as read)")
    found = {v: n for v in NULL_VALUES if (n := int((values == v).sum()))}
    if found:
        null_codes.update(found)
        notes.append(f"column {name}: {sum(found.values())} null code(s) ({', '.join(f'{v:g}' for v in found)}) read as null")
        values[np.isin(values, NULL_VALUES)] = np.nan
    return values


def _to_float(value: object) -> float:
    # Python's float() (correctly rounded), not pd.to_numeric, whose parser can be 1 ulp off
    try:
        return float(str(value).strip())
    except ValueError:
        return float("nan")


def _depth_column(names: list[str]) -> str | None:
    upper = {n.upper(): n for n in names}
    for candidate in DEPTH_NAMES:
        if candidate in upper:
            return upper[candidate]
    return None
