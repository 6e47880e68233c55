"""The boosted members' settings (recipe step 7), for the main estimators, the calibration folds'
models and the depth companion alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from welllog.models import with_member_setting
from welllog.recipes.settings import MEMBER_PARAMS


class MemberSettings:
    """``params`` completed with the recipe's member settings, a user's own value winning."""

    def _member_default(self, params: dict[str, Any], member: str, key: str, value: Any) -> dict[str, Any]:
        """``params`` with ``key=value`` for one member family ('ngboost' / 'lightgbm') unless the
        user set it: in the family's own params, or in a composite's ``<member>_params``; other
        families are left as configured."""
        routed = with_member_setting(self.family, params, member, key, value)
        return dict(params) if routed is None else routed

    def _member_settings(self) -> Mapping[str, Mapping[str, Any]]:
        """``member_params``, or the recipe's :data:`MEMBER_PARAMS` when not given (or pickled before it existed)."""
        member_params = getattr(self, "member_params", None)
        return MEMBER_PARAMS if member_params is None else member_params

    def _estimator_params(self) -> dict[str, Any]:
        """``params`` plus the recipe's member settings (``member_params``; ``{}`` for none), for the
        main estimators, the calibration folds' models and the depth companion alike.

        Why these: a new well shifts some inputs more than others (PEF's scale, resistivity with
        mud and fluids) and samples rocks the training wells have few of. LightGBM trees grown on
        a random 60% of the inputs (``colsample_bytree``) cannot all lean on the same input;
        NGBoost leaves of >= 50 samples (``min_samples_leaf``) stop its steps from fitting single
        samples of the training wells. Blind results, both data sets, in bench/RESULTS.md
        (accuracy items 8 and 9)."""
        params = dict(self.params or {})
        for member, settings in self._member_settings().items():
            for key, value in settings.items():
                params = self._member_default(params, member, key, value)
        return params

    def _fold_params(self) -> dict[str, Any]:
        """Fold models skip NGBoost's refit after early stopping (half the cost; the blind errors
        of a model fitted on 85% of the fold's rows are what we need, not a better fold model)."""
        return self._member_default(self._estimator_params(), "ngboost", "refit", False)
