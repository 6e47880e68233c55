"""Quality view: how good the synthetic log is where the well has the real one."""

from __future__ import annotations

import streamlit as st

from welllog.models.sonic import trained_on
from welllog.qc import depth_offsets
from welllog.well import canonical_unit

from ..charts import crossplot, misfit_track
from ..context import Context
from ..quality import not_formation_count, outside_intervals, paired, quality_metrics
from ..state import shown_errors


def render(ctx: Context) -> None:
    if ctx.well is None or ctx.target is None:
        st.info("Choose a well and a model in the sidebar.")
        return
    target = ctx.target
    if not ctx.well.has(target):
        st.info(f"{ctx.well.name} has no measured {target}: there is nothing to compare the prediction with. "
                f"Quality needs a well with {target} (e.g. a blind well held out of training).")
        return
    pred = ctx.prediction()
    if pred is None or f"{target}_MEAN" not in pred.columns:
        st.warning(f"No {target} prediction for {ctx.well.name} (see the message above).")
        return
    pairs = paired(ctx.well, pred, target)
    if pairs.empty:
        st.warning(f"No depth has both a measured and a predicted {target}.")
        return
    in_sample = trained_on(ctx.well, ctx.meta)
    if in_sample:
        st.warning(f"{ctx.well.name} is one of the wells {ctx.ref} was trained on: the scores below are in-sample and "
                   "flatter the model — judge it on a well it never saw.")
    offset = depth_offsets(ctx.well).get(target)
    if offset:
        st.warning(f"The measured {target} is {offset['metres']:+.2f} {offset['unit']} off depth against "
                   f"{'/'.join(offset['references'])} (QC: their bed boundaries line up only after that shift). "
                   "The misfit below includes the offset: depth-match the measured curve to judge the model.")
    unit = canonical_unit(target)
    with shown_errors("Metrics"):
        m = quality_metrics(pairs)
        cols = st.columns(5)
        cols[0].metric(f"RMSE ({unit})", f"{m['rmse']:.2f}")
        cols[1].metric(f"MAE ({unit})", f"{m['mae']:.2f}")
        cols[2].metric("R²", f"{m['r2']:.3f}")
        cols[3].metric("Coverage of P05–P95", f"{100 * m['coverage90']:.1f} %", help="nominal 90 %")
        cols[4].metric(f"Mean P05–P95 width ({unit})", f"{m['width90']:.1f}")
        left_out = not_formation_count(ctx.well, target)
        st.caption(f"{m['samples']:,} samples with both measured and predicted {target}"
                   + (f" ({left_out:,} measured samples QC calls not the rock — casing arrivals, filled stretches — "
                      "left out, as `welllog evaluate` leaves them). " if left_out else ". ")
                   + ("In-sample: a training well of this model." if in_sample else "Not a training well of this model (by content)."))
    left, right = st.columns([3, 2])
    left.plotly_chart(crossplot(pairs, target, canonical_unit(target)), key="crossplot", width="stretch")
    right.plotly_chart(misfit_track(pairs, target), key="misfit", width="stretch")
    runs = outside_intervals(pairs)
    st.subheader(f"Where measured {target} falls outside P05–P95")
    if runs.empty:
        st.success("Nowhere: the measured curve stays inside the band over the whole well.")
    else:
        outside = int(runs["samples"].sum())
        st.write(f"{outside:,} samples ({100 * outside / len(pairs):.1f} %) in {len(runs):,} intervals; longest first:")
        number = st.column_config.NumberColumn
        st.dataframe(runs.head(50), hide_index=True, width="stretch",
                     column_config={"top": number("top (m)", format="%.2f"), "base": number("base (m)", format="%.2f"),
                                    "max excess": number(f"max excess ({unit})", format="%.1f")})
