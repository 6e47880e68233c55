"""The recipe's model: :class:`~welllog.models.SonicModel` with the recommended pipeline (the steps of
:mod:`welllog.recipes`): fitting, the depth companion, the DTS blend, the reduced-input model and
prediction. Input repair, member settings and the blind calibration are mixed in from their modules."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from welllog.calibration import FOLD_AGGREGATES as CALIBRATION_AGGREGATES
from welllog.calibration import BlindCalibration
from welllog.errors import MissingCurvesError, UsageError
from welllog.features import FeatureSpec
from welllog.models.base import DEFAULT_QUANTILES, Distribution
from welllog.models.sonic import (SonicModel, check_spec, check_training_inputs, curve_list, outside_range, training_well_record,
                                  without_ood_unpredicted)
from welllog.normalise import NORMALISED_CURVES, curve_levels, reference_levels
from welllog.recipes.blind import BlindFolds, factor_masks
from welllog.recipes.inputs import InputRepair, scale_shift_factors
from welllog.recipes.members import MemberSettings
from welllog.recipes.settings import FALLBACK_CONTEXT, FALLBACK_INPUTS, GIVEN_DTC, MEMBER_PARAMS, OPTIONAL_INPUTS, RECOMMENDED_FAMILY
from welllog.shear import (EXTRAPOLATION_RAMP, LOGGED_DTC_WEIGHTS, MIN_VPVS, RECOMMENDED_WEIGHTS, RATIO_TARGET, ROUTES, blend_shear, enforce_vpvs,
                           logged_dtc, mudrock_capped, ratio_dtc_limit, vpvs_violations)
from welllog.well import INPUT_CURVES, QC_LOGGED_DTC, QC_MISSING, QC_NOT_PREDICTED, QC_OOD, QC_REDUCED, Well


class CalibratedSonicModel(InputRepair, MemberSettings, BlindFolds, SonicModel):
    """:class:`SonicModel` + the recommended recipe (the steps in :mod:`welllog.recipes`). Same public interface.

    The constructor's defaults are the recipe's steps on a bare feature recipe and one NGBoost per
    target, a building block for experiments; the model ``welllog train`` builds — the ensemble
    family and the recommended features (21-sample depth context) — is :func:`recommended_model`."""

    def __init__(self, family: str = RECOMMENDED_FAMILY, targets: Sequence[str] = ("DTC",), feature_spec: FeatureSpec | None = None,
                 params: dict[str, Any] | None = None, tolerance: float = 0.05, depth_feature: str | bool = "average",
                 scale_shift: str = "exclude", clean_training: bool = True, calibrate: str = "blind", calibration_folds: int = 3,
                 calibration_gap: int = 50, level: float = 0.9, min_vpvs: float = MIN_VPVS, shear: str = "blend",
                 shear_weights: Sequence[float] = RECOMMENDED_WEIGHTS, mudrock_ramp: float = EXTRAPOLATION_RAMP,
                 companion_extra_trees: bool = True, calibration_aggregate: str = "pooled",
                 normalise_curves: Sequence[str] = NORMALISED_CURVES, member_params: Mapping[str, Mapping[str, Any]] | None = None,
                 companion_depth: str = "vertical", optional_inputs: Sequence[str] = OPTIONAL_INPUTS,
                 calibrate_bad_hole: bool = True, calibration_floor: bool = True, calibration_tails: bool = True,
                 fallback_inputs: Sequence[str] = FALLBACK_INPUTS, fallback_context: int = FALLBACK_CONTEXT,
                 shear_from_logged_dtc: bool = True):
        super().__init__(family=family, targets=targets, feature_spec=feature_spec, params=params, tolerance=tolerance)
        self.depth_feature = depth_feature
        self.scale_shift = scale_shift
        self.clean_training = clean_training
        self.calibrate = calibrate
        self.calibration_folds = calibration_folds
        self.calibration_gap = calibration_gap
        self.calibration_aggregate = calibration_aggregate
        self.level = level
        self.min_vpvs = min_vpvs
        self.shear = shear
        self.shear_weights = shear_weights
        self.mudrock_ramp = mudrock_ramp
        self.companion_extra_trees = companion_extra_trees
        self.normalise_curves = normalise_curves
        self.member_params = member_params
        self.companion_depth = companion_depth
        self.optional_inputs = optional_inputs
        self.calibrate_bad_hole = calibrate_bad_hole
        self.calibration_floor = calibration_floor
        self.calibration_tails = calibration_tails
        self.fallback_inputs = fallback_inputs
        self.fallback_context = fallback_context
        self.shear_from_logged_dtc = shear_from_logged_dtc

    #: the blind calibration per target once fitted (an unfitted model has none; read-only)
    calibration: Mapping[str, BlindCalibration] = MappingProxyType({})

    def _check_settings(self) -> None:
        """The settings, checked when fitting (the constructor only stores them, as scikit-learn's do):
        each a UsageError naming the setting, before any work (``level=1.5`` gave all-null bands)."""
        def need(ok: bool, what: str, value: Any) -> None:
            if not ok:
                raise UsageError(f"{what}, not {value!r}")

        need(isinstance(self.level, (int, float)) and 0.0 < float(self.level) < 1.0, "level must be a probability between 0 and 1, e.g. 0.9", self.level)
        need(isinstance(self.tolerance, (int, float)) and 0.0 <= float(self.tolerance) <= 1.0,
             "tolerance must be a fraction between 0 and 1 (rows a tolerated input may miss)", self.tolerance)
        need(isinstance(self.calibration_folds, int) and self.calibration_folds >= 2, "calibration_folds must be an integer >= 2", self.calibration_folds)
        need(isinstance(self.calibration_gap, int) and self.calibration_gap >= 0, "calibration_gap must be an integer >= 0 (samples)", self.calibration_gap)
        need(isinstance(self.fallback_context, int) and self.fallback_context >= 0, "fallback_context must be an integer >= 0 (samples)", self.fallback_context)
        need(isinstance(self.min_vpvs, (int, float)) and float(self.min_vpvs) >= 0.0, "min_vpvs must be >= 0 (0: no lift; sqrt(2): Poisson's ratio >= 0)", self.min_vpvs)
        need(self.calibration_aggregate in CALIBRATION_AGGREGATES, f"calibration_aggregate must be one of {', '.join(CALIBRATION_AGGREGATES)}",
             self.calibration_aggregate)
        for name in ("optional_inputs", "normalise_curves", "fallback_inputs"):
            value = getattr(self, name)
            curves = curve_list(() if value is None else value, name)
            unknown = [c for c in curves if c not in INPUT_CURVES]
            need(not unknown, f"{name} must name input curves ({', '.join(INPUT_CURVES)})", value)
        need(self.shear in ("blend", "direct"), "shear must be 'blend' or 'direct'", self.shear)
        need(len(self.shear_weights) == len(ROUTES) and min(self.shear_weights) >= 0 and sum(self.shear_weights) > 0,
             f"shear_weights must be {len(ROUTES)} non-negative numbers ({', '.join(ROUTES)})", self.shear_weights)
        unknown_members = sorted(set(self._member_settings()) - set(MEMBER_PARAMS))
        need(not unknown_members, f"member_params are for the members {sorted(MEMBER_PARAMS)}", unknown_members)
        need(self.depth_feature in (True, False, "auto", "average"), "depth_feature must be True, False, 'auto' or 'average'", self.depth_feature)
        need(self.companion_depth in ("vertical", "measured"), "companion_depth must be 'vertical' or 'measured'", self.companion_depth)
        need(self.calibrate in ("blind", "none"), "calibrate must be 'blind' or 'none'", self.calibrate)

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, wells: Sequence[Well], progress: Callable[[str], None] | None = None) -> CalibratedSonicModel:
        """Fit the recipe: blind calibration folds first (when enabled), then the final model on all wells.

        Steps: settings checked; the fitted feature recipe (:meth:`_fitted_feature_spec`); input levels
        (:meth:`_fit_input_levels`) and the cleaned training copies; blind calibration; the final
        estimators, the depth companion and the reduced-input model; metadata (:meth:`_record_fit`)."""
        wells = self._training_wells(wells)  # target-less wells out before anything is decided
        untrained = self.untrained_wells_
        self._check_settings()
        self.auxiliary_targets = [RATIO_TARGET] if self.shear == "blend" and {"DTC", "DTS"} <= set(self.targets) else []
        spec = check_spec(self.feature_spec if self.feature_spec is not None else FeatureSpec(), self.targets)
        check_training_inputs(wells, spec.inputs)  # before any fold is fitted
        spec = self.feature_spec_ = self._fitted_feature_spec(wells, spec)  # ``feature_spec`` stays as given
        core = self._core_inputs(wells, spec)
        self.depth_companion_ = None
        average = self.depth_feature == "average" and "DTC" in self.targets and all(w.has_depth for w in wells)
        companion_depth = "TVD" if self.companion_depth == "vertical" else "DEPT"
        self.depth_companion_spec_ = FeatureSpec.from_dict({**spec.to_dict(), "inputs": [*spec.inputs, companion_depth]}) if average else None
        train = self._fit_input_levels(wells, spec, core)
        self.calibration = {}
        self.logged_dtc_calibration_ = None
        self.shear_dtc_limit_ = self._shear_dtc_limit(train)
        if self.calibrate == "blind":
            self.calibration = self._blind_calibration(train, [self._blind_copy(w, core) for w in wells], progress)
            self.logged_dtc_calibration_ = self.calibration.pop(GIVEN_DTC, None)
        if progress:
            progress("fitting the final model on all training wells")
        self._fit_estimators(train, spec, progress)
        if average:
            if progress:
                progress("fitting the depth companion for DTC")
            self.depth_companion_ = self._fit_depth_companion(train, self._estimator_params())
        if "DEPT" in self.required_curves:
            # depth helps but must not lock out depth-less CSVs: there it is imputed (T_QC bit 1)
            self.required_curves = [c for c in self.required_curves if c != "DEPT"]
            self.tolerated_curves = [*self.tolerated_curves, "DEPT"]
            self.metadata["required_curves"] = list(self.required_curves)
            self.metadata["tolerated_curves"] = list(self.tolerated_curves)
        self.tolerate(self.optional_inputs)
        self.fallback_ = self._fit_fallback(wells, spec, progress)
        self.untrained_wells_ = untrained
        self._record_fit(wells)
        return self

    def _fitted_feature_spec(self, wells: Sequence[Well], spec: FeatureSpec) -> FeatureSpec:
        """The feature recipe as fitted: measured depth added or removed as ``depth_feature`` says (``auto``:
        an input when every training well has a depth column), and with ``scale_shift="exclude"`` the
        curves that changed scale part-way down a training well left out (:attr:`excluded_inputs_`)."""
        use_depth = self.depth_feature is True or (self.depth_feature == "auto" and all(w.has_depth for w in wells))
        if use_depth and "DEPT" not in spec.inputs:
            spec = FeatureSpec.from_dict({**spec.to_dict(), "inputs": [*spec.inputs, "DEPT"]})
        if not use_depth and "DEPT" in spec.inputs:
            spec = FeatureSpec.from_dict({**spec.to_dict(), "inputs": [c for c in spec.inputs if c != "DEPT"]})
        self.excluded_inputs_ = self._shifted_inputs(wells, spec) if self.scale_shift == "exclude" else {}
        if self.excluded_inputs_:
            spec = FeatureSpec.from_dict({**spec.to_dict(), "inputs": [c for c in spec.inputs if c not in self.excluded_inputs_]})
        return spec

    def _core_inputs(self, wells: Sequence[Well], spec: FeatureSpec) -> list[str]:
        """Inputs a training row must have to be trained on (step 4): those every training well logs,
        except depth, the optional inputs and, with ``scale_shift="drop"``, a curve nulled over its
        shifted interval (tolerated, not core)."""
        optional = set(getattr(self, "optional_inputs", ()))
        core = [c for c in spec.inputs if c != "DEPT" and c not in optional and all(w.has(c) for w in wells)]
        if self.scale_shift == "drop":
            dropped = {c for w in wells for c in scale_shift_factors(w)}
            core = [c for c in core if c not in dropped]
        return core

    def _fit_input_levels(self, wells: Sequence[Well], spec: FeatureSpec, core: Sequence[str]) -> list[Well]:
        """Step 2's reference levels (the training wells' median P5/P95 of each normalised curve,
        :attr:`normalise_reference_`), then the cleaned training copies (step 4) and each input's median
        over them (:attr:`curve_medians_`: what stands in for a missing optional input). Returns the
        training copies."""
        self.curve_medians_ = {}
        self.normalise_reference_ = {}
        unnormalised = [self.prepare(w).data for w in wells]
        for c in self.normalise_curves:
            ref = reference_levels([curve_levels(d[c]) for d in unnormalised if c in d.columns])
            if ref is not None:
                self.normalise_reference_[c] = ref
        train = [self._training_copy(w, core) for w in wells]
        for c in spec.inputs:
            vals = np.concatenate([w.data[c].to_numpy(dtype=float) for w in train if c in w.data.columns] or [np.array([np.nan])])
            if np.isfinite(vals).any():
                self.curve_medians_[c] = float(np.nanmedian(vals))
        return train

    def _record_fit(self, wells: Sequence[Well]) -> None:
        """What was fitted, as plain data in :attr:`metadata` (the store saves it; the API and the
        dashboard show it): the real training wells (content hashes of what the user gave, not of the
        repaired copies), the recipe, calibrations, companion, shear routes, input repairs, fallback."""
        self.metadata["training_wells"] = [training_well_record(w, self.targets) for w in wells]
        self.metadata["untrained_wells"] = self.untrained_wells_
        self.metadata["recipe"] = self.recipe()
        self.metadata["calibration"] = {t: c.to_dict() for t, c in self.calibration.items()}
        if self.depth_companion_ is not None:
            self.metadata["depth_companion"] = {"targets": list(self.depth_companion_.targets),
                                                "features": list(self.depth_companion_.feature_names)}
        if self.auxiliary_targets:
            self.metadata["shear_weights"] = dict(zip(ROUTES, (float(w) for w in self.shear_weights)))
            self.metadata["shear_dtc_limit"] = self.shear_dtc_limit_
        if self.logged_dtc_calibration_ is not None:
            self.metadata["logged_dtc"] = {"weights": dict(zip(ROUTES, (float(w) for w in LOGGED_DTC_WEIGHTS))),
                                           "calibration": self.logged_dtc_calibration_.to_dict()}
        self.metadata["normalise_reference"] = {c: list(ref) for c, ref in self.normalise_reference_.items()}
        self.metadata["input_repairs"] = {w.name: scale_shift_factors(w) for w in wells if scale_shift_factors(w)}
        self.metadata["excluded_inputs"] = {c: list(names) for c, names in self.excluded_inputs_.items()}
        if self.fallback_ is not None:
            fb = self.fallback_
            self.metadata["fallback"] = {"inputs": list(fb.inputs), "required_curves": list(fb.required_curves),
                                         "features": list(fb.feature_names), "training_rows": dict(fb.metadata.get("training_rows", {})),
                                         "calibration": {t: c.to_dict() for t, c in fb.calibration.items()}}

    def _fit_fallback(self, wells: Sequence[Well], spec: FeatureSpec,
                      progress: Callable[[str], None] | None) -> CalibratedSonicModel | None:
        """Step 9: the reduced-input model for rows the main model cannot predict, or None when it
        would add nothing (the main model requires none of the curves it does without) or cannot be
        fitted (no training row has its inputs and a target).

        The same recipe with every setting of this one, on :data:`FALLBACK_INPUTS` (those this model
        uses) plus measured depth and with a longer depth context (``fallback_context``), fitted from
        the wells as given — its own input repair, GR levels, training rows and blind calibration folds."""
        inputs = [c for c in getattr(self, "fallback_inputs", ()) if c in spec.inputs]
        if not inputs or not set(self.required_curves) - set(inputs):
            return None
        settings = {name: getattr(self, name) for name in inspect.signature(CalibratedSonicModel.__init__).parameters
                    if name not in ("self", "feature_spec", "fallback_inputs", "depth_feature")}
        window = (getattr(self, "fallback_context", None) or spec.context_window) if spec.context_window else 0
        reduced = FeatureSpec.from_dict({**spec.to_dict(), "inputs": inputs, "context_window": window,
                                         "context_curves": [c for c in (spec.context_curves or inputs) if c in inputs]})
        model = CalibratedSonicModel(**settings, feature_spec=reduced, fallback_inputs=(), depth_feature="auto")
        say = (lambda msg: progress(f"reduced-input model (no density/neutron): {msg}")) if progress else None
        try:
            return model.fit(wells, progress=say)
        except UsageError:  # e.g. no training row with a target and the reduced inputs
            return None

    def recipe(self) -> dict[str, Any]:
        """The recipe's settings as plain data (stored in metadata)."""
        return {"model_class": type(self).__name__, "depth_feature": "DEPT" in self.fitted_spec().inputs,
                "depth_average": getattr(self, "depth_companion_", None) is not None,
                "companion_extra_trees": self.companion_extra_trees,
                "companion_depth": getattr(self, "companion_depth", "measured"),
                "optional_inputs": list(getattr(self, "optional_inputs", ())),
                "scale_shift": self.scale_shift, "clean_training": self.clean_training, "calibrate": self.calibrate,
                "calibration_folds": self.calibration_folds, "calibration_gap": self.calibration_gap,
                "calibration_aggregate": self.calibration_aggregate, "level": self.level,
                "min_vpvs": self.min_vpvs, "shear": self.shear, "shear_weights": list(self.shear_weights),
                "mudrock_ramp": self.mudrock_ramp, "normalise_curves": list(getattr(self, "normalise_curves", ())),
                "member_params": {m: dict(v) for m, v in self._member_settings().items()},
                "calibrate_bad_hole": getattr(self, "calibrate_bad_hole", False),
                "calibration_floor": getattr(self, "calibration_floor", False),
                "calibration_tails": getattr(self, "calibration_tails", False),
                "fallback_inputs": list(getattr(self, "fallback_inputs", ())),
                "fallback_context": getattr(self, "fallback_context", None),
                "shear_from_logged_dtc": bool(getattr(self, "shear_from_logged_dtc", False))}
    # -- prediction ---------------------------------------------------------------------------
    def check_curves(self, well: Well) -> None:
        """As :meth:`SonicModel.check_curves`; a well the reduced-input model can predict passes
        when the curves it lacks are absent from the file (step 9: without density or neutron it
        is predicted from gamma ray and resistivity). A curve the file has but that QC emptied (a
        density declared kg/m3 holding g/cm3) is still an error: the user can fix it, and a quietly
        reduced prediction would hide the mistake."""
        try:
            super().check_curves(self.prepare(well))
        except MissingCurvesError as exc:  # "found" lists the file's curves, not columns derived for the model (TVD)
            if not exc.why and self.reduced_model_for(well) is not None:
                return
            found = [c for c in well.curves if c in well.mapping]
            fallback = getattr(self, "fallback_", None)
            if not exc.why and fallback is not None:  # name the least the well needs, not the main model's whole list
                least = [c for c in fallback.required_curves if not well.has(c)]
                fuller = [c for c in exc.missing if c not in least]
                depth = " and a depth column" if _reads_depth(fallback) and not well.has_depth else ""
                raise MissingCurvesError(exc.well, least or exc.missing, found, needed_by=(
                    f"the model (at the least: its reduced-input model predicts from {', '.join(fallback.required_curves)}{depth}"
                    + (f"; with {', '.join(fuller)} too, its full model" if fuller else "") + ")")) from None
            raise MissingCurvesError(exc.well, exc.missing, found, exc.why) from None

    def reduced_model_for(self, well: Well) -> CalibratedSonicModel | None:
        """The reduced-input model (step 9) when it has every curve it requires in ``well``, else
        None: what serves (and explains) the rows without density/neutron."""
        fallback = getattr(self, "fallback_", None)  # models saved before step 9 have none
        # the curves themselves, not check_curves: that prepares the well (a copy, GR levels), and
        # this runs several times per prediction; preparing never adds or removes a required curve
        if fallback is None or not all(well.has(c) for c in fallback.required_curves):
            return None
        if _reads_depth(fallback) and not well.has_depth:
            # a main model reading depth takes the training median for a depth-less well (T_QC bit 1:
            # a minor input beside density and neutron), but for the reduced-input model depth is the
            # strongest input left: SPWLA train.csv's rows without neutron, served so by a FORCE
            # model, came out 41 us/ft too slow with a band covering 0.18. No depth, no reduced model.
            return None
        return fallback

    def _fallback_needed(self, well: Well, unpredicted: np.ndarray) -> bool:
        """Whether to run the reduced-input model: it can serve ``well`` and some row the main model
        leaves ``unpredicted`` has every curve it requires. Why check first: most wells are
        logged with density-neutron throughout, and predicting them twice would halve batch speed."""
        if not unpredicted.any() or self.reduced_model_for(well) is None:
            return False
        need = [c for c in self.fallback_.required_curves if c in well.data.columns]
        return bool((unpredicted & well.data[need].notna().all(axis=1).to_numpy()).any())

    def features_for(self, well: Well) -> tuple[pd.DataFrame, np.ndarray]:
        return super().features_for(self.prepare(well))

    def companion_features_for(self, well: Well) -> tuple[pd.DataFrame, np.ndarray]:
        """The depth companion's feature matrix and predictable rows for ``well``, as it is served
        (the prepared well with its depth column): what an explanation of the averaged DTC mean needs."""
        return self.depth_companion_.features_for(self._with_depth_column(self.prepare(well)))

    def _qc(self, well: Well) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """As :meth:`SonicModel._qc` on the prepared well, plus ``"depth"`` (beyond the depth companion's
        range); rows only the reduced-input model predicts carry its bits and 32 (step 9)."""
        code, rows = self._qc_prepared(self.prepare(well))
        if not self._fallback_needed(well, (code & QC_NOT_PREDICTED) != 0):
            return code, rows
        fb_code, fb_rows = self.fallback_._qc(well)
        taken = ((code & QC_NOT_PREDICTED) != 0) & ((fb_code & QC_NOT_PREDICTED) == 0)
        # bit 1 stays: an input the main model needs is missing there, which is why it is reduced
        code = np.where(taken, (code & QC_MISSING) | fb_code | QC_REDUCED, code)
        merged = {reason: mask & ~taken for reason, mask in rows.items()}
        for reason, mask in fb_rows.items():
            merged[reason] = merged.get(reason, np.zeros(len(code), dtype=bool)) | (mask & taken)
        return code, merged

    def _qc_prepared(self, prepared: Well) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        code, rows = super()._qc(prepared)
        depth = self._depth_ood(prepared, getattr(self, "depth_companion_", None))
        if depth.any():  # the companion's depth beside the main model's own depth input, when it reads one
            rows = {**rows, "depth": rows.get("depth", np.zeros(len(depth), dtype=bool)) | (depth != 0)}
        return without_ood_unpredicted(code | depth), rows

    def _shear_dtc(self, well: Well, reduced: np.ndarray) -> np.ndarray:
        """Per row, the measured DTC that DTS is served from (step 6; NaN elsewhere): the well's
        logged DTC on rows of the main model when it takes it, on rows of the reduced-input model
        (``reduced``) when that one does."""
        fallback = getattr(self, "fallback_", None)
        takes = np.where(reduced, fallback is not None and fallback.uses_logged_dtc(), self.uses_logged_dtc())
        return np.where(takes, logged_dtc(well), np.nan)

    def _beyond_mudrock(self, dtc_mean: np.ndarray, given: np.ndarray) -> np.ndarray:
        """Rows whose DTS would lean on the mudrock line where it runs out (:func:`welllog.shear.mudrock_capped`),
        judged on the DTC the shear routes use: ``given`` where finite, else ``dtc_mean`` (both per row)."""
        if RATIO_TARGET not in getattr(self, "auxiliary_targets", []):
            return np.zeros(len(dtc_mean), dtype=bool)
        return mudrock_capped(dtc_mean, self.shear_weights, getattr(self, "shear_dtc_limit_", None),
                              getattr(self, "mudrock_ramp", 0.0), given)

    def _depth_ood(self, prepared: Well, companion: SonicModel | None) -> np.ndarray:
        """T_QC bit 8 where the depth the companion sees lies outside its training range.

        Why: beyond the deepest (or above the shallowest) training rock a tree returns its edge
        value, so such a row is an extrapolation like an out-of-range log value: flagged, and its
        interval takes the blind calibration's out-of-range factor. Only the depth column is
        checked: the companion's log inputs share the main model's rows and ranges."""
        depth_col = self.depth_companion_spec_.inputs[-1] if companion is not None else None
        lo_hi = companion.input_ranges.get(depth_col) if companion is not None else None
        if lo_hi is None or not prepared.has_depth:
            return np.zeros(len(prepared.data), dtype=np.int64)
        values = self._with_depth_column(prepared).data[depth_col].to_numpy(dtype=float)
        return np.where(outside_range(values, lo_hi), QC_OOD, 0).astype(np.int64)

    def predict_distributions(self, well: Well, quantiles: Sequence[float] = DEFAULT_QUANTILES,
                              calibrated: bool = True, physical: bool = True,
                              qc_code: np.ndarray | None = None, rows: np.ndarray | None = None,
                              diagnostics: dict[str, Any] | None = None) -> dict[str, tuple[Distribution, np.ndarray]]:
        """Per target (distribution on predictable rows, row mask), calibrated and Vp > Vs enforced.

        ``qc_code``: the well's T_QC code (:meth:`qc_codes`) when the caller has it; it picks each
        row's calibration factor (out of range, bad hole), and is built here otherwise. ``rows``:
        only these rows (boolean mask), as :meth:`SonicModel.predict_distributions`. ``diagnostics``:
        a dict the caller owns, given ``vpvs_violations_before`` (share of DTS rows below their DTC
        before Vp > Vs is enforced; None without both targets) — handed back, not kept on the model,
        which the API shares between concurrent requests."""
        prepared = self.prepare(well, note=True)
        logged = logged_dtc(prepared) if self.uses_logged_dtc() else None
        out = self._serve(super().predict_distributions(prepared, quantiles, rows=rows), prepared, getattr(self, "depth_companion_", None),
                          getattr(self, "shear_dtc_limit_", None), logged)
        if calibrated and self.calibration:
            code = self._qc_prepared(prepared)[0] if qc_code is None else qc_code
            ood, bad = factor_masks(code)
            for t, (dist, ok) in list(out.items()):
                cal = self.calibration.get(t)
                if dist is None or cal is None:
                    continue
                out[t] = (cal.apply(dist, ood[ok], bad[ok], list(dist.quantiles)), ok)
                if t == "DTS" and logged is not None and np.isfinite(logged[ok]).any():
                    k = np.isfinite(logged[ok])  # rows served from the measured DTC: their own calibration
                    part = self.logged_dtc_calibration_.apply(dist.subset(k), ood[ok][k], bad[ok][k], list(dist.quantiles))
                    out[t] = Distribution.filled((part, ok & np.isfinite(logged)), out[t])
        unpredicted = ~np.logical_or.reduce([ok for _, ok in out.values()]) if out else np.ones(len(well.data), dtype=bool)
        reduced = np.zeros(len(well.data), dtype=bool)
        if self._fallback_needed(well, unpredicted):  # step 9: rows the main model cannot predict
            extra = self.fallback_.predict_distributions(well, quantiles, calibrated=calibrated, physical=False, rows=unpredicted)
            out = {t: Distribution.filled(part, extra[t]) if t in extra else part for t, part in out.items()}
            reduced = unpredicted
        if diagnostics is not None:
            diagnostics["vpvs_violations_before"] = None
        if "DTC" not in out or "DTS" not in out or out["DTC"][0] is None or out["DTS"][0] is None:
            return out
        given = self._shear_dtc(prepared, reduced)  # the DTC each DTS row is served from, where measured
        out["DTS"] = self._without_beyond_mudrock(out, given) if physical else out["DTS"]
        ok = out["DTS"][1]
        dtc = out["DTC"][0].subset(ok[out["DTC"][1]])  # on the DTS rows (DTC is predicted wherever DTS is)
        if diagnostics is not None:
            diagnostics["vpvs_violations_before"] = vpvs_violations({"DTC": (dtc, ok), "DTS": out["DTS"]}, given[ok])
        if physical and self.min_vpvs:
            out["DTS"] = (enforce_vpvs(dtc, out["DTS"][0], self.min_vpvs, given[ok]), ok)
        return out

    def _without_beyond_mudrock(self, out: dict[str, tuple[Distribution, np.ndarray]], given: np.ndarray) -> tuple[Distribution, np.ndarray]:
        """DTS without the rows where it would lean on the mudrock line past its end (DTC slower than
        ~169 us/ft, measured or predicted; T_QC bit 16 there, :meth:`predict`).

        Why not serve them: no shear relation of the model reaches such soft rock — the ratio model
        never saw it, the mudrock line runs to Vs = 0 near 225 us/ft — and a capped line returned
        a flat 800 us/ft with a band of +-7% (5,902 top-hole samples of 18 FORCE wells, a
        petrophysicist's audit), which reads as knowledge. No DTS is measured in such rock in
        either data set, so nothing scored changes."""
        (dts, ok), (dtc, ok_dtc) = out["DTS"], out["DTC"]
        dtc_mean = np.full(len(ok), np.nan)
        dtc_mean[ok_dtc] = dtc.mean
        beyond = self._beyond_mudrock(dtc_mean, given) & ok
        return (dts.subset(~beyond[ok]), ok & ~beyond) if beyond.any() else (dts, ok)

    def _distributions_given_qc(self, well: Well, quantiles: Sequence[float], code: np.ndarray) -> dict[str, tuple[Distribution, np.ndarray]]:
        return self.predict_distributions(well, quantiles, qc_code=code)

    def predict(self, well: Well, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> pd.DataFrame:
        """As :meth:`SonicModel.predict`; DTS rows served from the well's measured DTC carry bit 64
        (step 6), and those left unpredicted because DTS would lean on the mudrock line past its end
        (:meth:`_without_beyond_mudrock`) bit 16 in ``DTS_QC`` (DTC is served there)."""
        pred = super().predict(well, quantiles)
        if "DTS_QC" in pred.columns and "DTC_MEAN" in pred.columns:
            code = pred["DTS_QC"].to_numpy()
            given = self._shear_dtc(well, (code & QC_REDUCED) != 0)  # the measured DTC each DTS row is served from
            served = pred["DTS_MEAN"].notna().to_numpy()
            withheld = self._beyond_mudrock(pred["DTC_MEAN"].to_numpy(dtype=float), given) & ~served
            code = np.where(withheld, (code & ~QC_OOD) | QC_NOT_PREDICTED, code)
            pred["DTS_QC"] = code | np.where(np.isfinite(given) & served, QC_LOGGED_DTC, 0)
        return pred

    def _serve(self, raw: dict[str, tuple[Distribution | None, np.ndarray]], well: Well, companion: SonicModel | None,
               dtc_limit: float | None, logged: np.ndarray | None = None) -> dict[str, tuple[Distribution | None, np.ndarray]]:
        """The estimators' raw outputs -> the served targets (depth companion averaged into DTC,
        DTS blended from its routes, on the measured DTC where ``logged``). The blind calibration
        folds make the same two steps (:meth:`_fold_errors`), so they measure exactly the predictor
        that is served, with the fold's own companion and ratio-model DTC limit."""
        return self._blend_shear(self._average_depth(raw, companion, well), dtc_limit, logged)

    def _logged_dtc_wanted(self) -> bool:
        """The setting (step 6) where it can act: both targets, the ratio route. Models saved before the step: no."""
        return bool(getattr(self, "shear_from_logged_dtc", False)) and RATIO_TARGET in getattr(self, "auxiliary_targets", [])

    def uses_logged_dtc(self) -> bool:
        """Whether this fitted model serves DTS rows with a logged DTC from it: wanted, and blind-
        calibrated for such rows when it calibrates at all (without that calibration the band would
        be the predicted-DTC band's factor on a narrower spread: too narrow)."""
        return self._logged_dtc_wanted() and (self.calibrate != "blind" or getattr(self, "logged_dtc_calibration_", None) is not None)

    @staticmethod
    def _with_depth_column(well: Well) -> Well:
        return replace(well, data=well.data.assign(DEPT=well.data.index.to_numpy(dtype=float)))

    def _fit_depth_companion(self, wells: Sequence[Well], params: dict[str, Any]) -> SonicModel:
        """DTC model with measured depth as an extra input, fitted on the same (prepared) rows."""
        companion = SonicModel(family=self.family, targets=["DTC"], feature_spec=FeatureSpec.from_dict(self.depth_companion_spec_.to_dict()),
                               params=self._companion_params(params), tolerance=self.tolerance).fit([self._with_depth_column(w) for w in wells])
        companion.tolerate(getattr(self, "optional_inputs", ()))
        return companion

    def _companion_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """The companion's LightGBM (alone or as ensemble member) draws split thresholds at random
        (``extra_trees``): with best splits, depth thresholds pin each training well's own depth
        intervals (a well identifier); random ones leave a smoother compaction trend. FORCE 2020
        leave-one-well-out, DTC RMSE: LightGBM 50/50 10.14 -> 9.99 (``bench_accuracy.py
        --depth-ablation``), recommended model 10.06 -> 9.94. Not for the main models: on SPWLA
        2020's blind blocks extra trees cost the no-depth LightGBM 0.4 contest points."""
        return self._member_default(params, "lightgbm", "extra_trees", self.companion_extra_trees)

    def _average_depth(self, dists: dict[str, tuple[Distribution | None, np.ndarray]], companion: SonicModel | None,
                       well: Well) -> dict[str, tuple[Distribution | None, np.ndarray]]:
        """DTC as the 50/50 mixture of the no-depth model and the depth companion (step 3,
        ``"average"``), on rows both predict; a well without real depth keeps the no-depth DTC."""
        main, ok = dists.get("DTC", (None, None))
        if companion is None or main is None or not well.has_depth:
            return dists
        other, ok2 = companion.predict_distributions(self._with_depth_column(well))["DTC"]
        if other is None:
            return dists
        both = ok & ok2
        at_main, at_other = both[ok], both[ok2]
        mixed = Distribution.mixture([(main.mean[at_main], main.std[at_main]), (other.mean[at_other], other.std[at_other])],
                                     (0.5, 0.5), ())
        mean, std = main.mean.copy(), main.std.copy()
        mean[at_main], std[at_main] = mixed.mean, mixed.std
        return {**dists, "DTC": (Distribution.normal(mean, std, list(main.quantiles)), ok)}

    def _shear_dtc_limit(self, train: Sequence[Well]) -> float | None:
        """The slowest DTC among the rows the ratio model learns from (training copies): beyond it
        the DTS blend leans on the mudrock line (:func:`welllog.shear.route_weights`)."""
        if RATIO_TARGET not in self.auxiliary_targets:
            return None
        pairs = [w.data[["DTC", RATIO_TARGET]].to_numpy(dtype=float) for w in train if {"DTC", RATIO_TARGET} <= set(w.data.columns)]
        both = np.concatenate(pairs) if pairs else np.empty((0, 2))
        return ratio_dtc_limit(both[:, 0], both[:, 1])

    def _blend_shear(self, dists: dict[str, tuple[Distribution | None, np.ndarray]], dtc_limit: float | None = None,
                     logged: np.ndarray | None = None) -> dict[str, tuple[Distribution | None, np.ndarray]]:
        """DTS from the three routes of :mod:`welllog.shear` when the ratio model was fitted (step 6),
        the mudrock route taking over beyond ``dtc_limit``, on the measured DTC where ``logged`` (per
        row of the well, NaN where none); the auxiliary ratio is never an output."""
        out = dict(dists)
        ratio = out.pop(RATIO_TARGET, (None, None))[0]
        if ratio is not None and out.get("DTC", (None,))[0] is not None and out.get("DTS", (None,))[0] is not None:
            dts, ok = out["DTS"]
            out["DTS"] = (blend_shear(dts, ratio, out["DTC"][0], self.shear_weights, dtc_limit=dtc_limit,
                                      ramp=getattr(self, "mudrock_ramp", 0.0), logged=None if logged is None else logged[ok]), ok)
        return out


def recommended_model(targets: Sequence[str] = ("DTC", "DTS"), **settings: Any) -> CalibratedSonicModel:
    """The product's recommended model, unfitted, as ``welllog train`` builds it: the ensemble family
    (0.5 NGBoost + 0.5 LightGBM) on the recommended features (:func:`recommended_spec`), every recipe
    step at its default; ``settings`` override any constructor argument (``family="lightgbm"`` for a
    fast one). One definition for the CLI, the benchmark and a notebook."""
    from welllog.recipes.settings import RECOMMENDED_MODEL_FAMILY, recommended_spec

    settings.setdefault("family", RECOMMENDED_MODEL_FAMILY)
    settings.setdefault("feature_spec", recommended_spec())
    return CalibratedSonicModel(targets=list(targets), **settings)


def _reads_depth(model: SonicModel) -> bool:
    """Whether ``model``'s estimators take measured depth as an input (the reduced-input model does
    when every training well had a depth column)."""
    return "DEPT" in model.fitted_spec().inputs
