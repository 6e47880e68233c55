"""What `welllog evaluate --out` and `welllog compare --out` leave behind: scores a program can read
and the two pictures a modeller looks at before trusting a model on blind wells.

- ``scores.json``: the printed scores (and each model's calibration points), for programs;
- ``per_well.csv``: one row per (model, well, target), when there are per-well scores;
- ``calibration.png``: nominal vs observed coverage of the central intervals (10-99%) — a curve
  under the diagonal is an over-confident model, the shaded band is the 0.85-0.95 target at 90%;
- ``crossplot.png``: measured vs predicted mean, with the 1:1 line, per target (and model).

Only blind data should reach here: the commands pass wells the model did not train on (and say so
when they did). Matplotlib's Agg backend, so no display is needed.
"""

from __future__ import annotations

import csv
import json
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from welllog.calibration import calibration_curve  # noqa: E402
from welllog.jsonable import jsonable  # noqa: E402
from welllog.models.base import Distribution  # noqa: E402

#: blind predictions of one model: {target: (measured, predictive distribution)} on the same rows
Predictions = Mapping[str, tuple[np.ndarray, Distribution]]
#: at most this many points per crossplot panel (a long well stays readable and quick to draw)
MAX_POINTS = 6000
#: at most this many models drawn as crossplot rows (`compare` of every family: the first ones)
MAX_CROSSPLOT_MODELS = 6


def calibration_points(predictions: Mapping[str, Predictions]) -> dict[str, dict[str, list[dict[str, float]]]]:
    """{model: {target: [{nominal, observed, width}, ...]}} from each model's blind predictions."""
    return {label: {t: calibration_curve(y, dist) for t, (y, dist) in by_target.items()}
            for label, by_target in predictions.items()}


def write_report(out_dir: Path, scores: Mapping[str, Any], predictions: Mapping[str, Predictions],
                 per_well: Sequence[Mapping[str, Any]] = (), title: str = "") -> list[Path]:
    """Write the report files into ``out_dir`` (created); returns their paths in a stable order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    points = calibration_points(predictions)
    paths = [out_dir / "scores.json"]
    paths[0].write_text(json.dumps(jsonable({**scores, "calibration": points}), indent=2) + "\n")
    if per_well:
        paths.append(_per_well_csv(out_dir / "per_well.csv", per_well))
    paths.append(_calibration_png(out_dir / "calibration.png", points, title))
    paths.append(_crossplot_png(out_dir / "crossplot.png", predictions, title))
    return paths


def _per_well_csv(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    columns = list(dict.fromkeys(k for r in rows for k in r if not isinstance(r[k], (list, dict))))
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _calibration_png(path: Path, points: Mapping[str, Mapping[str, list[dict[str, float]]]], title: str) -> Path:
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="perfectly calibrated")
    ax.fill_between([0.88, 0.92], 0.85, 0.95, color="green", alpha=0.12, label="target at 90%: 0.85-0.95")
    for label, by_target in points.items():
        for target, curve in by_target.items():
            if curve:
                name = f"{label}, {target}" if len(points) > 1 else target
                ax.plot([c["nominal"] for c in curve], [c["observed"] for c in curve], marker="o", ms=3, lw=1, label=name)
    ax.set_xlabel("nominal coverage of the central interval")
    ax.set_ylabel("observed coverage on the blind wells")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.02)
    # wrapped: a long split description ("... trained on 2 well(s) ...") ran off the figure (CLI audit)
    ax.set_title(textwrap.fill(f"Calibration{f' — {title}' if title else ''}", 70), fontsize=9)
    ax.legend(fontsize=6, loc="lower right")  # the corner a calibration curve never reaches
    return _save(fig, path)


def _crossplot_png(path: Path, predictions: Mapping[str, Predictions], title: str) -> Path:
    labels = list(predictions)[:MAX_CROSSPLOT_MODELS]
    targets = list(dict.fromkeys(t for label in labels for t in predictions[label]))
    fig, axes = plt.subplots(max(len(labels), 1), max(len(targets), 1), figsize=(4 * max(len(targets), 1), 3.8 * max(len(labels), 1)),
                             squeeze=False)
    for i, label in enumerate(labels):
        for j, target in enumerate(targets):
            ax = axes[i][j]
            if target not in predictions[label]:
                ax.set_axis_off()
                continue
            y, dist = predictions[label][target]
            ok = np.isfinite(y) & np.isfinite(dist.mean)
            yy, mm = np.asarray(y)[ok], np.asarray(dist.mean)[ok]
            take = np.arange(yy.size) if yy.size <= MAX_POINTS else np.unique(np.linspace(0, yy.size - 1, MAX_POINTS).round().astype(int))
            ax.scatter(yy[take], mm[take], s=2, alpha=0.3, color="tab:blue", rasterized=True)
            if yy.size:
                lo, hi = float(min(yy.min(), mm.min())), float(max(yy.max(), mm.max()))
                ax.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--")
                rmse = float(np.sqrt(np.mean((mm - yy) ** 2)))
                ax.set_title(f"{label}: {target} (n={yy.size}, RMSE {rmse:.2f})", fontsize=8)
            ax.set_xlabel(f"measured {target} (us/ft)")
            ax.set_ylabel(f"predicted {target} mean (us/ft)")
    if title:
        fig.suptitle(textwrap.fill(title, 110), fontsize=9)
    return _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
