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

from welllog.errors import alias_fix
from welllog.models.base import DEFAULT_QUANTILES
from welllog.models.sonic import SonicModel
from welllog.shear import MUDROCK_END_DTC
from welllog.tie import add_tied_columns
from welllog.well import QC_CAUTION, QC_LOGGED_DTC, QC_NOT_PREDICTED, QC_OOD, QC_REDUCED, Well


def predict_well(model: SonicModel, well: Well, quantiles: Sequence[float] = DEFAULT_QUANTILES, tie: bool = False) -> pd.DataFrame:
    """T_MEAN, T_STD, T_Pxx, T_QC per target (with ``tie``, also T_TIED where the well logs the target
    over part of its depth, :mod:`welllog.tie`), indexed like ``well.data`` (raises MissingCurvesError).

    The well's provenance gets which model predicted it and the run's warning, if any
    (:func:`checked_prediction`, for callers that also report the warning)."""
    return checked_prediction(model, well, quantiles, tie)[0]


def checked_prediction(model: SonicModel, well: Well, quantiles: Sequence[float] = DEFAULT_QUANTILES,
                       tie: bool = False) -> tuple[pd.DataFrame, int, str]:
    """(prediction, rows predicted, warning) — :func:`coverage_warning` computed once, and with the
    model's name recorded in the well's provenance, so an output file that leaves its run folder
    still says where its synthetic curves came from and what to be careful about. ``tie``: add
    T_TIED, the mean tied to the well's own log where it stops (:mod:`welllog.tie`; opt-in, since
    the output's columns are a contract and T_MEAN must stay the model's blind answer)."""
    pred = model.predict(well, quantiles=quantiles)
    well.note("predict", model_note(model), once=True)
    md = getattr(model, "metadata", None) or {}
    pred.attrs["written_by"] = written_by(str(md.get("name") or f"unsaved {model.family}"), md.get("version"), md.get("created_at"))
    reasons = pred.attrs.get("out_of_range")  # counted by SonicModel.predict from the features it built anyway
    if reasons is None:  # a frame that lost its attrs on the way
        reasons = pred.attrs["out_of_range"] = model.out_of_range_reasons(well, pred)
    for target, counts in reasons.items():
        if counts:
            well.note("model", out_of_range_note(target, counts, pred), target, once=True)
    for target in model.targets:
        for note in (reduced_inputs_note(target, pred, model), logged_dtc_note(target, pred), withheld_shear_note(target, pred),
                     uncalibrated_note(target, pred, model)):
            if note:
                well.note("model", note, target, once=True)
    for target, note in (add_tied_columns(well, pred, model.targets) if tie else {}).items():
        well.note("model", note, target, once=True)
    n, warning = coverage_warning(well, pred, model.inputs, model.required_curves)
    if warning:
        well.note("warning", warning, once=True)
    return pred, n, warning


#: how the out-of-range causes that are not input curves (SonicModel.out_of_range_reasons) read
_REASON_WORDS = {"prediction": "predicted {t} beyond the training {t}",
                 "depth": "depth outside the training wells' depths"}


def out_of_range_note(target: str, counts: dict[str, int], pred: pd.DataFrame) -> str:
    """'T_QC bit 8 on N of M predicted DTC rows (P%): logs unlike the training wells'. Rows per
    cause (a row may have several): outside the training range GR n, NPHI n; depth outside the
    training wells' depths n' — which of bit 8's causes a well's flagged rows have, for provenance
    (LAS ~Other, API, dashboard)."""
    done = predicted_rows(pred, target)
    flagged = int(rows_with_qc_bit(pred, [f"{target}_QC"], QC_OOD)[done].sum())
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    inputs = ", ".join(f"{r} {n}" for r, n in ranked if r not in _REASON_WORDS)
    parts = ([f"outside the training range {inputs}"] if inputs else []) + \
        [f"{_REASON_WORDS[r].format(t=target)} {n}" for r, n in ranked if r in _REASON_WORDS]
    share = f" ({flagged / done.sum():.1%})" if done.any() else ""
    return (f"T_QC bit 8 on {flagged} of {int(done.sum())} predicted {target} rows{share}: logs unlike the training wells'. "
            f"Rows per cause (a row may have several): {'; '.join(parts)}")


