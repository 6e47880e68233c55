"""Exact SHAP contributions for every tree-model family welllog trains.

One entry point, :func:`contributions`, turns "a fitted tree model + a feature matrix" into a
:class:`Contributions` (base value, per-sample per-feature contributions, model output) in the
*model's own output space*, with ``base + values.sum(1) == output`` (to float rounding).

Routes, fastest first (all exact path-dependent TreeSHAP):

* **Compiled leaf tables** (:mod:`.fastshap`, numba, both cores) for every family, built from
  SHAP's own parse of the model — 10-100x faster than SHAP's single-threaded C++ on a long well.
  For XGBoost/LightGBM it is used only after matching the libraries' native SHAP on the first
  rows (plus copies with each feature missing); otherwise the native route is kept.
* **Native** ``pred_contribs`` / ``pred_contrib`` for XGBoost / LightGBM: exact, and immune to
  SHAP's model parsing breaking on new library releases.
* **shap.TreeExplainer** (C++) for scikit-learn forests, histogram GBDT and dict ensembles.

NGBoost: the output of parameter ``k`` is ``init_k - lr * sum_i s_ik * tree_ik(x)``; SHAP is
linear in the model, so the base-learner trees, rescaled by ``-lr * s_ik``, form *one* custom
ensemble (``{"trees": [...]}``) explained in one pass (welllog's NGBoost estimator hands that
dict over via ``explain_targets()``; :func:`ngboost_ensemble` builds it for a stock NGBRegressor).

Interaction values (:func:`interactions`): XGBoost's native ``pred_interactions``, SHAP's C++
code for everything else (LightGBM has no native interaction values).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class Contributions:
    """SHAP contributions of one model output over a set of samples.

    ``values[i, j]`` is feature ``features[j]``'s contribution to sample ``i``; ``base`` is the
    expected output; ``output`` is the model's own output (what ``base + values.sum(1)`` must equal).
    """

    features: list[str]
    base: float
    values: np.ndarray  #: (n_samples, n_features)
    output: np.ndarray  #: (n_samples,)

    def additivity_error(self) -> float:
        """Largest |base + sum(contributions) - output| over the samples (0 for exact SHAP)."""
        if len(self.output) == 0:
            return 0.0
        return float(np.max(np.abs(self.base + self.values.sum(axis=1) - self.output)))

    def frame(self, index: pd.Index | None = None) -> pd.DataFrame:
        return pd.DataFrame(self.values, columns=self.features, index=index)


@dataclass(frozen=True)
class TreeTarget:
    """A model plus which of its outputs to explain (NGBoost has one tree ensemble per parameter)."""

    model: Any
    param: int = 0


def family_of(model: Any) -> str:
    """Which explanation route a fitted model takes: ngboost | xgboost | lightgbm | shap."""
    mod = type(model).__module__.split(".")[0]
    if isinstance(model, TreeTarget):
        return family_of(model.model)
    if isinstance(model, dict) and "trees" in model:
        return "shap"
    if mod == "ngboost":
        return "ngboost"
    if mod == "xgboost":
        return "xgboost"
    if mod == "lightgbm":
        return "lightgbm"
    return "shap"


def _unwrap(target: Any, param: int | None = None) -> tuple[Any, int]:
    if isinstance(target, TreeTarget):
        return target.model, target.param if param is None else param
    if isinstance(target, tuple) and len(target) == 2 and isinstance(target[1], (int, np.integer)):
        return target[0], int(target[1]) if param is None else param
    return target, 0 if param is None else param


# -- NGBoost ------------------------------------------------------------------------------------
#: per fitted model: prepared SHAP ensembles/explainers. Weak keys, so nothing is attached to the
#: model object itself (a model pickled after being explained stays byte-identical).
_CACHE: "weakref.WeakKeyDictionary[Any, dict[Any, Any]]" = weakref.WeakKeyDictionary()


def _cache_for(model: Any) -> dict[Any, Any]:
    try:
        return _CACHE.setdefault(model, {})
    except TypeError:  # not weak-referenceable: no caching
        return {}


def ngboost_ensemble(ngb: Any, param: int) -> dict[str, Any]:
    """Parameter ``param`` of a stock ``NGBRegressor`` as one SHAP custom tree ensemble (exact).

    Each base learner (a scikit-learn regression tree fitted on columns ``col_idx``) keeps its
    structure; its split features are mapped back to the full feature matrix and its leaf values
    are multiplied by ``-learning_rate * scaling``, so the ensemble's raw output is the parameter.
    (welllog's own NGBoost estimator hands this dict over ready-made via ``explain_targets()``.)
    """
    trees: list[dict[str, np.ndarray]] = []
    lr = float(ngb.learning_rate)
    for models, scale, col_idx in zip(ngb.base_models, ngb.scalings, ngb.col_idxs):
        learner = models[param]
        tree = getattr(learner, "tree_", None)
        if tree is None:
            raise TypeError(
                f"NGBoost base learner {type(learner).__name__} is not a scikit-learn tree; "
                "only tree base learners can be explained exactly"
            )
        col_idx = np.asarray(col_idx)
        feats = tree.feature.astype(np.int64)
        mapped = np.where(feats >= 0, col_idx[np.clip(feats, 0, None)], -2).astype(np.int32)
        left = tree.children_left.astype(np.int32)
        right = tree.children_right.astype(np.int32)
        default = left
        if hasattr(tree, "missing_go_to_left"):
            default = np.where(np.asarray(tree.missing_go_to_left, dtype=bool), left, right).astype(np.int32)
        s = float(np.ravel(scale)[param]) if np.ndim(scale) else float(scale)
        trees.append(
            {
                "children_left": left,
                "children_right": right,
                "children_default": default,
                "features": mapped,
                "thresholds": tree.threshold.astype(np.float64),
                "values": tree.value.reshape(-1, 1).astype(np.float64) * (-lr * s),
                "node_sample_weight": tree.weighted_n_node_samples.astype(np.float64),
            }
        )
    return {
        "trees": trees,
        "base_offset": float(np.ravel(ngb.init_params)[param]),
        "tree_output": "raw_value",
        "objective": "squared_error",
        "input_dtype": np.float32,  # scikit-learn trees compare float32 inputs with the thresholds
        "internal_dtype": np.float64,
    }


def ngboost_output(ngb: Any, X: np.ndarray, param: int) -> np.ndarray:
    """The parameter NGBoost itself computes (its ``pred_param``), for additivity checks."""
    return np.asarray(ngb.pred_param(np.asarray(X, dtype=float)))[:, param]


# -- shap TreeExplainer ------------------------------------------------------------------------
def _explainer(model: Any, param: int) -> Any:
    """A cached shap.TreeExplainer (building one parses every tree, so reuse it across calls).

    ``model`` is a library model or a SHAP dict ensemble; dicts are cached by identity by the caller
    (:func:`explainer_for`), since they are unhashable.
    """
    import shap

    if isinstance(model, shap.TreeExplainer):
        return model
    if family_of(model) == "ngboost":
        cache = _cache_for(model)
        key = ("ngb", param, len(model.base_models))
        if key not in cache:
            cache[key] = shap.TreeExplainer(ngboost_ensemble(model, param), feature_perturbation="tree_path_dependent")
        return cache[key]
    if isinstance(model, dict):
        return shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
    if family_of(model) == "lightgbm":
        model = _booster_lgb(model)
    cache = _cache_for(model)
    if "tree" not in cache:
        cache["tree"] = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
    return cache["tree"]


def _dict_output(explainer: Any, Xa: np.ndarray) -> np.ndarray:
    """Raw output of a parsed ensemble via SHAP's plain tree traversal (no SHAP arithmetic)."""
    return np.asarray(explainer.model.predict(Xa), dtype=float).reshape(-1)


def _expected(explainer: Any) -> float:
    return float(np.ravel(explainer.expected_value)[0])


# -- dispatch -------------------------------------------------------------------------------------
#: rows per chunk: bounds memory and lets a progress bar move on long wells
CHUNK_ROWS = 4096
#: rows of the first request on which the compiled route is checked against XGBoost/LightGBM's own SHAP
PROBE_ROWS = 64


def _as_array(X: pd.DataFrame | np.ndarray) -> np.ndarray:
    arr = X.to_numpy(dtype=np.float64) if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=np.float64)
    return np.ascontiguousarray(arr)


