"""Blind calibration of the recipe (step 5): fold models fitted with whole wells (or depth blocks)
held out, their standardised errors on the held-out pieces -> one std factor per target.

Why apart from the model: it is the part of fitting that decides how far a synthetic is trusted on a
new well, and it must predict exactly as the served model does (:meth:`_fold_errors` calls the
model's own ``_average_depth`` and ``_blend_shear``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from welllog.calibration import MIN_FOLD_ROWS, BlindCalibration, FoldErrors, fit_blind_calibration, model_spread, standardised_errors
from welllog.errors import MissingCurvesError
from welllog.evaluation.splits import blind_folds
from welllog.models.sonic import SonicModel
from welllog.recipes.settings import GIVEN_DTC
from welllog.shear import logged_dtc
from welllog.well import QC_BAD_HOLE, QC_OOD, Well


def factor_masks(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose interval takes a wide factor of the blind calibration (step 5): ``(out of
    range, bad hole)`` — an input outside the training range (T_QC bit 8), a bad hole (bit 4).

    Why bad hole apart: those rows are never trained on (step 4), yet pad tools read mud there;
    the blind folds score them against their measured target and give them a factor of their own
    (bench/RESULTS.md items 13-14)."""
    code = np.asarray(code, dtype=np.int64)
    return (code & QC_OOD) != 0, (code & QC_BAD_HOLE) != 0


class BlindFolds:
    """The blind folds and their errors, mixed into :class:`~welllog.recipes.CalibratedSonicModel`."""

    def _folds(self, wells: list[Well], scored: list[Well] | None = None,
               target: str | None = None) -> tuple[list[tuple[list[Well], list[Well]]], str]:
        """The blind folds of the calibration (:func:`welllog.evaluation.splits.blind_folds`, with
        the recipe's ``calibration_folds`` and ``calibration_gap``)."""
        return blind_folds(wells, scored, self.calibration_folds, self.calibration_gap, target=target)

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
            m = SonicModel(family=self.family, targets=targets, feature_spec=self.feature_spec_, params=self._fold_params(),
                           tolerance=self.tolerance, auxiliary_targets=aux).fit(tr)
            m.tolerate(self.optional_inputs)  # the fold predicts what the served model predicts
            companion = self._fit_depth_companion(tr, self._fold_params()) if self.depth_companion_spec_ and "DTC" in targets else None
            limit = self._shear_dtc_limit(tr)
            for w in te:
                try:
                    averaged = self._average_depth(m.predict_distributions(w), companion, w)
                except MissingCurvesError:  # a held-out piece without the fold model's inputs is not scored
                    if progress:            # (any other error is a bug, not a piece to drop from the calibration)
                        progress(f"blind calibration fold {i + 1}: {w.name} not scored (it lacks a curve the fold model needs)")
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