def reduced_inputs_note(target: str, pred: pd.DataFrame, model: SonicModel) -> str:
    """'T_QC bit 32 on N of M predicted DTC rows: ...' when the recipe's reduced-input model
    predicted rows without density/neutron (:mod:`welllog.recipes`, step 9), else ``""``: those
    rows' values come from fewer logs and a band calibrated apart, which the user must be able to
    see in the output file too."""
    if f"{target}_QC" not in pred.columns:
        return ""
    done = pred[f"{target}_MEAN"].notna().to_numpy()
    reduced = int(reduced_rows(pred, [f"{target}_QC"])[done].sum())
    if not reduced:
        return ""
    inputs = ", ".join((getattr(model, "metadata", {}).get("fallback") or {}).get("inputs", []))
    return (f"T_QC bit 32 on {reduced} of {int(done.sum())} predicted {target} rows: no density/neutron there, so "
            f"predicted by the model's reduced-input model ({inputs}) with its own blind-calibrated band")


def logged_dtc_note(target: str, pred: pd.DataFrame) -> str:
    """'T_QC bit 64 on N of M predicted DTS rows: ...' when the recipe served DTS from the well's
    measured DTC (:mod:`welllog.shear`), else ``""``: the file must say which DTS values lean on its
    own DTC log (a DTC log edited later changes them) and which come from the predicted DTC."""
    if target != "DTS" or "DTS_QC" not in pred.columns:
        return ""
    done = pred["DTS_MEAN"].notna().to_numpy()
    given = int(rows_with_qc_bit(pred, ["DTS_QC"], QC_LOGGED_DTC)[done].sum())
    if not given:
        return ""
    return (f"T_QC bit 64 on {given} of {int(done.sum())} predicted DTS rows: DTS there is the Vp/Vs ratio model times this "
            f"well's measured DTC (not the predicted DTC), with its own blind-calibrated band")


def withheld_shear_rows(pred: pd.DataFrame) -> np.ndarray:
    """Rows where DTC is served and DTS is not (T_QC bit 16 in DTS_QC only): the recipe's rows beyond
    the mudrock line's end. The note below and the dashboard's caption count them."""
    if "DTS_QC" not in pred.columns or "DTC_MEAN" not in pred.columns or "DTS_MEAN" not in pred.columns:
        return np.zeros(len(pred), dtype=bool)
    return rows_with_qc_bit(pred, ["DTS_QC"], QC_NOT_PREDICTED) & pred["DTC_MEAN"].notna().to_numpy() & pred["DTS_MEAN"].isna().to_numpy()


def withheld_shear_note(target: str, pred: pd.DataFrame) -> str:
    """'DTS not served on N rows where DTC is ...' when DTS was left out where DTC is predicted
    (T_QC bit 16 in DTS_QC only: the recipe's rows beyond the mudrock line, :mod:`welllog.recipes`),
    else ``""``: a gap in the synthetic DTS beside a served DTC needs its reason in the file."""
    gap = withheld_shear_rows(pred) if target == "DTS" else None
    if gap is None or not gap.any():
        return ""
    return (f"DTS not served on {int(gap.sum())} rows where DTC is (T_QC bit 16 in DTS_QC): the rock there is slower than "
            f"~{MUDROCK_END_DTC:.0f} us/ft (measured DTC where logged, else predicted), beyond every shear relation of the "
            "model - the Vp/Vs-ratio model never saw such rock and the mudrock line ends (Vs -> 0 near 225 us/ft)")


def uncalibrated_note(target: str, pred: pd.DataFrame, model: SonicModel) -> str:
    """A note when ``target``'s band was predicted but never calibrated on blind data (the model's
    folds held out no sample of it: :attr:`~welllog.calibration.BlindCalibration.calibrated`),
    else ``""``: the file's P05/P95 are then the model's own spread, which on a new well is
    usually too narrow, and the file must say so where the numbers are."""
    cal = (getattr(model, "calibration", None) or {}).get(target)
    if cal is None or getattr(cal, "calibrated", True) or f"{target}_MEAN" not in pred.columns or not pred[f"{target}_MEAN"].notna().any():
        return ""
    return (f"{target}: the P05-P95 band is NOT calibrated on held-out data (no blind fold of the model held out a {target} "
            f"sample): it is the model's own spread, likely too narrow here; retrain with more wells that log {target}")


