"""The trained bundle: one estimator per target plus everything needed to use it safely later.

Why a bundle: a stored model must know which curves it needs, which it can do without (and
what it substitutes for them), what input ranges it has seen (to flag extrapolation) and how
features are built — otherwise predictions on a new well silently mean something else.

Curves: the model's ``inputs`` are the spec's input curves present in at least one training
well. A curve missing in more than ``tolerance`` of the training rows is *tolerated* (the model
was trained seeing it missing: NaN for NaN-native families, the recorded median otherwise);
the rest are ``required_curves``: a well without one raises :class:`MissingCurvesError`, a row
where one is null is not predicted (T_QC bit 16). :meth:`SonicModel.tolerate` turns a required
curve into a tolerated one after fitting (the training median stands in for it): the recipe does
that for curves that describe the hole, not the rock (the caliper).

T_QC bits per row (CONTRACTS.md, :data:`QC_BITS`): 1 an input missing/imputed, 2 an input flagged
by QC (impossible value nulled, spike, or logged behind casing), 4 bad hole (caliper >> bit size), 8 an input outside the
training range (OOD), 16 not predicted (T_ values null), 32 predicted by the recipe's
reduced-input model (no density/neutron there, :mod:`welllog.recipes`), 64 (DTS only) served from
the well's measured DTC (the recipe's shear routes, :mod:`welllog.shear`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from welllog.errors import MissingCurvesError, UsageError, alias_fix
from welllog.features import FeatureSpec, build_features
from welllog.well import CANONICAL_CURVES, QC_BAD_HOLE, QC_MISSING, QC_NOT_PREDICTED, QC_NULLED, QC_OOD, QCFlag, Well, canonical_unit

from .base import DEFAULT_QUANTILES, Distribution


def quantile_label(q: float) -> str:
    """0.05 -> 'P05', 0.5 -> 'P50', 0.025 -> 'P2_5' (column suffix for a quantile)."""
    pct = round(q * 100, 6)
    if float(pct).is_integer():
        return f"P{int(pct):02d}"
    return "P" + f"{pct:g}".replace(".", "_")


def _all_quantiles(quantiles: Sequence[float]) -> list[float]:
    """The default quantiles plus ``quantiles``, each a probability strictly between 0 and 1 (1.5 gave
    an all-null P150 column, 0 a P00 of -inf)."""
    if isinstance(quantiles, (int, float, str)):
        raise UsageError(f"quantiles must be a list of probabilities, e.g. [0.1, 0.9], not {quantiles!r}")
    try:
        asked = [float(q) for q in quantiles]
    except (TypeError, ValueError):
        raise UsageError(f"quantiles must be probabilities between 0 and 1, not {quantiles!r}") from None
    bad = [q for q in asked if not 0.0 < q < 1.0]
    if bad:
        raise UsageError(f"quantile {bad[0]:g} is not a probability strictly between 0 and 1")
    return sorted({float(q) for q in (*DEFAULT_QUANTILES, *asked)})


def outside_range(values: np.ndarray, lo_hi: Sequence[float]) -> np.ndarray:
    """Samples beyond an input's training range (its 0.1-99.9 percentiles) by more than 5% of it:
    T_QC bit 8. NaN is never outside."""
    lo, hi = lo_hi
    margin = 0.05 * (hi - lo)
    with np.errstate(invalid="ignore"):
        return (values < lo - margin) | (values > hi + margin)


def without_ood_unpredicted(code: np.ndarray) -> np.ndarray:
    """``code`` with bit 8 cleared on rows not predicted (bit 16): "outside the training range" is
    about how far to trust a prediction, so on a row without one it would only make ``T_QC & 8``
    count rows that have nothing to trust (bits 1, 2 and 4 stay: they say why it was not predicted)."""
    return np.where((code & QC_NOT_PREDICTED) != 0, code & ~QC_OOD, code)


def _unmapped_like(well: Well, canonical: str) -> list[str]:
    """'LLS (OHMM)' for each file curve that no canonical curve took and whose declared unit measures
    what ``canonical`` measures. Why: a dual-laterolog well (LLD/LLS) failed "missing RMED" while its
    LLS sat unmapped, and the error listed only the canonical curves found (vendor-export audit)."""
    from welllog.curves.units import normalise_unit, quantity_of

    quantity = quantity_of(CANONICAL_CURVES[canonical][0])
    taken = {m.source for m in well.mapping.values()}
    return [f"{name} ({unit})" for name, unit in well.original_units.items()
            if name not in taken and unit and quantity is not None and quantity_of(normalise_unit(unit) or "") == quantity
            and well.original[name].notna().any()]


def _why_missing(well: Well, curves: Sequence[str]) -> dict[str, str]:
    """For a required curve the file does have a source for, why nothing usable is left of it:
    a unit conversion or QC nulled every value (e.g. a density declared kg/m3 that is in g/cm3),
    and the unit override that brings it back when a unit can (CLI and API alike)."""
    from welllog.curves.canonicalise import emptied_curve_fix

    out = {}
    for c in curves:
        m = well.mapping.get(c)
        if m is None:
            passed = [p.message for p in well.provenance if p.curve == c and p.step == "alias" and " not taken as " in p.message]
            unused = _unmapped_like(well, c)
            if passed:  # a candidate the file has, but empty or in no usable unit: "PEFZ not taken as PEF: no values (all null)"
                out[c] = "; ".join(passed)
            elif unused:
                out[c] = (f"the file's {', '.join(unused)} {'is' if len(unused) == 1 else 'are'} in {c}'s unit but no mnemonic known for "
                          f"{c}; if {'it is' if len(unused) == 1 else 'one is'} {c}: {alias_fix(unused[0].split(' ')[0], c)}")
            continue
        conv = "" if m.conversion in ("", "none") else f", {m.conversion}"
        qc = [p.message for p in well.provenance if p.curve == c and p.step == "qc"]
        fix = emptied_curve_fix(well, c)
        out[c] = (f"read from {m.source}{conv}, but no usable value is left" + (f": {qc[0]}" if qc else "")
                  + (f"; {fix}" if fix else ""))
    return out


def check_training_inputs(wells: Sequence[Well], inputs: Sequence[str]) -> None:
    """Refuse a training well whose input curve is in a unit its values do not fit: kept as declared
    (values that look like another unit) or emptied by it (QC nulled every value as impossible, e.g. a
    g/cm3 density declared kg/m3). Why here and not only at prediction: a model fitted on it either
    drops the curve without a word (every well of the run emptied: not an input at all) or fills it
    with medians or learns it on the wrong scale — and keeps that for every well it ever predicts
    (CLI audit: ``welllog train`` saved a model without RHOB and exit 0, while ``predict`` on the same
    file named the unit). A curve the user's own ``--unit`` gave is taken as they said."""
    from welllog.curves.canonicalise import emptied_curve_fix, unit_doubt
    from welllog.errors import WellReadError

    for w in wells:
        for c in inputs:
            emptied = c in w.mapping and not w.has(c)
            problem = unit_doubt(w, c).replace("; kept as declared", "; kept as declared, which nulls every value as impossible"
                                                if emptied else "; kept as declared")
            if not problem and emptied and emptied_curve_fix(w, c):
                problem = f"{c} {_why_missing(w, [c])[c]}"
            if problem:
                raise WellReadError(w.label, f"training well: {problem}; fix it before training — a model would learn "
                                             f"{c} from wrong values or without it, for every well it predicts")


