"""Between JSON and the library: request bodies -> :class:`~welllog.well.Well`, frames -> JSON.

Kept apart from the routers so that the same conversions serve predict, upload and explain, and so
that the JSON rules (missing values are ``null``, one value per *input* sample in input order) live
in one place.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from welllog.jsonable import jsonable
from welllog.models.base import DEFAULT_QUANTILES
from welllog.qc import qc_summary
from welllog.well import TARGET_CURVES, Well, canonical_unit

from .errors import InvalidRequestError, PayloadTooLargeError
from .schemas import WellInput
from .settings import Settings

#: the quantiles every prediction carries (p05, p50, p95): the library's own, never a copy
BASE_QUANTILES: tuple[float, ...] = tuple(DEFAULT_QUANTILES)
_DEPTH_KEYS = ("DEPT", "DEPTH")


def check_samples(n: int, settings: Settings, what: str = "request", field: str | None = None) -> None:
    if n > settings.max_samples:
        raise PayloadTooLargeError(
            f"{what} has {n} samples, more than the limit of {settings.max_samples}; "
            "split it into smaller requests or raise WELLLOG_MAX_SAMPLES",
            field=field,
        )


def check_body_samples(body: WellInput, settings: Settings) -> None:
    """413 naming the JSON field that holds the samples (``curves`` or ``records``) beyond the limit."""
    check_samples(body.n_samples, settings, field="curves" if body.curves is not None else "records")


def well_from_request(body: WellInput, settings: Settings, name: str = "request") -> Well:
    """Build a canonical well from JSON arrays (depth from ``depth`` or a DEPT/DEPTH column). The
    routes check the size first (:func:`check_body_samples`), before a model is loaded."""
    from welllog.ingest import well_from_arrays

    arrays = body.arrays()
    depth: list[float] | None = list(body.depth) if body.depth is not None else None
    if depth is None:
        key = next((k for k in arrays if k.upper() in _DEPTH_KEYS), None)
        if key is not None:
            depth = arrays.pop(key)
            if not all(math.isfinite(d) for d in depth):
                raise InvalidRequestError("curves." + key, "depth values must all be numbers (no null/NaN)")
            if not arrays:
                raise InvalidRequestError("curves", "only a depth column was given: add log curves")
    well = well_from_arrays(arrays, depth=depth, units=body.units, aliases=body.aliases, name=name)
    check_declared_units(well, body.units or {})
    return well


def units_field(source: str) -> str:
    """The JSON body's field for the unit of curve ``source``: ``units.SOURCE``."""
    return f"units.{source}"


def check_declared_units(well: Well, units: dict[str, str], field: Callable[[str], str] = units_field) -> None:
    """A unit the caller gave that is not recognised, or a curve refused *because of* its unit, is a
    422, not a silent inference or drop.

    The canonicaliser drops a curve whose unit contradicts its name (a conductivity sent as RDEP)
    and records why in the provenance; for a JSON request that is almost always a client mistake.
    ``field`` names the request field of a curve's unit (``units.GR`` in JSON; the upload route
    names its query parameter ``unit``).
    """
    from welllog.curves.units import UNITS, normalise_unit

    for source, unit in units.items():  # a unit the caller typed and we cannot read: say so, do not guess
        if normalise_unit(unit) is None:
            raise InvalidRequestError(field(source), f"unit {unit!r} of {source} is not recognised; use one of "
                                      f"{', '.join(sorted(UNITS))}, or leave it out to have it inferred from the values")
    used = {m.source for m in well.mapping.values()}
    for source, unit in units.items():
        if source in used:
            continue
        reasons = [p.message for p in well.provenance if p.step == "alias" and p.message.startswith(f"{source} not taken")]
        if reasons:
            raise InvalidRequestError(
                field(source), f"curve {source} with unit {unit!r} cannot be used: {reasons[0]}; fix the unit or the mnemonic"
            )


def quantile_levels(extra: Sequence[float] | None) -> tuple[float, ...]:
    """The base quantiles plus any requested ones, sorted and unique (rounded to 0.01 percent, as their keys are)."""
    levels = set(BASE_QUANTILES) | {round(float(q), 4) for q in (extra or ())}
    return tuple(sorted(levels))


def quantile_label(q: float) -> str:
    """0.05 -> 'p05', 0.9 -> 'p90', 0.025 -> 'p2.5' (the JSON key of a quantile)."""
    pct = q * 100
    text = f"{pct:.2f}".rstrip("0").rstrip(".")
    return "p" + (text.zfill(2) if "." not in text else text)


def _quantile_column(target: str, q: float) -> str:
    """The model's column name for quantile q of target (e.g. DTC_P10, DTC_P2_5)."""
    from welllog.models.sonic import quantile_label as column_label

    return f"{target}_{column_label(q)}"


def json_floats(values: np.ndarray | pd.Series) -> list[float | None]:
    """Floats with NaN/inf as None (JSON null), as plain Python lists."""
    arr = np.asarray(values, dtype=float)
    out = arr.tolist()
    if not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr))
        for i in bad:
            out[i] = None
    return out


