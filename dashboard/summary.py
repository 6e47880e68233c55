"""The all-wells table and archive: one row per well the user gave, one zip of their outputs.

Pure functions (no Streamlit): the view (:mod:`dashboard.views.all_wells`) reads and predicts each
well through the page's own cached path and hands the results here. Each number is the batch
report's (:func:`welllog.predict.triage`: the caution share the Log tracks caption counts, the RMSE
against the rock the Quality view scores), so the table, a well's own pages and ``welllog predict``'s
report never disagree.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from welllog.identity import well_title
from welllog.ingest.paths import well_stem
from welllog.models.sonic import trained_on
from welllog.predict import predicted_rows, triage
from welllog.well import Well


#: the status column's words
PREDICTED, NOT_READ, NOT_PREDICTED = "predicted", "not read", "not predicted"
#: the table's name inside the zip, beside the wells' LAS files
SUMMARY_FILE = "summary.csv"


def target_columns(well: Well | None, pred: pd.DataFrame | None, target: str) -> dict[str, Any]:
    """'T predicted' (rows), 'T caution %' (share of those rows with T_QC bit 2, 4 or 8) and
    'T RMSE' (predicted mean against the measured curve where the well logs the rock; None where
    it does not) for one target — the batch report's figures (:func:`welllog.predict.triage`), as a
    percentage and rounded for the page. All None without a prediction of ``target``."""
    if well is None or pred is None or f"{target}_MEAN" not in pred.columns:
        return {f"{target} predicted": None, f"{target} caution %": None, f"{target} RMSE": None}
    checks = triage(well, pred, [target])
    share, rmse = checks[f"{target.lower()}_caution"], checks[f"{target.lower()}_rmse_log"]
    return {
        f"{target} predicted": int(predicted_rows(pred, target).sum()),
        f"{target} caution %": round(100.0 * share, 1) if share is not None else None,
        f"{target} RMSE": round(rmse, 2) if rmse is not None else None,
    }


def well_row(label: str, targets: Sequence[str], *, well: Well | None = None, pred: pd.DataFrame | None = None,
             status: str = PREDICTED, detail: str = "", meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One row of the table: the file, the well's name, what happened (``status``, ``detail``: the
    reason it was not read or predicted, or the prediction's warning), its rows, whether the model
    was trained on it (its scores are then in-sample) and :func:`target_columns` per target."""
    row: dict[str, Any] = {
        "file": label,
        "well": well_title(well) if well is not None else None,
        "status": status,
        "rows": len(well.data) if well is not None else None,
        "training well": trained_on(well, meta or {}) if well is not None else None,
    }
    for target in targets:
        row.update(target_columns(well, pred, target))
    row["detail"] = detail
    return row


def summary_table(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The rows as a frame, counts as nullable integers (a float '13637.0' reads as a measurement)."""
    table = pd.DataFrame(list(rows))
    for column in table.columns:
        if column == "rows" or str(column).endswith(" predicted"):
            table[column] = pd.array(table[column].to_numpy(dtype=float), dtype="Int64") if len(table) else table[column]
    return table


def archive_name(source_name: str, taken: set[str]) -> str:
    """``<stem>.las`` as ``welllog predict`` names it; ``<stem> (2).las`` when another well of the
    archive has the name already (two uploads ``a.las``/``a.csv``; compared without case, as a zip
    unpacked on macOS or Windows would)."""
    stem = well_stem(source_name)
    name, n = f"{stem}.las", 2
    while name.lower() in taken:
        name, n = f"{stem} ({n}).las", n + 1
    taken.add(name.lower())
    return name


def zip_archive(files: Mapping[str, bytes]) -> bytes:
    """``files`` (name -> bytes) as one deflated zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def table_csv(table: pd.DataFrame) -> bytes:
    """The table as the CSV the zip carries (empty cells where a number does not apply)."""
    return table.to_csv(index=False).encode()