def wells_with_targets(wells: Sequence[Well], targets: Sequence[str]) -> tuple[list[Well], list[str]]:
    """(the training wells that log a target, the names of those that log none).

    Why: a well without any target teaches the model nothing, yet fit decides from *all* training
    wells which inputs are core, the gamma-ray levels, and whether every well has depth for the
    depth companion — a stray two-column CSV in a training folder turned the companion off and
    cost 6 us/ft on a blind well, with exit code 0 (modeller audit). So such wells are left out, and
    named (``untrained_wells`` in the metadata). With no well logging any target nothing is left
    out: the missing-target error then names every well."""
    kept = [w for w in wells if any(w.has(t) for t in targets)]
    if not kept:
        return list(wells), []
    return kept, [w.name for w in wells if not any(w.has(t) for t in targets)]


def untrained_warning(names: Sequence[str], targets: Sequence[str]) -> str:
    """The warning naming the wells :func:`wells_with_targets` left out (CLI, one process or Dask)."""
    return f"not trained on (no {' or '.join(targets)} logged): {', '.join(names)}"


def curve_list(value: Any, argument: str) -> list[str]:
    """``value`` as a list of curve names: one name alone is a list of one (``targets="DTC"`` used
    to become D, T, C)."""
    if isinstance(value, str):
        return [value]
    try:
        names = list(value)
    except TypeError:
        raise UsageError(f"{argument} must be curve names, e.g. ['DTC', 'DTS'], not {value!r}") from None
    if not all(isinstance(n, str) for n in names):
        raise UsageError(f"{argument} must be curve names, e.g. ['DTC', 'DTS'], not {value!r}")
    return names


