"""Log-track figures: the well drawn the way petrophysicists read it.

One plotly figure, one column per track, all sharing a depth axis that increases downward, so a
zoom or pan in depth moves every track together (x axes are fixed: dragging zooms depth only).
Tracks with no data are left out. Large wells are thinned for *display only* (a uniform stride to
about ``max_points`` rows); predictions and metrics are always computed on every sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from welllog.qc import formation_values, true_runs
from welllog.well import (
    QC_BAD_HOLE, QC_LOGGED_DTC, QC_MISSING, QC_NOT_PREDICTED, QC_NULLED, QC_OOD, QC_REDUCED, Well, canonical_unit,
)

#: display budget per trace; a browser stays fluid well above this, SVG lines do not
MAX_POINTS = 3000
#: T_QC bits (CONTRACTS.md, Models) -> short label for the QC track
QC_BITS: dict[int, str] = {
    QC_MISSING: "missing",
    QC_NULLED: "QC flag",  # an impossible value (nulled), a spike or an input logged behind casing (kept)
    QC_BAD_HOLE: "bad hole",
    QC_OOD: "OOD",
    QC_NOT_PREDICTED: "no pred.",
    QC_REDUCED: "reduced",
    QC_LOGGED_DTC: "from DTC log",
}
COLORS = {
    "GR": "#2e7d32",
    "CALI": "#6d4c41",
    "BS": "#9e9e9e",
    "RDEP": "#c62828",
    "RMED": "#1565c0",
    "RHOB": "#d81b60",
    "NPHI": "#1e88e5",
    "PEF": "#6a1b9a",
    "measured": "#212121",
    "not formation": "#9e9e9e",
    "DTC": "#ef6c00",
    "DTS": "#00838f",
}
#: bottom-axis labels past a track's edge would run into the neighbour's ("200100" between DTC and
#: DTS); top scales (ends on the edges) and the QC track's slanted labels keep plotly's default
INSIDE_TRACK = "hide past domain"
BAND_FILL = {"DTC": "rgba(239,108,0,0.25)", "DTS": "rgba(0,131,143,0.25)"}


@dataclass
class Track:
    """One column: main curves on the bottom axis, optional overlay curves on a top axis."""

    title: str
    curves: list[str]
    overlay: list[str] = field(default_factory=list)
    log: bool = False
    x_range: tuple[float, float] | None = None
    overlay_range: tuple[float, float] | None = None
    target: str | None = None  #: a prediction track for this target
    qc: str | None = None  #: a QC track of this target's T_QC bits


def out_of_range_caption(pred: pd.DataFrame, target: str) -> str:
    """' OOD (bit 8) on N samples: depth 3,580, RMED 2,540, …' — which causes the QC track's OOD
    samples have (the prediction's ``attrs["out_of_range"]``, from the library or the API), since
    an input beyond range, a depth beyond the training wells' and an extrapolated prediction call
    for different checks; '' when no sample is OOD."""
    counts = pred.attrs.get("out_of_range", {}).get(target) or {}
    qc = pred[f"{target}_QC"].fillna(0).astype(int).to_numpy()
    flagged = int(((qc & 8) != 0)[pred[f"{target}_MEAN"].notna().to_numpy()].sum())
    if not flagged:
        return ""
    causes = ", ".join(f"{cause} {n:,}" for cause, n in sorted(counts.items(), key=lambda item: -item[1]))
    return f" OOD (bit 8) on {flagged:,} predicted samples" + (f" — by cause: {causes}." if causes else ".")


def display_rows(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Row positions kept for drawing: all rows when few, else an even stride including the last."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


#: the log-print scales of gamma ray and PEF, widened in steps of their own width when most of a
#: well reads beyond them: one 1,100 gAPI spike autoscaled SPWLA's test well to 0-1,100 and flattened
#: the curve (dashboard audit); values past the scale run off the track, as on a print
GR_SCALE, PEF_SCALE = (0.0, 150.0), (0.0, 10.0)


def print_scale(values: pd.Series, scale: tuple[float, float], share: float = 0.95) -> tuple[float, float]:
    """``scale``, or its multiple that holds ``share`` of the finite ``values``."""
    finite = values.to_numpy(dtype=float)
    finite = finite[np.isfinite(finite)]
    lo, hi = scale
    if not len(finite):
        return scale
    top = float(np.quantile(finite, share))
    steps = max(1, int(np.ceil((top - lo) / (hi - lo))))
    return lo, lo + steps * (hi - lo)


def plan_tracks(well: Well, pred: pd.DataFrame | None, targets: Sequence[str]) -> list[Track]:
    """The tracks worth drawing for this well and prediction (empty tracks are skipped)."""
    tracks: list[Track] = []
    if well.has("GR"):
        tracks.append(Track("GR", ["GR"], overlay=[c for c in ("CALI", "BS") if well.has(c)], overlay_range=(6.0, 26.0),
                            x_range=print_scale(well.data["GR"], GR_SCALE)))
    elif well.has("CALI") or well.has("BS"):
        tracks.append(Track("CALI / BS", [c for c in ("CALI", "BS") if well.has(c)]))
    res = [c for c in ("RDEP", "RMED") if well.has(c)]
    if res:
        tracks.append(Track("Resistivity", res, log=True))
    if well.has("RHOB") or well.has("NPHI"):
        if well.has("RHOB"):
            tracks.append(
                Track(
                    "RHOB / NPHI",
                    ["RHOB"],
                    overlay=["NPHI"] if well.has("NPHI") else [],
                    x_range=(1.95, 2.95),
                    overlay_range=(0.45, -0.15),
                )
            )
        else:
            tracks.append(Track("NPHI", ["NPHI"], x_range=(0.45, -0.15)))
    if well.has("PEF"):
        tracks.append(Track("PEF", ["PEF"], x_range=print_scale(well.data["PEF"], PEF_SCALE)))
    for target in targets:
        if pred is not None and f"{target}_MEAN" in pred.columns:
            tracks.append(Track(target, [], target=target))
            if f"{target}_QC" in pred.columns:  # beside its curve: a DTS-only flag is not read as DTC's
                tracks.append(Track(f"{target} QC", [], qc=target))
        elif well.has(target):
            tracks.append(Track(f"{target} (measured)", [target]))
    return tracks


def band_polygon(lo: np.ndarray, hi: np.ndarray, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One closed outline per run of finite samples, runs separated by NaN.

    A band drawn with ``fill="tonextx"`` between two lines bridges the gaps where the prediction is
    null and paints triangles across them; plotly's ``fill="toself"`` closes each NaN-separated
    segment on its own, so one trace draws every run correctly.
    """
    ok = np.isfinite(lo) & np.isfinite(hi)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for start, stop in true_runs(ok):
        xs += [lo[start:stop], hi[start:stop][::-1], np.array([np.nan])]
        ys += [depth[start:stop], depth[start:stop][::-1], np.array([np.nan])]
    if not xs:
        return np.array([]), np.array([])
    return np.concatenate(xs), np.concatenate(ys)


def _scale_ticks(scale: tuple[float, float] | None) -> dict:
    """Ticks of an overlay (top) axis at its scale's ends and middle, as a log header reads
    (NPHI 0.45 ... -0.15). Left to itself plotly places them where the main axis has its
    gridlines, which gives odd values (12.8, 20.65) on the overlay's own scale."""
    if not scale:
        return {"nticks": 5}
    lo, hi = scale
    return {"tickmode": "array", "tickvals": [lo, (lo + hi) / 2, hi], "ticktext": [f"{v:g}" for v in (lo, (lo + hi) / 2, hi)]}


def _axis_name(n: int) -> str:
    return "x" if n == 1 else f"x{n}"


#: bits that say how a value was made, not that something is wrong: drawn grey, not red
INFO_BITS = (QC_LOGGED_DTC,)
#: a QC cell's level: bit clear, an :data:`INFO_BITS` bit set (grey), any other bit set (red). Small
#: integers, not floats: each QC track ships a samples x bits matrix to the browser (uint8: an eighth the bytes)
QC_CLEAR, QC_INFO, QC_FLAGGED = 0, 1, 2
QC_COLORS = [[0.0, "#ffffff"], [0.5, "#90a4ae"], [1.0, "#d32f2f"]]


#: bits only one target's T_QC can carry (CONTRACTS.md): no column on the other targets' QC tracks
TARGET_ONLY_BITS: dict[int, str] = {QC_LOGGED_DTC: "DTS"}


def qc_bits(target: str) -> list[int]:
    """The :data:`QC_BITS` a target's QC track has a column for."""
    return [bit for bit in QC_BITS if TARGET_ONLY_BITS.get(bit, target) == target]


def qc_matrix(pred: pd.DataFrame, target: str) -> np.ndarray:
    """samples x :func:`qc_bits`: :data:`QC_FLAGGED` where ``target``'s own T_QC has that bit set
    (:data:`QC_INFO` for :data:`INFO_BITS`), else :data:`QC_CLEAR`. One target only: DTC's and DTS's bits ORed together made a DTS-only flag
    read as a flag on DTC (bit 8 in DTS_QC alone — the mudrock line, a DTS out of its training
    range — on 664 samples of 16/2-16 with a small recipe model)."""
    codes = np.nan_to_num(pred[f"{target}_QC"].to_numpy(dtype=float), nan=QC_NOT_PREDICTED).astype(np.int64)
    levels = [((codes & bit) > 0) * (QC_INFO if bit in INFO_BITS else QC_FLAGGED) for bit in qc_bits(target)]
    return np.stack(levels, axis=1).astype(np.uint8)


def qc_labels(well: Well, target: str) -> list[str]:
    """The column labels of ``target``'s QC track: "bad hole" reads "bad hole: not checked" when the
    well gives no bit size — an empty column read as good hole (31/2-9: caliper at 18-20 in, no BS; dashboard audit)."""
    unchecked = well.qc.attrs.get("bit_size_source", "") is None and well.has("CALI") if well.qc is not None else False
    return [("bad hole: not checked" if unchecked else QC_BITS[bit]) if bit == QC_BAD_HOLE else QC_BITS[bit]
            for bit in qc_bits(target)]


@dataclass
class _Lines:
    """Draws curves on the figure's shared depth axis (the displayed rows' depths)."""

    depth: np.ndarray
    where: str  #: the hover's depth text: "depth ... m", or "row ..." for a depth-less CSV (rows are no metres)

    def __call__(self, name: str, x: np.ndarray, color: str, col: int, *, dash: str | None = None, axis: str | None = None,
                 width: float = 1.2) -> go.Scatter:
        """One curve, with invisible markers: plotly selects points, not lines, so a click on a bare
        line picked no depth (dashboard audit). ``maxdisplayed=1``: a click selects from the data, not
        from drawn markers, and 42,000 invisible SVG markers made each redraw 2.1 s instead of 0.13 s
        (measured in Chromium on 16/2-16, side by side)."""
        trace = go.Scatter(
            x=x,
            y=self.depth,
            mode="lines+markers",
            marker={"size": 5, "color": color, "opacity": 0, "maxdisplayed": 1},
            name=name,
            legendgroup=name,
            line={"color": color, "width": width, "dash": dash},
            hovertemplate=f"{name}: %{{x:.3g}}<br>{self.where}<extra></extra>",
        )
        if axis:
            trace.update(xaxis=axis, yaxis="y" if col == 1 else f"y{col}")
        return trace


def _target_track(fig: go.Figure, col: int, t: str, well: Well, pred: pd.DataFrame, rows: np.ndarray, line: _Lines) -> None:
    """A predicted target: the P05-P95 band, the mean, the tied mean when asked for, and the measured
    curve where the well logs it (its stretches that did not measure the rock drawn apart)."""
    p05 = pred[f"{t}_P05"].to_numpy(dtype=float)[rows]
    p95 = pred[f"{t}_P95"].to_numpy(dtype=float)[rows]
    mean = pred[f"{t}_MEAN"].to_numpy(dtype=float)[rows]
    bx, by = band_polygon(p05, p95, line.depth)
    fig.add_trace(go.Scatter(x=bx, y=by, mode="lines", line={"width": 0}, fill="toself",
                             fillcolor=BAND_FILL.get(t, "rgba(100,100,100,0.25)"), name=f"{t} P05–P95",
                             hoverinfo="skip"), row=1, col=col)
    fig.add_trace(line(f"{t} predicted", mean, COLORS.get(t, "#333"), col, width=1.4), row=1, col=col)
    if f"{t}_TIED" in pred.columns:
        tied = pred[f"{t}_TIED"].to_numpy(dtype=float)[rows]
        fig.add_trace(line(f"{t} tied to log", tied, COLORS.get(t, "#333"), col, dash="dash", width=1.4), row=1, col=col)
    if well.has(t):
        raw = well.data[t].to_numpy(dtype=float)[rows]
        rock = formation_values(well, t)[rows]
        fig.add_trace(line(f"{t} measured", rock, COLORS["measured"], col, width=1.0), row=1, col=col)
        if np.isfinite(raw[~np.isfinite(rock)]).any():  # casing arrivals, filled stretches (QC): not the rock
            fig.add_trace(line(f"{t} measured, not formation (QC)", np.where(np.isfinite(rock), np.nan, raw),
                               COLORS["not formation"], col, dash="dot", width=1.0), row=1, col=col)
    # slowness increases to the left, as sonic is drawn on a log print (fast rock on the right)
    fig.layout[_axis_key(col)].update(title_text=f"{t} ({canonical_unit(t)})", ticklabeloverflow=INSIDE_TRACK,
                                      autorange="reversed")


def _qc_track(fig: go.Figure, col: int, t: str, well: Well, pred: pd.DataFrame, rows: np.ndarray, line: _Lines) -> None:
    """A target's T_QC bits as a heatmap, one column per bit."""
    z = qc_matrix(pred, t)[rows]
    fig.add_trace(
        go.Heatmap(z=z, x=qc_labels(well, t), y=line.depth, colorscale=QC_COLORS,
                   showscale=False, zmin=QC_CLEAR, zmax=QC_FLAGGED, name=f"{t} QC",
                   hovertemplate=f"{t}: %{{x}}<br>{line.where}<extra></extra>"),
        row=1, col=col,
    )
    fig.layout[_axis_key(col)].update(title_text=f"{t} QC flags", title_font={"color": COLORS.get(t, "#333")},
                                      tickangle=-60, tickfont={"size": 9})


def _curve_track(fig: go.Figure, col: int, track: Track, well: Well, rows: np.ndarray, line: _Lines, overlay_axis: int) -> int:
    """Input curves sharing a track (log scale for resistivities, fixed ranges where the track has
    them), and an overlay on its own top axis (e.g. bit size over the caliper). Returns the number of
    the last overlay axis used."""
    for curve in track.curves:
        values = well.data[curve].to_numpy(dtype=float)[rows]
        fig.add_trace(line(curve, values, COLORS.get(curve, "#333"), col), row=1, col=col)
    units = ", ".join(dict.fromkeys(canonical_unit(c) for c in track.curves))
    xaxis = fig.layout[_axis_key(col)]
    xaxis.update(
        title_text=f"{' / '.join(track.curves)} ({units})",
        type="log" if track.log else "linear",
        title_font={"color": COLORS.get(track.curves[0], "#333")},
        ticklabeloverflow=INSIDE_TRACK,
    )
    if track.log:  # one label per decade: minor labels (2, 5, 20, ...) crowd a narrow track
        xaxis.update(dtick=1)
    if track.x_range:
        xaxis.update(range=list(track.x_range))
    elif set(track.curves) & {"DTC", "DTS"}:  # a measured sonic without prediction: the sonic convention too
        xaxis.update(autorange="reversed")
    if not track.overlay:
        return overlay_axis
    overlay_axis += 1
    axis = _axis_name(overlay_axis)
    for curve in track.overlay:
        values = well.data[curve].to_numpy(dtype=float)[rows]
        fig.add_trace(line(curve, values, COLORS.get(curve, "#333"), col, axis=axis, dash="dot" if curve == "BS" else None))
    overlay_units = ", ".join(dict.fromkeys(canonical_unit(c) for c in track.overlay))
    fig.layout[_axis_key(overlay_axis)] = dict(
        overlaying=_axis_name(col), side="top", anchor="y" if col == 1 else f"y{col}",
        title={"text": f"{' / '.join(track.overlay)} ({overlay_units})", "font": {"color": COLORS.get(track.overlay[0])}},
        range=list(track.overlay_range) if track.overlay_range else None, fixedrange=True,
        showgrid=False, tickfont={"size": 9}, **_scale_ticks(track.overlay_range),
    )
    return overlay_axis


def _axis_key(n: int) -> str:
    """The layout key of x axis ``n`` ("xaxis", "xaxis2", ...), as :func:`_axis_name` names it in traces ("x", "x2")."""
    return "xaxis" + _axis_name(n)[1:]


def log_tracks(
    well: Well,
    pred: pd.DataFrame | None = None,
    targets: Sequence[str] = ("DTC", "DTS"),
    *,
    max_points: int = MAX_POINTS,
    highlight_depth: float | None = None,
    height: int = 820,
) -> go.Figure:
    """All tracks of ``well`` (and its prediction) side by side on one downward depth axis: a target
    track (:func:`_target_track`), its QC flags (:func:`_qc_track`) or input curves (:func:`_curve_track`)."""
    tracks = plan_tracks(well, pred, targets)
    if not tracks:
        fig = go.Figure()
        fig.update_layout(title=f"{well.name}: no displayable curves", height=200)
        return fig
    rows = display_rows(len(well.data), max_points)
    widths = [0.6 if t.qc else 1.0 for t in tracks]
    fig = make_subplots(rows=1, cols=len(tracks), shared_yaxes=True, horizontal_spacing=0.012, column_widths=widths)
    line = _Lines(well.depth[rows], "depth %{y:.2f} m" if well.has_depth else "row %{y:.0f}")
    overlay_axis = len(tracks)  # overlay axes are numbered after the subplot axes
    for col, track in enumerate(tracks, start=1):
        if track.target:
            _target_track(fig, col, track.target, well, pred, rows, line)
        elif track.qc:
            _qc_track(fig, col, track.qc, well, pred, rows, line)
        else:
            overlay_axis = _curve_track(fig, col, track, well, rows, line, overlay_axis)
    fig.update_xaxes(fixedrange=True, tickfont={"size": 9}, title_font={"size": 11}, showgrid=True)
    fig.update_yaxes(autorange="reversed", showgrid=True)
    fig.update_yaxes(title_text="depth (m)" if well.has_depth else "row (no depth in file)", row=1, col=1)
    if highlight_depth is not None:
        fig.add_hline(y=highlight_depth, line={"color": "#000", "width": 1, "dash": "dash"}, row=1, col="all")
    fig.update_layout(
        height=height,
        margin={"l": 60, "r": 10, "t": 95, "b": 60},
        # below the QC track's slanted labels and title when there is one
        legend={"orientation": "h", "y": -0.13 if any(t.qc for t in tracks) else -0.08, "x": 0, "font": {"size": 10}},
        hovermode="y",
        dragmode="zoom",
        title={"text": f"{well.name}  ({len(well.data)} samples" + (f", showing {len(rows)})" if len(rows) < len(well.data) else ")"),
               "font": {"size": 14}, "y": 0.995, "yanchor": "top"},
        uirevision=well.name,  # keep the user's zoom across reruns
    )
    return fig