@dataclass
class Prepared:
    """Everything parsed once per explained model output and reused by every call.

    ``tables``: the compiled leaf tables (:mod:`.fastshap`), the fast route when present.
    ``explainer``: SHAP's parsed TreeExplainer (C++ fallback, interaction values). For XGBoost
    and LightGBM the native routes are the reference: the compiled route (built from SHAP's
    parse of their model) is used only once it has matched them on the first rows explained.
    """

    model: Any
    param: int
    family: str
    explainer: Any = None
    tables: Any = None
    verified: bool | None = None  #: native families: compiled route checked against native SHAP
    rest: Any = None  #: SHAP explainer of the trees too wide for tables (added to the tables' values)
    feature_modes: dict[int, int] | None = None  #: LightGBM missing-value rule per feature (for ``rest``)

    def compiled_values(self, chunk: np.ndarray) -> np.ndarray:
        """Contributions via the leaf tables, plus SHAP's C++ code for the trees left out of them."""
        from . import fastshap

        vals = fastshap.shap_values(self.tables, chunk)
        if self.rest is not None:
            Xr = fastshap.lightgbm_inputs(chunk, self.feature_modes) if self.feature_modes else chunk
            vals = vals + np.asarray(self.rest.shap_values(Xr, check_additivity=False)).reshape(len(chunk), -1)
        return vals

    def base_value(self, n_features: int) -> float:
        if self.family == "xgboost":
            return _xgboost_contribs(self.model, np.zeros((0, n_features)), 1)[1]
        if self.family == "lightgbm":
            return _lightgbm_contribs(self.model, np.zeros((0, n_features)), 1)[1]
        return _expected(self.explainer)


