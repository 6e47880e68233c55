"""Vertical depth for every row of a well: the depth that compaction (and so slowness) follows.

Why: rocks compact with the load above them, which grows with *vertical* depth; along a deviated
well measured depth runs ahead of it (31/5-4 S in force2020: 100-200 m), so a model that learns a
compaction trend from measured depth puts a deviated well's rocks too deep. Surveys rarely cover
the whole logged interval (force2020's z_loc misses 0-18% of the rows, at the ends), so the gaps
are filled from measured depth: the offset MD - TVD is interpolated between surveyed rows and held
at its end values beyond them (the hole taken as vertical there). A well without any TVD curve
uses measured depth itself — right for a vertical well up to the datum difference (rig floor
versus sea level, ~25 m), and said in provenance. Blind data: bench/RESULTS.md, "Accuracy and
calibration", item 10.
"""

from __future__ import annotations

import numpy as np

from welllog.well import Well


def vertical_depth(well: Well) -> tuple[np.ndarray, str]:
    """(vertical depth in m per row of ``well.data``, how it was obtained — for provenance)."""
    md = well.depth
    tvd = well.data["TVD"].to_numpy(dtype=float) if "TVD" in well.data.columns else np.full(len(md), np.nan)
    known = np.isfinite(tvd) & np.isfinite(md)
    if not known.any():
        why = "no usable TVD value (QC nulled them)" if "TVD" in well.data.columns else "no TVD curve"
        return md.copy(), f"{why}: the depth companion takes measured depth as vertical depth"
    offset = np.interp(md, md[known], md[known] - tvd[known])
    filled = int((~known).sum())
    # the file's own mnemonic when it differs (z_loc); a curve sent as TVD (the dashboard's API
    # payload, canonical names) read "(TVD, TVD)"
    source = well.mapping["TVD"].source if "TVD" in well.mapping else "TVD"
    how = "the depth companion uses true vertical depth (TVD" + ("" if source.upper() == "TVD" else f", {source}") + ")"
    if filled:
        how += f"; {filled} row(s) outside its samples filled from measured depth (offset MD - TVD held)"
    return md - offset, how