def model_note(model: SonicModel) -> str:
    """'predicted by welllog 0.1.0 with model NAME:vN (family; trained DATE)' for provenance."""
    from welllog import __version__

    md = getattr(model, "metadata", None) or {}
    ref = md.get("ref") or f"an unsaved {model.family} model"
    trained = f"; trained {str(md['created_at'])[:10]}" if md.get("created_at") else ""
    return f"predicted by welllog {__version__} with model {ref} ({model.family}{trained})"


def written_by(model: str, version: str | None = None, trained: str | None = None) -> dict[str, tuple[str, str]]:
    """LAS ~Parameter items naming what wrote the T_ curves: mnemonic -> (value, description), for
    ``model`` (its name), ``version`` (vN) and ``trained`` (ISO date). Why beside the provenance note
    in ~Other: loaders read ~Parameter into fields, ~Other as prose."""
    from welllog import __version__

    # no colon in a value or description: LAS 2.0 readers split the line at one
    items = {"WLVER": (str(__version__), "welllog version that wrote the T_ curves"),
             "WLMODEL": (model, "name of the model that predicted them")}
    if version:
        items["WLMODVER"] = (str(version), "version of that model")
    if trained:
        items["WLTRAIN"] = (str(trained)[:10], "date that model was trained")
    return items


#: below this share of a well's logged rows predicted, the caller is told why (CLI, batch report, API)
LOW_COVERAGE = 0.5
#: above this share of predicted rows outside the training range (T_QC bit 8), the caller is told
OUT_OF_RANGE_WARNING = 0.5


def coverage_warning(well: Well, pred: pd.DataFrame, inputs: Sequence[str], required: Sequence[str]) -> tuple[int, str]:
    """Rows with a prediction, and a warning (``""`` when there is nothing to say) when the run
    looks fine but is not: a depth unit guessed (:attr:`Well.depth_unit_guess`), an input curve whose values do not fit its declared unit (the unit it
    looks like and the override, :attr:`Well.unit_doubts`), most input rows lost at read time (e.g. repeated depths), fewer than
    :data:`LOW_COVERAGE` of the rows that log any of the model's ``inputs`` predicted (naming the
    ``required`` curve missing on most of the rest), or most predicted rows outside the model's
    training range. (Inputs and required curves as in the model or its stored metadata, so a
    client holding only the metadata - the dashboard behind the API - says the same.)

    Why: a well that reads and predicts without error is "ok", yet a required curve logged over a
    short interval leaves most of it without a synthetic log, and a model applied to logs unlike
    any it was trained on (another basin, a wrong unit, the demo model on a real well) gives
    numbers whose intervals mean little; the user must hear that from the run, not find it in the file."""
    means = [c for c in pred.columns if str(c).endswith("_MEAN")]
    done = pred[means].notna().any(axis=1).to_numpy() if means else np.zeros(len(pred), dtype=bool)
    n = int(done.sum())
    warnings = [w for w in (getattr(well, "depth_unit_guess", ""), _unit_doubts(well, inputs), _unit_unknown(well),
                            _rows_lost_at_read(well),
                            _reduced_whole_well(well, pred, done, required),
                            _low_coverage(well, done, inputs, required), _out_of_range(pred, done)) if w]
    return n, "; ".join(warnings)


def _unit_doubts(well: Well, inputs: Sequence[str]) -> str:
    """Model inputs kept in a declared unit their values do not fit (e.g. NPHI declared % holding
    v/v), or present in the file but nulled entirely as impossible (a model that tolerates the
    curve runs without it): the prediction runs but is biased, and only the cause tells the user
    what to fix."""
    from welllog.curves.canonicalise import emptied_curve_fix, unit_doubt

    out = []
    for c in inputs:
        emptied = c in well.mapping and not well.has(c)
        doubt = unit_doubt(well, c, emptied=emptied)
        if doubt:
            out.append(doubt)
        elif emptied:
            fix = emptied_curve_fix(well, c)
            out.append(f"{c} ({well.mapping[c].source}): every value nulled as physically impossible, so "
                       "predicted without it" + (f"; {fix}" if fix else ""))
    return "; ".join(out)


