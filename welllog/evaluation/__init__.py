"""Blind evaluation: metrics, splits (wells / depth blocks, never random rows), family comparison.

* :mod:`.metrics` — RMSE, MAE, R², NLL, CRPS, interval coverage and width, the SPWLA contest score.
* :mod:`.splits` — leave-one-well-out, named validation wells, contiguous depth blocks, blind folds.
* :mod:`.compare` — :func:`evaluate_model` (a fitted model on wells it did not see) and
  :func:`compare_families` (the five families side by side on the same blind wells).
* :mod:`.report` — the report folder of ``welllog evaluate --out`` (tables and plots).

``compare`` pulls in the model families (NGBoost, LightGBM, ...), so its two functions are imported
on first use rather than with this package.
"""

from __future__ import annotations

from typing import Any

from .metrics import contest_score, coverage, crps, mae, nll, r2, rmse, score_distribution, width
from .splits import blind_folds, depth_blocks, leave_one_well_out, named_wells, slice_well

_LAZY = {"evaluate_model", "compare_families"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import compare

        return getattr(compare, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["blind_folds", "compare_families", "contest_score", "coverage", "crps", "depth_blocks", "evaluate_model",
           "leave_one_well_out", "mae", "named_wells", "nll", "r2", "rmse", "score_distribution", "slice_well", "width"]
