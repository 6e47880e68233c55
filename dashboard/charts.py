"""The other figures: crossplot, misfit along the well, SHAP views and the model comparison.

Kept apart from :mod:`dashboard.tracks` (which owns the multi-track depth layout) so each module has
one job; every function takes plain data (frames/dicts from the client) and returns a plotly figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .tracks import MAX_POINTS, band_polygon, display_rows


def crossplot(pairs: pd.DataFrame, target: str, unit: str = "us/ft", max_points: int = 1500) -> go.Figure:
    """Predicted mean vs measured with P05-P95 bars; points outside their band are highlighted."""
    sub = pairs.iloc[display_rows(len(pairs), max_points)]
    inside = (sub["y"] >= sub["p05"]) & (sub["y"] <= sub["p95"])
    fig = go.Figure()
    for mask, name, color in ((inside, "inside P05–P95", "#1565c0"), (~inside, "outside P05–P95", "#d32f2f")):
        part = sub[mask]
        fig.add_trace(
            go.Scatter(
                x=part["y"],
                y=part["mean"],
                mode="markers",
                name=name,
                marker={"size": 4, "color": color, "opacity": 0.7},
                error_y={"type": "data", "symmetric": False, "array": part["p95"] - part["mean"],
                         "arrayminus": part["mean"] - part["p05"], "thickness": 0.6, "width": 0,
                         "color": color},
                customdata=part["depth"],
                hovertemplate="measured %{x:.1f}<br>predicted %{y:.1f}<br>depth %{customdata:.2f} m<extra></extra>",
            )
        )
    if len(pairs):
        # the axes span the measured and predicted values (a band's far end may leave the frame): wide
        # bands had stretched them to negative slowness (dashboard audit); one range on both, 1:1 is diagonal
        values = pairs[["y", "mean"]].to_numpy(dtype=float)
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        pad = 0.05 * (hi - lo) or 1.0
        lo, hi = max(lo - pad, 0.0), hi + pad
        fig.add_trace(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="1:1",
                                 line={"color": "#555", "dash": "dash", "width": 1}))
        fig.update_xaxes(range=[lo, hi])
        fig.update_yaxes(range=[lo, hi])
    fig.update_layout(
        title=f"{target}: predicted vs measured ({unit})", height=480,
        xaxis_title=f"measured {target} ({unit})", yaxis_title=f"predicted {target} mean ({unit})",
        margin={"l": 60, "r": 10, "t": 50, "b": 50}, legend={"orientation": "h", "y": -0.15},
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def misfit_track(pairs: pd.DataFrame, target: str, max_points: int = MAX_POINTS) -> go.Figure:
    """Measured minus predicted mean along depth, with the band as a shaded envelope around zero."""
    sub = pairs.iloc[display_rows(len(pairs), max_points)]
    depth = sub["depth"]
    resid = sub["y"] - sub["mean"]
    fig = go.Figure()
    bx, by = band_polygon((sub["p05"] - sub["mean"]).to_numpy(), (sub["p95"] - sub["mean"]).to_numpy(), depth.to_numpy())
    fig.add_trace(go.Scatter(x=bx, y=by, mode="lines", line={"width": 0}, fill="toself",
                             fillcolor="rgba(21,101,192,0.2)", name="P05–P95 band", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=resid, y=depth, mode="lines", name="measured − predicted",
                             line={"color": "#333", "width": 1}))
    outside = (sub["y"] < sub["p05"]) | (sub["y"] > sub["p95"])
    fig.add_trace(go.Scatter(x=resid[outside], y=depth[outside], mode="markers", name="outside band",
                             marker={"color": "#d32f2f", "size": 4}))
    fig.update_yaxes(autorange="reversed", title_text="depth (m)")
    fig.update_xaxes(title_text=f"{target} residual (us/ft)")
    fig.update_layout(height=480, title=f"{target}: where the truth leaves the band", hovermode="y",
                      margin={"l": 60, "r": 10, "t": 50, "b": 50}, legend={"orientation": "h", "y": -0.15})
    return fig


def importance_bar(features: Sequence[str], mean_abs: Sequence[float], title: str) -> go.Figure:
    """Ranked mean |SHAP| per input (largest on top)."""
    order = np.argsort(np.asarray(mean_abs, dtype=float))
    fig = go.Figure(go.Bar(x=np.asarray(mean_abs, dtype=float)[order], y=np.asarray(features)[order],
                           orientation="h", marker_color="#1565c0"))
    fig.update_layout(title=title, height=max(260, 36 * len(features) + 80), xaxis_title="mean |SHAP|",
                      margin={"l": 90, "r": 10, "t": 50, "b": 40})
    return fig


def waterfall(explanation: dict[str, Any], index: int = 0, top: int = 12, served: float | None = None,
              has_depth: bool = True) -> go.Figure:
    """SHAP waterfall of one sample: base value, each input's push, the model output.

    ``served`` (same units as the output): the value the user is served there, drawn as a dashed
    line when it differs from the explained total, so the gap is seen where the total is read."""
    features = list(explanation["features"])
    values = np.asarray(explanation["values"][index], dtype=float)
    base = float(explanation["base_value"] if np.ndim(explanation["base_value"]) == 0 else explanation["base_value"][index])
    order = np.argsort(-np.abs(values))
    keep = order[:top]
    rest = float(values[order[top:]].sum()) if len(order) > top else 0.0
    names = [features[i] for i in keep] + ([f"{len(order) - top} others"] if len(order) > top else [])
    pushes = [float(values[i]) for i in keep] + ([rest] if len(order) > top else [])
    output = base + float(values.sum())
    fig = go.Figure(
        go.Waterfall(
            orientation="v",
            measure=["absolute"] + ["relative"] * len(pushes) + ["total"],
            x=["base"] + names + ["output"],
            y=[base] + pushes + [output],
            text=[f"{base:.2f}"] + [f"{p:+.2f}" for p in pushes] + [f"{output:.2f}"],
            textposition="outside",
            increasing={"marker": {"color": "#d32f2f"}},
            decreasing={"marker": {"color": "#1565c0"}},
            totals={"marker": {"color": "#455a64"}},
        )
    )
    depth = explanation.get("depths", [None])[index]
    param = explanation.get("parameter", "mean")
    fig.update_layout(
        title=(f"{explanation.get('target', '')} {param} at " + (f"{depth:.2f} m" if has_depth else f"row {depth:.0f}"))
        if depth is not None else "waterfall",  # a file without depth is indexed by row, not metres
        height=440, showlegend=False, margin={"l": 50, "r": 10, "t": 50, "b": 80},
        yaxis_title=f"{param} contribution",
    )
    if served is not None and np.isfinite(served):
        fig.add_hline(y=float(served), line={"dash": "dash", "color": "#ef6c00", "width": 1.5},
                      annotation_text=f"served {served:.2f}", annotation_position="top left")
    fig.update_yaxes(range=_waterfall_range(base, pushes, served))
    return fig


def _waterfall_range(base: float, pushes: list[float], served: float | None) -> list[float]:
    """A y range around the running totals (and the served value), not from zero: pushes of +-2
    us/ft on a base of 118 were slivers on an axis from 0 (dashboard audit). Room above and below
    for the bars' text."""
    levels = [base, *(base + np.cumsum(pushes)).tolist()]
    if served is not None and np.isfinite(served):
        levels.append(float(served))
    lo, hi = min(levels), max(levels)
    pad = max(0.15 * (hi - lo), 1e-3 * max(abs(lo), abs(hi), 1.0))
    return [lo - pad, hi + pad]


