"""Everything that touches lasio: running it quietly, wrapping its errors, and LASFile -> RawWell.

lasio reports problems through the logging module (and prints them via logging's last-resort
handler when nobody listens) and raises a zoo of exception types. Here its log records become
reader notes and its exceptions become one-line :class:`WellReadError` reasons.
"""

from __future__ import annotations

import contextvars
import io
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import lasio
import numpy as np
import pandas as pd

from welllog.errors import WellReadError

from .raw import RawWell

_collector: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("lasio_log", default=None)


_SET_LITERAL = re.compile(r"\{('[^'{}]*'(?:, '[^'{}]*')+)\}")


def stable_message(message: str) -> str:
    """lasio's message with the items of a printed set in sorted order ("{'M', 'FT'}" -> "{'FT', 'M'}").

    Why: lasio formats Python sets, whose order changes with the string hash seed of each process, so
    the same file gave a different provenance note from run to run (and from worker to worker)."""
    return _SET_LITERAL.sub(lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", " ".join(message.split()))


class _CollectHandler(logging.Handler):
    """Routes lasio's warnings into the notes of the read in progress (per context, thread-safe)."""

    def emit(self, record: logging.LogRecord) -> None:
        notes = _collector.get()
        if notes is not None:
            notes.append("lasio: " + stable_message(record.getMessage())[:200])


_LASIO_LOGGER = logging.getLogger("lasio")
if not any(isinstance(h, _CollectHandler) for h in _LASIO_LOGGER.handlers):
    _handler = _CollectHandler(level=logging.WARNING)
    _LASIO_LOGGER.addHandler(_handler)
    _LASIO_LOGGER.propagate = False  # its warnings are reported in RawWell.notes instead of stderr


@contextmanager
def lasio_notes(notes: list[str]) -> Iterator[None]:
    """Collect lasio's warnings into ``notes`` while the block runs."""
    token = _collector.set(notes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        _collector.reset(token)


def lasio_read(text: str, source: str, notes: list[str], **kwargs: Any) -> lasio.LASFile:
    """``lasio.read`` on already-decoded text; any failure becomes a WellReadError.

    The text goes in as a StringIO, never as a str: lasio treats a str whose first line looks like
    a URL as something to download.
    """
    try:
        with lasio_notes(notes):
            # case preserved: outputs must give the user back their own mnemonics (x_loc, not X_LOC)
            return lasio.read(io.StringIO(text), mnemonic_case="preserve", **kwargs)
    except Exception as exc:  # noqa: BLE001 - lasio raises many types; the user gets one
        raise WellReadError(source, lasio_reason(exc)) from exc


_RESHAPE = re.compile(r"Cannot reshape ~A data size \((\d+),\) into (\d+) columns")


def lasio_reason(exc: BaseException) -> str:
    """A one-line, plain-words reason for a lasio exception."""
    message = str(exc)
    match = _RESHAPE.search(message)
    if match:
        return f"{match.group(1)} data values do not fill {match.group(2)} curves (check the ~A section and the ~C curve list)"
    if isinstance(exc, KeyError) and "No ~ sections" in message:
        return "not a LAS file: no ~V/~W/~C/~A sections found"
    if type(exc).__name__ == "LASHeaderError":
        lines = [line.strip() for line in message.splitlines() if line.strip()]
        where = next((line for line in lines if line.startswith("Line ")), lines[-1] if lines else "")
        return f"unreadable LAS header line ({where[:160]}); fix the line or remove it"
    if "0-d array" in message:
        return "the ~A data section could not be split into curves (a single value or malformed rows)"
    last = message.strip().splitlines()[-1] if message.strip() else type(exc).__name__
    return f"LAS file could not be parsed ({type(exc).__name__}: {last[:160]})"


def header_dict(las: lasio.LASFile) -> dict[str, Any]:
    """Header sections as plain data: section -> {mnemonic: {value, unit, descr}}; ~Other as text."""
    header: dict[str, Any] = {}
    for name, section in las.sections.items():
        if name == "Curves":
            continue
        if isinstance(section, str):
            if section.strip():
                header[name] = section
            continue
        header[name] = {
            item.mnemonic: {"value": _plain(item.value), "unit": item.unit or "", "descr": item.descr or ""}
            for item in section
        }
    return header


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def header_well(header: dict[str, Any]) -> str | None:
    """The ~Well WELL value when it is a non-empty string, else None."""
    section = header.get("Well") if isinstance(header, dict) else None
    items = section if isinstance(section, dict) else {}
    item = next((v for k, v in items.items() if str(k).upper() == "WELL"), None)
    value = item.get("value") if isinstance(item, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def well_name(header: dict[str, Any], fallback: str | None) -> str:
    """The WELL header value when it is a non-empty string, else the fallback (file stem)."""
    return header_well(header) or fallback or "well"


def unique_names(names: list[str]) -> list[str]:
    """Make mnemonics unique the way lasio does (GR, GR:1, GR:2) and never empty."""
    seen: dict[str, int] = {}
    out = []
    for raw in names:
        name = raw.strip() or "UNKNOWN"
        if name in seen:
            seen[name] += 1
            candidate = f"{name}:{seen[name]}"
            while candidate in seen:
                seen[name] += 1
                candidate = f"{name}:{seen[name]}"
            name = candidate
        seen.setdefault(name, 0)
        out.append(name)
    return out


def las_to_raw(las: lasio.LASFile, columns: list[np.ndarray] | None, *, source: str, stem: str | None,
               notes: list[str]) -> RawWell:
    """Build a RawWell from a lasio header plus data columns (``None``: take the data from lasio).

    A file without curves or without data rows is refused here, for both read paths.
    """
    curves = list(las.curves)
    if not curves:
        raise WellReadError(source, "no curves defined (empty or unreadable ~C / ~Log_Definition section)")
    if columns is None:
        columns = [np.asarray(c.data) if c.data is not None else np.empty(0) for c in curves]
    names = unique_names([c.mnemonic for c in curves])
    if not len(columns) or len(columns[0]) == 0:
        raise WellReadError(source, "no data rows (the ~A section is missing or empty)")
    data: dict[str, np.ndarray] = {}
    text: dict[str, np.ndarray] = {}
    for name, values in zip(names, columns):
        data[name] = _as_float(name, values, notes)
        if np.isnan(data[name]).any() and np.asarray(values).dtype.kind in "OUS":
            text[name] = text_tokens(values, data[name])
    frame = pd.DataFrame(data)
    header = header_dict(las)
    return RawWell(
        name=well_name(header, stem),
        frame=frame,
        units={n: (c.unit or "") for n, c in zip(names, curves)},
        descr={n: (c.descr or "") for n, c in zip(names, curves)},
        depth_column=names[0],
        header=header,
        source=source,
        source_format="las",
        notes=notes,
        text={n: t for n, t in text.items() if t is not None},
    )


def text_tokens(values: Any, numeric: np.ndarray) -> np.ndarray | None:
    """The column's text that is not a number (object array: the token, None where the value is a
    number, a null or empty — those the numeric column holds), or None when there is no such text.
    Only the rows ``numeric`` (the column as parsed) left null are looked at again."""
    raw = np.asarray(values, dtype=object)
    tokens = np.full(len(raw), None, dtype=object)
    for i in np.flatnonzero(np.isnan(numeric)):
        tokens[i] = _text(raw[i])
    return tokens if any(t is not None for t in tokens) else None


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    token = str(value).strip()
    try:
        float(token)
    except ValueError:
        return token or None
    return None


def _as_float(name: str, values: np.ndarray, notes: list[str]) -> np.ndarray:
    """Float values; text that is not a number becomes NaN and is reported in the notes."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        return values.astype("float64", copy=False)
    if values.dtype.kind in "iub":
        return values.astype("float64")
    numeric = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").to_numpy(dtype="float64")
    bad = int(np.sum(np.isnan(numeric) & pd.notna(values)))
    if bad:
        notes.append(f"curve {name}: {bad} non-numeric value(s) read as null (text no model reads; outputs carry it as read)")
    return numeric