def _unit_unknown(well: Well) -> str:
    """File curves left unused because no unit explains their values (a DTS in 'xx' holding 1.9e5):
    the well is predicted without them, but a measured DTS not compared, or a caliper not used for
    the bad-hole check, should be heard about, with the unit override that brings it back."""
    from welllog.curves.canonicalise import UNIT_FITS_NOTHING

    return "; ".join(p.message.replace(" not taken as ", " in the file not used as ", 1) for p in well.provenance
                     if p.step == "alias" and UNIT_FITS_NOTHING in p.message and p.curve not in well.mapping)


def _rows_lost_at_read(well: Well) -> str:
    """Most input rows without a canonical row (repeated or null depths): say so, not only in provenance."""
    total, kept = len(well.original), len(well.data)
    if total == 0 or kept >= LOW_COVERAGE * total:
        return ""
    return (f"only {kept} of {total} input rows kept: the others repeat a depth or have none "
            "(see provenance; their output rows are not predicted, T_QC 16)")


def _reduced_whole_well(well: Well, pred: pd.DataFrame, done: np.ndarray, required: Sequence[str]) -> str:
    """A curve the model requires is not in the file at all, and the recipe's reduced-input model
    predicted instead (T_QC bit 32): say so. Why: top-hole rows without density/neutron are normal,
    a whole well without them is often a mnemonic the reader did not recognise — the user can add
    an alias and get the full model's narrower band."""
    absent = [c for c in required if not well.has(c)]
    qc_cols = [c for c in pred.columns if str(c).endswith("_QC")]
    if not absent or not qc_cols or not done.any():
        return ""
    reduced = reduced_rows(pred, qc_cols)
    if not reduced[done].any():
        return ""
    # density and neutron carry the porosity the full model stands on: no use training without them
    spare = [c for c in absent if c not in ("RHOB", "NPHI")]
    retrain = (f"; if the well never logged {spare[0]}, a model trained with `welllog train ... --optional-input {spare[0]}` "
               "predicts it with the full model" if spare else "")
    return (f"{', '.join(absent)} not in the file: {int(reduced[done].sum())} of {int(done.sum())} predicted rows come from the "
            "reduced-input model (T_QC bit 32, its own calibrated band); if the file has the curve under another name, map it "
            f"for the full model: {alias_fix('MNEMONIC', absent[0])}{retrain}")


def reduced_rows(pred: pd.DataFrame, qc_columns: Sequence[str]) -> np.ndarray:
    """Rows whose T_QC (any of ``qc_columns``, e.g. ``["DTC_QC"]``) has bit 32: predicted by the
    reduced-input model (the dashboard's explain page and the warnings here read it)."""
    return rows_with_qc_bit(pred, qc_columns, QC_REDUCED)


def rows_with_qc_bit(pred: pd.DataFrame, qc_columns: Sequence[str], bit: int) -> np.ndarray:
    """Rows where any of ``qc_columns`` present in ``pred`` has T_QC ``bit`` set (NaN codes: none)."""
    rows = np.zeros(len(pred), dtype=bool)
    for c in (c for c in qc_columns if c in pred.columns):
        rows |= (pred[c].fillna(0).to_numpy().astype(np.int64) & bit) != 0
    return rows


def predicted_rows(pred: pd.DataFrame, target: str) -> np.ndarray:
    """Rows where ``target`` has a served mean."""
    column = f"{target}_MEAN"
    return pred[column].notna().to_numpy() if column in pred.columns else np.zeros(len(pred), dtype=bool)


def caution_rows(pred: pd.DataFrame, target: str) -> np.ndarray:
    """Predicted rows whose T_QC carries a caution bit (:data:`welllog.well.QC_CAUTION`). Why only
    predicted rows: a flag on a row without a value cautions against nothing, and the shares of the
    batch report and the dashboard's all-wells table are of the predicted rows."""
    return predicted_rows(pred, target) & rows_with_qc_bit(pred, [f"{target}_QC"], QC_CAUTION)


