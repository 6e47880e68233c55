"""Model comparison view: every model in the store side by side on its validation metrics.

The numbers are the ones the store recorded at training time on the blind validation wells (never
recomputed here), so the comparison is exactly what ``welllog compare`` / ``train`` reported.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..catalog import comparison_table, model_name
from ..charts import comparison_bars
from ..context import Context
from ..state import shown_errors


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
        table = comparison_table(metas)
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
