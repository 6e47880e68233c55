"""The model zoo: one estimator interface, five families, and the :class:`SonicModel` bundle.

``make_estimator(family, **params)`` builds an unfitted estimator with scikit-learn conventions:
``fit(X, y, groups=None)``, ``predict(X)`` (mean), ``predict_dist(X, quantiles) -> Distribution``,
``explain_targets() -> {"mean": tree_model, "scale": tree_model}`` (+ ``explain_transforms``).
"""

from __future__ import annotations

from .base import DEFAULT_QUANTILES, Distribution, DistributionalRegressor
from .baselines import HistGBDTEstimator, LightGBMEstimator, RandomForestEstimator, XGBoostEstimator
from .ensemble import EnsembleEstimator
from .ngboost_family import NGBoostEstimator
from .sonic import SonicModel

#: family name -> estimator class, in display order (primary first)
FAMILY_CLASSES: dict[str, type[DistributionalRegressor]] = {
    "ngboost": NGBoostEstimator,
    "rf": RandomForestEstimator,
    "gbdt": HistGBDTEstimator,
    "xgboost": XGBoostEstimator,
    "lightgbm": LightGBMEstimator,
}
FAMILIES: tuple[str, ...] = tuple(FAMILY_CLASSES)
#: combinations of the families above (not part of ``FAMILIES``, which lists the single families
#: every tool compares); ``ensemble`` is the recommended model (see welllog.recipes)
COMPOSITE_CLASSES: dict[str, type[DistributionalRegressor]] = {"ensemble": EnsembleEstimator}
ALL_FAMILIES: tuple[str, ...] = (*FAMILIES, *COMPOSITE_CLASSES)


def make_estimator(family: str, **params) -> DistributionalRegressor:
    """An unfitted estimator of ``family`` ('ngboost', 'rf', 'gbdt', 'xgboost', 'lightgbm', 'ensemble')."""
    from welllog.errors import UsageError

    try:
        cls = {**FAMILY_CLASSES, **COMPOSITE_CLASSES}[family]
    except KeyError:
        raise UsageError(f"unknown model family {family!r}; choose one of {', '.join(ALL_FAMILIES)}") from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise UsageError(f"bad parameters for model family {family!r}: {exc}") from None


__all__ = [
    "ALL_FAMILIES",
    "COMPOSITE_CLASSES",
    "EnsembleEstimator",
    "HistGBDTEstimator",
    "LightGBMEstimator",
    "NGBoostEstimator",
    "RandomForestEstimator",
    "XGBoostEstimator",
    "DEFAULT_QUANTILES",
    "FAMILIES",
    "FAMILY_CLASSES",
    "Distribution",
    "DistributionalRegressor",
    "SonicModel",
    "make_estimator",
]
