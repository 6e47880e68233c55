"""Exact SHAP contributions for every tree-model family welllog trains.

One entry point, :func:`contributions`, turns "a fitted tree model + a feature matrix" into a
:class:`Contributions` (base value, per-sample per-feature contributions, model output) in the
*model's own output space*, with ``base + values.sum(1) == output`` exactly (up to float error).
Each family takes the fastest exact route:

* XGBoost / LightGBM — the libraries' native TreeSHAP (``pred_contribs`` / ``pred_contrib``):
  exact, multithreaded C++, and immune to SHAP's model-parsing breaking on new library releases.
* NGBoost — the output of parameter ``k`` is ``init_k - lr * sum_i s_ik * tree_ik(x)``; SHAP is
  linear in the model, so the base-learner trees are rescaled by ``-lr * s_ik`` and handed to
  SHAP's C++ TreeExplainer as *one* custom ensemble (``{"trees": [...]}``): one call, exact.
* scikit-learn forests / histogram GBDT — shap.TreeExplainer (tree_path_dependent, exact).

Interaction values (:func:`interactions`) follow the same dispatch (XGBoost's native
``pred_interactions``; SHAP's C++ code for everything else, LightGBM included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: NGBoost parameter names -> index in the distribution's parameter vector (Normal: loc, log scale)
NGBOOST_PARAMS: dict[str, int] = {"mean": 0, "loc": 0, "scale": 1, "logscale": 1}


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
def ngboost_ensemble(ngb: Any, param: int, n_features: int | None = None) -> dict[str, Any]:
    """NGBoost parameter ``param`` as one SHAP custom tree ensemble (exact, linear combination).

    Each base learner (a scikit-learn regression tree fitted on columns ``col_idx``) keeps its
    structure; its split features are mapped back to the full feature matrix and its leaf values
    are multiplied by ``-learning_rate * scaling``, so the ensemble's raw output is the parameter.
    The result is cached on the model object (it only depends on the fitted trees).
    """
    cache = ngb.__dict__.setdefault("_welllog_shap_cache", {})
    key = (param, len(ngb.base_models))
    if key in cache:
        return cache[key]
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
    init = float(np.ravel(ngb.init_params)[param])
    ensemble = {
        "trees": trees,
        "base_offset": init,
        "tree_output": "raw_value",
        "objective": "squared_error",
        "input_dtype": np.float32,  # scikit-learn trees compare float32 inputs with the thresholds
        "internal_dtype": np.float64,
    }
    cache.clear()
    cache[key] = ensemble
    return ensemble


def ngboost_output(ngb: Any, X: np.ndarray, param: int) -> np.ndarray:
    """The parameter NGBoost itself computes (its ``pred_param``), for additivity checks."""
    return np.asarray(ngb.pred_param(np.asarray(X, dtype=float)))[:, param]


# -- shap TreeExplainer ------------------------------------------------------------------------
def _tree_explainer(model: Any) -> Any:
    """A cached shap.TreeExplainer (building one parses every tree; reuse it across calls)."""
    import shap

    holder = model if not isinstance(model, dict) else None
    if holder is not None:
        cached = holder.__dict__.get("_welllog_tree_explainer") if hasattr(holder, "__dict__") else None
        if cached is not None:
            return cached
    explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
    if holder is not None and hasattr(holder, "__dict__"):
        holder.__dict__["_welllog_tree_explainer"] = explainer
    return explainer


def _ngboost_explainer(ngb: Any, param: int) -> Any:
    import shap

    cache = ngb.__dict__.setdefault("_welllog_explainers", {})
    key = (param, len(ngb.base_models))
    if key not in cache:
        cache.clear()
        cache[key] = shap.TreeExplainer(ngboost_ensemble(ngb, param), feature_perturbation="tree_path_dependent")
    return cache[key]


def _expected(explainer: Any) -> float:
    return float(np.ravel(explainer.expected_value)[0])


# -- dispatch -------------------------------------------------------------------------------------
def contributions(target: Any, X: pd.DataFrame | np.ndarray, *, param: int | None = None,
                  features: list[str] | None = None, check: bool = False) -> Contributions:
    """Exact SHAP contributions of ``target``'s output (parameter ``param`` for NGBoost) on ``X``.

    ``check=True`` also recomputes the model's own prediction and stores it as ``output`` (costs one
    prediction pass); otherwise ``output`` is ``base + sum`` as returned by the exact algorithm.
    """
    model, param = _unwrap(target, param)
    if features is None:
        features = list(X.columns) if isinstance(X, pd.DataFrame) else [f"x{j}" for j in range(np.shape(X)[1])]
    Xa = np.ascontiguousarray(X.to_numpy(dtype=np.float64) if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=np.float64))
    fam = family_of(model)
    if fam == "xgboost":
        values, base, own = _xgboost_contribs(model, Xa, check)
    elif fam == "lightgbm":
        values, base, own = _lightgbm_contribs(model, Xa, check)
    elif fam == "ngboost":
        explainer = _ngboost_explainer(model, param)
        values = np.asarray(explainer.shap_values(Xa, check_additivity=False))
        base = _expected(explainer)
        own = ngboost_output(model, Xa, param) if check else None
    else:
        explainer = _tree_explainer(model)
        values = np.asarray(explainer.shap_values(Xa, check_additivity=False))
        base = _expected(explainer)
        own = np.asarray(model.predict(Xa if not isinstance(X, pd.DataFrame) else X)).ravel() if check else None
    values = values.reshape(len(Xa), -1)
    output = own if own is not None else base + values.sum(axis=1)
    return Contributions(features=list(features), base=float(base), values=values, output=np.asarray(output, dtype=float))


def _booster_xgb(model: Any) -> Any:
    return model.get_booster() if hasattr(model, "get_booster") else model


def _xgboost_contribs(model: Any, Xa: np.ndarray, check: bool) -> tuple[np.ndarray, float, np.ndarray | None]:
    import xgboost as xgb

    booster = _booster_xgb(model)
    dm = xgb.DMatrix(Xa, missing=np.nan)
    raw = booster.predict(dm, pred_contribs=True, **_xgb_range(model))
    values, bias = raw[:, :-1], raw[:, -1]
    own = booster.predict(dm, output_margin=True, **_xgb_range(model)) if check else None
    return values.astype(np.float64), float(bias[0]) if len(bias) else _xgb_base(booster), own


def _xgb_range(model: Any) -> dict[str, Any]:
    """Use the same trees as the sklearn wrapper's predict (best_iteration when early-stopped)."""
    best = getattr(model, "best_iteration", None) if hasattr(model, "get_booster") else None
    try:
        return {"iteration_range": (0, int(best) + 1)} if best is not None else {}
    except (TypeError, ValueError):
        return {}


