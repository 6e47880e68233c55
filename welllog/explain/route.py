"""Which route served a DTS sample, so that its explanation explains what was served.

Why a module of its own: where a well logs DTC, the recipe serves DTS as the Vp/Vs-ratio model's
ratio times the *measured* DTC (T_QC bit 64, :mod:`welllog.recipes` step 6); the direct DTS model
plays no part there. Explaining the direct model on such samples — as explanations did before —
gave contributions of a model whose output nobody was served. On those samples this module has
the ratio model explained instead, and the measured DTC enters as a contribution of its own:

    DTS = c x r(x) = c_ref x r0  +  (c - c_ref) x r0  +  sum_i c x phi_i(x)

with ``r0`` the ratio model's base value, ``phi_i`` its SHAP values, ``c`` the measured DTC and
``c_ref`` the DTC model's base value (the mean training rock): the first term is the base value,
the second the measured DTC's contribution ("this rock is slower than the average training rock"),
the rest the inputs' contributions scaled by the DTC they multiply. Exact, since SHAP is linear.
For the scale the same holds in log space (the route's std is c x the ratio's std): log c - log
c_ref is the measured DTC's contribution.

A request is explained through one route: a depth range spanning both explains the larger part
and says which stretches it leaves out; listed depths that fall to both are refused, as for the
reduced-input model (:mod:`.selection`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from welllog.errors import UsageError
from welllog.shear import LOGGED_DTC_WEIGHTS, RATIO_TARGET, ROUTES, logged_dtc, mudrock_dts, route_weights
from welllog.well import Well

from .selection import LeftOut, left_out_rows, listed
from .served import ngboost_dist

#: the contribution column of the measured DTC: not "DTC", which reads as a model input (petrophysicist audit)
MEASURED = "DTC (measured)"
#: how the samples served from the measured DTC are named in messages
ON_LOGGED = "the Vp/Vs ratio x the well's measured DTC (T_QC bit 64)"
ON_PREDICTED = "the DTS models without the measured DTC (no DTC logged there)"


@dataclass(frozen=True)
class MeasuredDTC:
    """The measured DTC that the explained ratio is multiplied by, at the explained rows.

    Where the measured DTC is slower than the ratio model's training rocks, the served mean moves
    to the mudrock line over a ramp (:func:`welllog.shear.route_weights`): with ``mudrock`` = m, the
    mudrock route's weight per row, the mean is (1 - m) c r(x) + m line(c), still exactly
    base + the DTC's term + (1 - m) c phi_i — the line is a function of the measured DTC alone, so
    it belongs to the DTC's contribution. The log-std has no such split: there the route is
    described (:mod:`.served`), not followed."""

    values: np.ndarray  #: measured DTC (us/ft) per explained row
    reference: float  #: the DTC of the mean training rock (the DTC model's base value): the measured DTC's zero
    log: bool  #: the explained output is a log (NGBoost's scale): the DTC enters as log c, added
    mudrock: np.ndarray  #: the mudrock route's weight per row (0 inside the ratio model's DTC range)
    line: np.ndarray  #: the mudrock line's DTS at the measured DTC, per row

    def subset(self, pick: np.ndarray) -> MeasuredDTC:
        return replace(self, values=self.values[pick], mudrock=self.mudrock[pick], line=self.line[pick])

    def weight(self) -> np.ndarray | float:
        """What the ratio model's output is multiplied by on each row (1 in log space)."""
        return 1.0 if self.log else (1.0 - self.mudrock) * self.values

    def term(self, ratio_base: float) -> tuple[float, np.ndarray]:
        """(the explained base value, the measured DTC's contribution per row) given the ratio model's base value."""
        if self.log:
            return ratio_base + float(np.log(self.reference)), np.log(self.values) - np.log(self.reference)
        served = (1.0 - self.mudrock) * self.values * ratio_base + self.mudrock * self.line
        return self.reference * ratio_base, served - self.reference * ratio_base

    def output(self, ratio_output: np.ndarray) -> np.ndarray:
        """The route's output from the ratio model's: (1 - m) c r + m line(c), or log c + log-std."""
        if self.log:
            return np.log(self.values) + ratio_output
        return (1.0 - self.mudrock) * self.values * ratio_output + self.mudrock * self.line


def logged_rows(model: Any, well: Well, target: str) -> np.ndarray:
    """Rows whose ``target`` ``model`` serves from the well's measured DTC (none unless DTS of a
    recipe model that does so: ``uses_logged_dtc``; nor with a LogNormal ratio model, whose mean is
    no product of additive parts — the served note describes that route instead)."""
    uses = getattr(model, "uses_logged_dtc", None)
    if target != "DTS" or uses is None or not uses() or RATIO_TARGET not in getattr(model, "estimators", {}):
        return np.zeros(len(well.data), dtype=bool)
    if ngboost_dist(model.estimators[RATIO_TARGET]) == "lognormal":  # c x exp(mu + s^2/2): not additive; described instead
        return np.zeros(len(well.data), dtype=bool)
    return np.isfinite(logged_dtc(well))


def choose_route(model: Any, well: Well, target: str, rows: np.ndarray,
                 depths: Sequence[float] | None) -> tuple[np.ndarray, bool, LeftOut | None]:
    """(rows to explain, whether they are explained through the ratio route, what is left out)."""
    on = logged_rows(model, well, target)[rows]
    if on.all() or not on.any():
        return rows, bool(on.any()), None
    if depths is not None:
        asked = np.asarray(list(depths), dtype=float)
        raise UsageError(f"{well.label}: DTS at depth(s) {listed(asked[on])} m is served from {ON_LOGGED} and at "
                         f"{listed(asked[~on])} m from {ON_PREDICTED}; explain them in two requests, one per route")
    ratio = bool(on.sum() >= (~on).sum())  # the larger part
    left = left_out_rows(well, rows[on != ratio], f"are served from {ON_PREDICTED if ratio else ON_LOGGED}", "that route")
    return rows[on == ratio], ratio, left


def measured_dtc(model: Any, well: Well, rows: np.ndarray, reference: float, log: bool) -> MeasuredDTC:
    """The :class:`MeasuredDTC` of ``rows`` (all served from the measured DTC), with the mudrock
    line's share as ``model`` serves it there."""
    c = logged_dtc(well)[rows]
    m = route_weights(c, LOGGED_DTC_WEIGHTS, getattr(model, "shear_dtc_limit_", None),
                      getattr(model, "mudrock_ramp", 0.0))[ROUTES.index("mudrock")]
    return MeasuredDTC(values=c, reference=float(reference), log=log, mudrock=m, line=mudrock_dts(c))


__all__ = ["MEASURED", "MeasuredDTC", "choose_route", "logged_rows", "measured_dtc"]
