"""Baseline families (RandomForest, sklearn HistGradientBoosting, XGBoost, LightGBM) with a distribution.

Why all baselines share one recipe: so every family is scored on the same probabilistic metrics
and differences come from the mean model, not from ad-hoc uncertainty tricks. The recipe
(residual-scaled Normal intervals calibrated on blind held-out blocks):

1. **Blind residuals.** ``calib_folds`` folds of whole wells (``groups``) or, for one well, of
   contiguous depth blocks; a mean model is fitted on the other folds and predicts the held-out
   one, giving out-of-fold residuals r that look like blind-well errors (random rows would not).
2. **Scale model.** A smaller model of the same family learns E|r| from the inputs; for a Normal,
   E|r| = sigma * sqrt(2/pi), so ``sigma_raw(x) = sqrt(pi/2) * max(s(x), floor)``.
3. **Calibration.** One factor ``c`` makes the 90% interval cover 90% of the out-of-fold residuals
   (quantile matching, robust to the heavy tails of log errors): ``sigma = c * sigma_raw``.
4. The final mean model is refitted on all rows. Quantiles are Normal(mean, sigma) quantiles.

Explain targets: ``{"mean": mean model, "scale": scale model}`` — the library models themselves
(sklearn / XGBoost / LightGBM), which ``shap.TreeExplainer`` reads natively. Transforms:
``mean``: identity (target unit); ``scale``: ``std = scale_factor_ * max(output, scale_floor_)``
with ``scale_factor_ = c * sqrt(pi/2)``.

Per family: ``rf`` = sklearn RandomForestRegressor (inputs imputed by SonicModel; the mean is
the average of the trees); ``gbdt`` = sklearn HistGradientBoostingRegressor (native NaN);
``xgboost`` = XGBRegressor(tree_method="hist") (native NaN); ``lightgbm`` = LGBMRegressor (native NaN).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from .base import DEFAULT_QUANTILES, Distribution, DistributionalRegressor, holdout_blocks

_Z90 = float(stats.norm.ppf(0.95))


class ResidualScaleRegressor(DistributionalRegressor):
    """Mean model + out-of-fold residual scale model; subclasses build the two library models."""

    explain_transforms = {
        "mean": "identity: output = predictive mean (target unit)",
        "scale": "output = expected |residual| (target unit); std = a fitted factor x output, floored",
    }

    def _mean_model(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _scale_model(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _omp_threads(self) -> int | None:
        """OpenMP thread cap during fit/predict (None: library default). On a small shared machine
        OpenMP's busy-waiting threads make 2 threads ~10-30x slower than 1, so families cap it."""
        return None

    def fit(self, X, y, groups=None):
        with threadpool_limits(limits=self._omp_threads(), user_api="openmp"):
            return self._fit(X, y, groups)

    def _fit(self, X, y, groups=None):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        self.n_features_in_ = X.shape[1]
        base = self._mean_model()
        oof = np.full(len(y), np.nan)
        for held in holdout_blocks(len(y), groups, self.calib_folds):
            if held.all() or not held.any():
                continue
            oof[held] = clone(base).fit(X[~held], y[~held]).predict(X[held])
        ok = np.isfinite(oof)
        resid = np.abs(y[ok] - oof[ok])
        self.scale_model_ = clone(self._scale_model()).fit(X[ok], resid)
        self.scale_floor_ = float(max(np.quantile(resid, 0.1), 1e-6))
        raw = np.sqrt(np.pi / 2) * np.maximum(self.scale_model_.predict(X[ok]), self.scale_floor_)
        c = float(np.quantile(resid / raw, 0.9) / _Z90) if len(resid) else 1.0
        self.scale_factor_ = c * np.sqrt(np.pi / 2)
        self.oof_residual_rmse_ = float(np.sqrt(np.mean(resid**2))) if len(resid) else float("nan")
        self.model_ = clone(base).fit(X, y)
        return self

    def predict_dist(self, X, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Distribution:
        X = np.asarray(X, dtype=float)
        with threadpool_limits(limits=self._omp_threads(), user_api="openmp"):
            mean = np.asarray(self.model_.predict(X), dtype=float)
            std = self.scale_factor_ * np.maximum(np.asarray(self.scale_model_.predict(X), dtype=float), self.scale_floor_)
        return Distribution.normal(mean, std, quantiles)

    def explain_targets(self) -> dict[str, object]:
        return {"mean": self.model_, "scale": self.scale_model_}


class RandomForestEstimator(ResidualScaleRegressor):
    """sklearn RandomForestRegressor mean; residual-scaled Normal (see module docstring)."""

    family = "rf"
    accepts_nan = False

    def __init__(self, n_estimators: int = 60, min_samples_leaf: int = 10, max_samples: float = 0.3, max_features: float = 0.7,
                 calib_folds: int = 3, n_jobs: int = 2, random_state: int | None = 0):
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.max_samples = max_samples
        self.max_features = max_features
        self.calib_folds = calib_folds
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _mean_model(self):
        from sklearn.ensemble import RandomForestRegressor

        return RandomForestRegressor(n_estimators=self.n_estimators, min_samples_leaf=self.min_samples_leaf, max_samples=self.max_samples,
                                     max_features=self.max_features, n_jobs=self.n_jobs, random_state=self.random_state)

    def _scale_model(self):
        from sklearn.ensemble import RandomForestRegressor

        return RandomForestRegressor(n_estimators=max(10, self.n_estimators // 3), min_samples_leaf=50, max_samples=self.max_samples,
                                     max_depth=8, n_jobs=self.n_jobs, random_state=self.random_state)


class HistGBDTEstimator(ResidualScaleRegressor):
    """sklearn HistGradientBoostingRegressor mean (native NaN); residual-scaled Normal."""

    family = "gbdt"
    accepts_nan = True

    def __init__(self, max_iter: int = 300, learning_rate: float = 0.05, max_leaf_nodes: int = 31, min_samples_leaf: int = 20,
                 calib_folds: int = 3, n_threads: int | None = 1, random_state: int | None = 0):
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.calib_folds = calib_folds
        self.n_threads = n_threads
        self.random_state = random_state

    def _omp_threads(self) -> int | None:
        return self.n_threads

    def _mean_model(self):
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
                                             min_samples_leaf=self.min_samples_leaf, early_stopping=False, random_state=self.random_state)

    def _scale_model(self):
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(max_iter=max(30, self.max_iter // 3), learning_rate=self.learning_rate, max_leaf_nodes=15,
                                             min_samples_leaf=100, early_stopping=False, random_state=self.random_state)


class XGBoostEstimator(ResidualScaleRegressor):
    """XGBoost (hist, native NaN) mean; residual-scaled Normal."""

    family = "xgboost"
    accepts_nan = True

    def __init__(self, n_estimators: int = 300, learning_rate: float = 0.05, max_depth: int = 6, subsample: float = 0.8,
                 calib_folds: int = 3, n_jobs: int = 1, random_state: int | None = 0):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.subsample = subsample
        self.calib_folds = calib_folds
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _mean_model(self):
        from xgboost import XGBRegressor

        return XGBRegressor(n_estimators=self.n_estimators, learning_rate=self.learning_rate, max_depth=self.max_depth, subsample=self.subsample,
                            tree_method="hist", n_jobs=self.n_jobs, random_state=self.random_state)

    def _scale_model(self):
        from xgboost import XGBRegressor

        return XGBRegressor(n_estimators=max(30, self.n_estimators // 3), learning_rate=self.learning_rate, max_depth=4, min_child_weight=50,
                            tree_method="hist", n_jobs=self.n_jobs, random_state=self.random_state)


class LightGBMEstimator(ResidualScaleRegressor):
    """LightGBM (native NaN) mean; residual-scaled Normal."""

    family = "lightgbm"
    accepts_nan = True

    def __init__(self, n_estimators: int = 300, learning_rate: float = 0.05, num_leaves: int = 31, min_child_samples: int = 20,
                 subsample: float = 0.8, colsample_bytree: float = 1.0, extra_trees: bool = False, calib_folds: int = 3, n_jobs: int = 1, random_state: int | None = 0):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.extra_trees = extra_trees
        self.calib_folds = calib_folds
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _mean_model(self):
        from lightgbm import LGBMRegressor

        return LGBMRegressor(n_estimators=self.n_estimators, learning_rate=self.learning_rate, num_leaves=self.num_leaves,
                             min_child_samples=self.min_child_samples, subsample=self.subsample, subsample_freq=1 if self.subsample < 1 else 0,
                             colsample_bytree=self.colsample_bytree, extra_trees=self.extra_trees,
                             n_jobs=self.n_jobs, random_state=self.random_state, verbose=-1)

    def _scale_model(self):
        from lightgbm import LGBMRegressor

        return LGBMRegressor(n_estimators=max(30, self.n_estimators // 3), learning_rate=self.learning_rate, num_leaves=15, min_child_samples=100,
                             n_jobs=self.n_jobs, random_state=self.random_state, verbose=-1)