def _xgb_base(booster: Any) -> float:
    import xgboost as xgb

    raw = booster.predict(xgb.DMatrix(np.full((1, booster.num_features()), np.nan)), pred_contribs=True)
    return float(raw[0, -1])


def _booster_lgb(model: Any) -> Any:
    return model.booster_ if hasattr(model, "booster_") else model


def _lightgbm_contribs(model: Any, Xa: np.ndarray, check: bool) -> tuple[np.ndarray, float, np.ndarray | None]:
    booster = _booster_lgb(model)
    kw = _lgb_iter(model)
    raw = np.asarray(booster.predict(Xa, pred_contrib=True, **kw))
    values, bias = raw[:, :-1], raw[:, -1]
    own = np.asarray(booster.predict(Xa, raw_score=True, **kw)) if check else None
    base = float(bias[0]) if len(bias) else float(booster.predict(np.full((1, Xa.shape[1]), np.nan), pred_contrib=True)[0, -1])
    return values.astype(np.float64), base, own


def _lgb_iter(model: Any) -> dict[str, Any]:
    best = getattr(model, "best_iteration_", None) if hasattr(model, "booster_") else None
    return {"num_iteration": int(best)} if best else {}


def interactions(target: Any, X: pd.DataFrame | np.ndarray, *, param: int | None = None) -> np.ndarray:
    """SHAP interaction values, shape (n, p, p): diagonal = main effects, off-diagonal = coupling.

    Cost grows with p x the contribution cost: call it on a subsample (a few hundred rows).
    """
    model, param = _unwrap(target, param)
    Xa = np.ascontiguousarray(X.to_numpy(dtype=np.float64) if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=np.float64))
    fam = family_of(model)
    if fam == "xgboost":
        import xgboost as xgb

        raw = _booster_xgb(model).predict(xgb.DMatrix(Xa, missing=np.nan), pred_interactions=True, **_xgb_range(model))
        return np.asarray(raw[:, :-1, :-1], dtype=np.float64)
    if fam == "ngboost":
        explainer = _ngboost_explainer(model, param)
    elif fam == "lightgbm":
        explainer = _tree_explainer(_booster_lgb(model))
    else:
        explainer = _tree_explainer(model)
    return np.asarray(explainer.shap_interaction_values(Xa), dtype=np.float64).reshape(len(Xa), Xa.shape[1], Xa.shape[1])
