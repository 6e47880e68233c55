"""The recommended pipeline: input repair, clean training rows, depth context, blind calibration, Vp > Vs.

Why a recipe on top of :class:`~welllog.models.SonicModel` rather than new knobs everywhere: every
step below changes what a model *means* (its inputs, its training rows, its intervals), so the
whole recipe is stored with the model (``metadata["recipe"]``) and applied identically at
training, prediction and explanation time (``features_for`` is overridden, so SHAP explains
exactly the matrix the estimators see). Each step was chosen on blind data only (contiguous
blocks of the SPWLA 2020 training well, leave-one-well-out on FORCE 2020); see bench/RESULTS.md.

1. **Scale shifts** (QC flag ``SCALE_SHIFT``, e.g. PEF recorded x0.01 over the deepest third of
   SPWLA 2020's train.csv): a curve that changed scale part-way down a *training* well is left
   out of the model's inputs (``scale_shift="exclude"``, default; ``metadata["excluded_inputs"]``
   and a note in each predicted well's provenance). Why: such a curve was spliced from runs of
   different tools or processing; a power of ten restores its level but not its calibration, and
   on SPWLA 2020's blind blocks the repaired PEF cost the recommended model 11.2 -> 11.8 (contest
   estimate; bench/RESULTS.md). ``"rescale"`` keeps the curve and multiplies the flagged samples
   by the power of ten that brings their level back to the rest of the curve (recorded in the
   well's provenance); ``"drop"`` nulls them. A well to be *predicted* whose curve shifts is
   rescaled under ``"exclude"`` too. Model input only: output files keep the original.
2. **Gamma-ray normalisation** (``normalise_curves=("GR",)``): each well's GR is mapped from its own
   P5/P95 onto the training wells' median levels (:mod:`welllog.normalise`; tool calibration and
   hole conditions shift GR between wells). Model input only, recorded in provenance.
3. **Depth** (``depth_feature="average"``, default): measured depth (compaction) is not an input
   of the main model, but DTC is the 50/50 mixture of that model and a *companion* DTC model that
   also sees depth, when every training well has a real depth column (never for depth-less CSVs,
   whose row numbers are no depth; there, and for a well without depth, DTC is the main model's).
   Why: leave-one-well-out on FORCE 2020 depth as an input helps DTC in 16 of 22 wells but hurts a
   few badly (mean RMSE 10.65 with, 10.54 without) and hurts DTS (4 training wells: depth becomes
   a well identifier, 38.7 vs 32.6; ``bench_accuracy.py --depth-ablation``); averaging the two
   DTC models brought the recommended model's DTC from 10.42 to 10.06, and 9.94 once the
   companion's LightGBM drew random split thresholds (``companion_extra_trees``). The companion's
   depth is *vertical* depth (``companion_depth="vertical"``, default; :mod:`welllog.depth`: TVD
   where the well has it, gaps and TVD-less wells from measured depth), since compaction follows
   the load above a rock, not the length of hole; ``"measured"`` gives it measured depth.
   ``True``/``"auto"`` make measured depth an input of every model (a tolerated one: imputed,
   T_QC bit 1), ``False`` drops it.
4. **Training rows** (``clean_training=True``): a target sample is not trained on when the target
   is a QC spike, when the hole is bad (caliper >> bit size: pad tools and sonic read mud), or when
   a *core* input (present in every training well) is missing there — the model learns from
   measured inputs, not from imputed medians. Curves absent from whole wells stay tolerated.
   The caliper is never core (``optional_inputs=("CALI",)``): it describes the hole, not the
   rock, and whole runs are logged without it (force2020's 36/7-3 has it on 1% of its DTC rows),
   so requiring it dropped those intervals from training and left them unpredicted. Such rows are
   trained on, and a well or row without it is always predicted (T_QC bit 1): where the training
   rows missed it often enough the model learned that (NaN for LightGBM, the median for NGBoost);
   where every training row had it, its training median stands in (:meth:`SonicModel.tolerate`).
5. **Blind calibration** (``calibrate="blind"``): ``calibration_folds`` models are fitted with
   whole wells held out (or, for fewer than three wells, contiguous depth blocks with a
   ``calibration_gap``), their standardised errors on the held-out data give one std factor per
   target — split conformal on all folds' in-range rows together (``calibration_aggregate=
   "pooled"``; the median of the folds' factors left SPWLA DTS at 0.84 coverage) — and a larger
   one where inputs are out of the training range (:mod:`welllog.calibration`), and one for rows
   in a bad hole (T_QC bit 4: never trained on, but scored in the held-out pieces against their
   measured target, ``calibrate_bad_hole``). With ``calibration_floor``, the factors multiply
   ``sqrt(spread^2 + tau^2)`` rather than the model's own spread: a floor ``tau`` fitted by
   maximum likelihood on the folds' in-range errors, because part of a new well's error is there
   however sure the model is (its narrowest DTS bands were the over-confident ones, bench/RESULTS.md
   item 16). With ``calibration_tails``, the band is a Student-t whose degrees of freedom are
   fitted on the same blind errors, scaled so that its ``level`` interval is the conformal one:
   blind errors are heavier-tailed than a Normal (item 19), and the tails change NLL, CRPS, the std
   and every quantile but the calibrated band's two ends. A target the shared folds never score
   (logged in one or two of the wells, e.g. DTS) gets folds of its own over the wells that log
   it, or depth blocks of the interval where it is logged; one that not even those can score is
   stored uncalibrated and said to be. The final model is fitted on everything and the factors applied.
6. **Shear from three routes** (``shear="blend"``, with both targets): DTS is the blend of a
   direct DTS model, a Vp/Vs-ratio model x the predicted DTC and the mudrock line on the
   predicted DTC (:mod:`welllog.shear`); the ratio model is an auxiliary target fitted on the
   same rows; weights ``shear_weights`` (default 0.3 / 0.7 / 0, chosen on blind SPWLA blocks and
   FORCE wells together, see :mod:`welllog.shear`). Where the predicted DTC is slower than the
   rocks the ratio model was trained on (its 99th percentile, ``metadata["shear_dtc_limit"]``),
   the weights move to the mudrock line over ``mudrock_ramp`` us/ft (a tree model of the ratio
   cannot extrapolate; the line can). SHAP for DTS explains the direct model (the other routes
   act through DTC). **Where the well logs DTC** (``shear_from_logged_dtc``), the routes take the
   measured DTC instead of the predicted one, with the ratio route alone
   (:data:`welllog.shear.LOGGED_DTC_WEIGHTS`), and those rows' band gets a blind calibration of
   its own (``logged_dtc_calibration_``: the same folds, scored as if the held-out wells' DTC were
   logged — their spread lacks the DTC's): FORCE leave-one-well-out DTS 32.9 -> 18.6 us/ft
   (bench/RESULTS.md item 23). Those rows carry T_QC bit 64; a well without DTC is served as before.
7. **Member settings** (``member_params``, default :data:`MEMBER_PARAMS`): each LightGBM tree
   (alone or in the ensemble) is grown on a random 60% of the inputs, so no single input that a
   new well may shift carries every tree; NGBoost's tree leaves hold at least 50 samples, so its
   steps follow groups of rocks rather than single samples of the training wells.
8. **Vp > Vs**: with both targets, DTS is lifted to at least ``min_vpvs`` x DTC (mean and each
   quantile: if every DTS is >= r x DTC, so is every quantile of it). Shear slowness below
   compressional slowness is impossible, and below sqrt(2) x DTC needs a negative Poisson's ratio
   (:data:`welllog.shear.MIN_VPVS`, the default; models saved before it used 1).
9. **Rows without density or neutron** (``fallback_inputs``, default :data:`FALLBACK_INPUTS`): the
   main model needs the density-neutron pair, which is rarely logged in top hole — a quarter to
   three quarters of the logged DTC rows of many force2020 wells, the very interval a synthetic
   sonic is wanted for (seismic ties, overburden velocities). A second model of the same recipe,
   on gamma ray, resistivities, caliper and measured depth only (``fallback_``), predicts the rows
   the main model cannot, with its own blind calibration (its own folds: its errors are larger, and
   its band says so); those rows carry T_QC bit 32. Depth is a plain input there, not a companion:
   with no porosity log, compaction is most of what is left to know (lab, FORCE leave-one-well-out
   on rows without NPHI: 10.6 us/ft with depth as an input, 12.8 with the 50/50 companion;
   bench/RESULTS.md item 18), and its depth context is longer (``fallback_context``, 101 samples
   against the main model's 21: the trend of gamma ray and resistivity over ~15 m stands in
   for the missing porosity logs; item 21). Training rows of both models skip sonic that never measured the rock
   (QC ``NOT_FORMATION``: straight-line fills, casing arrivals), which hides in the same top hole.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from welllog.calibration import MIN_FOLD_ROWS, BlindCalibration, FoldErrors, fit_blind_calibration, model_spread, standardised_errors
from welllog.depth import vertical_depth
from welllog.errors import MissingCurvesError, UsageError
from welllog.evaluation.splits import blind_folds
from welllog.features import FeatureSpec
from welllog.models.base import DEFAULT_QUANTILES, Distribution
from welllog.models.sonic import QC_BAD_HOLE, QC_LOGGED_DTC, QC_MISSING, QC_NOT_PREDICTED, QC_OOD, QC_REDUCED, SonicModel, outside_range, training_well_record, without_ood_unpredicted
from welllog.normalise import MIN_SAMPLES, NORMALISED_CURVES, curve_levels, normalise, reference_levels
from welllog.shear import (EXTRAPOLATION_RAMP, LOGGED_DTC_WEIGHTS, MIN_VPVS, RECOMMENDED_WEIGHTS, RATIO_TARGET, ROUTES, blend_shear, enforce_vpvs,
                           logged_dtc, mudrock_capped, ratio_dtc_limit, vpvs_ratio, vpvs_violations)
from welllog.well import INPUT_CURVES, Provenance, QCFlag, Well

#: the recommended feature recipe: point values (log resistivity) + centred 21-sample context
#: (mean, std, gradient) of the curves that describe beds; CALI and RMED stay point values.
RECOMMENDED_SPEC = FeatureSpec(inputs=INPUT_CURVES, log_resistivity=True, context_window=21, context_stats=("mean", "std"),
                               gradients=True, context_curves=("GR", "NPHI", "RHOB", "RDEP", "PEF"))
RECOMMENDED_FAMILY = "ngboost"
#: the recipe's settings of the boosted members (the family alone or inside the ensemble), chosen on
#: blind data (bench/RESULTS.md, accuracy items 8 and 9); a value given in ``params`` wins
MEMBER_PARAMS: dict[str, dict[str, Any]] = {"lightgbm": {"colsample_bytree": 0.6}, "ngboost": {"min_samples_leaf": 50}}
_BAD_HOLE_CURVES = ("CALI", "RHOB", "NPHI", "PEF")
#: inputs that describe the hole, not the rock: never core (step 4), so rows logged without them are trained on
OPTIONAL_INPUTS: tuple[str, ...] = ("CALI",)
#: inputs of the reduced-input model for rows without density/neutron (module docstring, step 9): the
#: curves logged over top hole too; measured depth is added when every training well has it
FALLBACK_INPUTS: tuple[str, ...] = ("GR", "RDEP", "RMED", "CALI")
#: the reduced-input model's depth-context window (samples; ~15 m at force2020's 0.15 m): without a
#: porosity log, the trend of gamma ray and resistivity over some fifteen metres carries what a bed's own
#: readings do not (FORCE leave-one-well-out on rows without density/neutron, bench/RESULTS.md item 21)
FALLBACK_CONTEXT = 101
#: the key of the blind errors / calibration of DTS rows served from a logged DTC (step 6), beside the targets'
GIVEN_DTC = "DTS given DTC"
#: what to do with an input curve that changed scale part-way down a well (module docstring, step 1)
SCALE_SHIFT_POLICIES = ("exclude", "rescale", "drop", "none")


def _flagged(qc: pd.DataFrame, curve: str, flags: QCFlag) -> np.ndarray:
    """Rows of ``curve`` whose QC flags include any of ``flags``."""
    return (qc[curve].to_numpy().astype(np.int64) & int(flags)) != 0


def factor_masks(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose interval takes a wide factor of the blind calibration (step 5): ``(out of
    range, bad hole)`` — an input outside the training range (T_QC bit 8), a bad hole (bit 4).

    Why bad hole apart: those rows are never trained on (step 4), yet pad tools read mud there;
    the blind folds score them against their measured target and give them a factor of their own
    (bench/RESULTS.md items 13-14)."""
    code = np.asarray(code, dtype=np.int64)
    return (code & QC_OOD) != 0, (code & QC_BAD_HOLE) != 0


