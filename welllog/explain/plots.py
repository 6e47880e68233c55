"""Figures for the explanation report (matplotlib, Agg backend: no display needed, thread-safe
enough for the CLI). Every function draws from a :class:`~welllog.explain.core.WellExplanation`
(plus interaction values for dependence colouring), writes one PNG and returns its path.

Our own beeswarm rather than ``shap.summary_plot``: shap's plotting works on pyplot's global
state and changes across releases; a scatter with rank-coloured values is a dozen lines.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .core import WellExplanation  # noqa: E402

#: at most this many points per scatter (a 15,000-sample well stays readable and fast to draw)
MAX_POINTS = 4000
_CMAP = "coolwarm"


def _title(ex: WellExplanation, what: str) -> str:
    return f"{ex.well} — {ex.target} {ex.parameter} ({ex.family}): {what}"


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _subsample(n: int, k: int = MAX_POINTS) -> np.ndarray:
    return np.arange(n) if n <= k else np.unique(np.linspace(0, n - 1, k).round().astype(int))


def _ranks(values: np.ndarray) -> np.ndarray:
    """Values -> 0..1 by rank (colour scale robust to resistivity's decades); NaN stays NaN."""
    out = np.full(len(values), np.nan)
    ok = np.isfinite(values)
    if ok.sum() > 1:
        order = values[ok].argsort().argsort()
        out[ok] = order / (ok.sum() - 1)
    elif ok.any():
        out[ok] = 0.5
    return out


def importance_bar(ex: WellExplanation, path: Path, group: bool = True) -> Path:
    """Horizontal bars of mean |contribution| per curve, most important on top."""
    imp = ex.importance(group)
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(imp) + 1.5))
    ax.barh(imp["feature"][::-1], imp["mean_abs"][::-1], color="#3b75af")
    ax.set_xlabel(f"mean |SHAP| ({ex.transform.split(';')[0]})")
    ax.set_title(_title(ex, "global importance"), fontsize=9)
    return _save(fig, path)


def beeswarm(ex: WellExplanation, path: Path, group: bool = True) -> Path:
    """One row per curve (ranked): each dot a depth sample at its contribution, coloured by the
    input's value (low blue -> high red) — shows direction as well as size of each effect."""
    vals, names = ex.values(group)
    shown = ex.display_values(group).to_numpy(dtype=float)
    order = np.argsort(-np.abs(vals).mean(axis=0)) if len(vals) else np.arange(len(names))
    idx = _subsample(len(vals))
    rng = np.random.default_rng(0)
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(names) + 1.5))
    sc = None
    for row, j in enumerate(order[::-1]):
        x = vals[idx, j]
        y = row + rng.uniform(-0.3, 0.3, len(idx))
        c = _ranks(shown[idx, j])
        sc = ax.scatter(x, y, c=np.nan_to_num(c, nan=0.5), cmap=_CMAP, s=4, alpha=0.6, linewidths=0, vmin=0, vmax=1)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([names[j] for j in order[::-1]])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("SHAP contribution")
    ax.set_title(_title(ex, "contributions per sample"), fontsize=9)
    if sc is not None:
        cb = fig.colorbar(sc, ax=ax, ticks=[0, 1])
        cb.ax.set_yticklabels(["low", "high"])
        cb.set_label("input value")
    return _save(fig, path)


def break_at_gaps(depth: np.ndarray, *columns: np.ndarray, max_steps: float = 3.0) -> tuple[np.ndarray, ...]:
    """``depth`` and ``columns`` (rows along depth) with a NaN row wherever the depth jumps by more
    than ``max_steps`` sampling steps. Why: only predicted samples are explained, so an interval
    without prediction is a jump in depth, and a line or fill drawn straight across it paints a
    wedge where there is no data; NaN makes matplotlib stop and restart there."""
    d = np.asarray(depth, dtype=float)
    steps = np.diff(d)
    positive = steps[steps > 0]
    if not len(positive):
        return (d, *columns)
    cut = np.flatnonzero(steps > max_steps * np.median(positive)) + 1
    return tuple(np.insert(np.asarray(a, dtype=float), cut, np.nan, axis=0) for a in (d, *columns))


