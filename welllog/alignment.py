"""Is a measured sonic log depth-matched to the inputs? A QC check, not a correction.

Why: logs of one well come from several tool strings and runs; if the sonic was not depth-matched
to the density-neutron run, every bed boundary in DTC sits a little above or below the same
boundary in RHOB and NPHI. The model cannot know that, so a synthetic log compared with such a
measured curve looks wrong at every boundary — in force2020's 31/5-4 S the measured DTC sits
about 1.5 m below its inputs, which alone makes over a third of the well's squared blind error
(lab: RMSE 20.6 in place, 16.3 against the curve moved back; bench/RESULTS.md). Users comparing
a synthetic with a measured curve (dashboard, `welllog evaluate`) need to be told.

How: bed boundaries are where the logs change, so the *first differences* of DTC (or DTS) are
correlated with those of NPHI and of -RHOB (slowness rises with porosity and falls with density)
at every shift within ``max_shift_m``; the shift with the highest mean correlation wins when it
beats the unshifted correlation clearly. Differences rather than levels, so that the depth trend
(compaction) cannot pull the answer. The measured values are never moved: retraining on aligned
targets did not change blind-well accuracy (bench/RESULTS.md), and a user's data comes back as read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from welllog.well import Well

#: inputs the sonic is matched against, with the sign of their correlation with slowness
REFERENCES: dict[str, float] = {"NPHI": 1.0, "RHOB": -1.0}
#: shifts searched, either side (metres; row numbers when the file has no depth)
MAX_SHIFT_M = 3.0
#: report an offset only when it is at least this many samples ...
MIN_SHIFT_SAMPLES = 2
#: ... and raises the mean correlation of differences by at least this much ...
MIN_GAIN = 0.10
#: ... to at least this much (a well whose sonic barely tracks its inputs tells nothing)
MIN_CORRELATION = 0.20
#: fewer paired differences than this: no verdict
MIN_PAIRS = 200


@dataclass(frozen=True)
class DepthOffset:
    """The measured curve reads ``metres`` deeper (negative: shallower) than its inputs; for a file
    without depth (``unit`` "rows") the metres are row numbers."""

    curve: str
    samples: int
    metres: float
    unit: str  #: "m", or "rows" for a file without depth
    correlation: float  #: mean correlation of differences at the offset
    correlation_in_place: float  #: ... without shifting
    references: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "references": list(self.references)}

    def message(self) -> str:
        where = "deeper" if self.samples > 0 else "shallower"
        return (f"measured curve appears {abs(self.metres):.2f} {self.unit} ({abs(self.samples)} samples) {where} than "
                f"{'/'.join(self.references)} (correlation of bed boundaries {self.correlation:.2f} there, "
                f"{self.correlation_in_place:.2f} in place): depth-match it before judging a synthetic log "
                "against it; values kept as measured")


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation over the rows where both are known (NaN below :data:`MIN_PAIRS` rows)."""
    ok = np.isfinite(a) & np.isfinite(b)
    if int(ok.sum()) < MIN_PAIRS:
        return float("nan")
    a, b = a[ok] - a[ok].mean(), b[ok] - b[ok].mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else float("nan")


def _shifted(d: np.ndarray, k: int) -> np.ndarray:
    """``d`` read ``k`` samples further down: out[i] = d[i + k] (NaN past the ends)."""
    out = np.full_like(d, np.nan)
    if k > 0:
        out[:-k] = d[k:]
    elif k < 0:
        out[-k:] = d[:k]
    else:
        out[:] = d
    return out


def correlation_by_shift(well: Well, curve: str, max_shift: int) -> tuple[dict[int, float], tuple[str, ...]]:
    """Mean correlation of ``curve``'s differences with the references' at each shift (samples)."""
    refs = tuple(r for r in REFERENCES if well.has(r))
    target = np.diff(well.data[curve].to_numpy(dtype=float))
    ref_diffs = [REFERENCES[r] * np.diff(well.data[r].to_numpy(dtype=float)) for r in refs]
    scores: dict[int, float] = {}
    for k in range(-max_shift, max_shift + 1):
        shifted = _shifted(target, k)
        values = [_correlation(shifted, ref) for ref in ref_diffs]
        values = [v for v in values if np.isfinite(v)]
        if values:
            scores[k] = float(np.mean(values))
    return scores, refs


def depth_offset(well: Well, curve: str, max_shift_m: float = MAX_SHIFT_M) -> DepthOffset | None:
    """The offset of ``curve`` from the inputs, or None when it looks depth-matched (or no verdict)."""
    if not well.has(curve) or len(well.data) < MIN_PAIRS:
        return None
    depth = well.depth
    step = float(np.median(np.diff(depth)))
    if not np.isfinite(step) or step <= 0:
        return None
    max_shift = max(MIN_SHIFT_SAMPLES, int(round(max_shift_m / step)))
    scores, refs = correlation_by_shift(well, curve, max_shift)
    if 0 not in scores:
        return None
    best = max(scores, key=lambda k: scores[k])
    if (abs(best) < MIN_SHIFT_SAMPLES or scores[best] < MIN_CORRELATION
            or scores[best] - scores[0] < MIN_GAIN):
        return None
    # the curve's bed boundary at row i + best matches the inputs' at row i: it reads deeper when best > 0
    return DepthOffset(curve=curve, samples=int(best), metres=round(best * step, 3), unit="m" if well.has_depth else "rows",
                       correlation=round(scores[best], 3), correlation_in_place=round(scores[0], 3),
                       references=refs)
