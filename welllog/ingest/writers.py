"""Writers: a Well's original curves, unchanged, plus extra columns (predictions) as LAS, CSV or Parquet.

LAS and Parquet also carry the well's provenance (LAS ``~Other``, Parquet table metadata); CSV has
no header to hold it.

LAS and CSV text are for people and other tools: original curves are written as their shortest
exact text (what was read comes back bit for bit), appended columns such as predictions to
:data:`EXTRA_SIGNIFICANT_DIGITS` significant digits rather than a computed double's 17 (Parquet keeps
the full doubles).

Outputs are built on ``well.original`` so the user gets back every curve they gave us with its
original mnemonic, unit, description and values, one row per input row in input order.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any, Union

import lasio
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from welllog.errors import UsageError
from welllog.well import CANONICAL_CURVES, Well, describe_qc_bits

from .las_lasio import lasio_notes

Dest = Union[str, os.PathLike, IO[bytes]]
WRITE_FORMATS = ("las", "csv", "parquet")
#: LAS null written for NaN
LAS_NULL = -999.25


class _ShortestRepr(str):
    """A ``fmt`` for lasio's writer that formats each value as Python's shortest round-trip repr.

    lasio applies ``fmt % value``; a fixed ``%.Nf``/``%.Ng`` either loses digits (33.614000000000004
    -> 33.614) or pads every value with noise (0.1 -> 0.10000000000000001). ``repr(float)`` is the
    shortest text that reads back to the identical double, so written values round-trip exactly.
    """

    def __mod__(self, value: object) -> str:  # type: ignore[override]
        return repr(float(value))  # type: ignore[arg-type]


LAS_NUMBER_FORMAT = _ShortestRepr("%r")
#: significant digits of appended (computed) columns in a LAS file, as lasio's ``fmt="%.6g"``:
#: predictions in us/ft to 0.001-0.01, far below their own uncertainty. A computed double printed
#: in full takes 17 digits (a 5 MB file for one well); original curves are not rounded at all.
EXTRA_SIGNIFICANT_DIGITS = 6
#: header items lasio recomputes from the data or that we set ourselves
_RECOMPUTED = {"STRT", "STOP", "STEP", "NULL"}
#: lasio's own precision for STRT/STOP/STEP computed from data
_RANGE_FORMAT = "%.5f"


def output_frame(well: Well, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Original curves (file order) plus ``extra`` aligned on the original rows; a text curve
    (``well.original_text``) as an object column: its text as read, its numbers as floats."""
    frame = well.original.reset_index(drop=True).copy()
    for name, tokens in (getattr(well, "original_text", None) or {}).items():  # wells pickled before: none
        if name in frame.columns:
            column = frame[name].to_numpy(dtype=object)
            has = np.array([t is not None for t in tokens], dtype=bool)
            column[has] = tokens[has]
            frame[name] = column
    if extra is None or extra.empty and not len(extra.columns):
        return frame
    extra = _align_extra(well, extra)
    clash = [c for c in extra.columns if c in frame.columns]
    if clash:
        raise UsageError(f"{well.label}: output columns {', '.join(map(str, clash))} already exist in the input file; rename them")
    return pd.concat([frame, extra.reset_index(drop=True)], axis=1)


def _extra_meta(extra: pd.DataFrame | None, attr: str, derive: Callable[[str], str | None]) -> dict[str, str]:
    """Per appended column: ``extra.attrs[attr]`` (given by the caller) first, else ``derive(name)``."""
    if extra is None:
        return {}
    given = dict(extra.attrs.get(attr, {}) or {})
    out = {}
    for name in map(str, extra.columns):
        value = given[name] if name in given else derive(name)
        if value is not None:
            out[name] = str(value)
    return out


def extra_units(extra: pd.DataFrame | None) -> dict[str, str]:
    """Units of appended columns: ``extra.attrs['units']`` first, else T_* -> unit of T, *_QC -> ''."""
    def unit(name: str) -> str:
        prefix = name.split("_", 1)[0].upper()
        return "" if name.upper().endswith("_QC") or prefix not in CANONICAL_CURVES else CANONICAL_CURVES[prefix][0]

    return _extra_meta(extra, "units", unit)