def depth_track(ex: WellExplanation, path: Path, top: int = 5, group: bool = True) -> Path:
    """Log-style tracks, depth down: the explained output, then the top curves' contributions
    (filled red where they push the output up, blue where they pull it down); gaps in the
    prediction stay empty (:func:`break_at_gaps`)."""
    vals, names = ex.values(group)
    order = np.argsort(-np.abs(vals).mean(axis=0))[:top]
    depth, output, vals = break_at_gaps(ex.depth, ex.output, vals)
    fig, axes = plt.subplots(1, len(order) + 1, sharey=True, figsize=(1.9 * (len(order) + 1) + 1, 9))
    axes = np.atleast_1d(axes)
    axes[0].plot(output, depth, color="black", lw=0.6)
    axes[0].axvline(ex.base, color="grey", lw=0.8, ls="--")
    served = "" if "explains the" not in ex.transform else f"\n(explained model,\nnot the served {ex.target})"
    axes[0].set_title(f"{ex.target} {ex.parameter}{served}", fontsize=8)
    for ax, j in zip(axes[1:], order):
        v = vals[:, j]
        ax.fill_betweenx(depth, 0, v, where=v >= 0, color="#d62728", lw=0, interpolate=True)
        ax.fill_betweenx(depth, 0, v, where=v < 0, color="#1f77b4", lw=0, interpolate=True)
        ax.axvline(0, color="grey", lw=0.6)
        ax.set_title(names[j], fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("depth (m)")
    axes[0].invert_yaxis()  # shared: depth increases downwards on every track
    fig.suptitle(_title(ex, "contributions along the well"), fontsize=9)
    return _save(fig, path)


def dependence(ex: WellExplanation, feature: str, partner: str | None, path: Path, group: bool = True) -> Path:
    """Contribution of ``feature`` against its input value, coloured by ``partner``'s value
    (its strongest interacting curve): vertical spread by colour = coupling."""
    vals, names = ex.values(group)
    shown = ex.display_values(group)
    j = names.index(feature)
    idx = _subsample(len(vals))
    fig, ax = plt.subplots(figsize=(6, 4.5))
    x = shown[feature].to_numpy(dtype=float)[idx]
    if partner and partner in shown.columns and partner != feature:
        c = shown[partner].to_numpy(dtype=float)[idx]
        sc = ax.scatter(x, vals[idx, j], c=np.nan_to_num(_ranks(c), nan=0.5), cmap=_CMAP, s=5, alpha=0.7, linewidths=0, vmin=0, vmax=1)
        cb = fig.colorbar(sc, ax=ax, ticks=[0, 1])
        cb.ax.set_yticklabels(["low", "high"])
        cb.set_label(f"{partner} (strongest interaction)")
    else:
        ax.scatter(x, vals[idx, j], s=5, alpha=0.7, linewidths=0)
    ax.axhline(0, color="grey", lw=0.6)
    if feature in ("RDEP", "RMED") and np.nanmin(x) > 0:
        ax.set_xscale("log")
    ax.set_xlabel(f"{feature} value")
    ax.set_ylabel(f"SHAP contribution of {feature}")
    ax.set_title(_title(ex, f"dependence on {feature}"), fontsize=9)
    return _save(fig, path)


def interaction_heatmap(names: list[str], matrix: np.ndarray, ex: WellExplanation, path: Path) -> Path:
    """Mean |interaction| between every pair of curves (diagonal blanked: main effects)."""
    m = np.array(matrix, dtype=float)
    np.fill_diagonal(m, np.nan)
    fig, ax = plt.subplots(figsize=(0.6 * len(names) + 2.5, 0.6 * len(names) + 2))
    im = ax.imshow(m, cmap="viridis")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    fig.colorbar(im, ax=ax, label="mean |interaction|")
    ax.set_title(_title(ex, "coupling between curves"), fontsize=9)
    return _save(fig, path)
