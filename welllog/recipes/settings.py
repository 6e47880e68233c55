"""The recipe's defaults, each chosen on blind data (bench/RESULTS.md, accuracy section): the feature
spec, the members' settings, the inputs that are never core and those of the reduced-input model."""

from __future__ import annotations

from typing import Any

from welllog.features import FeatureSpec
from welllog.well import INPUT_CURVES

#: the recommended feature recipe: point values (log resistivity) + centred 21-sample context
#: (mean, std, gradient) of the curves that describe beds; CALI and RMED stay point values.
RECOMMENDED_SPEC = FeatureSpec(inputs=INPUT_CURVES, log_resistivity=True, context_window=21, context_stats=("mean", "std"),
                               gradients=True, context_curves=("GR", "NPHI", "RHOB", "RDEP", "PEF"))
#: the family of ``CalibratedSonicModel()`` when none is given (the NGBoost member alone: one model per
#: target); the product's recommendation is the ensemble (:data:`RECOMMENDED_MODEL_FAMILY`, ``recommended_model``)
RECOMMENDED_FAMILY = "ngboost"
#: the family ``welllog train`` and :func:`welllog.recipes.recommended_model` use: 0.5 NGBoost + 0.5 LightGBM
RECOMMENDED_MODEL_FAMILY = "ensemble"
#: the recipe's settings of the boosted members (the family alone or inside the ensemble), chosen on
#: blind data (bench/RESULTS.md, accuracy items 8 and 9); a value given in ``params`` wins
MEMBER_PARAMS: dict[str, dict[str, Any]] = {"lightgbm": {"colsample_bytree": 0.6}, "ngboost": {"min_samples_leaf": 50}}
#: curves whose BAD_HOLE flag keeps a target sample out of training (step 4)
BAD_HOLE_CURVES = ("CALI", "RHOB", "NPHI", "PEF")
#: inputs never core (step 4), so rows logged without them are trained on and predicted (T_QC bit 1): the
#: caliper describes the hole, not the rock; medium resistivity is often not run in top hole and nearly
#: repeats the deep one beside it (a 31/5-4 S logs RDEP on 9,675 rows, RMED on 2,457: three quarters of
#: its logged depth were left without a synthetic log, the reduced-input model's too)
OPTIONAL_INPUTS: tuple[str, ...] = ("CALI", "RMED")
#: inputs of the reduced-input model for rows without density/neutron (:mod:`welllog.recipes`, step 9): the
#: curves logged over top hole too; measured depth is added when every training well has it
FALLBACK_INPUTS: tuple[str, ...] = ("GR", "RDEP", "RMED", "CALI")
#: the reduced-input model's depth-context window (samples; ~15 m at force2020's 0.15 m): without a
#: porosity log, the trend of gamma ray and resistivity over some fifteen metres carries what a bed's own
#: readings do not (FORCE leave-one-well-out on rows without density/neutron, bench/RESULTS.md item 21)
FALLBACK_CONTEXT = 101
#: the key of the blind errors / calibration of DTS rows served from a logged DTC (step 6), beside the targets'
GIVEN_DTC = "DTS given DTC"
#: what to do with an input curve that changed scale part-way down a well (:mod:`welllog.recipes`, step 1)
SCALE_SHIFT_POLICIES = ("exclude", "rescale", "drop", "none")


def recommended_spec(depth: bool = False) -> FeatureSpec:
    """A copy of :data:`RECOMMENDED_SPEC`, with measured depth as an input when ``depth``."""
    spec = FeatureSpec.from_dict(RECOMMENDED_SPEC.to_dict())
    if depth and "DEPT" not in spec.inputs:
        spec.inputs = (*spec.inputs, "DEPT")
    return spec
