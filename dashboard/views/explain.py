"""Explain view: which inputs drive the prediction overall, at one depth, and its uncertainty.

One SHAP call over an even sample of the well (cached) feeds both the global importance and the
dependence plot; the chosen depth gets its own call for the mean and, for NGBoost, for the scale
parameter (what makes the band wide there).

A waterfall adds up to the *explained* model's output, which for the recommended recipe is not
what the page serves (DTC averaged with a depth companion, DTS blended from three routes, the std
calibrated). Under each waterfall a caption therefore names what is explained and puts the served
value beside the explained total (:func:`served_caption`); the mean waterfall also draws the
served value as a dashed line.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from welllog.errors import WelllogError
from welllog.explain.served import SERVED_AS_IS
from welllog.predict import withheld_shear_rows
from welllog.well import CANONICAL_CURVES, QC_BITS, QC_NOT_PREDICTED

from .. import state
from ..charts import dependence, importance_bar, waterfall
from ..context import Context
from ..tracks import BAND_FILL, COLORS, band_polygon, display_rows
from .tracks import PICKED_DEPTH, picked_depth_from

DEPTH_KEY = "explain_depth"
#: session key of {target: input last chosen for its dependence plot}
DEPENDENCE_CHOICES = "dependence_choices"
#: a depth clicked on the explain track, waiting for the next run to set the depth input with
CLICKED_KEY = "explain_clicked_depth"
#: relative gap below which the served value is called equal to the explained total
EQUAL_TOLERANCE = 1e-4


def _statistic(parameter: str) -> tuple[str, str]:
    """(word, column suffix) of the served statistic an explained parameter corresponds to."""
    return ("mean", "MEAN") if parameter == "mean" else ("std", "STD")


def served_from_prediction(explanation: dict[str, Any], pred: pd.DataFrame, index: int = 0) -> float | None:
    """The served value at the explained sample, read from the page's prediction frame.

    For answers without a ``served`` record (an API from before it existed); the frame is indexed
    like the well, so the explained depth is looked up by nearest index."""
    _, suffix = _statistic(str(explanation.get("parameter", "mean")))
    column = f"{explanation.get('target', '')}_{suffix}"
    depth = (explanation.get("depths") or [None])[index]
    if column not in pred.columns or depth is None or not len(pred):
        return None
    i = int(pred.index.get_indexer([float(depth)], method="nearest")[0])
    value = float(pred[column].iloc[i])
    return value if np.isfinite(value) else None


def served_values(explanation: dict[str, Any], index: int = 0, fallback: float | None = None) -> tuple[float | None, float | None, str]:
    """(served value, explained total in the served units, reason) at sample ``index``.

    From the explanation's ``served`` record when present; else ``fallback`` (the page's own
    prediction) with the explained total comparable only for the mean, and the transform text
    (which older versions used to say what is explained) as the reason."""
    info = explanation.get("served")
    if info:
        served = (info.get("values") or [None])[index]
        explained = (info.get("explained") or [None] * (index + 1))[index]
        return served, explained, str(info.get("reason") or info.get("note") or "")
    output = (explanation.get("output") or [None])[index]
    explained = output if explanation.get("parameter", "mean") == "mean" else None
    return fallback, explained, str(explanation.get("transform") or "")


def _equal(served: float, explained: float) -> bool:
    return abs(served - explained) <= EQUAL_TOLERANCE * max(1.0, abs(served))


def served_line(explanation: dict[str, Any], index: int = 0, fallback: float | None = None) -> float | None:
    """The served value to draw on the waterfall: only for the mean (same axis as the total) and
    only where it differs from the explained total."""
    served, explained, _ = served_values(explanation, index, fallback)
    if explanation.get("parameter", "mean") != "mean" or served is None or explained is None or _equal(served, explained):
        return None
    return float(served)


def served_caption(explanation: dict[str, Any], index: int = 0, fallback: float | None = None) -> str | None:
    """Caption under a waterfall: the served value beside the explained total, and what is explained.

    Why: base value + contributions is the explained model's output; with the recipe the served
    value differs (e.g. DTS 405.7 explained vs 399.3 served) and a user reading the waterfall total
    as the prediction would be misled. None when nothing served is known."""
    served, explained, reason = served_values(explanation, index, fallback)
    if served is None:
        return None
    target = explanation.get("target", "")
    word, _ = _statistic(str(explanation.get("parameter", "mean")))
    output = (explanation.get("output") or [None])[index]
    if explained is None:
        return f"Served {target} {word} here: {served:.1f} us/ft. {reason}".strip()
    total = f"{explained:.1f}" if word == "mean" or output is None else f"{output:.2f}, a std of {explained:.1f} us/ft"
    if _equal(served, explained):
        said = f"The explained total ({total}) equals the served {target} {word} here ({served:.1f} us/ft)."
        return said if not reason or SERVED_AS_IS in reason else f"{said} {reason}"  # else it names the route explained
    return (f"Served {target} {word} here: **{served:.1f} us/ft**, beside the explained total {total} "
            f"({served - explained:+.1f}). {reason}").strip()


def _waterfall_with_caption(explanation: dict[str, Any], pred: pd.DataFrame, key: str, has_depth: bool = True) -> None:
    """One waterfall and, under it, what it explains next to what is served."""
    fallback = None if explanation.get("served") else served_from_prediction(explanation, pred)
    st.plotly_chart(waterfall(explanation, served=served_line(explanation, fallback=fallback), has_depth=has_depth), key=key,
                    width="stretch")
    caption = served_caption(explanation, fallback=fallback)
    if caption:
        st.caption(caption)


def _nearest_predicted(depths: np.ndarray, mean: np.ndarray, depth: float) -> float:
    """The served mean at the predicted sample nearest ``depth`` — the sample the explanation takes
    (:func:`welllog.explain.selection.explained_rows`); interpolating between samples put a heading of
    183.8 over an explanation of 183.9 (dashboard audit)."""
    ok = np.flatnonzero(np.isfinite(mean))
    return float(mean[ok[np.argmin(np.abs(depths[ok] - depth))]]) if len(ok) else float("nan")


def _depth_picker(ctx: Context, pred) -> float:
    """Number input for the depth, fed by clicks on the small track beside it."""
    d = ctx.well.depth
    lo, hi = float(d[0]), float(d[-1])
    clicked = st.session_state.pop(CLICKED_KEY, None)  # a click on the track, before the input exists in this run
    if clicked is not None and lo <= clicked <= hi:
        st.session_state[DEPTH_KEY] = float(clicked)
    if DEPTH_KEY not in st.session_state or not lo <= float(st.session_state[DEPTH_KEY]) <= hi:
        picked = st.session_state.get(PICKED_DEPTH)
        st.session_state[DEPTH_KEY] = float(picked) if picked is not None and lo <= picked <= hi else float(d[len(d) // 2])
    label = (f"Depth to explain (m, {lo:.1f}–{hi:.1f})" if ctx.well.has_depth
             else f"Row to explain (no depth in the file: rows {lo:.0f}–{hi:.0f}, in depth order)")
    return float(st.number_input(label, min_value=lo, max_value=hi,
                                 step=max(float(np.median(np.diff(d))) if len(d) > 1 else 1.0, 0.01),
                                 key=DEPTH_KEY, format="%.2f"))


def _pick_track(ctx: Context, pred, target: str, depth: float) -> None:
    """Mean and band of the target; clicking a point sets the depth to explain."""
    rows = display_rows(len(ctx.well.data), 2000)
    z = ctx.well.depth[rows]
    fig = go.Figure()
    bx, by = band_polygon(pred[f"{target}_P05"].to_numpy(dtype=float)[rows],
                          pred[f"{target}_P95"].to_numpy(dtype=float)[rows], z)
    # the target's own colours, as on the log tracks (DTS was drawn in DTC's orange; dashboard audit)
    fig.add_trace(go.Scatter(x=bx, y=by, mode="lines", line={"width": 0}, fill="toself",
                             fillcolor=BAND_FILL.get(target, "rgba(100,100,100,0.25)"), name="P05–P95", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=pred[f"{target}_MEAN"].to_numpy()[rows], y=z, mode="lines+markers",
                             marker={"size": 3}, line={"width": 1, "color": COLORS.get(target, "#333")}, name="mean"))
    fig.add_hline(y=depth, line={"dash": "dash", "color": "#000"})
    fig.update_yaxes(autorange="reversed", title_text="depth (m)" if ctx.well.has_depth else "row (no depth in file)")
    fig.update_xaxes(title_text=f"{target} (us/ft)", fixedrange=True, autorange="reversed")  # slow left, as the tracks
    fig.update_layout(height=560, margin={"l": 50, "r": 10, "t": 30, "b": 40}, showlegend=False,
                      title="click to pick a depth", hovermode="closest")
    event = st.plotly_chart(fig, key="explain_pick", on_select="rerun", selection_mode="points", width="stretch")
    clicked = picked_depth_from(event)
    if clicked is not None and abs(clicked - st.session_state.get(PICKED_DEPTH, np.inf)) > 1e-9:
        st.session_state[PICKED_DEPTH] = clicked
        # not DEPTH_KEY itself: its number input is already drawn in this run, and Streamlit refuses
        # to change a drawn widget's value (the dashboard audit's traceback); the next run applies it
        st.session_state[CLICKED_KEY] = clicked
        st.rerun()


def render(ctx: Context) -> None:
    if ctx.well is None or ctx.target is None or ctx.ref is None:
        st.info("Choose a well and a model in the sidebar.")
        return
    pred = ctx.prediction()
    target = ctx.target
    if pred is None or f"{target}_MEAN" not in pred.columns or pred[f"{target}_MEAN"].notna().sum() == 0:
        st.warning(f"No {target} prediction to explain for {ctx.well.name}.")
        return
    args = (ctx.well_key, ctx.model_key, target)

    left, right = st.columns([1, 3])
    with left:
        depth = _depth_picker(ctx, pred)
        _pick_track(ctx, pred, target, depth)
    with right:
        withheld = not_served_note(pred, target, depth, ctx.well.has_depth)
        if withheld:
            st.subheader(f"{target} is not served here")
            st.warning(withheld)
        else:
            st.subheader(f"Why {target} = {_nearest_predicted(ctx.well.depth, pred[f'{target}_MEAN'].to_numpy(dtype=float), depth):.1f} us/ft here")
            _local_waterfalls(ctx, pred, args, depth)
        _across_the_well(ctx, pred, args, target)


def not_served_note(pred: pd.DataFrame, target: str, depth: float, has_depth: bool = True) -> str:
    """'' or why ``target`` has no served value at the sample nearest ``depth``, from its T_QC bits.

    Why: the page explained what the model computes there and headed it with the mean of another
    depth — a DTS of 718 us/ft that the service withholds (past the mudrock line) read as a
    prediction (dashboard audit). The explanation of a withheld value is not shown."""
    mean = pred[f"{target}_MEAN"]
    i = int(pred.index.get_indexer([float(depth)], method="nearest")[0])
    if np.isfinite(float(mean.iloc[i])):
        return ""
    qc = pred.get(f"{target}_QC")
    code = int(qc.iloc[i]) if qc is not None and np.isfinite(qc.iloc[i]) else QC_NOT_PREDICTED
    where = f"{float(pred.index[i]):.2f} m" if has_depth else f"row {float(pred.index[i]):.0f}"
    pick = f"Pick a depth where {target} is predicted to see what drives it."
    if target == "DTS" and withheld_shear_rows(pred)[i]:
        return (f"No DTS is served at {where}: the DTC there is slower than the mudrock line reaches (T_QC bit 16 in "
                f"DTS_QC only; DTC is served), where no shear route holds. {pick}")
    why = "; ".join(meaning for bit, meaning in QC_BITS.items() if code & bit and bit != QC_NOT_PREDICTED)
    return (f"No {target} is served at {where} (T_QC {code}{': ' + why if why else ''}; see the QC track and the "
            f"well's provenance for the cause). {pick}")


def _local_waterfalls(ctx: Context, pred: pd.DataFrame, args: tuple[str, str, str], depth: float) -> None:
    """The mean's and the scale's waterfalls at the picked depth."""
    c1, c2 = st.columns(2)
    with c1, state.shown_errors("Explanation of the mean"):
        with st.spinner("SHAP for the mean …"):
            local = state.explain(*args, (depth,), "mean", ctx.client, ctx.ref, ctx.well)
        _waterfall_with_caption(local, pred, "waterfall_mean", ctx.well.has_depth)
    with c2:
        try:
            with st.spinner("SHAP for the scale …"):
                scale = state.explain(*args, (depth,), "scale", ctx.client, ctx.ref, ctx.well)
            _waterfall_with_caption(scale, pred, "waterfall_scale", ctx.well.has_depth)
            # what the scale model's output is differs by family (NGBoost: log-std; the others: the
            # expected |residual| in us/ft): the explanation's own transform says it (dashboard audit)
            st.caption(f"What drives the uncertainty at this depth — the scale model's output: "
                       f"{scale.get('transform') or 'the predictive scale'}; positive contributions widen the P05–P95 band.")
        except WelllogError as exc:
            st.info(f"Uncertainty drivers unavailable for this model: {exc}")
        except Exception as exc:  # noqa: BLE001 - never a traceback in the UI
            st.error(f"Uncertainty drivers: unexpected {type(exc).__name__}: {exc}")


def _across_the_well(ctx: Context, pred: pd.DataFrame, args: tuple[str, str, str], target: str) -> None:
    """Global importance and a dependence plot over an even sample of the well."""
    st.subheader("Across the well")
    with state.shown_errors("Global explanation"):
        sampled = state.sample_depths(ctx.well, pred, target)
        depths = sampled.depths
        with st.status(f"SHAP over {len(depths)} samples of {ctx.well.name} …", expanded=False) as status:
            glob = state.explain(*args, depths, "mean", ctx.client, ctx.ref, ctx.well)
            status.update(label=f"SHAP over {len(depths)} samples", state="complete")
        if sampled.left_out:
            st.caption(sampled.left_out)
        values = np.asarray(glob["values"], dtype=float)
        features = list(glob["features"])
        mean_abs = np.nanmean(np.abs(values), axis=0)
        g1, g2 = st.columns(2)
        g1.plotly_chart(importance_bar(features, mean_abs, f"{target}: global importance (mean |SHAP|)"),
                        key="importance", width="stretch")
        with g2:
            curves = [f for f in features if f in ctx.well.data.columns]
            if curves:
                ranked = sorted(curves, key=lambda f: -mean_abs[features.index(f)])
                feature = dependence_choice(target, ranked)
                j = features.index(feature)
                rows = ctx.well.data.index.get_indexer(np.asarray(glob["depths"], dtype=float), method="nearest")
                x = ctx.well.data[feature].to_numpy(dtype=float)[rows]
                unit = CANONICAL_CURVES.get(feature, ("", ""))[0]
                st.plotly_chart(dependence(x, values[:, j], ctx.well.depth[rows], feature, unit, target),
                                key="dependence", width="stretch")


def dependence_choice(target: str, ranked: list[str]) -> str:
    """The input whose dependence plot is drawn for ``target``: a selectbox of its own per target,
    its choice remembered per target.

    Why: one widget for every target carried DTC's choice over to DTS (a DTS page opened on
    whatever input was last looked at for DTC, not DTS's own top driver). Streamlit forgets the
    state of a widget not drawn in a run, so the choice is also kept under :data:`DEPENDENCE_CHOICES`
    and a return to DTC finds DTC's choice again."""
    choices: dict[str, str] = st.session_state.setdefault(DEPENDENCE_CHOICES, {})
    remembered = choices.get(target)
    index = ranked.index(remembered) if remembered in ranked else 0
    feature = st.selectbox(f"{target}: dependence on input", ranked, index=index, key=f"dependence_feature_{target}")
    choices[target] = feature
    return feature
