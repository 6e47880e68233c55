"""Per-well normalisation of gamma ray to the training wells' reference levels.

Why: gamma-ray tools are calibrated differently from well to well and borehole conditions shift
the whole curve, so the same shale can read 90 gAPI in one well and 130 in the next — a
between-well shift a model trained on other wells cannot undo. Petrophysicists normalise GR to a
type well by its low and high percentiles (the "sand line" and "shale line"); we do the same to
the training wells' median levels: ``GR' = ref_lo + (GR - lo) * (ref_hi - ref_lo) / (hi - lo)``,
with ``lo``/``hi`` the well's own 5th/95th percentiles. GR stays in gAPI, so explanations and
OOD checks still read as gamma ray. Blind data (bench/RESULTS.md, "Accuracy and calibration", item
7): the recommended model's SPWLA 2020 contest score on blind blocks 5-10 went 12.76 -> 12.16;
FORCE 2020 leave-one-well-out was neutral (DTC 9.94 -> 9.97, DTS 32.4 -> 32.2).

A well needs :data:`MIN_SAMPLES` measured GR samples for its percentiles to describe the tool
rather than the few beds it cuts; a shorter piece keeps its GR as measured (said in provenance).
Neutron, density and PEF are not normalised: they measure physical quantities whose level is the
information, and resistivity levels carry the fluids.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: curves normalised per well (module docstring: why only gamma ray)
NORMALISED_CURVES: tuple[str, ...] = ("GR",)
#: the well's low and high levels ("sand line", "shale line")
PERCENTILES: tuple[float, float] = (5.0, 95.0)
#: fewest measured samples whose percentiles are trusted (~75 m at 0.15 m sampling)
MIN_SAMPLES = 500

Levels = tuple[float, float]


def curve_levels(values: pd.Series | np.ndarray) -> Levels | None:
    """The low/high percentiles of a curve's measured samples, or None when too few or flat."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < MIN_SAMPLES:
        return None
    lo, hi = (float(x) for x in np.percentile(v, PERCENTILES))
    return (lo, hi) if hi > lo else None


def reference_levels(per_well: Sequence[Levels | None]) -> Levels | None:
    """The training wells' reference: median low and median high level over wells that have them."""
    known = [lv for lv in per_well if lv is not None]
    if not known:
        return None
    return float(np.median([lv[0] for lv in known])), float(np.median([lv[1] for lv in known]))


def normalise(values: pd.Series, levels: Levels, reference: Levels) -> pd.Series:
    """Linear map taking the well's ``levels`` onto ``reference`` (NaN stays NaN)."""
    (lo, hi), (ref_lo, ref_hi) = levels, reference
    return ref_lo + (values - lo) * ((ref_hi - ref_lo) / (hi - lo))
