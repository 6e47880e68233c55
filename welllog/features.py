"""Model features from canonical curves: one documented default set plus optional depth context.

Why a spec object: the same feature recipe must be applied at training time, at prediction time
and by the SHAP explainer, and it must be stored with the model. :class:`FeatureSpec` is a small
plain dataclass (JSON-able via :meth:`FeatureSpec.to_dict`) and :func:`build_features` is a pure
function of ``well.data`` and the spec.

Default set (``FeatureSpec()``):

* the canonical inputs CALI, NPHI, GR, PEF, RHOB as they are (canonical units);
* RDEP and RMED as ``RDEP_log10`` / ``RMED_log10``: resistivity spans decades and trees and
  distance-free learners alike behave better on its logarithm (values <= 0 become NaN).

Optional depth context (``context_window=W`` samples, centred, NaN-skipping, ``min_periods=1``):

* ``<C>_roll<W>_mean`` and ``<C>_roll<W>_std`` — local level and roughness of curve C;
* ``<C>_grad`` — first difference per metre (``np.gradient`` over depth), i.e. bed boundaries.

Every feature records its ``source curve`` (:meth:`FeatureSpec.sources`) so explanations can be
grouped back onto the curves a petrophysicist knows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from welllog.well import INPUT_CURVES

#: curves whose logarithm is the feature (resistivities span several decades)
LOG_CURVES: tuple[str, ...] = ("RDEP", "RMED")


@dataclass
class FeatureSpec:
    """How to turn canonical curves into model features (stored with every model)."""

    inputs: tuple[str, ...] = INPUT_CURVES  #: canonical curves the model may use
    log_resistivity: bool = True  #: RDEP/RMED -> log10
    context_window: int = 0  #: rolling window in samples (0 = no depth-context features)
    context_stats: tuple[str, ...] = ("mean", "std")  #: rolling statistics when context_window > 0
    gradients: bool = False  #: add ``<C>_grad`` (d curve / d depth)
    context_curves: tuple[str, ...] | None = None  #: curves that get context features (None: all inputs)
    extra: dict[str, Any] = field(default_factory=dict)  #: free-form notes, stored verbatim

    # -- naming -------------------------------------------------------------------------------
    def base_name(self, curve: str) -> str:
        """Feature name of the point value of ``curve``."""
        return f"{curve}_log10" if (self.log_resistivity and curve in LOG_CURVES) else curve

    def feature_names(self, curves: tuple[str, ...] | list[str] | None = None) -> list[str]:
        """Feature names in column order for the given input curves (default: ``inputs``)."""
        return list(self.sources(curves).keys())

    def sources(self, curves: tuple[str, ...] | list[str] | None = None) -> dict[str, str]:
        """Feature name -> source canonical curve, in column order (for grouping SHAP values)."""
        curves = tuple(self.inputs if curves is None else curves)
        out = {self.base_name(c): c for c in curves}
        ctx = curves if self.context_curves is None else tuple(c for c in curves if c in self.context_curves)
        if self.context_window and self.context_window > 1:
            for c in ctx:
                for stat in self.context_stats:
                    out[f"{self.base_name(c)}_roll{self.context_window}_{stat}"] = c
        if self.gradients:
            for c in ctx:
                out[f"{self.base_name(c)}_grad"] = c
        return out

    # -- persistence --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["inputs"] = list(self.inputs)
        d["context_stats"] = list(self.context_stats)
        d["context_curves"] = None if self.context_curves is None else list(self.context_curves)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureSpec:
        d = dict(d)
        for key in ("inputs", "context_stats"):
            if key in d:
                d[key] = tuple(d[key])
        if d.get("context_curves") is not None:
            d["context_curves"] = tuple(d["context_curves"])
        return cls(**d)


def _point_values(data: pd.DataFrame, curve: str, spec: FeatureSpec) -> pd.Series:
    """The point feature of one curve (NaN column when the curve is absent)."""
    if curve in data.columns:
        values = pd.to_numeric(data[curve], errors="coerce").astype(float)
    else:
        values = pd.Series(np.nan, index=data.index, dtype=float)
    if spec.log_resistivity and curve in LOG_CURVES:
        values = np.log10(values.where(values > 0))
    return values


def build_features(data: pd.DataFrame, spec: FeatureSpec | None = None, curves: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    """Feature frame aligned with ``data`` (= ``well.data``: index DEPT, canonical columns).

    ``curves`` restricts the inputs (default ``spec.inputs``); an absent curve yields NaN
    columns so the caller decides whether that is an error (see ``SonicModel``). Rolling windows
    run over samples in depth order, so a well is never mixed with another.
    """
    spec = spec or FeatureSpec()
    curves = tuple(spec.inputs if curves is None else curves)
    sources = spec.sources(curves)
    cols: dict[str, pd.Series] = {}
    points = {c: _point_values(data, c, spec) for c in curves}
    depth = data.index.to_numpy(dtype=float)
    for name, curve in sources.items():
        base = points[curve]
        if name == spec.base_name(curve):
            cols[name] = base
        elif name.endswith("_grad"):
            vals = base.to_numpy(dtype=float)
            if len(vals) > 1:
                filled = pd.Series(vals).interpolate(limit_direction="both").to_numpy()
                grad = np.gradient(filled, depth) if np.all(np.diff(depth) > 0) else np.gradient(filled)
                grad[np.isnan(vals)] = np.nan
            else:
                grad = np.full(len(vals), np.nan)
            cols[name] = pd.Series(grad, index=data.index)
        else:
            stat = name.rsplit("_", 1)[1]
            roll = base.rolling(spec.context_window, center=True, min_periods=1)
            cols[name] = getattr(roll, stat)()
    return pd.DataFrame(cols, index=data.index)