def recommended_spec(depth: bool = False) -> FeatureSpec:
    """A copy of :data:`RECOMMENDED_SPEC`, with measured depth as an input when ``depth``."""
    spec = FeatureSpec.from_dict(RECOMMENDED_SPEC.to_dict())
    if depth and "DEPT" not in spec.inputs:
        spec.inputs = (*spec.inputs, "DEPT")
    return spec


def scale_shift_factors(well: Well, reference: dict[str, float] | None = None) -> dict[str, float]:
    """Per input curve with SCALE_SHIFT samples: the power of ten that restores their level.

    The level to restore is the rest of the curve in the same well; when (nearly) the whole
    curve is flagged — a slice or a well logged entirely on the odd scale — the training median
    in ``reference`` (curve -> median, kept by the model) stands in for it.
    """
    out: dict[str, float] = {}
    reference = reference or {}
    qc = well.qc_flags()
    for c in INPUT_CURVES:
        if c not in qc.columns or c not in well.data.columns:
            continue
        mask = _flagged(qc, c, QCFlag.SCALE_SHIFT)
        v = well.data[c].to_numpy(dtype=float)
        inside, outside = v[mask & np.isfinite(v) & (v > 0)], v[~mask & np.isfinite(v) & (v > 0)]
        if len(inside) < 10:
            continue
        if len(outside) >= 10:
            ref = float(np.median(outside))
        elif reference.get(c, 0) > 0:
            ref = float(reference[c])
        else:
            continue
        power = round(float(np.log10(ref / np.median(inside))))
        if power != 0:
            out[c] = float(10.0**power)
    return out


