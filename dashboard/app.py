"""welllog dashboard (Streamlit): inspect a well, predict DTC/DTS with uncertainty, see why.

Run with ``welllog dashboard`` (or ``streamlit run dashboard/app.py``). With ``WELLLOG_API_URL``
set every model call goes to the REST API; otherwise the library runs in this process (see
:mod:`dashboard.client`). This file only lays out the sidebar (choices) and routes to one view;
each view lives in :mod:`dashboard.views` and receives a :class:`~dashboard.context.Context`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

st.set_page_config(page_title="welllog · synthetic sonic", page_icon="🪨", layout="wide")

from dashboard import state  # noqa: E402 - set_page_config must be the first Streamlit call
from dashboard.catalog import (  # noqa: E402
    calibration_table, metrics_table, model_family, model_refs, model_targets, model_version, per_well_table,
    summary_scores, training_wells_note,
)
from dashboard.context import Context  # noqa: E402
from dashboard.views import all_wells, compare, download, explain, quality, tracks, well  # noqa: E402
from dashboard.wells import WellSource, demo_sources, sources_from_path  # noqa: E402
from welllog.errors import WelllogError  # noqa: E402

VIEWS = {
    "Well & mapping": well.render,
    "Log tracks": tracks.render,
    "Quality": quality.render,
    "Explain": explain.render,
    "All wells": all_wells.render,
    "Compare models": compare.render,
}


def _unique(sources: list[WellSource]) -> dict[str, WellSource]:
    """Label -> source; labels made unique so two files with the same name stay distinguishable."""
    out: dict[str, WellSource] = {}
    for src in sources:
        label, n = src.name, 2
        while label in out:
            label, n = f"{src.name} ({n})", n + 1
        out[label] = src
    return out


def choose_wells() -> list[WellSource]:
    """Uploads, demo wells and server paths, in that order."""
    st.header("Wells")
    sources: list[WellSource] = []
    uploads = st.file_uploader("Upload LAS or CSV files (gzipped too)", type=["las", "csv", "gz", "LAS", "CSV", "GZ"],
                               accept_multiple_files=True, key="uploads")
    sources += [WellSource(name=f.name, data=f.getvalue()) for f in uploads or []]
    demos = demo_sources(Path.cwd())
    if demos:
        picked = st.multiselect("Demo wells (data/demo)", [d.name for d in demos], key="demo_wells")
        sources += [d for d in demos if d.name in picked]
    with st.expander("Path on server", expanded=bool(st.session_state.get("server_path"))):
        text = st.text_input("File or folder (';' between several)", key="server_path",
                             placeholder="/data/wells/16_2-16.las")
        if text.strip():
            problems: list[WelllogError] = []
            with state.shown_errors("Path on server"):
                sources += sources_from_path(text, problems)
            for problem in problems:  # each bad entry said; the good ones are loaded all the same
                st.error(f"Path on server: {problem}", icon="⚠️")
    return sources


def files_status(ctx: Context) -> None:
    """On request, read every listed file and say which read and which did not (with the reason).

    Why: with several uploads, a file that cannot be read said so only once picked in the Well box —
    seven files meant seven clicks to find the broken one (dashboard audit). Not automatic: reading
    is the slow part, and the reads are cached, so a checked well opens at once afterwards. The
    "All wells" view goes further (predictions, scores, one zip) with a model."""
    with st.expander(f"Files ({len(ctx.sources)})"):
        if not st.button("Check every file", key="check_files"):
            return
        rows = []
        for label, source in ctx.sources.items():
            try:
                well = ctx.for_source(source, state.overrides_for(source)).well
                rows.append({"file": label, "status": "ok", "detail": f"{len(well.data):,} samples"})
            except WelllogError as exc:
                rows.append({"file": label, "status": "error", "detail": str(exc)})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def choose_model(ctx: Context) -> None:
    st.header("Model")
    if ctx.client is None:
        return
    with state.shown_errors("Model store"):
        models = ctx.client.list_models()
        refs = model_refs(models)
        if not refs:
            st.warning("No model in the store. Train one: `welllog train data/demo --target DTC --target DTS "
                       "--name default` (or set WELLLOG_MODELS_DIR).")
            return
        default = refs.index("default") if "default" in refs else 0
        name = st.selectbox("Model", refs, index=default, key="model")
        versions = _versions(models, name)
        ref = name
        if len(versions) > 1:
            version = st.selectbox("Version", ["latest", *reversed(versions)], key="model_version")
            ref = name if version == "latest" else f"{name}:{version}"
        meta = ctx.client.metadata(ref)
        ctx.ref, ctx.meta = ref, meta
        ctx.targets = model_targets(meta)
        origin = f" · promoted from {meta['promoted_from']}" if meta.get("promoted_from") else ""
        trained, demo = training_wells_note(meta)
        st.caption(f"{model_family(meta)} · targets {', '.join(ctx.targets)} · version {model_version(meta) or '?'}{origin}"
                   + (f" · {trained}" if trained else ""))
        if demo:
            st.info("Demonstration model: trained on synthetic demo wells only, so it knows nothing of real rocks. "
                    "Train one on real wells (`welllog train WELLS --target DTC --target DTS --name NAME`) and "
                    "`welllog promote NAME:v1` before trusting its numbers on a real well.")
        with st.expander("Metadata and validation metrics"):
            table = metrics_table(meta)
            if table.empty:
                st.caption("No validation metrics recorded (train with --validate-on WELL).")
            else:
                wells = (meta.get("metrics") or {}).get("validation_wells") or []
                st.caption("Blind validation wells: " + (", ".join(map(str, wells)) or "?"))
                st.dataframe(table, hide_index=True, width="stretch")
                scores = summary_scores(meta)
                if "contest_score" in scores:
                    st.caption(f"SPWLA contest score: {scores['contest_score']:.2f}")
                per_well = per_well_table(meta)
                if len(per_well) > 1:
                    st.dataframe(per_well, hide_index=True, width="stretch")
            calibration = calibration_table(meta)
            if not calibration.empty:
                st.caption("Interval calibration on blind folds: the P05-P95 band is the model's spread times "
                           "the std factor (the out-of-range factor where an input lies outside the training range, the "
                           "bad-hole factor where the hole is bad); beyond P05-P95 it has the tails shown.")
                st.dataframe(calibration, hide_index=True, width="stretch")
            st.json(meta, expanded=False)
        if len(ctx.targets) > 1:
            ctx.target = st.radio("Target", ctx.targets, horizontal=True, key="target")
        else:
            ctx.target = ctx.targets[0]
        ctx.tie = st.toggle("Tie to the measured log where it stops", key="tie",
                            help="Adds the synthetic tied to this well's own DTC/DTS log (dashed; T_TIED in the download): "
                            "below and above the logged stretches, the median error over the 30 m of log beside them, "
                            "fading over 100 m. The predicted curve and its band stay the model's own.")


def _versions(models: list[dict], name: str) -> list[str]:
    for entry in models:
        if entry.get("name") == name:
            versions = entry.get("versions") or []
            return [str(v.get("version", v)) if isinstance(v, dict) else str(v) for v in versions]
    return []


def main() -> None:
    client = None
    with state.shown_errors("Model service"):
        client = state.get_client(os.environ.get("WELLLOG_API_URL", "").strip(),
                                  os.environ.get("WELLLOG_MODELS_DIR", "").strip())
    ctx = Context(client=client)
    with st.sidebar:
        st.title("welllog")
        st.caption("Synthetic DTC/DTS with P05–P95 bands" + (f" · {client.label}" if client else ""))
        ctx.sources = _unique(choose_wells())
        if len(ctx.sources) > 1:
            files_status(ctx)
        if ctx.sources:
            label = st.selectbox("Well", list(ctx.sources), key="well_choice")
            ctx.source = ctx.sources[label]
            ctx.overrides = state.overrides_for(ctx.source)
        choose_model(ctx)
    view = st.segmented_control("View", list(VIEWS), default="Log tracks", key="view", label_visibility="collapsed")
    view = view or "Log tracks"
    if ctx.source is not None:
        with state.shown_errors(f"Reading {ctx.source.name}", names=ctx.source.name):
            with st.spinner(f"Reading {ctx.source.name} …"):
                ctx.well = state.load_well(ctx.well_key, ctx.source, ctx.overrides)
    VIEWS[view](ctx)
    with st.sidebar:
        download.render(ctx)


main()
