"""The model zoo: one estimator interface, five families, and the :class:`SonicModel` bundle.

``make_estimator(family, **params)`` builds an unfitted estimator with scikit-learn conventions:
``fit(X, y, groups=None)``, ``predict(X)`` (mean), ``predict_dist(X, quantiles) -> Distribution``,
``explain_targets() -> {"mean": tree_model, "scale": tree_model}`` (+ ``explain_transforms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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


def family_class(family: str) -> type[DistributionalRegressor]:
    """The estimator class of ``family``; an unknown name is a usage error that lists the families."""
    from welllog.errors import UsageError

    try:
        return {**FAMILY_CLASSES, **COMPOSITE_CLASSES}[family]
    except KeyError:
        raise UsageError(f"unknown model family {family!r}; choose one of {', '.join(ALL_FAMILIES)}") from None


def make_estimator(family: str, **params) -> DistributionalRegressor:
    """An unfitted estimator of ``family`` ('ngboost', 'rf', 'gbdt', 'xgboost', 'lightgbm', 'ensemble')."""
    from welllog.errors import UsageError

    cls = family_class(family)
    try:
        return cls(**params)
    except TypeError as exc:
        raise UsageError(f"bad parameters for model family {family!r}: {exc}") from None


def with_member_setting(family: str, params: Mapping[str, Any], member: str, key: str, value: Any) -> dict[str, Any] | None:
    """The constructor ``params`` of a ``family`` estimator with ``key=value`` given to its ``member``
    family (e.g. NGBoost's ``dist``), a value already in ``params`` winning: in the family's own
    params when it *is* that member, in ``<member>_params`` when it is a composite holding it, and
    None when the family has no such member (so a caller can refuse a setting nothing would use).
    Routing by :attr:`DistributionalRegressor.member_families`, the recipe and the CLI need no
    fork on family names."""
    params = dict(params)
    if family == member:
        params.setdefault(key, value)
        return params
    if member in family_class(family).member_families:
        params[f"{member}_params"] = {key: value, **(params.get(f"{member}_params") or {})}
        return params
    return None


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
    "family_class",
    "make_estimator",
    "with_member_setting",
]
