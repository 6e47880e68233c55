"""Downloads: the user's file back, every original curve untouched, plus the prediction columns."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from welllog.well import Well
from welllog.ingest.paths import well_stem

from ..context import Context
from ..state import shown_errors

MIME = {"las": "text/plain", "csv": "text/csv"}


@st.cache_data(show_spinner=False, max_entries=16)
def output_bytes(well_key: str, model_key: str, fmt: str, _well: Well, _pred: pd.DataFrame, tie: bool = False) -> bytes:
    """The file ``welllog predict`` writes for this well and prediction, as bytes: written by the
    library's own :func:`welllog.predict.write_prediction`, so the input rows dropped at read
    (repeated or null depth) get T_QC 16 (not predicted), T_QC is an integer and ~Parameter names
    the model, its version and its training date (``_pred.attrs["written_by"]``, set by both
    backends). Why not ``write_well`` here: a second writer drifted from the CLI's file (T_QC
    NaN as float on dropped rows, no WLTRAIN; review). ``_well`` is :meth:`Context.output_well`
    (this prediction's notes, and the tie's with ``tie``); ``tie`` is part of the cache key, as the
    prediction's T_TIED columns and the notes differ."""
    from welllog.predict import write_prediction

    buffer = io.BytesIO()
    write_prediction(_well, _pred, buffer, fmt)
    return buffer.getvalue()


def render(ctx: Context) -> None:
    """Download buttons (LAS and CSV) for the current prediction; drawn in the sidebar."""
    if ctx.well is None or ctx.ref is None:
        return
    pred = ctx.prediction()
    if pred is None:
        return
    st.subheader("Download")
    stem = well_stem(ctx.source.name) if ctx.source else ctx.well.name  # named like `welllog predict` output
    for fmt in ("las", "csv"):
        with shown_errors(f"{fmt.upper()} output"):
            data = output_bytes(ctx.well_key, ctx.model_key, fmt, ctx.output_well(), pred, ctx.tie)
            st.download_button(f"{fmt.upper()} with predictions", data=data, file_name=f"{stem}.{fmt}",
                               mime=MIME[fmt], key=f"download_{fmt}", width="stretch", on_click="ignore")
    st.caption("Every original curve unchanged, plus T_MEAN, T_STD, T_P05, T_P50, T_P95, T_QC per target"
               + (" and T_TIED where the well's own log is tied to." if any(str(c).endswith("_TIED") for c in pred.columns) else "."))