def well_list(wells: Any, method: str) -> list[Well]:
    """``wells`` as a list of Well objects, or a UsageError naming what was passed instead."""
    if isinstance(wells, Well):
        raise UsageError(f"{method} takes a list of wells: {method}([well])")
    try:
        out = list(wells)
    except TypeError:
        raise UsageError(f"{method} takes a list of wells (welllog.ingest.read_well(path) reads one), not {type(wells).__name__}") from None
    wrong = [type(w).__name__ for w in out if not isinstance(w, Well)]
    if wrong:
        raise UsageError(f"{method} takes Well objects (welllog.ingest.read_well(path) reads one), not {wrong[0]}")
    return out


def require_well(model: Any, well: Any) -> None:
    """A fitted ``model`` and a Well to predict: else one UsageError saying which is wrong (not an
    AttributeError about 'required_curves' or 'data')."""
    model.fitted_spec()
    if not isinstance(well, Well):
        raise UsageError(f"expected a Well (welllog.ingest.read_well(path) reads one), not {type(well).__name__}")


def check_spec(spec: FeatureSpec, targets: Sequence[str]) -> FeatureSpec:
    """Refuse a feature recipe that names a curve no well can hold, or a target among its inputs
    (the model would learn DTC from DTC: perfect in training, useless on a well without it)."""

    leak = [c for c in spec.inputs if c in targets]
    if leak:
        raise UsageError(f"feature_spec inputs include the target(s) {', '.join(leak)}: a model cannot take what it predicts")
    unknown = [c for c in spec.inputs if c not in CANONICAL_CURVES and c not in ("DEPT",)]
    if unknown:
        raise UsageError(f"feature_spec inputs {', '.join(unknown)} are no canonical curves; use "
                         f"{', '.join(c for c in CANONICAL_CURVES if c not in targets)}")
    return spec


def training_well_record(well: Well, targets: Sequence[str]) -> dict[str, Any]:
    """What a model's metadata keeps of one training well: enough to recognise it again (content
    hash: ``evaluate`` names a training well it is asked to score as blind) and to tell a demonstration model
    (trained on ``welllog demo``'s synthetic wells) from one trained on real logs."""
    return {"name": well.name, "content_hash": well.content_hash(), "samples": int(len(well.data)),
            "targets": [t for t in targets if well.has(t)], "synthetic": well.is_synthetic()}


def trained_on(well: Well, metadata: Mapping[str, Any]) -> bool:
    """Whether ``well`` is one of the training wells in a model's ``metadata`` (by content hash, so a
    renamed copy is recognised): its scores are in-sample, and ``evaluate`` and the dashboard's quality
    view must say so rather than pass them off as blind."""
    return well.content_hash() in {w.get("content_hash") for w in metadata.get("training_wells", [])}


def absent_target_error(target: str, well_names: Sequence[str], why: str = "") -> UsageError:
    """The error for a target no training well has (in-memory and Dask training alike), with
    ``why`` each well lost it at read, if it did: the user needs the cause, not only the fact."""
    return UsageError(f"target {target} is in none of the training wells ({', '.join(well_names)})"
                      + (f": {why}" if why else "") + f"; train on wells that have {target} or drop --target {target}")