def prepare(target: Any, param: int | None = None, *, compiled: bool = True) -> Prepared:
    """Parse ``target`` (an ``explain_targets()`` value, a stock NGBRegressor or a Prepared) once.

    ``compiled=False`` keeps only SHAP's C++ / the native routes (used by tests as the reference).
    """
    if isinstance(target, Prepared):
        return target
    model, param = _unwrap(target, param)
    fam = family_of(model)
    explainer = None
    try:
        explainer = _explainer(model, param)
    except Exception:  # noqa: BLE001 - SHAP cannot parse this library version: native routes only
        if fam not in ("xgboost", "lightgbm"):
            raise
    tables = None
    if compiled and explainer is not None:
        from . import fastshap

        import shap

        try:
            modes = feature_modes = None
            if fam == "lightgbm":
                modes = fastshap.lightgbm_nan_modes(_booster_lgb(model), explainer.model.children_left.shape)
            tables = fastshap.build(explainer.model, modes) if (fam != "lightgbm" or modes is not None) else None
            if tables is not None and tables.rest:
                if modes is not None:
                    feature_modes = fastshap.lightgbm_feature_modes(modes, explainer.model)
                    if feature_modes is None:
                        raise ValueError("mixed missing-value rules")
                rest = shap.TreeExplainer(fastshap.rest_ensemble(explainer.model, tables.rest),
                                          feature_perturbation="tree_path_dependent")
                return Prepared(model=model, param=param, family=fam, explainer=explainer, tables=tables,
                                verified=None if fam in ("xgboost", "lightgbm") else True, rest=rest,
                                feature_modes=feature_modes)
        except Exception:  # noqa: BLE001 - unusual tree layout: fall back to SHAP's C++ code
            tables = None
    return Prepared(model=model, param=param, family=fam, explainer=explainer, tables=tables,
                    verified=None if fam in ("xgboost", "lightgbm") else True)


def _native(prep: Prepared, chunk: np.ndarray, n_jobs: int) -> tuple[np.ndarray, float]:
    if prep.family == "xgboost":
        return _xgboost_contribs(prep.model, chunk, n_jobs)
    if prep.family == "lightgbm":
        return _lightgbm_contribs(prep.model, chunk, n_jobs)
    vals = np.asarray(prep.explainer.shap_values(chunk, check_additivity=False)).reshape(len(chunk), -1)
    return vals, _expected(prep.explainer)


