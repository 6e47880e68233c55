"""Fast path for plain LAS 1.2/2.0 files: header through lasio, ~A through numpy's C ``loadtxt``.

lasio parses the data section with ``np.genfromtxt`` (Python per value); ``np.loadtxt`` (C since
numpy 1.23) reads the same numbers several times faster and - because both end in a correctly
rounded string -> double conversion - gives identical values. (pandas' C parser was measured too:
~2.5x slower than loadtxt here, and exact only with ``float_precision='round_trip'``.) Anything the fast path is
not sure about returns a reason instead of data, and the caller falls back to full lasio.
"""

from __future__ import annotations

import io
from numbers import Real
from typing import Any

import lasio
import numpy as np

from welllog.errors import brief

from .las_sections import Section

#: delimiters lasio's numpy engine splits on (it ignores DLM and splits on whitespace)
_WHITESPACE_DLM = {"", "SPACE", "TAB"}


def layout_refusal(sections: list[Section]) -> str | None:
    """Why the section layout rules out the fast path (None: one ~A section, last, after a header)."""
    kinds = [s.kind for s in sections]
    if kinds.count("data") != 1 or "las3_data" in kinds:
        return "not exactly one ~A section"
    if kinds[-1] != "data":
        return "~A is not the last section"
    if len(kinds) < 2:
        return "no header sections"
    return None


def header_refusal(las: lasio.LASFile) -> str | None:
    """Why the header (version, wrap, delimiter) rules out the fast path, or None."""
    version = header_value(las.version, "VERS")
    if not isinstance(version, Real) or float(version) not in (1.2, 2.0):
        shown = f"{float(version):g}" if isinstance(version, Real) else repr(version)
        return f"LAS version {shown} (fast path reads 1.2/2.0)"
    wrap = header_value(las.version, "WRAP")
    if str(wrap).strip().upper() != "NO":
        return "wrapped (or WRAP missing)"
    dlm = header_value(las.version, "DLM", "")
    if str(dlm).strip().upper() not in _WHITESPACE_DLM:
        return f"delimiter {dlm!r}"
    if not len(las.curves):
        return "no curves"
    return None


def parse_data_section(body: str, n_curves: int | None, comma: bool = False) -> tuple[list[np.ndarray] | None, str | None]:
    """(columns, None) for a clean numeric block with one column per curve (``None``: any number),
    else (None, reason); ``comma``: values split on commas (``DLM COMMA``), blanks around them ignored.

    ``np.loadtxt`` (C implementation, correctly rounded like Python's ``float``) refuses ragged
    rows and non-numeric tokens, which is exactly when lasio's numpy engine gives up too and
    switches to its tolerant reader - so we leave those files to lasio.
    """
    if not body.strip():
        return None, "empty ~A section"
    try:
        values = np.loadtxt(io.StringIO(body), dtype="float64", comments="#", ndmin=2, delimiter="," if comma else None)
    except ValueError as exc:
        return None, f"~A is not a clean numeric {'comma-delimited ' if comma else ''}table ({brief(exc, 80)})"
    if n_curves is not None and values.shape[1] != n_curves:
        return None, f"{values.shape[1]} data columns for {n_curves} curves"
    if np.isnan(values).any():  # literal 'nan' tokens: leave the subtleties to lasio
        return None, "NaN tokens in ~A"
    return [np.ascontiguousarray(values[:, i]) for i in range(values.shape[1])], None


def header_value(section: Any, mnemonic: str, default: Any = None) -> Any:
    """Value of a header item, mnemonic matched case-insensitively (we read with case preserved)."""
    for item in section:
        if item.mnemonic.upper() == mnemonic:
            return item.value
    return default


def apply_null(columns: list[np.ndarray], las: lasio.LASFile) -> None:
    """Replace the declared NULL with NaN exactly as lasio's default ``null_policy='strict'`` does:
    exact equality, every curve except the index curve. Idempotent, so it is also applied after a
    full lasio read (which, reading with case preserved, misses a lower-case ``null.`` item)."""
    null = header_value(las.well, "NULL")
    if isinstance(null, bool) or not isinstance(null, Real):
        return
    for column in columns[1:]:
        column[column == null] = np.nan
