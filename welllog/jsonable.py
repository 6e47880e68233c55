"""Plain JSON from the numpy-flavoured values the library passes around.

Why one helper: model metadata (store), CLI ``--json`` output and API responses all hold numpy
scalars, arrays, tuples and NaN. Strict JSON has no NaN, so non-finite floats become ``null``
everywhere, and the three outputs agree on how a value is written.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: dict keys as str, tuples/arrays as lists, numpy scalars as
    Python numbers, NaN/inf as None, paths as str; anything else unknown as its ``repr`` (never an exception)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return repr(value)


__all__ = ["jsonable"]
