"""Which samples to explain, and with which model: the main one, or the recipe's reduced-input model.

Why a module of its own: a request names depths, a depth range or the whole well, and a recipe
model serves a well with two models — the main one, and where density/neutron are missing the
reduced-input one (T_QC bit 32). Each model explains only its own samples; this module decides
which applies, refuses requests that mix them where answering would explain other depths than
asked for, and says what a main-model explanation of a range leaves out (:class:`LeftOut`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from welllog.errors import UsageError
from welllog.qc import true_runs
from welllog.well import Well


def depths_off_well(depth: np.ndarray, depths: np.ndarray) -> np.ndarray:
    """The requested ``depths`` more than one sample step beyond the ends of the well's ``depth``."""
    step = float(np.median(np.diff(depth))) if len(depth) > 1 else 1.0
    lo, hi = float(depth[0]) - step, float(depth[-1]) + step
    return depths[(depths < lo) | (depths > hi)]


def _require_rows(model: Any, well: Well, ok: np.ndarray) -> None:
    if not ok.any():
        raise UsageError(
            f"{well.label}: no depth sample has all the curves the model requires "
            f"({', '.join(getattr(model, 'required_curves', []))}); nothing to explain"
        )


class Selection(NamedTuple):
    """What :func:`explained_rows` chose: the model explained, its feature matrix, its predictable
    rows, the rows to explain — and ``left_out``: the samples of the request only the reduced-input
    model predicts, which this explanation of the main model does not cover."""

    model: Any
    X: pd.DataFrame
    ok: np.ndarray
    rows: np.ndarray
    left_out: LeftOut | None = None


def explained_rows(model: Any, well: Well, depths: Sequence[float] | None = None,
                   depth_range: tuple[float, float] | None = None) -> Selection:
    """The model to explain and the rows to explain it on.

    The main model's rows, as :func:`select_rows` picks them — unless every sample asked for is
    one only the recipe's reduced-input model predicts (no density/neutron there, T_QC bit 32;
    :mod:`welllog.recipes` step 9): then that model is what served those samples, and it is the
    one explained (its inputs are gamma ray, resistivity, caliper and depth). A depth range (or the
    whole well) spanning both explains the main model's samples and says, in ``left_out``, which
    stretches it leaves to the reduced model and how to explain them (a range inside one); listed
    ``depths`` that fall to both models are a :class:`UsageError` naming which is which — each
    model explains its own samples, and snapping a top-hole depth to the nearest main-model sample
    would explain another depth than the one asked for."""
    X, ok = model.features_for(well)
    reduced_model_for = getattr(model, "reduced_model_for", None)  # the recipe's; a plain model has none
    fallback = reduced_model_for(well) if reduced_model_for is not None else None
    left_out = None
    if fallback is not None:
        Xf, okf = fallback.features_for(well)
        only = okf & ~ok
        if only.any():
            rows = select_rows(well, ok | only, depths, depth_range)
            if only[rows].all():
                return Selection(fallback, Xf, okf, rows)
            if depths is not None and only[rows].any():
                asked = np.asarray(list(depths), dtype=float)
                top, main = listed(asked[only[rows]]), listed(asked[~only[rows]])
                raise UsageError(f"{well.label}: depth(s) {top} m are predicted by the reduced-input model (no density/neutron "
                                 f"there) and {main} m by the main model; explain them in two requests, one per model")
            left_out = left_out_rows(well, rows[only[rows]])
    _require_rows(model, well, ok)
    return Selection(model, X, ok, select_rows(well, ok, depths, depth_range), left_out)


def listed(depths: np.ndarray, shown: int = 4) -> str:
    """'225.1, 230.5, 236 and 297 more' — a depth list short enough for a one-line error."""
    head = ", ".join(f"{d:g}" for d in depths[:shown])
    return head + (f" and {len(depths) - shown} more" if len(depths) > shown else "")