#: descriptions of appended prediction columns by suffix (``T_MEAN`` ...), so that a LAS/Parquet
#: reader sees what a column is without the README (no colon: LAS 2.0 splits a line at its last one)
_EXTRA_DESCR = {
    "MEAN": "welllog mean of the predicted {t}",
    "STD": "welllog standard deviation of the predicted {t}",
    "TIED": "welllog predicted {t} tied to this well's own {t} log where it stops (TIED - MEAN = the shift)",
    "QC": "welllog {t} QC bits (" + describe_qc_bits() + ")",
}


_QUANTILE_COLUMN = re.compile(r"^(.+)_P(\d+(?:_\d+)?)$")


def extra_descr(extra: pd.DataFrame | None) -> dict[str, str]:
    """Descriptions of appended columns: ``extra.attrs['descr']`` first, else from the column's
    suffix (``T_MEAN``, ``T_STD``, ``T_P05`` = 5% quantile, ``T_QC``, ``T_TIED``); none for other columns."""
    def descr(name: str) -> str | None:
        target, _, suffix = name.rpartition("_")
        if suffix.upper() in _EXTRA_DESCR and target:
            return _EXTRA_DESCR[suffix.upper()].format(t=target)
        quantile = _QUANTILE_COLUMN.match(name)  # T_P05, T_P2_5 (welllog.models.sonic.quantile_label)
        if quantile:
            return f"welllog {float(quantile[2].replace('_', '.')):g}% quantile of the predicted {quantile[1]}"
        return None

    return _extra_meta(extra, "descr", descr)


def write_well(well: Well, dest: Dest, fmt: str, extra: pd.DataFrame | None = None,
               params: Mapping[str, tuple[str, str]] | None = None) -> None:
    """Write ``well`` (every original curve) plus ``extra`` columns to ``dest`` (path or binary buffer).

    ``extra`` must have one row per original row (``well.to_original_rows(frame)``); a frame indexed
    like ``well.data`` is mapped onto the original rows here. ``params``: mnemonic -> (value,
    description) added to LAS ~Parameter (the file's own items win) and to Parquet's metadata.
    """
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in WRITE_FORMATS:
        raise UsageError(f"unknown output format {fmt!r}; use one of {', '.join(WRITE_FORMATS)}")
    frame = output_frame(well, extra)
    units = {**{str(k): str(v or "") for k, v in well.original_units.items()}, **extra_units(extra)}
    descr = {**{str(k): str(v or "") for k, v in well.original_descr.items()}, **extra_descr(extra)}
    if fmt == "parquet":
        buffer = io.BytesIO()
        pq.write_table(_arrow_table(well, frame, units, descr, params), buffer)
        _write_bytes(dest, buffer.getvalue())
    elif fmt == "csv":
        _write_bytes(dest, csv_bytes(well, _rounded_extra(well, frame), units))
    else:
        _write_bytes(dest, las_text(well, _rounded_extra(well, frame), units, descr, params).encode("utf-8"))


def csv_bytes(well: Well, frame: pd.DataFrame, units: Mapping[str, str]) -> bytes:
    """``frame`` as CSV, its units given the way the source CSV gave them: a unit row under the
    names, or "NAME (UNIT)" names; none for a CSV without units or another source (LAS keeps them
    in its own header). Why: a feet / us/m export came back with bare names, and read again, its
    0.5 ft depth step was taken for metres (vendor-export audit)."""
    style = getattr(well, "csv_units", "")  # wells pickled before the field: none
    if style == "names":
        frame = frame.rename(columns={c: f"{c} ({units[str(c)]})" for c in frame.columns if units.get(str(c))})
    # the source CSV's null code (-9999 came back as empty cells: a curve "as given" changed form);
    # any other source's nulls, or a CSV without codes, are empty cells
    null = getattr(well, "csv_null", "")
    if null:  # numbers only: a text column's empty cells stay empty
        frame = frame.assign(**{str(c): frame[c].astype(object).where(frame[c].notna(), "")
                                for c in frame.columns if frame[c].dtype == object})
    text = frame.to_csv(index=False, lineterminator="\n", na_rep=null)
    if style == "row":
        names, _, rows = text.partition("\n")
        unit_row = pd.DataFrame([[units.get(str(c), "") for c in frame.columns]]).to_csv(index=False, header=False, lineterminator="\n")
        text = names + "\n" + unit_row + rows
    return text.encode("utf-8")


