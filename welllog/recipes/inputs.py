"""Input repair and training rows (recipe steps 1, 2 and 4): what the estimators see of a well.

Why apart from the model: the same repaired copy is made at training, blind calibration, prediction
and explanation time, so one place decides it; the model only chooses *when* to ask for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from welllog.depth import vertical_depth
from welllog.errors import UsageError
from welllog.features import FeatureSpec
from welllog.normalise import MIN_SAMPLES, curve_levels, normalise
from welllog.recipes.settings import BAD_HOLE_CURVES, SCALE_SHIFT_POLICIES
from welllog.shear import RATIO_TARGET, vpvs_ratio
from welllog.well import INPUT_CURVES, NOT_ROCK, Provenance, QCFlag, Well


def _flagged(qc: pd.DataFrame, curve: str, flags: QCFlag) -> np.ndarray:
    """Rows of ``curve`` whose QC flags include any of ``flags``."""
    return (qc[curve].to_numpy().astype(np.int64) & int(flags)) != 0


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


class InputRepair:
    """The prepared well (step 1 scale shifts, step 2 GR levels, depth columns) and the cleaned
    training / blind copies (step 4) of :class:`~welllog.recipes.CalibratedSonicModel`."""

    def _spec_in_use(self) -> FeatureSpec:
        """The fitted feature recipe, or before fitting the one given (``prepare`` also serves fit's
        own first steps and a look at an unfitted model's input repair)."""
        spec = self.__dict__.get("feature_spec_")
        return spec if spec is not None else (self.feature_spec if self.feature_spec is not None else FeatureSpec())

    def prepare(self, well: Well, note: bool = False) -> Well:
        """The well as the estimators see it: scale shifts repaired, gamma ray normalised to the
        training wells' levels (once fitted), DEPT column when used, TVD (vertical depth on every
        row) when the depth companion takes it.

        ``note=True`` records the repair in ``well.provenance`` (once per well)."""
        from welllog.models.sonic import require_well

        if hasattr(self, "estimators"):  # fitting prepares its training wells before the estimators exist
            require_well(self, well)
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
                if c in excluded or c not in self._spec_in_use().inputs:  # not an input of this model (step 9's)
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
        if "DEPT" in self._spec_in_use().inputs:
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
            for c in BAD_HOLE_CURVES:
                if c in qc.columns:
                    bad |= _flagged(qc, c, QCFlag.BAD_HOLE)
        for c in core:
            if c in data.columns:
                bad |= data[c].isna().to_numpy()
        for t in self.targets:
            if t in data.columns:
                spike = _flagged(qc, t, NOT_ROCK) if t in qc.columns else False
                data.loc[bad | spike, t] = np.nan
        if RATIO_TARGET in self.auxiliary_targets:
            data[RATIO_TARGET] = vpvs_ratio(data["DTC"], data["DTS"]) if {"DTC", "DTS"} <= set(data.columns) else np.nan
        return replace(w, data=data)

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