def triage(well: Well, pred: pd.DataFrame, targets: Sequence[str]) -> dict[str, float | None]:
    """Per target, ``{t}_caution`` (share of predicted rows with a caution bit) and ``{t}_rmse_log``
    (RMSE of the mean against the well's own log where QC says it measured the rock; None where it
    logs no such sample), lower-case: what a pipeline over thousands of wells sorts by to find the
    wells to look at (the batch report; the dashboard's all-wells table gives the same figures)."""
    from welllog.evaluation.metrics import rmse
    from welllog.qc import formation_values

    out: dict[str, float | None] = {}
    for t in targets:
        done = predicted_rows(pred, t)
        out[f"{t.lower()}_caution"] = float(caution_rows(pred, t).sum() / done.sum()) if done.any() else None
        measured = formation_values(well, t) if well.has(t) and f"{t}_MEAN" in pred.columns else np.full(len(pred), np.nan)
        both = done & np.isfinite(measured)
        out[f"{t.lower()}_rmse_log"] = rmse(measured[both], pred[f"{t}_MEAN"].to_numpy()[both]) if both.any() else None
    return out


def _low_coverage(well: Well, done: np.ndarray, inputs: Sequence[str], required: Sequence[str]) -> str:
    inputs = [c for c in inputs if c in well.data.columns]
    logged = well.data[inputs].notna().any(axis=1).to_numpy() if inputs else np.zeros(len(done), dtype=bool)
    n, m = int(done.sum()), int(logged.sum())
    if m == 0 or n >= LOW_COVERAGE * m:
        return ""
    _, why = unpredicted_cause(well, done, inputs, required)
    return f"only {n} of {m} logged rows predicted" + (f"; {why}" if why else "")


def unpredicted_cause(well: Well, done: np.ndarray, inputs: Sequence[str], required: Sequence[str]) -> tuple[int, str]:
    """(rows logging any of ``inputs`` but not ``done``, "CURVE, required by this model, is missing
    on P% of them" or "") — the run's warning below :data:`LOW_COVERAGE`, and the dashboard's
    caption at any coverage (34/7-13: 3,602 rows unpredicted, no word why; dashboard audit)."""
    inputs = [c for c in inputs if c in well.data.columns]
    logged = well.data[inputs].notna().any(axis=1).to_numpy() if inputs else np.zeros(len(done), dtype=bool)
    rest = logged & ~done

    def share_missing(c: str, rows: np.ndarray) -> float:
        if not rows.any():
            return 0.0
        return float(well.data[c].isna().to_numpy()[rows].mean()) if c in well.data.columns else 1.0

    # the curve whose absence tells the unpredicted rows from the predicted ones: a curve missing from
    # the whole well (PEF where the reduced-input model predicted) is missing on both and explains nothing
    missing = {c: share_missing(c, rest) for c in required}
    telling = {c: missing[c] - share_missing(c, done) for c in required}
    worst = max(telling, key=lambda c: telling[c]) if telling else None
    why = (f"{worst}, required by this model, is missing on {missing[worst]:.0%} of the rest"
           if worst is not None and telling[worst] > 0 else "")
    return int(rest.sum()), why


def _out_of_range(pred: pd.DataFrame, done: np.ndarray) -> str:
    qc_cols = [c for c in pred.columns if str(c).endswith("_QC")]
    if not qc_cols or not done.any():
        return ""
    ood = rows_with_qc_bit(pred, qc_cols, QC_OOD)
    share = float(ood[done].mean())
    if share <= OUT_OF_RANGE_WARNING:
        return ""
    totals: dict[str, int] = {}
    for counts in pred.attrs.get("out_of_range", {}).values():
        for reason, n in counts.items():
            totals[reason] = max(totals.get(reason, 0), n)
    most = sorted(totals, key=lambda r: -totals[r])[:3]
    return (f"{share:.0%} of predicted rows have inputs (or a predicted value) outside the model's training range (T_QC bit 8"
            f"{'; most often ' + ', '.join(most) if most else ''}): "
            "these logs are unlike the training wells' (another area, a wrong unit, or a demo model), "
            "so treat the values and intervals there with caution")


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

    write_well(well, dest, fmt, extra=original_rows(well, pred), params=pred.attrs.get("written_by"))