@dataclass(frozen=True)
class LeftOut:
    """Samples of a request served by another model or route than the one explained (the
    reduced-input model's, or DTS from another route: :mod:`.route`): how many, the stretches they
    form, and a range that explains them (the longest stretch — a range inside one holds only
    samples served that way)."""

    samples: int
    spans: tuple[tuple[float, float], ...]
    served: str = "are predicted by the reduced-input model (no density/neutron there, T_QC bit 32)"
    explains: str = "that model"

    @property
    def suggested(self) -> tuple[float, float]:
        return max(self.spans, key=lambda s: s[1] - s[0])

    def __str__(self) -> str:
        shown = ", ".join(f"{a:g}-{b:g} m" for a, b in self.spans[:3])
        if len(self.spans) > 3:
            shown += f" and {len(self.spans) - 3} more stretches"
        a, b = outward(*self.suggested)
        return (f"{self.samples} samples ({shown}) {self.served} and not explained here; a depth range inside one of "
                f"them explains {self.explains} (e.g. {a} to {b} m)")

    def plus(self, other: LeftOut | None) -> LeftOut:
        """Both sets of samples left out, for two reasons at once (the reduced model's and a DTS route's)."""
        if other is None:
            return self
        return LeftOut(self.samples + other.samples, tuple(sorted(self.spans + other.spans)),
                       f"{self.served}, or {other.served.removeprefix('are ')}", "what serves them")


def outward(top: float, bottom: float) -> tuple[str, str]:
    """A depth range as printed for the user to type back: to the centimetre, rounded outwards, so the
    range typed holds every sample of the one printed (``:g`` cut 1511.4544 to 1511.45: CLI audit)."""
    return f"{math.floor(top * 100) / 100:g}", f"{math.ceil(bottom * 100) / 100:g}"


def left_out_rows(well: Well, rows: np.ndarray, served: str | None = None, explains: str | None = None) -> LeftOut | None:
    """What an explanation leaves out: ``rows`` (positions, increasing) served otherwise (by default:
    only the reduced-input model predicts them); None when there are none."""
    if not len(rows):
        return None
    mask = np.zeros(len(well.depth), dtype=bool)
    mask[rows] = True
    spans = tuple((float(well.depth[a]), float(well.depth[b - 1])) for a, b in true_runs(mask))
    told = {k: v for k, v in (("served", served), ("explains", explains)) if v is not None}
    return LeftOut(len(rows), spans, **told)


def select_rows(well: Well, ok: np.ndarray, depths: Sequence[float] | None = None,
                depth_range: tuple[float, float] | None = None) -> np.ndarray:
    """Row positions to explain: nearest predictable sample to each depth, or those inside a range.

    Raises :class:`UsageError` for depths off the well (more than one sample step beyond its ends)
    or a range holding no predictable sample.
    """
    depth = well.depth
    usable = np.flatnonzero(ok)
    if depths is not None:
        d = np.asarray(list(depths), dtype=float)
        if d.size == 0 or not np.all(np.isfinite(d)):
            raise UsageError("depths must be a non-empty list of numbers (m)")
        off = depths_off_well(depth, d)
        if off.size:
            raise UsageError(f"{well.label}: depth {_metres(off[0])} m is outside the well ({_metres(depth[0])}-{_metres(depth[-1])} m)")
        ud = depth[usable]
        pos = np.clip(np.searchsorted(ud, d), 1, len(ud) - 1) if len(ud) > 1 else np.zeros(len(d), dtype=int)
        if len(ud) > 1:
            pos = np.where(np.abs(ud[pos - 1] - d) <= np.abs(ud[pos] - d), pos - 1, pos)
        return usable[pos]
    if depth_range is not None:
        a, b = sorted(float(v) for v in depth_range)
        rows = usable[(depth[usable] >= a) & (depth[usable] <= b)]
        if rows.size == 0:
            raise UsageError(f"{well.label}: no predictable sample between {_metres(a)} and {_metres(b)} m "
                             f"(well spans {_metres(depth[0])}-{_metres(depth[-1])} m)")
        return rows
    return usable


def _metres(value: float) -> str:
    """A depth for a message, to the millimetre without trailing zeros: ``:g`` printed a range of
    1600.001-1600.002 m as "between 1600 and 1600 m" (API audit)."""
    return f"{float(value):.3f}".rstrip("0").rstrip(".")
