"""Ensemble across families: NGBoost (distributional) + LightGBM (point), averaged.

Why: on blind depth blocks of SPWLA 2020 the two families err in different places (NGBoost's
natural-gradient trees on binned inputs vs LightGBM's leaf-wise trees on raw values), and their
50/50 average scored ~0.3 us/ft better than either alone (bench/RESULTS.md, issue 4). The
predictive distribution is the equal-weight *mixture* of the members' Normals, summarised as a
Normal with the mixture's mean and variance (member spread + disagreement between members);
:class:`~welllog.recipes.CalibratedSonicModel` then rescales it on blind folds.

Explain targets (SHAP dict ensembles on the same feature matrix):

* ``"mean"``: every member's trees with leaf values multiplied by its weight, one ensemble whose
  output *is* the ensemble mean (exact additivity; LightGBM trees are read with SHAP's own parser).
* ``"scale"``: the NGBoost member's log-scale trees (how the inputs drive the distributional
  member's spread; the ensemble std also contains the members' disagreement).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import DEFAULT_QUANTILES, Distribution, DistributionalRegressor


def _lightgbm_dict(estimator, weight: float) -> dict:
    """A fitted LightGBMEstimator's mean model as a SHAP dict ensemble (leaf values x weight)."""
    import shap

    te = shap.explainers._tree.TreeEnsemble(estimator.model_.booster_)
    trees = [{"children_left": t.children_left, "children_right": t.children_right, "children_default": t.children_default,
              "features": t.features, "thresholds": t.thresholds, "values": t.values * weight,
              "node_sample_weight": t.node_sample_weight} for t in te.trees]
    return {"trees": trees, "base_offset": float(np.ravel(te.base_offset)[0]) * weight}


class EnsembleEstimator(DistributionalRegressor):
    """Weighted NGBoost + LightGBM; ``ngboost_params`` / ``lightgbm_params`` go to the members."""

    family = "ensemble"
    member_families = ("ngboost", "lightgbm")
    accepts_nan = False  # NGBoost needs imputed inputs; LightGBM is given the same matrix

    def __init__(self, weight_ngboost: float = 0.5, ngboost_params: dict | None = None, lightgbm_params: dict | None = None):
        self.weight_ngboost = weight_ngboost
        self.ngboost_params = ngboost_params
        self.lightgbm_params = lightgbm_params

    def set_params(self, **params) -> EnsembleEstimator:
        """As scikit-learn's, and ``lightgbm_params__n_estimators=10`` sets one member setting: the members'
        settings are dicts, not estimators, so scikit-learn's nested form had nothing to call (library audit)."""
        members = {f"{member}_params" for member in self.member_families}
        nested = {k: v for k, v in params.items() if "__" in k and k.split("__", 1)[0] in members}
        for key, value in nested.items():
            member, setting = key.split("__", 1)
            setattr(self, member, {**(getattr(self, member) or {}), setting: value})
        return super().set_params(**{k: v for k, v in params.items() if k not in nested})

    scale_adds_disagreement = True

    @property
    def scale_dist(self) -> str:
        """The NGBoost member's distribution (its scale trees are the ones explained)."""
        member = getattr(self, "members_", {}).get("ngboost")
        return str(getattr(member, "dist", "normal"))

    @property
    def explain_transforms(self) -> dict[str, str]:  # type: ignore[override]
        return {"mean": "identity: output = ensemble mean (target unit) = weighted sum of the members' means",
                "scale": "exp(output) = the NGBoost member's std (target unit); the ensemble std adds the members' disagreement"}

    def _weights(self) -> tuple[float, float]:
        w = float(self.weight_ngboost)
        if not 0.0 <= w <= 1.0:
            raise ValueError(f"weight_ngboost must lie in [0, 1], not {w}")
        return w, 1.0 - w

    def fit(self, X, y, groups=None) -> EnsembleEstimator:
        from . import make_estimator

        self._weights()
        X = np.asarray(X, dtype=float)
        self.n_features_in_ = X.shape[1]
        self.members_ = {member: make_estimator(member, **(getattr(self, f"{member}_params") or {})).fit(X, y, groups=groups)
                         for member in self.member_families}
        return self

    def predict_dist(self, X, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> Distribution:
        X = np.asarray(X, dtype=float)
        wn, wl = self._weights()
        dn = self.members_["ngboost"].predict_dist(X, quantiles=())
        dl = self.members_["lightgbm"].predict_dist(X, quantiles=())
        return Distribution.mixture([(dn.mean, dn.std), (dl.mean, dl.std)], (wn, wl), quantiles)

    def explain_targets(self) -> dict[str, object]:
        wn, wl = self._weights()
        ngb = self.members_["ngboost"].explain_targets()
        lgb = _lightgbm_dict(self.members_["lightgbm"], wl)
        mean = dict(ngb["mean"])
        if self.members_["ngboost"].dist != "normal":
            raise ValueError("the ensemble's mean is explainable only with a Normal NGBoost member")
        mean["trees"] = [{**t, "values": t["values"] * wn} for t in ngb["mean"]["trees"]] + lgb["trees"]
        mean["base_offset"] = ngb["mean"]["base_offset"] * wn + lgb["base_offset"]
        return {"mean": mean, "scale": ngb["scale"]}


__all__ = ["EnsembleEstimator"]