def prediction_json(well: Well, pred: pd.DataFrame, targets: Sequence[str], extra: Sequence[float] | None) -> dict[str, Any]:
    """Per-target arrays aligned with the *input* rows (rows the reader dropped: null, qc 16)."""
    from welllog.predict import original_rows

    aligned = original_rows(well, pred)  # rows without a canonical row get QC 16 (not predicted)
    out: dict[str, Any] = {}
    for target in targets:
        qc = aligned[f"{target}_QC"].astype(int).tolist()
        quantiles: dict[str, list[float | None]] = {}
        for q in quantile_levels(extra):
            if q in BASE_QUANTILES:
                continue
            col = _quantile_column(target, q)
            if col in aligned:
                quantiles[quantile_label(q)] = json_floats(aligned[col])
        out[target] = {
            "unit": canonical_unit(target) if target in TARGET_CURVES else "",
            "mean": json_floats(aligned[f"{target}_MEAN"]),
            "std": json_floats(aligned[f"{target}_STD"]),
            "p05": json_floats(aligned[f"{target}_P05"]),
            "p50": json_floats(aligned[f"{target}_P50"]),
            "p95": json_floats(aligned[f"{target}_P95"]),
            "quantiles": quantiles,
            "qc": qc,
            "out_of_range": dict(pred.attrs.get("out_of_range", {}).get(target, {})),
        }
        if f"{target}_TIED" in aligned:
            out[target]["tied"] = json_floats(aligned[f"{target}_TIED"])
    return out


def input_depths(well: Well) -> list[float | None]:
    """The depth (m) used for each input row, in input order (null where the row was dropped)."""
    frame = pd.DataFrame({"DEPT": well.depth}, index=well.data.index)
    return json_floats(well.to_original_rows(frame)["DEPT"])


def unused_curves_warning(well: Well, said: Sequence[str] = ()) -> str:
    """'' or, for a JSON request, the curves it sent that no canonical curve was taken from. A
    caller names each curve on purpose, so one left unused is most likely a typo or a vendor
    mnemonic — and a missed optional input (CALI, PEF) would otherwise only show as T_QC bit 1.
    (Not for file uploads: a LAS file carries many curves no model reads.) ``said``: the warnings
    already given, so a curve the library passed over for its unit is not said twice."""
    from welllog.errors import alias_fix
    from welllog.well import INPUT_CURVES, TARGET_CURVES

    unmapped = well.summary()["unmapped"]
    # a curve with values passed over for its unit (a measured DTS of 3 us/ft, no unit given) is neither
    # empty nor unrecognised: say the library's reason (once), not "sent without a single value"
    passed = {c: why for c, why in _passed_over(well).items() if c in unmapped and _has_values(well, c)}
    unmapped = [c for c in unmapped if c not in passed]
    canonical = [c for c in unmapped if c in INPUT_CURVES or c in TARGET_CURVES]
    # a canonical name set aside for a curve the request mapped onto it (aliases ZDEN=RHOB) was
    # read as "empty" (API audit); one sent with no value at all is no typo: say it is empty (README audit)
    displaced = {c: well.mapping[c].source for c in canonical if c in well.mapping}
    empty = [c for c in canonical if c not in displaced]
    unused = [c for c in unmapped if c not in canonical]
    out = [f"curve {c} not used: {source} was mapped onto it (aliases {source}={c}); drop one of the two"
           for c, source in displaced.items()]
    if unused:
        out.append(f"curve(s) {', '.join(unused)} not recognised, so not used: name it as a canonical curve "
                   f"({', '.join(INPUT_CURVES)}) or map it ({alias_fix(unused[0], 'CANON')})")
    if empty:
        out.append(f"curve(s) {', '.join(empty)} sent without a single value, so not used (as if not sent)")
    out += [f"curve {c} not used: {why}" for c, why in passed.items() if not any(why in w for w in said)]
    return "; ".join(out)


def _passed_over(well: Well) -> dict[str, str]:
    """Source curve -> why the canonicaliser did not take it (its ``X not taken as Y: why`` notes)."""
    out: dict[str, str] = {}
    for p in well.provenance:
        if p.step == "alias" and " not taken as " in p.message:
            source, _, rest = p.message.partition(" not taken as ")
            out.setdefault(source, rest.partition(": ")[2] or rest)
    return out


def _has_values(well: Well, curve: str) -> bool:
    if curve not in well.original:
        return False
    values = pd.to_numeric(well.original[curve], errors="coerce").to_numpy(dtype=float)
    return bool(np.isfinite(values).any())


def well_report(well: Well) -> dict[str, Any]:
    """Alias/unit decisions, provenance and QC summary of a well, as plain data."""
    summary = qc_summary(well)
    return {
        "curves": [m.to_dict() for m in well.mapping.values()],
        "provenance": [p.to_dict() for p in well.provenance],
        "qc_summary": jsonable(summary),
    }