class CalibratedSonicModel(SonicModel):
    """:class:`SonicModel` + the recommended recipe (module docstring). Same public interface."""

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
        self.shear_weights = tuple(shear_weights)
        self.mudrock_ramp = mudrock_ramp
        self.companion_extra_trees = companion_extra_trees
        self.normalise_curves = tuple(normalise_curves)
        self.member_params = member_params
        self.companion_depth = companion_depth
        self.optional_inputs = tuple(optional_inputs)
        self.calibrate_bad_hole = calibrate_bad_hole
        self.calibration_floor = calibration_floor
        self.calibration_tails = calibration_tails
        self.fallback_inputs = tuple(fallback_inputs)
        self.fallback_context = fallback_context
        self.shear_from_logged_dtc = shear_from_logged_dtc
        self.calibration: dict[str, BlindCalibration] = {}

    # -- input repair -------------------------------------------------------------------------
    def prepare(self, well: Well, note: bool = False) -> Well:
        """The well as the estimators see it: scale shifts repaired, gamma ray normalised to the
        training wells' levels (once fitted), DEPT column when used, TVD (vertical depth on every
        row) when the depth companion takes it.

        ``note=True`` records the repair in ``well.provenance`` (once per well)."""
        if self.scale_shift not in SCALE_SHIFT_POLICIES:
            raise UsageError(f"scale_shift must be one of {', '.join(SCALE_SHIFT_POLICIES)}, not {self.scale_shift!r}")
        data = well.data.copy()
        messages = []
        excluded = getattr(self, "excluded_inputs_", {})
        for c in excluded:
            if c in data.columns:
                messages.append((c, f"model input: {c} not used by this model: it changed scale part-way down training "
                                    f"well(s) {', '.join(excluded[c])} (output keeps the original values)"))
        if self.scale_shift != "none":
            qc = well.qc_flags()
            for c, factor in scale_shift_factors(well, getattr(self, "curve_medians_", None)).items():
                if c in excluded or c not in self.feature_spec.inputs:  # not an input of this model (step 9's)
                    continue
                mask = _flagged(qc, c, QCFlag.SCALE_SHIFT)
                if self.scale_shift in ("rescale", "exclude"):
                    data.loc[mask, c] = data.loc[mask, c] * factor
                    messages.append((c, f"model input: {int(mask.sum())} SCALE_SHIFT sample(s) of {c} multiplied by {factor:g} "
                                        "to match the rest of the curve (output keeps the original values)"))
                else:
                    data.loc[mask, c] = np.nan
                    messages.append((c, f"model input: {int(mask.sum())} SCALE_SHIFT sample(s) of {c} not used (treated as missing)"))
        messages += self._normalise(data)
        if "DEPT" in self.feature_spec.inputs:
            data["DEPT"] = data.index.to_numpy(dtype=float) if well.has_depth else np.nan
        companion = getattr(self, "depth_companion_spec_", None)
        if companion is not None and "TVD" in companion.inputs and well.has_depth:
            data["TVD"], how = vertical_depth(well)
            messages.append(("TVD", f"model input: {how}"))
        elif companion is not None and not well.has_depth:
            messages.append(("DTC", "model input: no depth column, so DTC comes from the model without depth only "
                                    "(the depth companion it is otherwise averaged with needs real depth; rows are not metres)"))
        if note:
            for c, msg in messages:
                well.note("model", msg, c, once=True)
        qc = well.qc
        for c in ("DEPT", "TVD"):  # derived depth columns: no QC of their own
            if qc is not None and c in data.columns and c not in qc.columns:
                qc = qc.assign(**{c: 0}).astype(qc.dtypes.to_dict() | {c: "int16"})
        return replace(well, data=data, qc=qc, provenance=list(well.provenance) + [Provenance("model", m, c) for c, m in messages])

    def _normalise(self, data: pd.DataFrame) -> list[tuple[str, str]]:
        """Step 2: curves of :data:`~welllog.normalise.NORMALISED_CURVES` mapped in place from this
        well's P5/P95 onto the training wells' reference (none before fitting); provenance messages."""
        messages = []
        reference = getattr(self, "normalise_reference_", None) or {}
        for c in getattr(self, "normalise_curves", ()):
            if c not in data.columns or c not in reference:
                continue
            levels = curve_levels(data[c])
            if levels is None:
                messages.append((c, f"model input: {c} used as measured, not normalised: fewer than {MIN_SAMPLES} "
                                    "measured samples to take its P5/P95 levels from"))
                continue
            data[c] = normalise(data[c], levels, reference[c])
            (lo, hi), (ref_lo, ref_hi) = levels, reference[c]
            messages.append((c, f"model input: {c} normalised from this well's P5/P95 {lo:.4g}/{hi:.4g} to the training "
                                f"wells' {ref_lo:.4g}/{ref_hi:.4g} (output keeps the original values)"))
        return messages

    def _training_copy(self, well: Well, core: Sequence[str]) -> Well:
        """Prepared well with target samples that must not be trained on set to NaN (step 4)."""
        return self._cleaned_copy(well, core, bad_hole=True)

    def _blind_copy(self, well: Well, core: Sequence[str]) -> Well:
        """Prepared well as the blind calibration scores it: like the training copy, but bad-hole
        rows keep their measured target when ``calibrate_bad_hole`` (step 5).

        Why: such rows take the wide factor, and a factor fitted without them is a guess about
        them — a held-out well's bad-hole rows are exactly what a user's new well will have, and
        their measured slowness is what the user compares the band with (``welllog evaluate``)."""
        return self._cleaned_copy(well, core, bad_hole=not getattr(self, "calibrate_bad_hole", False))

    def _cleaned_copy(self, well: Well, core: Sequence[str], bad_hole: bool) -> Well:
        w = self.prepare(well)
        if not self.clean_training:
            return w
        data = w.data.copy()
        qc = well.qc_flags()
        bad = np.zeros(len(data), dtype=bool)
        if bad_hole:
            for c in _BAD_HOLE_CURVES:
                if c in qc.columns:
                    bad |= _flagged(qc, c, QCFlag.BAD_HOLE)
        for c in core:
            if c in data.columns:
                bad |= data[c].isna().to_numpy()
        for t in self.targets:
            if t in data.columns:
                spike = _flagged(qc, t, QCFlag.SPIKE | QCFlag.IMPOSSIBLE | QCFlag.NOT_FORMATION) if t in qc.columns else False
                data.loc[bad | spike, t] = np.nan
        if RATIO_TARGET in self.auxiliary_targets:
            data[RATIO_TARGET] = vpvs_ratio(data["DTC"], data["DTS"]) if {"DTC", "DTS"} <= set(data.columns) else np.nan
        return replace(w, data=data)

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, wells: Sequence[Well], targets: Sequence[str] | None = None, family: str | None = None,
            feature_spec: FeatureSpec | None = None, params: dict[str, Any] | None = None,
            progress: Callable[[str], None] | None = None) -> CalibratedSonicModel:
        """Fit the recipe: blind calibration folds first (when enabled), then the final model on all wells."""
        wells = list(wells)
        if not wells:
            raise UsageError("no training wells given")
        if targets is not None:
            self.targets = list(targets)
        if family is not None:
            self.family = family
        if params is not None:
            self.params = dict(params)
        if self.shear not in ("blend", "direct"):
            raise UsageError(f"shear must be 'blend' or 'direct', not {self.shear!r}")
        if len(self.shear_weights) != len(ROUTES) or min(self.shear_weights) < 0 or sum(self.shear_weights) <= 0:
            raise UsageError(f"shear_weights must be {len(ROUTES)} non-negative numbers ({', '.join(ROUTES)}), not {self.shear_weights!r}")
        unknown = sorted(set(self._member_settings()) - set(MEMBER_PARAMS))
        if unknown:
            raise UsageError(f"member_params are for the members {sorted(MEMBER_PARAMS)}, not {unknown}")
        self.auxiliary_targets = [RATIO_TARGET] if self.shear == "blend" and {"DTC", "DTS"} <= set(self.targets) else []
        spec = feature_spec or self.feature_spec
        if self.depth_feature not in (True, False, "auto", "average"):
            raise UsageError(f"depth_feature must be True, False, 'auto' or 'average', not {self.depth_feature!r}")
        if self.companion_depth not in ("vertical", "measured"):
            raise UsageError(f"companion_depth must be 'vertical' or 'measured', not {self.companion_depth!r}")
        use_depth = self.depth_feature is True or (self.depth_feature == "auto" and all(w.has_depth for w in wells))
        if use_depth and "DEPT" not in spec.inputs:
            spec = FeatureSpec.from_dict({**spec.to_dict(), "inputs": [*spec.inputs, "DEPT"]})
        if not use_depth and "DEPT" in spec.inputs:
            spec = FeatureSpec.from_dict({**spec.to_dict(), "inputs": [c for c in spec.inputs if c != "DEPT"]})
        self.excluded_inputs_ = self._shifted_inputs(wells, spec) if self.scale_shift == "exclude" else {}
        if self.excluded_inputs_:
            spec = FeatureSpec.from_dict({**spec.to_dict(), "inputs": [c for c in spec.inputs if c not in self.excluded_inputs_]})
        self.feature_spec = spec
        optional = set(getattr(self, "optional_inputs", ()))
        core = [c for c in spec.inputs if c != "DEPT" and c not in optional and all(w.has(c) for w in wells)]
        if self.scale_shift == "drop":  # a curve nulled over its shifted interval is tolerated, not core
            dropped = {c for w in wells for c in scale_shift_factors(w)}
            core = [c for c in core if c not in dropped]
        self.curve_medians_ = {}
        self.normalise_reference_ = {}
        self.depth_companion_ = None
        average = self.depth_feature == "average" and "DTC" in self.targets and all(w.has_depth for w in wells)
        companion_depth = "TVD" if self.companion_depth == "vertical" else "DEPT"
        self.depth_companion_spec_ = FeatureSpec.from_dict({**spec.to_dict(), "inputs": [*spec.inputs, companion_depth]}) if average else None
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
        self.calibration = {}
        self.logged_dtc_calibration_ = None
        self.shear_dtc_limit_ = self._shear_dtc_limit(train)
        if self.calibrate == "blind":
            self.calibration = self._blind_calibration(train, [self._blind_copy(w, core) for w in wells], progress)
            self.logged_dtc_calibration_ = self.calibration.pop(GIVEN_DTC, None)
        elif self.calibrate != "none":
            raise UsageError(f"calibrate must be 'blind' or 'none', not {self.calibrate!r}")
        if progress:
            progress("fitting the final model on all training wells")
        super().fit(train, targets=self.targets, family=self.family, feature_spec=spec, params=self.params, progress=progress)
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
        # record the real wells (content hashes of what the user gave, not of the repaired copies)
        self.metadata["training_wells"] = [training_well_record(w, self.targets) for w in wells]
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
        return self

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

    @staticmethod
    def _shifted_inputs(wells: Sequence[Well], spec: FeatureSpec) -> dict[str, list[str]]:
        """Input curve -> training wells in which QC flagged it as changing scale (``scale_shift="exclude"``).

        The flags, not :func:`scale_shift_factors`: a piece of a well cut below the shift is flagged
        throughout and has no unshifted part to measure a factor against, yet it is the same curve."""
        out: dict[str, list[str]] = {}
        for w in wells:
            qc = w.qc_flags()
            for c in spec.inputs:
                if c in qc.columns and int(_flagged(qc, c, QCFlag.SCALE_SHIFT).sum()) >= 10:
                    out.setdefault(c, []).append(w.name)
        return out

    def recipe(self) -> dict[str, Any]:
        """The recipe's settings as plain data (stored in metadata)."""
        return {"model_class": type(self).__name__, "depth_feature": "DEPT" in self.feature_spec.inputs,
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

    def _folds(self, wells: list[Well], scored: list[Well] | None = None,
               target: str | None = None) -> tuple[list[tuple[list[Well], list[Well]]], str]:
        """The blind folds of the calibration (:func:`welllog.evaluation.splits.blind_folds`, with
        the recipe's ``calibration_folds`` and ``calibration_gap``)."""
        return blind_folds(wells, scored, self.calibration_folds, self.calibration_gap, target=target)

    def _member_default(self, params: dict[str, Any], member: str, key: str, value: Any) -> dict[str, Any]:
        """``params`` with ``key=value`` for one member family ('ngboost' / 'lightgbm') unless the
        user set it: in the family's own params, or in the ensemble's ``<member>_params``; other
        families are left as configured."""
        params = dict(params)
        if self.family == member:
            params.setdefault(key, value)
        elif self.family == "ensemble":
            params[f"{member}_params"] = {key: value, **(params.get(f"{member}_params") or {})}
        return params

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
        params = dict(self.params)
        for member, settings in self._member_settings().items():
            for key, value in settings.items():
                params = self._member_default(params, member, key, value)
        return params

    def _fold_params(self) -> dict[str, Any]:
        """Fold models skip NGBoost's refit after early stopping (half the cost; the blind errors
        of a model fitted on 85% of the fold's rows are what we need, not a better fold model)."""
        return self._member_default(self._estimator_params(), "ngboost", "refit", False)

    def _blind_calibration(self, wells: list[Well], scored: list[Well],
                           progress: Callable[[str], None] | None) -> dict[str, BlindCalibration]:
        """Fold models' predictions on held-out wells/blocks -> one std factor per target.

        ``wells`` are the training copies the fold models fit on, ``scored`` the same wells as the
        held-out pieces are scored (:meth:`_blind_copy`): same names, rows and folds.

        A target the shared folds never score gets folds of its own (:meth:`_folds` with
        ``target``): a target logged in one or two of the wells lands in one fold, or in one depth
        block, and no fold both trains on it and holds it out (DTS in one of six force2020 wells:
        not one blind sample, and its band was the model's own spread, silently). A target with no
        blind sample even then is stored uncalibrated (:attr:`BlindCalibration.calibrated`), which
        ``welllog train`` and every prediction of it say."""
        folds, split = self._folds(wells, scored)
        errors = self._fold_errors(folds, split, self.targets, progress)
        cut = {t: (len(folds), split) for t in errors}
        for t in self.targets:
            if errors[t].rows < MIN_FOLD_ROWS:
                own, own_split = self._folds(wells, scored, target=t)
                own_split = f"wells logging {t}" if own_split == "wells" else f"depth blocks where {t} is logged"
                theirs = self._fold_errors(own, own_split, [t], progress)
                if theirs[t].rows > errors[t].rows:
                    for key in theirs:  # DTS brings its rows scored with the logged DTC along (GIVEN_DTC)
                        errors[key], cut[key] = theirs[key], (len(own), own_split)
        out = {}
        for t, e in errors.items():
            if t == GIVEN_DTC and e.rows < MIN_FOLD_ROWS:
                continue  # too few blind rows with a logged DTC: such rows are served from the predicted DTC
            out[t] = fit_blind_calibration(e.joined("z"), e.joined("ood"), level=self.level, folds=cut[t][0], split=cut[t][1],
                                           fold_ids=e.joined("fold"), aggregate=self.calibration_aggregate, bad_hole=e.joined("bad"),
                                           spread=e.joined("spread") if getattr(self, "calibration_floor", False) else None,
                                           tails=getattr(self, "calibration_tails", False))
        return out

    def _fold_errors(self, folds: list[tuple[list[Well], list[Well]]], split: str, scored_targets: Sequence[str],
                     progress: Callable[[str], None] | None) -> dict[str, FoldErrors]:
        """Each fold model's standardised errors on its held-out pieces, per target of ``scored_targets``
        (with each row's OOD / bad-hole mask, fold number and model spread). The fold models fit
        every target their training wells log — DTS through the ratio route needs DTC beside it."""
        errors = {t: FoldErrors() for t in scored_targets}
        if "DTS" in scored_targets and self._logged_dtc_wanted():
            errors[GIVEN_DTC] = FoldErrors()  # DTS again, on rows whose DTC is logged, served from it
        for i, (tr, te) in enumerate(folds):
            targets = [t for t in self.targets if any(w.has(t) for w in tr)]
            if not any(w.has(t) for w in te for t in targets if t in scored_targets):
                continue
            if progress:
                progress(f"blind calibration fold {i + 1}/{len(folds)} ({split})")
            aux = self.auxiliary_targets if {"DTC", "DTS"} <= set(targets) else []
            m = SonicModel(family=self.family, targets=targets, feature_spec=self.feature_spec, params=self._fold_params(),
                           tolerance=self.tolerance, auxiliary_targets=aux).fit(tr)
            m.tolerate(self.optional_inputs)  # the fold predicts what the served model predicts
            companion = self._fit_depth_companion(tr, self._fold_params()) if self.depth_companion_spec_ and "DTC" in targets else None
            limit = self._shear_dtc_limit(tr)
            for w in te:
                try:
                    averaged = self._average_depth(m.predict_distributions(w), companion, w)
                except Exception:  # noqa: BLE001 - a held-out piece the fold model cannot predict is skipped
                    continue
                dists = self._blend_shear(averaged, limit)
                if GIVEN_DTC in errors:
                    logged = logged_dtc(w)
                    dts, ok = self._blend_shear(averaged, limit, logged).get("DTS", (None, None))
                    if dts is not None:  # as served where the well logs DTC: scored on those rows only
                        dists[GIVEN_DTC] = (dts.subset(np.isfinite(logged[ok])), ok & np.isfinite(logged))
                code = m.qc_codes(w) | self._depth_ood(w, companion)
                for t, (dist, ok) in dists.items():
                    measured = "DTS" if t == GIVEN_DTC else t
                    if t not in errors or dist is None or measured not in w.data.columns:
                        continue
                    ood, bad = factor_masks(code[ok])
                    errors[t].add(standardised_errors(w.data[measured].to_numpy(dtype=float)[ok], dist), ood, bad, i, model_spread(dist))
        return errors

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
            raise MissingCurvesError(exc.well, exc.missing, found, exc.why) from None

    def reduced_model_for(self, well: Well) -> CalibratedSonicModel | None:
        """The reduced-input model (step 9) when it has every curve it requires in ``well``, else
        None: what serves (and explains) the rows without density/neutron."""
        fallback = getattr(self, "fallback_", None)  # models saved before step 9 have none
        # the curves themselves, not check_curves: that prepares the well (a copy, GR levels), and
        # this runs several times per prediction; preparing never adds or removes a required curve
        if fallback is None or not all(well.has(c) for c in fallback.required_curves):
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
        return without_ood_unpredicted(code | depth), ({**rows, "depth": depth != 0} if depth.any() else rows)

    def _target_reasons(self, target: str, pred: pd.DataFrame, well: Well) -> dict[str, np.ndarray]:
        """Plus ``"mudrock line"`` for DTS rows that lean on the mudrock route where it is cut (see :meth:`predict`)."""
        reasons = super()._target_reasons(target, pred, well)
        if target == "DTS":
            reasons["mudrock line"] = self._mudrock_capped(pred, well)
        return reasons

    def _mudrock_capped(self, pred: pd.DataFrame, well: Well) -> np.ndarray:
        if "DTC_MEAN" not in pred.columns or RATIO_TARGET not in getattr(self, "auxiliary_targets", []):
            return np.zeros(len(pred), dtype=bool)
        logged = np.where(self._logged_dtc_rows(well, pred), logged_dtc(well), np.nan)  # the DTC the routes used there
        return mudrock_capped(pred["DTC_MEAN"].to_numpy(dtype=float), self.shear_weights,
                              getattr(self, "shear_dtc_limit_", None), getattr(self, "mudrock_ramp", 0.0), logged)

    def _logged_dtc_rows(self, well: Well, pred: pd.DataFrame) -> np.ndarray:
        """Predicted DTS rows served from the well's measured DTC (step 6; T_QC bit 64): those with a
        logged DTC, of the main model when it takes it, of the reduced-input model when that one does."""
        if "DTS_MEAN" not in pred.columns or "DTS_QC" not in pred.columns:
            return np.zeros(len(pred), dtype=bool)
        logged = np.isfinite(logged_dtc(well)) & pred["DTS_MEAN"].notna().to_numpy()
        reduced = (pred["DTS_QC"].to_numpy() & QC_REDUCED) != 0
        fallback = getattr(self, "fallback_", None)
        return logged & np.where(reduced, fallback is not None and fallback.uses_logged_dtc(), self.uses_logged_dtc())

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
                              qc_code: np.ndarray | None = None, rows: np.ndarray | None = None) -> dict[str, tuple[Distribution, np.ndarray]]:
        """Per target (distribution on predictable rows, row mask), calibrated and Vp > Vs enforced.

        ``qc_code``: the well's T_QC code (:meth:`qc_codes`) when the caller has it; it picks each
        row's calibration factor (out of range, bad hole), and is built here otherwise. ``rows``:
        only these rows (boolean mask), as :meth:`SonicModel.predict_distributions`."""
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
        if self._fallback_needed(well, unpredicted):  # step 9: rows the main model cannot predict
            extra = self.fallback_.predict_distributions(well, quantiles, calibrated=calibrated, physical=False, rows=unpredicted)
            out = {t: Distribution.filled(part, extra[t]) if t in extra else part for t, part in out.items()}
        self.last_vpvs_violations_ = vpvs_violations(out)
        if physical and self.min_vpvs and "DTC" in out and "DTS" in out:
            out["DTS"] = (enforce_vpvs(out["DTC"][0], out["DTS"][0], self.min_vpvs), out["DTS"][1])
        return out

    def _distributions_given_qc(self, well: Well, quantiles: Sequence[float], code: np.ndarray) -> dict[str, tuple[Distribution, np.ndarray]]:
        return self.predict_distributions(well, quantiles, qc_code=code)

    def predict(self, well: Well, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> pd.DataFrame:
        """As :meth:`SonicModel.predict`; DTS rows that lean on the mudrock line where it is cut
        (:func:`welllog.shear.mudrock_capped`) are flagged out of range in ``DTS_QC``, and those
        served from the well's measured DTC carry bit 64 (step 6)."""
        pred = super().predict(well, quantiles)
        if "DTS_QC" in pred.columns:
            capped = self._mudrock_capped(pred, well) & pred["DTS_MEAN"].notna().to_numpy()
            given = self._logged_dtc_rows(well, pred)
            pred["DTS_QC"] = pred["DTS_QC"].to_numpy() | np.where(capped, QC_OOD, 0) | np.where(given, QC_LOGGED_DTC, 0)
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

