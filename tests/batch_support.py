"""Shared set-up for the batch tests: a tiny real model and a folder of real + broken inputs.

The model is a small LightGBM SonicModel trained on two real FORCE 2020 wells (DTC, DTS); the
inputs are three other real wells (linked, not copied, from the shared data), a file that is not
LAS at all and a CSV without the model's input curves.
"""

from __future__ import annotations

import os
from pathlib import Path

TRAIN_WELLS = ("16_2-16.las", "16_5-3.las")
PREDICT_WELLS = ("25_11-24.las", "32_2-1.las", "31_2-7.las")
MODEL_NAME = "batchtest"


def train_model(force2020_dir: Path, models_dir: Path) -> str:
    """Train and save the tiny model; returns its name."""
    from welllog.ingest import read_well
    from welllog.models import SonicModel
    from welllog.store import ModelStore

    wells = [read_well(force2020_dir / name) for name in TRAIN_WELLS]
    model = SonicModel(family="lightgbm", targets=("DTC", "DTS"), params={"n_estimators": 20, "n_jobs": 1}).fit(wells)
    ModelStore(models_dir).save(model, MODEL_NAME)
    return MODEL_NAME


def make_inputs(force2020_dir: Path, folder: Path, extra_good: int = 0) -> dict[str, Path]:
    """Real wells (symlinks), a corrupt file and a CSV lacking curves; returns name -> path.

    ``extra_good`` adds more links to the real wells under new names (more tasks for Dask tests).
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    sources = [force2020_dir / n for n in PREDICT_WELLS]
    for i, src in enumerate(sources):
        link = folder / src.name
        os.symlink(src, link)
        paths[src.stem] = link
    for j in range(extra_good):
        src = sources[j % len(sources)]
        link = folder / f"copy{j:02d}-{src.stem}.las"
        os.symlink(src, link)
        paths[link.stem] = link
    corrupt = folder / "corrupt.las"
    corrupt.write_bytes(b"~Version\nthis is not a LAS file\n\x00\x01\x02 garbage \xff\xfe\n")
    paths["corrupt"] = corrupt
    nocurves = folder / "no_curves.csv"
    nocurves.write_text("DEPTH,GR\n1000.0,50.0\n1000.5,55.0\n1001.0,60.0\n")
    paths["no_curves"] = nocurves
    return paths
