"""Model comparison view: every model in the store side by side on its validation metrics, and,
on request, on the loaded well.

The stored numbers are the ones recorded at training time on the blind validation wells (never
recomputed here), so the comparison is exactly what ``welllog compare`` / ``train`` reported. The
scores on the loaded well are the Quality view's, model by model: a modeller holding a new well with
a measured sonic asks which stored model serves *it* best — and must see which models trained on it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from welllog.errors import WelllogError
from welllog.models.sonic import trained_on
from welllog.well import TARGET_CURVES

from .. import state
from ..catalog import comparison_table, model_key, model_name, model_targets
from ..charts import comparison_bars
from ..context import Context
from ..quality import paired, quality_metrics
from ..state import error_text, shown_errors


def render(ctx: Context) -> None:
    if ctx.client is None:
        st.info("No model service: see the message in the sidebar.")
        return
    with shown_errors("Model store"):
        models = ctx.client.list_models()
        if not models:
            st.info("The model store is empty: train models with `welllog train ... --model all --name NAME`.")
            return
        metas = []
        for entry in models:
            with shown_errors(f"Metadata of {model_name(entry)}"):
                metas.append(ctx.client.metadata(model_name(entry)))
        st.subheader("On their validation wells")
        _stored(comparison_table(metas), metas)
        if ctx.well is not None:
            _on_this_well(ctx, metas)


def _stored(table: pd.DataFrame, metas: list[dict]) -> None:
    """The validation metrics the store recorded at training time, as a table and bars."""
    if table.empty:
        st.info("No stored model carries validation metrics (train with --validate-on WELL to record them).")
        # what a user tells models apart by, not every scalar of the metadata (shear_dtc_limit, ...; dashboard audit)
        st.dataframe(pd.DataFrame([_identity(m) for m in metas]), hide_index=True, width="stretch")
        return
    st.dataframe(table, hide_index=True, width="stretch")
    metrics = [c for c in table.columns if c not in ("model", "family", "target", "scope", "n")]
    preferred = [m for m in ("rmse", "crps", "coverage90") if m in metrics]
    metric = st.selectbox("Metric", metrics, index=metrics.index(preferred[0]) if preferred else 0, key="compare_metric")
    plot = table.dropna(subset=[metric])
    if "scope" in plot.columns:  # one bar per model: average over scopes (wells / folds)
        plot = plot.groupby(["model", "family", "target"], as_index=False)[metric].mean()
    st.plotly_chart(comparison_bars(plot, metric), key="compare_chart", width="stretch")
    st.caption("Lower is better for rmse, mae, nll, crps and width; higher for r2; coverage should be near 0.90.")


def _identity(meta: dict) -> dict:
    """Name, version, family, targets, training wells and date of a stored model."""
    wells = meta.get("training_wells") or []
    return {"model": model_name(meta), "version": meta.get("version"), "family": meta.get("family"),
            "targets": ", ".join(meta.get("targets") or []), "training wells": len(wells) or None,
            "trained": str(meta.get("trained_at") or meta.get("created_at") or "")[:10],
            "promoted from": meta.get("promoted_from")}


def _on_this_well(ctx: Context, metas: list[dict]) -> None:
    """Every stored model scored on the loaded well where it measured DTC/DTS (a button: each model
    predicts the whole well once; the predictions are the shared cache's, so the other views reuse them)."""
    well = ctx.well
    assert well is not None
    measured = [t for t in TARGET_CURVES if well.has(t)]
    st.subheader(f"On {well.name}")
    if not measured:
        st.caption(f"{well.name} has no measured DTC or DTS: load a well with a sonic log to score the models on it.")
        return
    if st.session_state.get("compare_on_well") != ctx.well_key:  # asked once per well, then kept shown
        st.button(f"Score every model on {well.name}", key="compare_on_well_button",
                  help=f"each model predicts the well; scored against its measured {' and '.join(measured)}",
                  on_click=st.session_state.__setitem__, args=("compare_on_well", ctx.well_key))
        return
    bar = st.progress(0.0, text="Scoring the models …")
    rows = []
    for i, meta in enumerate(metas):
        rows += well_scores(ctx, meta, measured)
        bar.progress((i + 1) / len(metas), text=f"Scored {i + 1} of {len(metas)} models")
    bar.empty()
    if not rows:
        st.info(f"No stored model predicts {' or '.join(measured)}, the sonic {well.name} logs.")
        return
    table = pd.DataFrame(rows)
    if not table["note"].astype(bool).any():
        table = table.drop(columns="note")
    number = st.column_config.NumberColumn
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"rmse": number(format="%.2f"), "mae": number(format="%.2f"), "r2": number(format="%.3f"),
                                "coverage90": number("coverage P05-P95", format="%.3f"), "width90": number(format="%.1f")})
    if table.get("trained on this well", pd.Series(dtype=bool)).any():
        st.warning(f"Models marked 'trained on this well' have seen {well.name}: their scores are in-sample and "
                   "flatter them — compare models on a well none of them trained on.")
    st.caption("Scored where the measured curve measured the rock (QC's casing and filled stretches left out, "
               "as `welllog evaluate`); coverage should be near 0.90.")


def well_scores(ctx: Context, meta: dict, measured: list[str]) -> list[dict]:
    """One row per target the model predicts and the well measured: the Quality view's metrics, or
    why the model could not predict the well (its inputs missing, ...)."""
    well = ctx.well
    assert well is not None and ctx.client is not None
    ref = model_name(meta)
    targets = [t for t in model_targets(meta) if t in measured]
    base = {"model": ref, "version": meta.get("version"), "family": meta.get("family"),
            "trained on this well": trained_on(well, meta)}
    if not targets:
        return []
    try:
        pred = state.predict(ctx.well_key, model_key(meta, ref), ctx.client, ref, well)
    except WelllogError as exc:
        return [{**base, "target": t, "samples": 0, "note": error_text(exc)} for t in targets]
    rows = []
    for t in targets:
        scores = quality_metrics(paired(well, pred, t))
        note = "" if scores["samples"] else f"no depth has both a measured and a predicted {t}"
        rows.append({**base, "target": t, **scores, "note": note})
    return rows
