"""Prediction for one well and the user-facing output (original curves + T_ columns).

Why separate from the model: the CLI, the API and the dashboard all need the same three steps —
predict on the canonical view, map back onto the *input* rows (duplicate / null depths, CSV row
order), write in the input's format — and must not each re-invent the mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from welllog.models.base import DEFAULT_QUANTILES
from welllog.models.sonic import QC_NOT_PREDICTED, SonicModel
from welllog.well import Well


def predict_well(model: SonicModel, well: Well, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> pd.DataFrame:
    """T_MEAN, T_STD, T_Pxx, T_QC per target, indexed like ``well.data`` (raises MissingCurvesError)."""
    return model.predict(well, quantiles=quantiles)


#: below this share of a well's logged rows predicted, the caller is told why (CLI, batch report, API)
LOW_COVERAGE = 0.5


def coverage_warning(well: Well, pred: pd.DataFrame, inputs: Sequence[str], required: Sequence[str]) -> tuple[int, str]:
    """Rows with a prediction, and a warning when fewer than :data:`LOW_COVERAGE` of the rows that
    log any of the model's ``inputs`` got one - naming the ``required`` curve missing on most of the rest.
    (Inputs and required curves as in the model or its stored metadata, so a client holding only
    the metadata - the dashboard behind the API - says the same.)

    Why: a well that reads and predicts without error is "ok", yet a required curve logged over a
    short interval only leaves most of it without a synthetic log; the user must hear that from
    the run, not find it in the file."""
    means = [c for c in pred.columns if str(c).endswith("_MEAN")]
    done = pred[means].notna().any(axis=1).to_numpy() if means else np.zeros(len(pred), dtype=bool)
    inputs = [c for c in inputs if c in well.data.columns]
    logged = well.data[inputs].notna().any(axis=1).to_numpy() if inputs else np.zeros(len(pred), dtype=bool)
    n, m = int(done.sum()), int(logged.sum())
    if m == 0 or n >= LOW_COVERAGE * m:
        return n, ""
    rest = logged & ~done
    missing = {c: float(well.data[c].isna().to_numpy()[rest].mean()) if c in well.data.columns else 1.0
               for c in required}
    worst = max(missing, key=lambda c: missing[c]) if missing else None
    why = (f"; {worst}, required by this model, is missing on {missing[worst]:.0%} of the rest"
           if worst is not None and missing[worst] > 0 else "")
    return n, f"only {n} of {m} logged rows predicted{why}"


def original_rows(well: Well, pred: pd.DataFrame) -> pd.DataFrame:
    """``pred`` mapped onto ``well.original``'s rows; rows with no canonical row get QC 16 (not predicted)."""
    out = well.to_original_rows(pred)
    for col in out.columns:
        if str(col).endswith("_QC"):
            out[col] = out[col].fillna(QC_NOT_PREDICTED).astype(np.int64)
    return out


def prediction_output(well: Well, pred: pd.DataFrame) -> pd.DataFrame:
    """Every original curve unchanged (input rows, input order) plus the prediction columns."""
    from welllog.ingest.writers import output_frame

    return output_frame(well, original_rows(well, pred))


def write_prediction(well: Well, pred: pd.DataFrame, dest: str | Path | IO[bytes], fmt: str = "las") -> None:
    """Write the prediction output as LAS/CSV/Parquet to a path or binary buffer."""
    from welllog.ingest import write_well

    write_well(well, dest, fmt, extra=original_rows(well, pred))