def dependence(x: np.ndarray, shap_values: np.ndarray, depth: np.ndarray, feature: str, unit: str,
               target: str) -> go.Figure:
    """How the prediction depends on one input: its value vs its SHAP contribution, coloured by depth."""
    fig = go.Figure(
        go.Scatter(
            x=x, y=shap_values, mode="markers",
            marker={"size": 5, "color": depth, "colorscale": "Viridis", "showscale": True,
                    "colorbar": {"title": "depth (m)"}},
            hovertemplate=f"{feature} %{{x:.3g}}<br>contribution %{{y:+.2f}}<extra></extra>",
        )
    )
    fig.update_layout(title=f"{target}: dependence on {feature}", height=420,
                      xaxis_title=f"{feature} ({unit})", yaxis_title=f"SHAP contribution to {target} (us/ft)",
                      margin={"l": 60, "r": 10, "t": 50, "b": 50})
    if feature.upper() in LOG_CURVES:
        fig.update_xaxes(type="log", **log_ticks(x))
    return fig


#: inputs read on a logarithmic axis
LOG_CURVES = frozenset({"RDEP", "RMED"})
#: tick mantissas per decade, densest first
LOG_MANTISSAS: tuple[tuple[float, ...], ...] = ((1.0, 1.5, 2.0, 3.0, 5.0, 7.0), (1.0, 2.0, 5.0), (1.0,))


def log_ticks(values: np.ndarray, max_labels: int = 7) -> dict[str, Any]:
    """Tick values and plain labels for a log axis over ``values``: the densest 1-2-5 style set
    that fits ``max_labels`` within their range.

    Why: plotly's own log ticks label minor steps by their first digit only, so a resistivity
    axis read "5 1 2 5 10 2" under 16/2-16's RDEP dependence plot — 0.5 and 20 indistinguishable
    from 5 and 2."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if not len(finite):
        return {}
    lo, hi = float(finite.min()), float(finite.max())
    decades = range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
    for mantissas in LOG_MANTISSAS:
        ticks = [t for d in decades for m in mantissas if lo <= (t := float(f"{m * 10.0 ** d:.6g}")) <= hi]
        if len(ticks) <= max_labels:
            break
    if len(ticks) < 2:  # within one step: the range's ends say more than one lonely label
        ticks = [lo, hi]
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [f"{t:.2g}" if t < 1 else f"{t:g}" for t in ticks]}


def comparison_bars(table: pd.DataFrame, metric: str) -> go.Figure:
    """One bar per model (family) per target for a validation metric."""
    fig = go.Figure()
    for target, part in table.groupby("target", sort=True):
        fig.add_trace(go.Bar(x=part["model"], y=part[metric], name=str(target)))
    fig.update_layout(barmode="group", title=f"validation {metric}", height=380,
                      margin={"l": 50, "r": 10, "t": 50, "b": 80}, yaxis_title=metric)
    return fig
