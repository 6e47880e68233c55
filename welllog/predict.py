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