def _verify(prep: Prepared, Xa: np.ndarray, n_jobs: int) -> None:
    """Use the compiled route for XGBoost/LightGBM only if it reproduces their own SHAP values."""

    # first rows as given, plus copies with each feature missing in turn: missing-value
    # semantics (default directions, LightGBM's NaN-as-zero) are where parses drift
    head = Xa[:PROBE_ROWS]
    gaps = []
    for j in range(Xa.shape[1]):
        g = head[:4].copy()
        g[:, j] = np.nan
        gaps.append(g)
    probe = np.vstack([head, *gaps])
    ref, _ = _native(prep, probe, n_jobs)
    fast = prep.compiled_values(probe)
    tol = (1e-3 if prep.family == "xgboost" else 1e-7) * max(1.0, float(np.abs(ref).max()))
    prep.verified = bool(fast.shape == ref.shape and np.all(np.abs(fast - ref) <= tol))
    if not prep.verified:
        prep.tables = None


def contributions(target: Any, X: pd.DataFrame | np.ndarray, *, param: int | None = None,
                  features: list[str] | None = None, check: bool = False, n_jobs: int = 2,
                  progress: Callable[[int], None] | None = None) -> Contributions:
    """Exact SHAP contributions of ``target``'s output on ``X`` (rows = samples).

    ``target`` is what an estimator's ``explain_targets()`` returns (library model or SHAP dict
    ensemble), a stock ``NGBRegressor`` (``param`` = distribution parameter) or a :class:`Prepared`
    (pass one to avoid re-parsing). ``check=True`` recomputes the model's own output independently
    (one prediction pass) and stores it as ``output``, so :meth:`Contributions.additivity_error`
    is a real test; otherwise ``output = base + sum``. ``progress(rows_done)`` after every chunk.
    """
    prep = prepare(target, param)
    Xa = _as_array(X)
    if features is None:
        features = list(X.columns) if isinstance(X, pd.DataFrame) else [f"x{j}" for j in range(Xa.shape[1])]
    if prep.tables is not None and prep.verified is None and len(Xa):
        _verify(prep, Xa, n_jobs)
    base = prep.base_value(Xa.shape[1])
    chunks = [Xa[i : i + CHUNK_ROWS] for i in range(0, len(Xa), CHUNK_ROWS)]
    parts: list[np.ndarray] = []
    if prep.tables is not None:
        import numba

        previous = numba.get_num_threads()
        numba.set_num_threads(max(1, min(n_jobs, numba.config.NUMBA_NUM_THREADS)))
        try:
            for chunk in chunks:
                parts.append(prep.compiled_values(chunk))
                if progress:
                    progress(sum(len(p) for p in parts))
        finally:
            numba.set_num_threads(previous)
    elif n_jobs > 1 and prep.family not in ("xgboost", "lightgbm") and len(chunks) > 1:
        with ThreadPoolExecutor(n_jobs) as pool:  # SHAP's C++ releases the GIL
            for vals, _ in pool.map(lambda c: _native(prep, c, 1), chunks):
                parts.append(vals)
                if progress:
                    progress(sum(len(p) for p in parts))
    else:
        for chunk in chunks:
            parts.append(_native(prep, chunk, n_jobs)[0])
            if progress:
                progress(sum(len(p) for p in parts))
    values = np.vstack(parts) if parts else np.zeros((0, Xa.shape[1]))
    output = model_output(prep, Xa, n_jobs=n_jobs) if check else base + values.sum(axis=1)
    return Contributions(features=list(features), base=float(base), values=values.astype(np.float64),
                         output=np.asarray(output, dtype=float))


def model_output(target: Any, X: pd.DataFrame | np.ndarray, param: int | None = None, *, n_jobs: int = 1) -> np.ndarray:
    """The explained output computed by the model itself (not via SHAP): the additivity reference."""
    if isinstance(target, Prepared):
        if isinstance(target.model, dict) or type(target.model).__module__.startswith("shap"):
            return _dict_output(target.explainer, _as_array(X))
        target, param = target.model, target.param
    model, param = _unwrap(target, param)
    Xa = _as_array(X)
    fam = family_of(model)
    if fam == "xgboost":
        import xgboost as xgb

        booster = _booster_xgb(model)
        dm = xgb.DMatrix(Xa, missing=np.nan, feature_names=booster.feature_names, nthread=n_jobs)
        return np.asarray(booster.predict(dm, output_margin=True, **_xgb_range(model)), dtype=float)
    if fam == "lightgbm":
        return np.asarray(_booster_lgb(model).predict(Xa, raw_score=True, num_threads=n_jobs, **_lgb_iter(model)), dtype=float)
    if fam == "ngboost":
        return ngboost_output(model, Xa, param)
    if isinstance(model, dict) or type(model).__module__.startswith("shap"):
        return _dict_output(_explainer(model, param), Xa)
    return np.asarray(model.predict(Xa), dtype=float).reshape(-1)