def _rounded_extra(well: Well, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its appended float columns (not the originals) at :data:`EXTRA_SIGNIFICANT_DIGITS`:
    text outputs are for people and spreadsheets, as in LAS; Parquet keeps the full doubles."""
    original = {str(c) for c in well.original.columns}
    added = [c for c in frame.columns if str(c) not in original and pd.api.types.is_float_dtype(frame[c])]
    if not added:
        return frame
    # T_QC codes are integers: written 41, not 41.0 (a float-typed column of bit codes read oddly;
    # dashboard audit); rows not in the output's depth stay empty (nullable Int64)
    codes = [c for c in added if str(c).upper().endswith("_QC")]
    return frame.assign(**{str(c): round_significant(frame[c].to_numpy(dtype=float), EXTRA_SIGNIFICANT_DIGITS)
                           for c in added if c not in codes},
                        **{str(c): frame[c].round().astype("Int64") for c in codes})


def las_text(well: Well, frame: pd.DataFrame, units: dict[str, str], descr: dict[str, str] | None = None,
             params: Mapping[str, tuple[str, str]] | None = None) -> str:
    """LAS 2.0 text: header sections through lasio's writer, the ``~A`` section vectorised.

    lasio formats the data section value by value in Python (about 1.4 s for a 15,000-sample well
    with predictions); Arrow's CSV writer emits the same shortest round-trip text for the whole
    table at once. lasio still writes every header section, from a copy of the curves
    cut to two rows, with STRT/STOP/STEP computed from the full index exactly as lasio would.
    """
    las = lasio.LASFile()
    header = well.header or {}
    _copy_items(las.well, header.get("Well"), skip=_RECOMPUTED)
    las.well["NULL"].value = LAS_NULL
    named = ""
    if not las.well["WELL"].value:
        las.well["WELL"].value = well.name
        named = f"welllog write: ~Well WELL was empty in the input; written as the well's name, {well.name}"
    if isinstance(header.get("Parameter"), dict):
        _copy_items(las.params, header.get("Parameter"))
    for mnemonic, (value, what) in (params or {}).items():
        if mnemonic not in las.params.keys():
            las.params.append(lasio.HeaderItem(mnemonic, unit="", value=value, descr=what))
    other = header.get("Other") if isinstance(header.get("Other"), str) else ""
    las.other = "\n".join(line for line in (other.rstrip("\n"), *dropped_section_lines(header), named, *provenance_lines(well)) if line)

    index_col = _index_column(well, frame)
    columns: list[tuple[str, np.ndarray, str, str]] = []
    if index_col is None:
        columns.append(("ROW", np.arange(len(frame), dtype=float), "", "input row number (file had no depth)"))
    else:
        columns.append((index_col, frame[index_col].to_numpy(dtype=float), units.get(index_col, ""),
                        well.original_descr.get(index_col, "")))
    for item in ("STRT", "STOP", "STEP"):  # the index's own unit: lasio's default "m" would state a unit the
        las.well[item].unit = columns[0][2]  # input never gave (a guess read back as declared), or make rows metres
    for col in frame.columns:  # (computed columns arrive rounded: _rounded_extra)
        if col != index_col:
            values = frame[col].to_numpy(dtype=object if frame[col].dtype.kind == "O" else float)
            columns.append((str(col), values, units.get(str(col), ""), (descr or well.original_descr).get(str(col), "")))
    for mnemonic, values, unit, descr in columns:  # a duplicate read as GR:1 goes back as GR (a colon ends a LAS mnemonic)
        las.append_curve(file_mnemonic(mnemonic, frame.columns), values[:2], unit=unit, descr=descr)

    index = columns[0][1]
    strt = _RANGE_FORMAT % index[0] if len(index) else None
    stop = _RANGE_FORMAT % index[-1] if len(index) else None
    step = _RANGE_FORMAT % regular_step(index) if len(index) > 1 and stop != strt else None
    recomputed = recomputed_range_line(header.get("Well"), {"STRT": strt, "STOP": stop, "STEP": step}, columns[0][2],
                                       rows=index_col is None)
    if recomputed:
        las.other = "\n".join(line for line in (las.other, recomputed) if line)
    out = io.StringIO()
    with lasio_notes([]):
        las.write(out, version=2.0, wrap=False, fmt=LAS_NUMBER_FORMAT, STRT=strt, STOP=stop, STEP=step)
    text = out.getvalue()
    head = text[: text.index("\n~A") + 1]
    data_header = text[len(head):].split("\n", 1)[0]
    return head + data_header + "\n" + _data_section(values for _, values, _, _ in columns)


def regular_step(index: np.ndarray) -> float:
    """The depth increment, or 0 where it is not constant: LAS 2.0 says STEP 0 for an irregular
    index, and the first interval alone would tell a reader to expect a regular grid that is not there."""
    steps = np.diff(np.asarray(index, dtype=float))
    first = steps[0]
    return float(first) if np.allclose(steps, first, rtol=1e-3, atol=1e-6) else 0.0


def _header_item(items: Any, key: str) -> tuple[str, str] | None:
    """(value, unit) of a ~Well item as read (lasio's dict form or a bare value), None if absent."""
    item = items.get(key) if isinstance(items, dict) else None
    if item is None:
        return None
    value, unit = (item.get("value"), item.get("unit")) if isinstance(item, dict) else (item, "")
    return ("" if value is None else str(value)).strip(), str(unit or "").strip()


def _same_range_value(given: tuple[str, str], written: str | None, unit: str) -> bool:
    """Whether the input header's value (and unit) says what the written one does, at the precision
    written (142.39039612 and 142.39040 are the same depth; a unit spelled M or m is the same unit)."""
    value, given_unit = given
    try:
        same = written is not None and _RANGE_FORMAT % float(value) == written
    except ValueError:  # an empty or non-numeric header value
        same = written is None and not value
    return same and (not given_unit or given_unit.upper() == unit.strip().upper())


def recomputed_range_line(well_items: Any, written: dict[str, str | None], unit: str, rows: bool = False) -> str:
    """'' or the ``~Other`` line saying that the ~Well STRT/STOP/STEP written were recomputed from the
    data written and differ from the input header's, with both (``rows``: the index written is row
    numbers, the input had no depth). Why: the header range is rewritten from the rows by design
    (it must describe the ~A section that follows), but a header silently different from the
    input's looks like lost or changed data to whoever compares the two files."""
    changed: dict[str, str] = {}
    for key in ("STRT", "STOP", "STEP"):
        given = _header_item(well_items, key)
        if given is None or _same_range_value(given, written[key], unit):
            continue
        before = f"{given[0] or 'empty'}{f' {given[1]}' if given[1] else ''}"
        after = "none" if written[key] is None else f"{written[key]}{f' {unit}' if unit else ''}"
        changed[key] = f"{key} {before} -> {after}"
    if not changed:
        return ""
    what = "row numbers (the input had no depth)" if rows else "the depths written"
    return (f"welllog write: ~Well {', '.join(changed)} recomputed from {what}, not as in the input header: "
            f"{'; '.join(changed.values())}")


def round_significant(values: np.ndarray, digits: int) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (NaN, inf, 0 and extremes kept), as new doubles.

    Each result is the double nearest to a short decimal (an integer divided or multiplied by an
    exact power of ten), so the shortest round-trip text :func:`_data_section` writes for it is
    that decimal, e.g. 112.65641531962956 -> 112.656: ``"%.6g"`` text at Arrow's speed.
    """
    out = np.array(values, dtype=float, copy=True)
    with np.errstate(invalid="ignore"):  # beyond 1e+-280 10**d overflows: such values are kept
        ok = np.isfinite(out) & (np.abs(out) > 1e-280) & (np.abs(out) < 1e280)
    if not ok.any():
        return out
    x = out[ok]
    decimals = digits - 1 - np.floor(np.log10(np.abs(x))).astype(int)
    scale = 10.0 ** np.abs(decimals)  # exact up to 10**22, which covers every value a log holds
    with np.errstate(over="ignore"):  # the branch np.where does not take may overflow
        out[ok] = np.where(decimals >= 0, np.round(x * scale) / scale, np.round(x / scale) * scale)
    return out


_DUPLICATE = re.compile(r"^(?P<base>.+):\d+$")


def file_mnemonic(name: str, names: Iterable[str]) -> str:
    """The mnemonic as the file wrote it: a duplicate that reading renamed ``GR:1`` (lasio's way) is
    ``GR`` again when another of ``names`` is ``GR`` or ``GR:k``. LAS 2.0 allows a mnemonic twice, and ``GR:1`` in a
    file reads back as mnemonic ``GR`` with a broken unit: a colon ends the mnemonic (output audit)."""
    match = _DUPLICATE.match(str(name))
    if not match:
        return str(name)
    base = match["base"]  # lasio names both copies SFLU:1, SFLU:2; our CSV reader keeps the first as SFLU
    twins = [n for n in map(str, names) if n == base or _DUPLICATE.sub(r"\g<base>", n) == base]
    return base if len(twins) > 1 else str(name)


def _las_values(values: np.ndarray) -> pa.Array:
    """One ``~A`` column for Arrow: doubles (NaN as the LAS null), or for a text curve its tokens as
    read (Arrow quotes those holding a space, as LAS 3.0 and lasio read them), numbers as their shortest text."""
    if values.dtype.kind != "O":
        return pa.array(np.where(np.isnan(values), LAS_NULL, values))
    return text_cells(values, repr(LAS_NULL))


def text_cells(values: Iterable[Any], null: str | None) -> pa.Array:
    """A text curve's column (:func:`output_frame`) as Arrow strings: its text as read, its numbers as
    their shortest round-trip text, nulls as ``null`` (the LAS null's text, or None for Parquet)."""
    def cell(value: Any) -> str | None:
        if isinstance(value, str):
            return value
        return null if np.isnan(float(value)) else repr(float(value))

    return pa.array([cell(v) for v in values], type=pa.string())


def _data_section(columns: Iterable[np.ndarray]) -> str:
    """Space-delimited rows, NaN as the LAS null, each value as its shortest round-trip text.

    Arrow's C++ CSV writer formats doubles with the shortest representation that reads back to the
    identical value (the same text as ``repr(float)``), about 5x faster than pandas' ``to_csv``.
    """
    table = pa.table({str(i): _las_values(v) for i, v in enumerate(columns)})
    buffer = io.BytesIO()
    text = any(pa.types.is_string(c.type) for c in table.columns)  # "needed": only a token with a space is quoted
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False, delimiter=" ",
                                                        quoting_style="needed" if text else "none"))
    return buffer.getvalue().decode("ascii")


def provenance_lines(well: Well) -> list[str]:
    """The well's provenance as text lines for a file header (LAS ``~Other``).

    Why in the file: the curves in an output are the user's originals, but the predictions were
    made from the curves after aliasing, unit conversion, QC and the model's input repairs (e.g.
    gamma-ray normalisation); whoever opens the file later should see those decisions without
    welllog at hand."""
    return [f"welllog {p.step}{f' {p.curve}' if p.curve else ''}: {p.message}" for p in well.provenance]


def _index_column(well: Well, frame: pd.DataFrame) -> str | None:
    """The depth curve of the input (LAS: first curve; CSV: the detected depth column)."""
    if not well.has_depth:
        return None
    mapping = well.mapping.get("DEPT")
    if mapping is not None and mapping.source in frame.columns:
        return mapping.source
    return str(frame.columns[0]) if well.source_format == "las" and len(frame.columns) else None


def _copy_items(section: Any, items: Any, skip: set[str] = frozenset()) -> None:
    """Header items as read into a lasio section: a duplicate read as MATR:1 goes back as MATR
    (:func:`file_mnemonic`), an empty value with a unit stays empty (lasio's writer writes 0 for it,
    a made-up depth for an empty BS — output audit)."""
    if not isinstance(items, dict):
        return
    for key, item in items.items():
        mnemonic = file_mnemonic(key, items)
        if key in skip or mnemonic in skip:  # a repeated STEP too: the range is written once, recomputed
            continue
        if isinstance(item, dict):
            value, unit, descr = item.get("value", ""), item.get("unit", ""), item.get("descr", "")
        else:
            value, unit, descr = item, "", ""
        if unit and (value is None or value == ""):
            value = " "  # written blank, read back as ""
        if mnemonic == key and mnemonic in section:
            section[mnemonic].value, section[mnemonic].unit, section[mnemonic].descr = value, unit, descr
        else:
            section.append(lasio.HeaderItem(mnemonic, unit=unit, value=value, descr=descr))


#: header sections a LAS 2.0 output writes itself (~Curve from the columns)
_WRITTEN_SECTIONS = {"Version", "Well", "Parameter", "Curves", "Other"}


def dropped_section_lines(header: dict[str, Any]) -> list[str]:
    """``~Other`` lines carrying the input's sections that LAS 2.0 has no place for (LAS 3.0's
    ~Drilling, ~Core, ~Tops ..., a custom ~SPECIAL INFORMATION): said and kept as text, item by item,
    rather than silently dropped (output audit)."""
    lines: list[str] = []
    for name, section in header.items():
        if name in _WRITTEN_SECTIONS or not section:
            continue
        lines.append(f"welllog write: ~{name} section of the input (no LAS 2.0 section for it), as read:")
        if isinstance(section, str):
            lines += [f"  {line}" for line in section.splitlines() if line.strip()]
            continue
        for key, item in section.items():
            item = item if isinstance(item, dict) else {"value": item}
            lines.append(f"  {file_mnemonic(key, section)}.{item.get('unit') or ''} {item.get('value', '')} : {item.get('descr') or ''}".rstrip())
    return lines


def _arrow_table(well: Well, frame: pd.DataFrame, units: dict[str, str], descr: dict[str, str],
                 params: Mapping[str, tuple[str, str]] | None = None) -> pa.Table:
    """Parquet keeps units and descriptions as per-column metadata, the header as table metadata."""
    fields, arrays = [], []
    for col in frame.columns:
        meta = {"unit": units.get(str(col), ""), "descr": descr.get(str(col), "")}
        if frame[col].dtype.kind == "O":  # a text curve: strings, its numbers as their shortest text
            fields.append(pa.field(str(col), pa.string(), metadata=meta))
            arrays.append(text_cells(frame[col], None))
            continue
        fields.append(pa.field(str(col), pa.float64(), metadata=meta))
        arrays.append(pa.array(frame[col].to_numpy(dtype=float), type=pa.float64(), from_pandas=True))
    meta = {"welllog": json.dumps({"name": well.name, "source": well.source, "header": well.header,
                                   "provenance": [p.to_dict() for p in well.provenance],
                                   "written_by": {k: v for k, (v, _) in (params or {}).items()}}, default=str)}
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=meta))


def _align_extra(well: Well, extra: pd.DataFrame) -> pd.DataFrame:
    n_original = len(well.original)
    if len(extra) == n_original:
        return extra
    if len(extra) == len(well.data) and extra.index.equals(well.data.index):
        return well.to_original_rows(extra)
    raise UsageError(
        f"{well.label}: extra columns have {len(extra)} rows; need one per input row ({n_original}) "
        f"or one per canonical sample ({len(well.data)})"
    )


def _write_bytes(dest: Dest, payload: bytes) -> None:
    if isinstance(dest, (str, os.PathLike)):
        Path(dest).write_bytes(payload)
    else:
        dest.write(payload)
