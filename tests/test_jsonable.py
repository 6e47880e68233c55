"""One JSON rule for store metadata, CLI --json and API bodies: strict JSON, numpy made plain."""

import json

import numpy as np

from welllog.jsonable import jsonable


def test_numpy_values_and_non_finite_floats_become_strict_json():
    value = {1: np.float32(2.5), "a": (np.int64(3), np.nan), "b": np.array([1.0, np.inf]), "c": np.bool_(True),
             "d": [None, "x", float("-inf")], "e": object}
    out = jsonable(value)
    assert out == {"1": 2.5, "a": [3, None], "b": [1.0, None], "c": True, "d": [None, "x", None], "e": repr(object)}
    assert type(out["a"][0]) is int and type(out["c"]) is bool
    json.dumps(out, allow_nan=False)  # would raise on NaN/inf


def test_paths_become_their_text():
    from pathlib import Path

    assert jsonable({"file": Path("/data/a b.las")}) == {"file": "/data/a b.las"}
