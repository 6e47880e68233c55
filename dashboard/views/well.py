"""Well & mapping view: what was found in the file, how it maps to canonical curves, and fixes.

A wrong alias or unit is the most common reason for a bad synthetic log, so the mapping is shown
before anything else and the user can override it; the override re-reads the file through the
library (``aliases=``/``units=``), so the provenance records it like any other decision.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from welllog.identity import NOT_IN_FILE, well_identity
from welllog.well import CANONICAL_CURVES, Well

from ..context import Context
from ..state import plain, shown_errors
from ..wells import mapping_table

IGNORE = "(not used)"


def overrides_editor(ctx: Context) -> None:
    """Add or clear alias / unit overrides for the selected well (stored per source in session)."""
    assert ctx.source is not None
    store: dict = st.session_state.setdefault("overrides", {})
    current = store.get(ctx.source.key)
    st.subheader("Correct the mapping")
    originals = list(ctx.well.original.columns) if ctx.well is not None else []
    if not originals:
        st.caption("No curves could be read, so there is nothing to map.")
    else:
        cols = st.columns([2, 2, 2, 1])
        source_curve = cols[0].selectbox("Source curve", originals, key="ovr_source")
        choices = [c for c in CANONICAL_CURVES if c != "DEPT"]
        mapped = {m.source: c for c, m in ctx.well.mapping.items()} if ctx.well is not None else {}
        # no default canonical curve: the first in the list (TVD) was applied to whatever curve was picked (dashboard audit)
        canon = cols[1].selectbox("Use as canonical curve", choices, key="ovr_canonical", placeholder="choose a curve",
                                  index=choices.index(mapped[source_curve]) if mapped.get(source_curve) in choices else None)
        unit = cols[2].text_input("Unit (optional, if missing or wrong)", key="ovr_unit", placeholder="e.g. us/ft")
        cols[3].write("")
        if cols[3].button("Apply", key="ovr_apply", type="primary"):
            if canon is None and not unit.strip():
                st.warning(f"Choose the canonical curve {source_curve} stands for, or give its unit.")
                return
            new = type(ctx.overrides)(dict(ctx.overrides.aliases), dict(ctx.overrides.units))
            if canon is not None:
                new.aliases[str(source_curve)] = str(canon)
            if unit.strip():
                new.units[str(source_curve)] = unit.strip()
            store[ctx.source.key] = new
            st.rerun()
    if current and (current.aliases or current.units):
        st.write(
            "Active overrides: "
            + ", ".join(f"`{k}` → `{v}`" for k, v in current.aliases.items())
            + ("; units " + ", ".join(f"`{k}` = `{v}`" for k, v in current.units.items()) if current.units else "")
        )
        if st.button("Clear overrides", key="ovr_clear"):
            store.pop(ctx.source.key, None)
            st.rerun()


#: identity items side by side per row (two short rows above the mapping, not a tall table)
IDENTITY_COLUMNS = 5


def identity(well: Well) -> None:
    """Which well this is and which datum its depths hang from, as the file's header says: the
    check a petrophysicist makes before trusting anything drawn from the file. Each value's
    tooltip names the header item it was read from."""
    table = well_identity(well)
    items = table.to_dict("records")
    for start in range(0, len(items), IDENTITY_COLUMNS):
        for column, item in zip(st.columns(IDENTITY_COLUMNS), items[start:start + IDENTITY_COLUMNS]):
            found = item["value"] != NOT_IN_FILE
            column.markdown(f"**{item['item']}**  \n{plain(item['value']) if found else f':gray[*{NOT_IN_FILE}*]'}",
                            help=f"header item {item['from']}" if found else None)
    if (table["value"] == NOT_IN_FILE).all():
        st.caption("A CSV file has no header: nothing identifies the well but its file name."
                   if well.source_format == "csv" else "The file's header names none of these.")


def render(ctx: Context) -> None:
    if ctx.source is None:
        st.info("Add a well in the sidebar: upload LAS/CSV files, pick a demo well or give a path on the server.")
        return
    if ctx.well is None:  # the read failed: its message is already shown; still allow overrides to be cleared
        store = st.session_state.get("overrides", {})
        if ctx.source.key in store and st.button("Clear overrides", key="ovr_clear_failed"):
            store.pop(ctx.source.key, None)
            st.rerun()
        return
    well = ctx.well
    summary = well.summary()
    depth = summary["depth"]
    cols = st.columns(4)
    cols[0].metric("Samples", f"{summary['samples']:,}")
    cols[1].metric("Top (m)", f"{depth['start']:.2f}" if depth["start"] is not None else "–")
    cols[2].metric("Bottom (m)", f"{depth['stop']:.2f}" if depth["stop"] is not None else "–")
    cols[3].metric("Step (m)", f"{depth['step']:.4g}")
    if "file_unit" in depth:  # a log in feet is known by its feet
        st.caption(f"As logged: {depth['file_start']:.2f}-{depth['file_stop']:.2f} {depth['file_unit']} "
                   "(every depth here is in metres)")
    if not well.has_depth:
        st.warning("This file has no depth column: rows are taken in depth order (1 m per row for display).")
    identity(well)

    st.subheader("Canonical curves")
    table = mapping_table(well)
    if table.empty:
        st.warning("No curve of this file maps to a canonical curve: use the form below to map them.")
    else:
        st.dataframe(table, hide_index=True, width="stretch")
    if summary["unmapped"]:
        # "no meaning recognised" was wrong for a curve another one displaced (HRM after HRD was mapped to RMED)
        st.caption("Not used — not recognised, or another curve took its place (Provenance below says which): "
                   + ", ".join(map(str, summary["unmapped"])))
    needed = [c for c in ctx.meta.get("required_curves", ctx.meta.get("inputs", [])) if isinstance(c, str)]
    missing = [c for c in needed if not well.has(c)]
    if missing:
        st.error(f"{well.name}: the model {ctx.ref} needs {', '.join(missing)}, not found in this file. "
                 "Map a source curve to it below, or choose another model.")

    overrides_editor(ctx)

    with st.expander("Original curves as read"):
        units = pd.DataFrame(
            {"mnemonic": list(well.original.columns),
             "unit": [well.original_units.get(c, "") for c in well.original.columns],
             "description": [well.original_descr.get(c, "") for c in well.original.columns],
             "non-null": [int(well.original[c].notna().sum()) for c in well.original.columns]}
        )
        st.dataframe(units, hide_index=True, width="stretch")
    with st.expander("QC summary"), shown_errors("QC summary"):
        from welllog.qc import qc_summary

        # a table per curve, as `welllog inspect` prints it (raw JSON was hard to read; dashboard audit)
        summary_qc = qc_summary(well)
        st.dataframe(pd.DataFrame(summary_qc["curves"]).T.rename_axis("curve").reset_index(), hide_index=True, width="stretch")
        bit_size = summary_qc.get("bit_size_source")
        st.caption(f"Bit size: {bit_size}." if bit_size else
                   "Bit size unknown (no BS curve nor BS/BIT header parameter): bad hole is not checked on this well.")
        st.json({k: v for k, v in summary_qc.items() if k != "curves"}, expanded=False)
    with st.expander(f"Provenance ({len(summary['provenance'])} decisions)"):
        if summary["provenance"]:
            st.dataframe(pd.DataFrame(summary["provenance"]), hide_index=True, width="stretch")
