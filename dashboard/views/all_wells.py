"""All wells view: every well the user gave, predicted with the chosen model, in one table, and
one zip of their output LAS files.

Why: with a folder of wells the user saw one well at a time, and a file that could not be read
or predicted said so only once picked. Predicting twenty wells takes a while (about half a second
each in-process), so it runs on request, with a progress bar, and its result is kept for the
session until the wells, their mapping, the model or the tie change. Each well goes through the
page's own cached path (:meth:`Context.for_source`, :func:`dashboard.state.predict`,
:func:`dashboard.views.download.output_bytes`), so a well's row and file are what its own pages
and its LAS download give, and a well already looked at costs nothing here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from .. import state
from ..context import Context
from ..summary import (
    NOT_PREDICTED, NOT_READ, PREDICTED, SUMMARY_FILE, archive_name, summary_table, table_csv, well_row, zip_archive,
)
from ..wells import WellSource, well_key
from .download import output_bytes

#: session key of the last run: {"signature", "table", "zip", "files"}
RESULT_KEY = "all_wells_result"


def run_signature(ctx: Context) -> tuple:
    """What a run's result depends on: the model version, the tie and each well with its mapping."""
    wells = tuple((label, well_key(source, state.overrides_for(source))) for label, source in ctx.sources.items())
    return ctx.model_key, ctx.tie, wells


def well_outcome(ctx: Context, label: str, source: WellSource) -> tuple[dict[str, Any], bytes | None]:
    """(table row, output LAS or None) of one well: read, predicted and written as its download is.

    Errors become the row's status and detail (one well that fails must not stop the others)."""
    targets = ctx.targets
    try:
        other = ctx.for_source(source, state.overrides_for(source))
    except Exception as exc:  # noqa: BLE001 - said in the table, never a traceback
        return well_row(label, targets, status=NOT_READ, detail=state.error_text(exc)), None
    try:
        pred = other.predict()
        data = output_bytes(other.well_key, other.model_key, "las", other.output_well(), pred, other.tie)
    except Exception as exc:  # noqa: BLE001
        return well_row(label, targets, well=other.well, status=NOT_PREDICTED, detail=state.error_text(exc), meta=ctx.meta), None
    return well_row(label, targets, well=other.well, pred=pred, detail=other.warning, meta=ctx.meta), data


def run_all(ctx: Context) -> dict[str, Any]:
    """Every well in turn under a progress bar; the table and the zip (the LAS files plus the table
    as :data:`~dashboard.summary.SUMMARY_FILE`)."""
    total = len(ctx.sources)
    bar = st.progress(0.0, text=f"Predicting {total} wells with {ctx.ref} …")
    rows, files, taken = [], {}, {SUMMARY_FILE}
    for i, (label, source) in enumerate(ctx.sources.items()):
        bar.progress(i / total, text=f"{label}: reading and predicting ({i + 1} of {total}) …")
        row, data = well_outcome(ctx, label, source)
        rows.append(row)
        if data is not None:
            files[archive_name(source.name, taken)] = data
    bar.progress(1.0, text=f"{total} wells done: {len(files)} predicted.")
    table = summary_table(rows)
    return {"signature": run_signature(ctx), "table": table, "files": len(files),
            "zip": zip_archive({SUMMARY_FILE: table_csv(table), **files})}


def show_result(ctx: Context, result: dict[str, Any]) -> None:
    """The table, what its columns mean, and the zip's download button."""
    table: pd.DataFrame = result["table"]
    number = st.column_config.NumberColumn
    config: dict[str, Any] = {
        "training well": st.column_config.CheckboxColumn(help="The model was trained on this well: its RMSE is in-sample, not blind."),
        "detail": st.column_config.TextColumn(width="large", help="Why the well was not read or predicted, or the "
                                              "prediction's warning."),
    }
    for target in ctx.targets:
        config[f"{target} caution %"] = number(format="%.1f %%", help=f"Share of the predicted {target} rows whose "
                                               f"{target}_QC has bit 2, 4 or 8: an input flagged by QC, bad hole, outside "
                                               "the training range.")
        config[f"{target} RMSE"] = number(format="%.2f", help=f"us/ft, predicted mean against the measured {target} where "
                                          "the well logs the rock (casing and filled stretches left out, as "
                                          "`welllog evaluate` does); None where it is not logged.")
    st.dataframe(table, hide_index=True, width="stretch", column_config=config, key="all_wells_table")
    failed = table[table["status"] != PREDICTED]
    st.caption(f"{len(table) - len(failed)} of {len(table)} wells predicted. Pick a well in the sidebar to see its tracks, "
               "quality and explanation.")
    if len(failed):  # the reason, in full: the table's last column is cut at the page's edge
        st.warning("\n".join(f"- **{state.plain(row['file'])}** — {row['status']}: {state.plain(row['detail'])}"
                             for row in failed.to_dict("records")))
    if result["files"]:
        st.download_button(f"Zip of the {result['files']} output LAS files", data=result["zip"],
                           file_name=f"welllog-{ctx.model_key.replace(':', '-')}.zip", mime="application/zip",
                           key="download_all_wells", on_click="ignore", type="primary")
        st.caption("Each LAS is the one the well's own download gives: every original curve unchanged plus the "
                   f"prediction columns and provenance; the table above is in the zip as {SUMMARY_FILE}.")


def render(ctx: Context) -> None:
    if not ctx.sources:
        st.info("Add wells in the sidebar: upload LAS/CSV files, pick demo wells or give a folder on the server.")
        return
    if ctx.client is None or ctx.ref is None:
        st.info("Choose a model in the sidebar to predict every well.")
        return
    st.subheader(f"All {len(ctx.sources)} wells with {ctx.ref}")
    result = st.session_state.get(RESULT_KEY)
    if result is None or result["signature"] != run_signature(ctx):
        if result is not None:
            st.caption("The wells, their mapping, the model or the tie changed since the last run: predict again for "
                       "an up-to-date table.")
        slot = st.empty()  # the button gives way to the progress bar once pressed
        if not slot.button("Predict every well", key="all_wells_run", type="primary",
                           help="Reads and predicts each well (about half a second a well in-process; wells already seen are cached)."):
            return
        slot.empty()
        result = st.session_state[RESULT_KEY] = run_all(ctx)
    show_result(ctx, result)
