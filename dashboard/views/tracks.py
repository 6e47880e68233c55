"""Log tracks view: the input logs and the predicted DTC/DTS with their P05-P95 bands.

Clicking a curve picks that depth for the Explain view, so the user can go from
"this interval looks odd" straight to "why did the model say that here".
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from welllog.predict import caution_rows, unpredicted_cause, withheld_shear_rows
from welllog.well import QC_LOGGED_DTC

from ..context import Context
from ..tracks import MAX_POINTS, log_tracks, out_of_range_caption

PICKED_DEPTH = "picked_depth"


def picked_depth_from(event: object) -> float | None:
    """Depth of the first selected point of a plotly selection event (None when nothing is selected)."""
    selection = getattr(event, "selection", None) or (event.get("selection") if isinstance(event, dict) else None)
    points = (selection or {}).get("points") if isinstance(selection, dict) else getattr(selection, "points", None)
    for point in points or []:
        y = point.get("y") if isinstance(point, dict) else None
        if isinstance(y, (int, float)):
            return float(y)
    return None


def render(ctx: Context) -> None:
    if ctx.well is None:
        st.info("Choose a readable well in the sidebar to see its log tracks.")
        return
    pred = ctx.prediction()
    targets = ctx.targets or ["DTC", "DTS"]
    max_points = int(st.session_state.get("max_points", MAX_POINTS))
    fig = log_tracks(ctx.well, pred, targets, max_points=max_points,
                     highlight_depth=st.session_state.get(PICKED_DEPTH))
    event = st.plotly_chart(fig, key="tracks_chart", on_select="rerun", selection_mode=("points", "box"),
                            width="stretch", config={"scrollZoom": True, "displaylogo": False})
    depth = picked_depth_from(event)
    if depth is not None and depth != st.session_state.get(PICKED_DEPTH):
        st.session_state[PICKED_DEPTH] = depth
        st.session_state["explain_depth"] = depth
        st.rerun()
    st.caption(
        "Drag to zoom in depth, double-click to reset, scroll to zoom. Click a curve to pick "
        "that depth for the Explain view"
        + (f" — picked: {st.session_state[PICKED_DEPTH]:.2f} m." if st.session_state.get(PICKED_DEPTH) is not None else ".")
        + f" Display is thinned to ≤{max_points:,} samples; all computations use every sample."
    )
    if pred is not None and getattr(ctx, "tie", False) and not any(f"{t}_TIED" in pred.columns for t in targets):
        # the toggle was silent then (dashboard audit)
        st.info("Tie: nothing to tie — no predicted sample lies beyond a measured DTC/DTS log of this well "
                "(none is logged, or it is logged wherever predicted).")
    if pred is not None:
        for target in targets:
            if f"{target}_QC" in pred.columns:
                qc = pred[f"{target}_QC"].fillna(16).astype(int)
                predicted = int(pred[f"{target}_MEAN"].notna().sum())
                # bit 64 says where DTS came from (the measured DTC), no caution: counted apart (dashboard audit)
                given = int(((qc & QC_LOGGED_DTC) != 0).sum())
                withheld_rows = withheld_shear_rows(pred) if target == "DTS" else np.zeros(len(pred), dtype=bool)
                withheld = int(withheld_rows.sum())
                st.caption(f"{target}: {predicted:,} of {len(pred):,} samples predicted"
                           + (f" ({withheld:,} more not served: DTC slower than the mudrock line reaches, bit 16)" if withheld else "")
                           + _unpredicted(ctx, pred[f"{target}_MEAN"].notna().to_numpy() | withheld_rows)
                           # bits 1 (an input missing, e.g. PEF on every row of a well without it) and 32 say how a
                           # value was made: counted in, "16,891 carry a QC flag" was every sample (dashboard audit)
                           + f"; {int(caution_rows(pred, target).sum()):,} predicted samples flagged for caution (input QC, bad hole or out of range: bits 2/4/8)"
                           + (f"; {given:,} made from the measured DTC (bit 64)" if given else "") + "."
                           + out_of_range_caption(pred, target))


def _unpredicted(ctx: Context, done: np.ndarray) -> str:
    """'; N logged samples not predicted: RMED, required by this model, is missing on 100% of them'
    (or '' when every logged sample is): the caption said how many, never why (dashboard audit)."""
    meta = ctx.meta or {}
    required = list(dict.fromkeys([*meta.get("required_curves", []), *(meta.get("fallback") or {}).get("required_curves", [])]))
    rest, why = unpredicted_cause(ctx.well, done, meta.get("inputs", []), required)
    if not rest:
        return ""
    return f"; {rest:,} logged samples not predicted" + (f" ({why.replace('of the rest', 'of them')})" if why else "")
