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
   (:data:`welllog.shear.MIN_VPVS`, the default; models saved before it used 1). On rows served
   from the well's measured DTC (step 6) the DTC is that measured one: it is the rock's.
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

from welllog.recipes.blind import factor_masks
from welllog.recipes.inputs import scale_shift_factors
from welllog.recipes.model import CalibratedSonicModel, recommended_model
from welllog.recipes.settings import (FALLBACK_CONTEXT, FALLBACK_INPUTS, GIVEN_DTC, MEMBER_PARAMS, OPTIONAL_INPUTS, RECOMMENDED_FAMILY,
                                      RECOMMENDED_MODEL_FAMILY, RECOMMENDED_SPEC, SCALE_SHIFT_POLICIES, recommended_spec)

__all__ = ["CalibratedSonicModel", "FALLBACK_CONTEXT", "FALLBACK_INPUTS", "GIVEN_DTC", "MEMBER_PARAMS", "OPTIONAL_INPUTS",
           "RECOMMENDED_FAMILY", "RECOMMENDED_MODEL_FAMILY", "RECOMMENDED_SPEC", "SCALE_SHIFT_POLICIES", "factor_masks",
           "recommended_model", "recommended_spec", "scale_shift_factors"]