def _booster_xgb(model: Any) -> Any:
    return model.get_booster() if hasattr(model, "get_booster") else model


def _xgb_range(model: Any) -> dict[str, Any]:
    """Use the same trees as the sklearn wrapper's predict (best_iteration when early-stopped)."""
    if not hasattr(model, "get_booster"):
        return {}
    try:
        best = model.best_iteration
    except AttributeError:
        return {}
    return {"iteration_range": (0, int(best) + 1)} if best is not None else {}


def _xgboost_contribs(model: Any, Xa: np.ndarray, n_jobs: int) -> tuple[np.ndarray, float]:
    """XGBoost's native exact TreeSHAP: last column is the bias (= base value)."""
    import xgboost as xgb

    booster = _booster_xgb(model)
    dm = xgb.DMatrix(Xa, missing=np.nan, feature_names=booster.feature_names, nthread=n_jobs)
    raw = booster.predict(dm, pred_contribs=True, **_xgb_range(model))
    if len(raw):
        return raw[:, :-1].astype(np.float64), float(raw[0, -1])
    empty = xgb.DMatrix(np.full((1, Xa.shape[1]), np.nan), feature_names=booster.feature_names)
    return np.zeros((0, Xa.shape[1])), float(booster.predict(empty, pred_contribs=True)[0, -1])


def _booster_lgb(model: Any) -> Any:
    return model.booster_ if hasattr(model, "booster_") else model


def _lgb_iter(model: Any) -> dict[str, Any]:
    best = getattr(model, "best_iteration_", None) if hasattr(model, "booster_") else None
    return {"num_iteration": int(best)} if best else {}


def _lightgbm_contribs(model: Any, Xa: np.ndarray, n_jobs: int) -> tuple[np.ndarray, float]:
    """LightGBM's native exact TreeSHAP (``pred_contrib``): last column is the bias."""
    booster = _booster_lgb(model)
    probe = Xa if len(Xa) else np.full((1, Xa.shape[1]), np.nan)
    raw = np.asarray(booster.predict(probe, pred_contrib=True, num_threads=n_jobs, **_lgb_iter(model)))
    base = float(raw[0, -1])
    return (raw[:, :-1].astype(np.float64) if len(Xa) else np.zeros((0, Xa.shape[1]))), base


def interactions(target: Any, X: pd.DataFrame | np.ndarray, *, param: int | None = None, n_jobs: int = 1) -> np.ndarray:
    """SHAP interaction values, shape (n, p, p): diagonal = main effects, off-diagonal = coupling.

    Rows sum to the contributions. Cost is ~p times that of :func:`contributions`, so call it on a
    subsample (a few hundred rows). XGBoost uses its native ``pred_interactions``; everything else
    SHAP's C++ TreeExplainer (LightGBM has no native interaction values).
    """
    prep = prepare(target, param, compiled=False) if not isinstance(target, Prepared) else target
    model = prep.model
    Xa = _as_array(X)
    p = Xa.shape[1]
    if prep.family == "xgboost":
        import xgboost as xgb

        booster = _booster_xgb(model)
        dm = xgb.DMatrix(Xa, missing=np.nan, feature_names=booster.feature_names, nthread=n_jobs)
        raw = booster.predict(dm, pred_interactions=True, **_xgb_range(model))
        return np.asarray(raw[:, :-1, :-1], dtype=np.float64)
    if prep.explainer is None:
        from welllog.errors import WelllogError

        raise WelllogError(f"interaction values are not available for this {prep.family} model: SHAP cannot read it "
                           f"with the installed library versions; contributions still work")
    return np.asarray(prep.explainer.shap_interaction_values(Xa), dtype=np.float64).reshape(len(Xa), p, p)

