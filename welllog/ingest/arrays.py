"""JSON arrays (the API's request body) -> canonical Well, through the same canonicalisation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from welllog.errors import WellReadError
from welllog.well import Well

from .csv_reader import NULL_VALUES
from .raw import RawWell

#: name of the depth column built from the ``depth`` argument
DEPTH_COLUMN = "DEPT"
#: unit keys that name the ``depth`` array (the API takes a DEPT or DEPTH curve as the depth)
_DEPTH_KEYS = ("DEPT", "DEPTH")


def raw_from_arrays(curves: Mapping[str, Sequence[float | None]], *, depth: Sequence[float | None] | None = None,
                    units: Mapping[str, str] | None = None, name: str = "request") -> RawWell:
    """Build a RawWell from equal-length arrays; ``None`` and -999/-999.25 are nulls."""
    if not isinstance(curves, Mapping):  # a DataFrame or a list: say what is wanted, not pandas' "truth value"
        raise WellReadError(name, f"curves must be a mapping of curve name -> values (e.g. dict(df.items()) or "
                                  f"df.to_dict('list')), not {type(curves).__name__}")
    if not curves:
        raise WellReadError(name, "no curves given; send at least one curve array")
    columns: dict[str, Sequence[float | None]] = {}
    if depth is not None:
        if any(str(k).strip().upper() == DEPTH_COLUMN for k in curves):
            raise WellReadError(name, "depth given twice (in 'depth' and as a DEPT curve); send it once", field="depth")
        columns[DEPTH_COLUMN] = depth
    columns.update({str(k): v for k, v in curves.items()})
    lengths = {key: _length(key, values, name) for key, values in columns.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}: {n}" for k, n in lengths.items())
        raise WellReadError(name, f"arrays of unequal length ({detail}); every curve and depth needs one value per sample")
    if next(iter(lengths.values())) == 0:
        raise WellReadError(name, "the curve arrays are empty; send at least one sample")
    data = {key: _floats(key, values, name) for key, values in columns.items()}
    units = _units_by_column(units, list(data), name)
    if depth is not None and DEPTH_COLUMN not in units:
        units[DEPTH_COLUMN] = "m"
    return RawWell(
        name=name,
        frame=pd.DataFrame(data),
        units={key: units.get(key, "") for key in data},
        descr={key: "" for key in data},
        depth_column=DEPTH_COLUMN if depth is not None else None,
        header={},
        source=name,
        source_format="json",
        notes=["read path: json arrays"],
    )


def well_from_arrays(curves: Mapping[str, Sequence[float | None]], *, depth: Sequence[float | None] | None = None,
                     units: Mapping[str, str] | None = None, aliases: Mapping[str, str] | None = None,
                     name: str = "request") -> Well:
    """Canonical Well from arrays (see :func:`raw_from_arrays`); aliases/units as in ``read_well``."""
    from welllog.curves import canonicalise

    raw = raw_from_arrays(curves, depth=depth, units=units, name=name)  # units are the declared ones
    return canonicalise(raw, aliases=dict(aliases) if aliases else None)


def _units_by_column(units: Mapping[str, str] | None, columns: list[str], name: str) -> dict[str, str]:
    """Request units keyed by curve: the exact key, else the key in any case; DEPT/DEPTH also name
    the ``depth`` array. A unit for a curve the request does not have is an error, not a no-op: it
    is a typo or a renamed curve, and ignoring it would read that curve in the wrong unit."""
    by_upper = {c.upper(): c for c in columns}
    out: dict[str, str] = {}
    for key, unit in (units or {}).items():
        key = str(key).strip()
        column = key if key in columns else by_upper.get(key.upper())
        if column is None and key.upper() in _DEPTH_KEYS and DEPTH_COLUMN in columns:
            column = DEPTH_COLUMN
        if column is None:
            shown = ", ".join(c for c in columns if c != DEPTH_COLUMN) or "none"
            raise WellReadError(name, f"unit {key}={unit} names no curve of the request: there is no curve {key}; "
                                      f"its curves are {shown}. Give units only for curves sent (\"units\": {{\"MNEM\": \"{unit}\"}})",
                                field=f"units.{key}")
        out[column] = str(unit)
    return out


def _length(key: str, values: object, name: str) -> int:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise WellReadError(name, f"curve {key!r} is not an array of numbers")
    return len(values)  # type: ignore[arg-type]


def _floats(key: str, values: Sequence[float | None], name: str) -> np.ndarray:
    try:
        array = np.array([np.nan if v is None else v for v in values], dtype="float64")
    except (TypeError, ValueError):
        raise WellReadError(name, f"curve {key!r} holds values that are not numbers (use null for missing)") from None
    array[np.isin(array, NULL_VALUES)] = np.nan
    return array