class SonicModel(BaseEstimator):
    """One fitted estimator per target (e.g. DTC, DTS) sharing one feature recipe.

    scikit-learn's conventions (and its ``get_params`` / ``set_params`` / ``clone``): the constructor
    stores its arguments as given, ``fit`` validates them and sets the fitted state (``feature_spec_``,
    ``estimators``, ``metadata``, ...) and returns the model. Wells in, not arrays: ``fit(wells)``,
    ``predict(well)`` with :class:`~welllog.well.Well` objects from :func:`welllog.ingest.read_well`.

    Threads: a fitted model serves predictions from many threads at once (the API does), but
    ``predict`` and the explanations add their input repairs to the *well's* provenance — give each
    thread its own Well."""

    #: what an unfitted model says about itself (read-only: a fitted model has its own dict)
    metadata: Mapping[str, Any] = MappingProxyType({})

    def __init__(self, family: str = "ngboost", targets: Sequence[str] = ("DTC",), feature_spec: FeatureSpec | None = None,
                 params: dict[str, Any] | None = None, tolerance: float = 0.05, auxiliary_targets: Sequence[str] = ()):
        self.family = family
        self.targets = targets
        self.auxiliary_targets = auxiliary_targets
        self.feature_spec = feature_spec
        self.params = params
        self.tolerance = tolerance

    def __getstate__(self) -> dict[str, Any]:
        # plain pickles as before BaseEstimator: its version stamp would make every model saved
        # before warn on load (InconsistentVersionWarning) though nothing about it changed
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.pop("_sklearn_version", None)
        self.__dict__.update(state)

    def fitted_spec(self) -> FeatureSpec:
        """The feature recipe the fitted estimators see (``feature_spec_``; a model pickled before it
        existed kept it in ``feature_spec``)."""
        spec = self.__dict__.get("feature_spec_")
        if spec is None:
            if not hasattr(self, "estimators"):
                raise UsageError(f"this {type(self).__name__} is not fitted yet; call fit(wells) first")
            spec = self.feature_spec
        return spec

    # -- fitting ------------------------------------------------------------------------------
    def _estimator_params(self) -> dict[str, Any]:
        """Keyword arguments for each target's estimator: ``params`` as given. A subclass that adds
        settings of its own (the recipe's member settings) overrides this, so ``params`` itself is
        never rewritten by ``fit`` and a re-fit with other settings starts from the user's values."""
        return dict(self.params or {})

    def fit(self, wells: Sequence[Well], progress: Callable[[str], None] | None = None) -> SonicModel:
        """Fit one estimator per target on ``wells``; a well lacking a target does not train it.

        Settings (targets, family, features, params) are the constructor's, changed with
        ``set_params`` as in scikit-learn: ``fit`` takes the data and a progress callback only."""
        wells = self._training_wells(wells)
        spec = check_spec(self.feature_spec if self.feature_spec is not None else FeatureSpec(), self.targets)
        check_training_inputs(wells, spec.inputs)
        return self._fit_estimators(wells, spec, progress)

    def _training_wells(self, wells: Any) -> list[Well]:
        """The training wells that log one of the targets (the others named in ``untrained_wells_``).
        ``targets`` is checked and written back as a list (one name given as a string becomes a
        list of one): every later step, and older pickles, read ``self.targets``."""
        self.targets = curve_list(self.targets, "targets")
        wells, self.untrained_wells_ = wells_with_targets(well_list(wells, "fit"), self.targets)
        if not wells:
            raise UsageError("no training wells given")
        return wells

    def _fit_estimators(self, wells: Sequence[Well], spec: FeatureSpec, progress: Callable[[str], None] | None = None) -> SonicModel:
        """The estimators on ``wells`` through the feature recipe ``spec`` (checked): the fitted state.
        The recipe calls it with its prepared training copies and its own recipe, ``feature_spec`` untouched.

        Steps: the inputs the wells have (:meth:`_fit_inputs`); one feature matrix over all wells
        (:meth:`_training_matrix`); which inputs are required and which rows train
        (:meth:`_fit_input_state`); one estimator per target (:meth:`_fit_target`); metadata."""
        from . import make_estimator

        make_estimator(self.family, **self._estimator_params())  # validate family/params early
        self.feature_spec_ = spec
        for t in self.targets:
            if not any(w.has(t) for w in wells):
                why = "; ".join(f"{w.name}: {t} {msg}" for w in wells for msg in _why_missing(w, [t]).values())
                raise absent_target_error(t, [w.name for w in wells], why)
        self._fit_inputs(wells, spec)
        fitted = self._fitted_targets()
        F, present, Y, G = self._training_matrix(wells, spec, fitted)
        train_rows = self._fit_input_state(F, present, Y)
        self.estimators = {}
        self.target_ranges: dict[str, tuple[float, float]] = {}
        rows_per_target, fit_seconds = {}, {}
        for t in fitted:
            rows = train_rows & np.isfinite(Y[t])
            if t not in self.targets and not rows.any():
                continue  # an auxiliary target without rows is simply not fitted
            if not rows.any():  # else scikit-learn's "Found array with 0 sample(s)", an unexpected error
                raise self._no_rows_error(t, present, Y[t])
            if progress:
                progress(f"fitting {self.family} for {t} on {int(rows.sum())} rows")
            t0 = time.perf_counter()
            self._fit_target(t, F[rows], Y[t][rows], G[rows])
            fit_seconds[t] = round(time.perf_counter() - t0, 3)
            rows_per_target[t] = int(rows.sum())
        self.metadata = self._fit_metadata([training_well_record(w, self.targets) for w in wells], spec, rows_per_target, fit_seconds)
        return self

    def _fit_inputs(self, wells: Sequence[Well], spec: FeatureSpec) -> None:
        """The recipe's inputs that at least one training well logs, and the feature columns built from them."""
        self.inputs = [c for c in spec.inputs if any(w.has(c) for w in wells)]
        if not self.inputs:
            raise MissingCurvesError(", ".join(w.name for w in wells), spec.inputs, sorted({c for w in wells for c in w.curves}))
        self.feature_sources = spec.sources(self.inputs)
        self.feature_names = list(self.feature_sources)
        self.base_features = {c: spec.base_name(c) for c in self.inputs}

    def _training_matrix(self, wells: Sequence[Well], spec: FeatureSpec, fitted: Sequence[str]
                         ) -> tuple[pd.DataFrame, np.ndarray, dict[str, np.ndarray], np.ndarray]:
        """Features of every training well stacked (built per well, so depth context never crosses from
        one well into the next): (features, which inputs were logged per row, targets, well index per
        row — the groups that blind folds and early stopping hold out whole)."""
        frames, raw, ys, groups = [], [], {t: [] for t in fitted}, []
        for i, w in enumerate(wells):
            feats = build_features(w.data, spec, self.inputs)
            frames.append(feats)
            raw.append(feats[[self.base_features[c] for c in self.inputs]].notna().to_numpy())
            for t in fitted:
                ys[t].append(w.data[t].to_numpy(dtype=float) if t in w.data.columns else np.full(len(w.data), np.nan))
            groups.append(np.full(len(w.data), i))
        return (pd.concat(frames, ignore_index=True), np.vstack(raw), {t: np.concatenate(ys[t]) for t in fitted},
                np.concatenate(groups))

    def _fit_input_state(self, F: pd.DataFrame, present: np.ndarray, Y: Mapping[str, np.ndarray]) -> np.ndarray:
        """Required vs tolerated inputs (missing on more than ``tolerance`` of the target rows: tolerated),
        and, on the rows that train, the medians that stand in for a missing input and each input's
        training range (the out-of-range flag). Returns the training rows (a target and every required input)."""
        from . import make_estimator

        any_target = np.zeros(len(F), dtype=bool)
        for t in self.targets:
            any_target |= np.isfinite(Y[t])
        missing_frac = 1.0 - present[any_target].mean(axis=0) if any_target.any() else np.ones(len(self.inputs))
        self.tolerated_curves = [c for c, f in zip(self.inputs, missing_frac) if f > self.tolerance]
        self.required_curves = [c for c in self.inputs if c not in self.tolerated_curves]
        train_rows = any_target & self._predictable(present)
        if not train_rows.any():
            raise UsageError("no training rows: no depth has a target and all required input curves "
                             f"({', '.join(self.required_curves)}); check the curves of the training wells")
        self.accepts_nan = type(make_estimator(self.family, **self._estimator_params())).accepts_nan
        Ftr = F[train_rows]
        medians = Ftr.median()
        self.feature_medians = {k: float(v) for k, v in medians.items() if np.isfinite(v)}
        self.imputation = {} if self.accepts_nan else {k: (float(v) if np.isfinite(v) else 0.0) for k, v in medians.items()}
        self.substitutes: dict[str, float] = {}
        self.input_ranges = {}
        for c in self.inputs:
            col = Ftr[self.base_features[c]].dropna()
            if len(col):
                self.input_ranges[c] = (float(col.quantile(0.001)), float(col.quantile(0.999)))
        return train_rows

    def _no_rows_error(self, target: str, present: np.ndarray, y: np.ndarray) -> UsageError:
        """A target logged only where a required input never is: the error names that input."""
        lacking = [c for c, ok in zip(self.inputs, present[np.isfinite(y)].any(axis=0)) if c in self.required_curves and not ok]
        return UsageError(f"no training rows for {target}: where the training wells log {target}, "
                          + (f"{', '.join(lacking)} {'is' if len(lacking) == 1 else 'are'} never logged" if lacking else
                             f"no depth has all required input curves ({', '.join(self.required_curves)})")
                          + f"; train {target} on wells that log it beside those curves, or leave {target} out (--target)")

    def _fit_target(self, target: str, F: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> None:
        """One estimator of the family for ``target`` on its training rows (imputed where the family takes no NaN)."""
        from . import make_estimator

        X = self._impute(F).to_numpy(dtype=float)
        self.estimators[target] = make_estimator(self.family, **self._estimator_params()).fit(X, y, groups=groups)
        self.target_ranges[target] = (float(np.min(y)), float(np.max(y)))

    def _fit_metadata(self, training_wells: list[dict[str, Any]], spec: FeatureSpec, rows_per_target: Mapping[str, int],
                      fit_seconds: Mapping[str, float]) -> dict[str, Any]:
        """The fitted state as plain data: what the store saves beside the model and the API serves.
        ``training_wells``: one :func:`training_well_record` per well. The Dask trainer, which sets the
        same state from cluster aggregates, records it here too (:mod:`welllog.batch.train_dask`)."""
        return {
            "family": self.family,
            "targets": list(self.targets),
            "auxiliary_targets": [t for t in self.estimators if t not in self.targets],
            "units": {t: canonical_unit(t) for t in self.targets if t in ("DTC", "DTS")} | {c: canonical_unit(c) for c in self.inputs},
            "inputs": list(self.inputs),
            "required_curves": list(self.required_curves),
            "tolerated_curves": list(self.tolerated_curves),
            "features": list(self.feature_names),
            "feature_sources": dict(self.feature_sources),
            "feature_spec": spec.to_dict(),
            "params": self.estimators[self.targets[0]].get_params(),
            "imputation": dict(self.imputation),
            "input_ranges": {k: list(v) for k, v in self.input_ranges.items()},
            "target_ranges": {k: list(v) for k, v in self.target_ranges.items()},
            "training_rows": dict(rows_per_target),
            "fit_seconds": dict(fit_seconds),
            "training_wells": training_wells,
            "untrained_wells": list(getattr(self, "untrained_wells_", [])),
            "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }

    # -- helpers ------------------------------------------------------------------------------
    def _fitted_targets(self) -> list[str]:
        """Targets plus auxiliary ones: the latter are fitted on the same rows and features but are
        not outputs (e.g. the Vp/Vs ratio the recipe's DTS blend needs, :mod:`welllog.shear`)."""
        aux = getattr(self, "auxiliary_targets", [])  # models stored before auxiliary targets existed
        return [*self.targets, *(t for t in aux if t not in self.targets)]

    def _predictable(self, present: np.ndarray) -> np.ndarray:
        """Rows with every required input and at least one input at all."""
        req = [i for i, c in enumerate(self.inputs) if c in self.required_curves]
        ok = present[:, req].all(axis=1) if req else np.ones(len(present), dtype=bool)
        return ok & present.any(axis=1)

    def _impute(self, F: pd.DataFrame) -> pd.DataFrame:
        F = F.fillna(self.imputation) if self.imputation else F
        substitutes = getattr(self, "substitutes", None)  # models stored before tolerate() existed have none
        return F.fillna(substitutes) if substitutes else F

    def tolerate(self, curves: Sequence[str]) -> list[str]:
        """Let rows (and wells) without ``curves`` be predicted although every training row had them:
        the training median of each of their features stands in (T_QC bit 1 on those rows).

        Why: a curve that describes the hole rather than the rock (the caliper) is often not logged
        over whole runs; a flagged synthetic log there beats none, and a model that never saw the
        curve missing has learned nothing about NaN (LightGBM would read it as zero). Returns the
        curves moved from ``required_curves`` to ``tolerated_curves``."""
        moved = [c for c in curves if c in self.required_curves]
        if not moved:
            return []
        self.required_curves = [c for c in self.required_curves if c not in moved]
        self.tolerated_curves = [*self.tolerated_curves, *moved]
        medians = getattr(self, "feature_medians", {})
        self.substitutes = {**getattr(self, "substitutes", {}),
                            **{f: medians[f] for f, src in self.feature_sources.items() if src in moved and f in medians}}
        self.metadata.update(required_curves=list(self.required_curves), tolerated_curves=list(self.tolerated_curves),
                             substitutes=dict(self.substitutes))
        return moved

    def check_curves(self, well: Well) -> None:
        """Raise :class:`MissingCurvesError` when ``well`` lacks a curve the model requires."""
        require_well(self, well)
        missing = [c for c in self.required_curves if not well.has(c)]
        if missing:
            raise MissingCurvesError(well.label, missing, well.curves, why=_why_missing(well, missing))

    def features_for(self, well: Well) -> tuple[pd.DataFrame, np.ndarray]:
        """The exact feature matrix the estimators see (imputed if the family needs it), indexed like
        ``well.data``, and the boolean mask of predictable rows. SHAP explains this matrix."""
        self.check_curves(well)
        F = build_features(well.data, self.fitted_spec(), self.inputs)
        present = F[[self.base_features[c] for c in self.inputs]].notna().to_numpy()
        return self._impute(F), self._predictable(present)

    def qc_codes(self, well: Well) -> np.ndarray:
        """T_QC bits 1/2/4/8/16 per row of ``well.data`` (same for every target)."""
        return self._qc(well)[0]

    def out_of_range_rows(self, well: Well) -> dict[str, np.ndarray]:
        """Why rows carry T_QC bit 8, before any prediction: input curve -> boolean row mask (rows
        of ``well.data``). Subclasses add their own reasons (the recipe: ``"depth"``)."""
        return self._qc(well)[1]

    def _qc(self, well: Well) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(T_QC bits, bit 8's row masks per cause) from one feature build: :meth:`predict` needs
        both, and the features are the costly part."""
        F = build_features(well.data, self.fitted_spec(), self.inputs)
        base = F[[self.base_features[c] for c in self.inputs]]
        present = base.notna().to_numpy()
        code = np.zeros(len(F), dtype=np.int64)
        code[~present.all(axis=1)] |= QC_MISSING
        qc = well.qc_flags()
        for c in self.inputs:
            if c in qc.columns:
                flags = qc[c].to_numpy().astype(np.int64)
                code[(flags & int(QCFlag.IMPOSSIBLE | QCFlag.SPIKE | QCFlag.BEHIND_CASING)) != 0] |= QC_NULLED
                code[(flags & int(QCFlag.BAD_HOLE)) != 0] |= QC_BAD_HOLE
        rows = self._inputs_out_of_range(base)
        for outside in rows.values():
            code[outside] |= QC_OOD
        code[~self._predictable(present)] |= QC_NOT_PREDICTED
        return without_ood_unpredicted(code), rows

    def _inputs_out_of_range(self, base: pd.DataFrame) -> dict[str, np.ndarray]:
        """Input curve -> rows where its value lies outside the curve's training range (T_QC bit 8).
        Measured depth as an input counts as ``"depth"``, the cause's one name whichever model reads
        it (the recipe's depth companion says ``"depth"`` too; a client summing "DEPT" and "depth"
        apart missed rows — API audit)."""
        return {("depth" if c == "DEPT" else c): outside_range(base[self.base_features[c]].to_numpy(dtype=float), self.input_ranges[c])
                for c in self.inputs if self.input_ranges.get(c) is not None}

    def out_of_range_reasons(self, well: Well, pred: pd.DataFrame) -> dict[str, dict[str, int]]:
        """Per target of ``pred``: predicted rows with T_QC bit 8, counted by reason — an input
        curve's mnemonic (its value outside the training range), ``"prediction"`` (the predicted
        value beyond the training targets) and whatever a subclass adds; only reasons that occur.

        Why: bit 8 says "unlike the training wells" for several causes, and what to do differs —
        a resistivity beyond range may be a unit or a fluid the training wells lacked, a predicted
        DTS beyond the training DTS an extrapolation of the ratio route. A row can count under
        several reasons."""
        return self._count_reasons(self.out_of_range_rows(well), pred, well)

    def _count_reasons(self, rows: dict[str, np.ndarray], pred: pd.DataFrame, well: Well) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for t in self.targets:
            if f"{t}_MEAN" not in pred.columns:
                continue
            mean = pred[f"{t}_MEAN"].to_numpy(dtype=float)
            done = np.isfinite(mean)
            reasons = {**rows, **self._target_reasons(t, pred, well)}
            counts = {reason: int((mask & done).sum()) for reason, mask in reasons.items()}
            out[t] = {reason: n for reason, n in counts.items() if n}
        return out

    def _target_reasons(self, target: str, pred: pd.DataFrame, well: Well) -> dict[str, np.ndarray]:
        """Bit-8 reasons that depend on the prediction of ``target`` (of ``well``): ``"prediction"`` beyond its training values."""
        return {"prediction": self._beyond_targets(target, pred[f"{target}_MEAN"].to_numpy(dtype=float))}

    # -- prediction ---------------------------------------------------------------------------
    def predict_distributions(self, well: Well, quantiles: Sequence[float] = DEFAULT_QUANTILES,
                              rows: np.ndarray | None = None) -> dict[str, tuple[Distribution, np.ndarray]]:
        """Per target (and fitted auxiliary target): the distribution on the predictable rows and the
        boolean row mask; ``rows`` (a boolean mask over ``well.data``) restricts them — the features
        still come from the whole well (depth context), only the estimators see fewer rows."""
        X, ok = self.features_for(well)
        if rows is not None:
            ok = ok & np.asarray(rows, dtype=bool)
        Xn = X.to_numpy(dtype=float)[ok]
        out = {}
        for t in (t for t in self._fitted_targets() if t in self.estimators):
            dist = self.estimators[t].predict_dist(Xn, quantiles=_all_quantiles(quantiles)) if ok.any() else None
            out[t] = (dist, ok)
        return out

    def predict(self, well: Well, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> pd.DataFrame:
        """T_MEAN, T_STD, T_Pxx, T_QC per target, indexed like ``well.data``."""
        qs = _all_quantiles(quantiles)
        require_well(self, well)
        code, rows = self._qc(well)
        dists = self._distributions_given_qc(well, qs, code)
        n = len(well.data)
        cols: dict[str, np.ndarray] = {}
        for t in self.targets:
            dist, ok = dists[t]
            def put(values: np.ndarray | None) -> np.ndarray:
                full = np.full(n, np.nan)
                if values is not None:
                    full[ok] = values
                return full
            cols[f"{t}_MEAN"] = put(dist.mean if dist else None)
            cols[f"{t}_STD"] = put(dist.std if dist else None)
            for q in qs:
                cols[f"{t}_{quantile_label(q)}"] = put(dist.quantiles[q] if dist else None)
            cols[f"{t}_QC"] = code | np.where(self._beyond_targets(t, cols[f"{t}_MEAN"]), QC_OOD, 0)
        pred = pd.DataFrame(cols, index=well.data.index)
        pred.attrs["out_of_range"] = self._count_reasons(rows, pred, well)  # out_of_range_reasons, features built once
        return pred

    def _distributions_given_qc(self, well: Well, quantiles: Sequence[float], code: np.ndarray) -> dict[str, tuple[Distribution, np.ndarray]]:
        """:meth:`predict_distributions` for :meth:`predict`, which has built the T_QC code already
        (a subclass whose intervals depend on it — the recipe's calibration — need not build it again)."""
        return self.predict_distributions(well, quantiles)

    def _beyond_targets(self, target: str, mean: np.ndarray) -> np.ndarray:
        """Rows whose predicted ``target`` lies beyond the values it was trained on (their min/max,
        by more than 5% of that range, as :func:`outside_range`): T_QC bit 8.

        Why: inputs inside their ranges can still combine into a prediction no training rock had —
        a DTS from the Vp/Vs route times a slow DTC (500-700 us/ft where the training DTS stopped at
        494) is an extrapolation the user should see flagged like an out-of-range input."""
        lo_hi = getattr(self, "target_ranges", {}).get(target)  # models stored before target ranges: none
        return outside_range(mean, lo_hi) if lo_hi is not None else np.zeros(len(mean), dtype=bool)


