"""Training the LightGBM and XGBoost families on a Dask cluster, for data too big for one process.

The recipe is exactly the single-process one of :class:`welllog.models.baselines.ResidualScaleRegressor`
(blind out-of-fold residuals over whole wells -> scale model on |r| -> one calibration factor for
the 90% interval -> final mean model on all rows); only the fitting is distributed:

* rows never gather on the client: each well is read and turned into features *on a worker*
  (``dask.dataframe.from_map``, one partition per well) and persisted in the workers' memory;
* every library fit goes through the library's own Dask interface — ``lightgbm.DaskLGBMRegressor``
  or ``xgboost.dask.DaskXGBRegressor`` — which trains one model collectively over the workers'
  partitions; out-of-fold residuals are computed partition-wise on the workers;
* the fitted models are converted to ordinary local models (``to_local()`` / booster copy) and put
  into the family's normal estimator, so the result is saved, loaded, predicted and explained exactly
  like a single-process model.

NGBoost has no distributed trainer (its natural-gradient boosting fits every base learner on the full
in-memory matrix), so ``ngboost``, ``rf`` and ``gbdt`` stay single-process; see bench/RESULTS.md for
the measured memory per row that bounds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from welllog.errors import UsageError
from welllog.features import FeatureSpec, build_features

#: families with a Dask trainer here
DASK_FAMILIES = ("lightgbm", "xgboost")
WELL_COLUMN = "_WELL"
_RESID = "_RESID"
_Z90 = float(stats.norm.ppf(0.95))


def _well_partition(item: tuple[int, str], targets: tuple[str, ...], spec: dict[str, Any],
                    overrides: tuple[dict[str, str] | None, dict[str, str] | None] = (None, None)) -> pd.DataFrame:
    """One well -> its feature rows + target columns + well id. Runs on a worker."""
    from welllog.ingest import read_well

    index, path = item
    well = read_well(Path(path), aliases=overrides[0], units=overrides[1], unmatched="note")  # checked over all wells in _well_info
    fspec = FeatureSpec.from_dict(spec)
    frame = build_features(well.data, fspec).reset_index(drop=True).astype("float64")
    for target in targets:
        frame[target] = well.data[target].to_numpy(dtype="float64") if target in well.data.columns else np.nan
    frame[WELL_COLUMN] = np.int64(index)
    return frame


def training_frame(paths: Sequence[str | Path], targets: Sequence[str], spec: FeatureSpec,
                   aliases: dict[str, str] | None = None, units: dict[str, str] | None = None):
    """Lazy Dask DataFrame, one partition per well: features (of every spec input; NaN where a well
    lacks the curve), targets and a well id column."""
    import dask.dataframe as dd

    columns = spec.feature_names() + list(targets)
    meta = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    meta[WELL_COLUMN] = pd.Series(dtype="int64")
    items = [(i, str(p)) for i, p in enumerate(paths)]
    return dd.from_map(_well_partition, items, targets=tuple(targets), spec=spec.to_dict(), overrides=(aliases, units), meta=meta,
                       divisions=[None] * (len(items) + 1), enforce_metadata=False)


def _with_residual(part: pd.DataFrame, model: Any, features: list[str], target: str) -> pd.DataFrame:
    out = part[features].copy()
    out[_RESID] = np.abs(part[target].to_numpy() - model.predict(part[features].to_numpy()))
    return out


def _scaled_ratio(part: pd.DataFrame, scale_model: Any, features: list[str], floor: float) -> pd.Series:
    raw = np.sqrt(np.pi / 2) * np.maximum(scale_model.predict(part[features].to_numpy()), floor)
    return pd.Series(part[_RESID].to_numpy() / raw, index=part.index)


def _dask_fit(client: Any, local_template: Any, X: Any, y: Any) -> Any:
    """Fit ``local_template``'s configuration through the library's Dask API; return a local model."""
    params = local_template.get_params()
    # plain arrays, as at prediction time (SonicModel hands the estimators numpy matrices)
    X = X.to_dask_array(lengths=True) if hasattr(X, "to_dask_array") else X
    y = y.to_dask_array(lengths=True) if hasattr(y, "to_dask_array") else y
    if type(local_template).__module__.startswith("lightgbm"):
        from lightgbm import DaskLGBMRegressor

        params.pop("n_jobs", None)  # one model over the workers' threads; n_jobs would be ignored (warning)
        return DaskLGBMRegressor(client=client, **params).fit(X, y).to_local()
    import xgboost
    from xgboost.dask import DaskXGBRegressor

    params.pop("n_jobs", None)
    model = DaskXGBRegressor(**params)
    model.client = client
    model.fit(X, y)
    local = xgboost.XGBRegressor(**local_template.get_params())
    local.load_model(bytearray(model.get_booster().save_raw()))
    return local


def fit_family_dask(client: Any, estimator: Any, frame: Any, features: list[str], target: str) -> Any:
    """Fit a LightGBM/XGBoost family estimator (unfitted, sklearn-style) on ``frame`` via Dask.

    ``frame`` is a (persisted) Dask DataFrame from :func:`training_frame`. Returns ``estimator``
    with the same fitted attributes its own ``fit`` would set.
    """
    if getattr(estimator, "family", None) not in DASK_FAMILIES:
        raise UsageError(f"--engine dask trains only {', '.join(DASK_FAMILIES)}; "
                         f"{getattr(estimator, 'family', type(estimator).__name__)} trains in one process (omit --engine dask)")
    import dask.dataframe as dd

    counts = frame[target].notnull().map_partitions(lambda s: pd.Series([int(s.sum())])).compute().to_numpy()
    keep = [i for i, n in enumerate(counts) if n > 0]
    if len(keep) == 0:
        raise UsageError(f"no training rows: none of the wells has {target}; pass wells that have it")
    data = frame.partitions[keep].map_partitions(lambda p: p.dropna(subset=[target]), meta=frame._meta)
    n_folds = min(int(estimator.calib_folds), len(keep)) if len(keep) > 1 else 1
    oof_parts = []
    for k in range(n_folds):
        held = [j for j in range(len(keep)) if j % n_folds == k]
        train = [j for j in range(len(keep)) if j % n_folds != k]
        if not held or not train:
            continue
        tr = data.partitions[train]
        model_k = _dask_fit(client, estimator._mean_model(), tr[features], tr[target])
        oof_parts.append(data.partitions[held].map_partitions(
            _with_residual, model_k, features, target,
            meta=pd.DataFrame({**{c: pd.Series(dtype="float64") for c in features}, _RESID: pd.Series(dtype="float64")})))
    if not oof_parts:  # a single well: contiguous depth blocks would need row splits; refuse honestly
        raise UsageError(f"--engine dask needs at least 2 wells with {target} for blind residuals; pass more wells")
    oof = dd.concat(oof_parts).persist()
    scale_model = _dask_fit(client, estimator._scale_model(), oof[features], oof[_RESID])
    floor = float(max(oof[_RESID].quantile(0.1).compute(), 1e-6))
    ratio = oof.map_partitions(_scaled_ratio, scale_model, features, floor, meta=pd.Series(dtype="float64"))
    c = float(ratio.quantile(0.9).compute() / _Z90)
    rmse = float(np.sqrt((oof[_RESID] ** 2).mean().compute()))
    estimator.n_features_in_ = len(features)
    estimator.scale_model_ = scale_model
    estimator.scale_floor_ = floor
    estimator.scale_factor_ = c * np.sqrt(np.pi / 2)
    estimator.oof_residual_rmse_ = rmse
    estimator.model_ = _dask_fit(client, estimator._mean_model(), data[features], data[target])
    return estimator


# -- the whole SonicModel bundle ----------------------------------------------------------------
def _well_info(path: str, targets: tuple[str, ...], aliases: dict[str, str] | None, units: dict[str, str] | None,
               inputs: tuple[str, ...] = ()) -> dict[str, Any]:
    """Name, content hash, size and curves of one well (for the model's metadata). Runs on a worker;
    an input curve in a unit its values do not fit stops the training, as in one process."""
    from welllog.curves import unmatched_overrides
    from welllog.ingest import read_well
    from welllog.models.sonic import check_training_inputs, training_well_record
    from welllog.well import CANONICAL_CURVES

    well = read_well(Path(path), aliases=aliases, units=units, unmatched="note")
    check_training_inputs([well], inputs)
    return {**training_well_record(well, targets), "curves": [c for c in CANONICAL_CURVES if well.has(c)],
            "unmatched": sorted(unmatched_overrides(well))}


def _histogram(part: pd.DataFrame, cols: list[str], lo: np.ndarray, hi: np.ndarray, bins: int) -> np.ndarray:
    out = np.zeros((len(cols), bins), dtype=np.int64)
    for i, c in enumerate(cols):
        v = part[c].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if len(v) and hi[i] > lo[i]:
            out[i] = np.histogram(v, bins=bins, range=(lo[i], hi[i]))[0]
    return out[None]


def _quantiles(frame: Any, cols: list[str], qs: Sequence[float], bins: int = 8192) -> dict[str, list[float]]:
    """Per-column quantiles from merged fixed-bin histograms: error <= (max-min)/bins, unlike
    dask's approximate quantile, which is far off in the tails (0.1%/99.9%) on skewed logs."""
    import dask

    lo, hi = dask.compute(frame[cols].min(), frame[cols].max())
    lo, hi = lo.to_numpy(dtype=float), hi.to_numpy(dtype=float)
    parts = [dask.delayed(_histogram)(p, cols, lo, hi, bins) for p in frame.to_delayed()]
    counts = np.sum(dask.compute(*parts), axis=0)[0] if parts else np.zeros((len(cols), bins), dtype=np.int64)
    out: dict[str, list[float]] = {}
    for i, c in enumerate(cols):
        total = counts[i].sum()
        if not np.isfinite(lo[i]) or total == 0:
            continue
        if hi[i] <= lo[i]:
            out[c] = [float(lo[i])] * len(qs)
            continue
        edges = np.linspace(lo[i], hi[i], bins + 1)
        cdf = np.concatenate([[0.0], np.cumsum(counts[i]) / total])
        out[c] = [float(np.interp(q, cdf, edges)) for q in qs]
    return out


def train_sonic_dask(client: Any, paths: Sequence[str | Path], targets: Sequence[str], family: str, *,
                     feature_spec: FeatureSpec | None = None, params: dict[str, Any] | None = None, tolerance: float = 0.05,
                     aliases: dict[str, str] | None = None, units: dict[str, str] | None = None) -> Any:
    """A fitted :class:`~welllog.models.SonicModel` trained on the cluster behind ``client``.

    Same decisions as ``SonicModel.fit`` (inputs present, tolerated vs required curves, training rows,
    input and target ranges for the OOD flag, feature medians for tolerated curves, metadata), computed with Dask aggregates instead of one in-memory
    matrix; the estimators are fitted by :func:`fit_family_dask`. Input ranges come from
    histogram quantiles (bin error <= 1/8192 of the range).
    """
    from welllog.curves import never_matched
    from welllog.errors import MissingCurvesError
    from welllog.models import SonicModel, make_estimator
    from welllog.models.sonic import absent_target_error

    if family not in DASK_FAMILIES:
        raise UsageError(f"--engine dask trains only {', '.join(DASK_FAMILIES)} (NGBoost, rf and gbdt train in one process); "
                         f"got --model {family}")
    spec = feature_spec or FeatureSpec()
    params = dict(params or {})
    targets = list(targets)
    paths = [str(p) for p in paths]
    make_estimator(family, **params)  # validate early
    info = client.gather(client.map(_well_info, paths, targets=tuple(targets), aliases=aliases, units=units,
                                    inputs=tuple(spec.inputs), pure=False))
    never_matched([set(w["unmatched"]) for w in info])
    # a file logging no target teaches nothing but would count as a training well and widen the inputs
    # (welllog.models.sonic.wells_with_targets, the one-process rule); with none logging any, the error below names all
    untrained = [w["name"] for w in info if not w["targets"]] if any(w["targets"] for w in info) else []
    if untrained:
        paths = [p for p, w in zip(paths, info) if w["targets"]]
        info = [w for w in info if w["targets"]]
    for t in targets:
        if not any(t in w["targets"] for w in info):
            raise absent_target_error(t, [w["name"] for w in info])
    inputs = [c for c in spec.inputs if any(c in w["curves"] for w in info)]
    if not inputs:
        raise MissingCurvesError(", ".join(w["name"] for w in info), spec.inputs, sorted({c for w in info for c in w["curves"]}))
    sources = spec.sources(inputs)
    feature_names = list(sources)
    base = {c: spec.base_name(c) for c in inputs}
    base_cols = [base[c] for c in inputs]

    frame = training_frame(paths, targets, spec, aliases, units)[feature_names + targets + [WELL_COLUMN]].persist()
    any_target = frame[targets].notnull().any(axis=1)
    present_frac = frame[any_target][base_cols].notnull().mean().compute()
    tolerated = [c for c in inputs if (1.0 - float(present_frac.get(base[c], 0.0) if np.isfinite(present_frac.get(base[c], np.nan)) else 0.0)) > tolerance]
    required = [c for c in inputs if c not in tolerated]
    req_cols = [base[c] for c in required]
    present = frame[base_cols].notnull()
    usable = present.any(axis=1)
    if req_cols:
        usable = usable & frame[req_cols].notnull().all(axis=1)
    train_rows = any_target & usable
    n_train = int(train_rows.sum().compute())
    if n_train == 0:
        raise UsageError("no training rows: no depth has a target and all required input curves "
                         f"({', '.join(required)}); check the curves of the training wells")
    ranges = _quantiles(frame[train_rows], base_cols, (0.001, 0.999))
    input_ranges = {c: (ranges[base[c]][0], ranges[base[c]][1]) for c in inputs if base[c] in ranges}
    # the rest of SonicModel's fitted state: without target ranges a Dask model never flagged a prediction
    # beyond its training targets (T_QC bit 8), and without feature medians tolerate() had nothing to stand in
    import dask

    low, high = dask.compute(frame[train_rows][targets].min(), frame[train_rows][targets].max())
    target_ranges = {t: (float(low[t]), float(high[t])) for t in targets if np.isfinite(low[t]) and np.isfinite(high[t])}
    medians = _quantiles(frame[train_rows], feature_names, (0.5,))

    estimators, rows_per_target, fit_seconds = {}, {}, {}
    import time

    for t in targets:
        ft = frame.assign(**{t: frame[t].where(usable)})
        t0 = time.perf_counter()
        estimators[t] = fit_family_dask(client, make_estimator(family, **params), ft, feature_names, t)
        fit_seconds[t] = round(time.perf_counter() - t0, 3)
        rows_per_target[t] = int(ft[t].notnull().sum().compute())

    model = SonicModel(family=family, targets=targets, feature_spec=spec, params=params, tolerance=tolerance)
    model.inputs = inputs
    model.feature_sources = dict(sources)
    model.feature_names = feature_names
    model.base_features = base
    model.tolerated_curves = tolerated
    model.required_curves = required
    model.accepts_nan = True
    model.imputation = {}
    model.input_ranges = input_ranges
    model.target_ranges = target_ranges
    model.feature_medians = {c: v[0] for c, v in medians.items() if np.isfinite(v[0])}
    model.substitutes = {}
    model.feature_spec_ = spec
    model.untrained_wells_ = list(untrained)
    model.estimators = estimators
    records = [{k: w[k] for k in ("name", "content_hash", "samples", "targets", "synthetic")} for w in info]
    model.metadata = {**model._fit_metadata(records, spec, rows_per_target, fit_seconds),
                      "trained_with": {"engine": "dask", "workers": len(client.scheduler_info()["workers"])}}
    return model
