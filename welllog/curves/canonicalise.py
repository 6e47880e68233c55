"""RawWell -> Well: pick one source curve per canonical curve, convert units, fix the depth index.

Why here and not in the readers: every format (LAS, CSV, JSON arrays) needs the same decisions,
and every decision must land in one provenance list so a user can see *why* HDRS became RDEP or
why a curve was converted. The original values are never modified: ``Well.original`` is the raw
frame itself and ``Well.data`` is built from copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from welllog.errors import UsageError, WellReadError
from welllog.ingest.raw import RawWell
from welllog.well import CANONICAL_CURVES, CurveMapping, Well

from .aliases import AliasTable, base_mnemonic, load_aliases, validate_alias_overrides
from .units import UNITS, Conversion, conversion, infer_unit, normalise_unit, plausible_in, quantity_of

#: a RHOB candidate in g/cm3 whose median |value| is below this is a density correction (DRHO/HDRA)
_DENSITY_CORRECTION_MAX = 0.5


@dataclass
class _Choice:
    source: str
    conversion: Conversion
    note: str  #: how the unit was decided ("" when declared and canonical)


def _match_column(key: str, columns: list[str]) -> list[str]:
    """Columns a user key names: exact (case-insensitive) first, else by base mnemonic."""
    exact = [c for c in columns if str(c).strip().upper() == key]
    return exact or [c for c in columns if base_mnemonic(c) == base_mnemonic(key)]


def _with_note(conversion: str, note: str) -> str:
    """A mapping's conversion text with a note added ("none" gives way to the note)."""
    return note if conversion == "none" else f"{conversion}; {note}"


def _values(raw: RawWell, column: str) -> np.ndarray:
    return pd.to_numeric(raw.frame[column], errors="coerce").to_numpy(dtype=float)


def _source_name(raw: RawWell) -> str:
    return raw.source or raw.name


class _Resolver:
    """Decides, per canonical curve, which column to use and how to convert it."""

    def __init__(self, raw: RawWell, table: AliasTable, aliases: Mapping[str, str] | None, units: Mapping[str, str] | None):
        self.raw = raw
        self.table = table
        self.columns = [str(c) for c in raw.frame.columns]
        self.notes: list[tuple[str, str, str | None]] = []  # (step, message, curve)
        self.overrides: dict[str, str] = {}  # column -> canonical
        for key, canon in validate_alias_overrides(aliases).items():
            cols = _match_column(key, self.columns)
            if not cols:
                self.notes.append(("user", f"alias override {key}={canon}: no curve {key} in this file", canon))
            for col in cols[:1]:
                self.overrides[col] = canon
        self.unit_overrides: dict[str, str] = {}  # column or canonical name (upper) -> normalised unit
        for key, unit in (units or {}).items():
            norm = normalise_unit(unit)
            if not norm:
                known = ", ".join(sorted(UNITS))
                raise UsageError(f"unit override {key}={unit}: unit {unit!r} not recognised; use one of {known}")
            self.unit_overrides[str(key).strip().upper()] = norm

    # -- units -------------------------------------------------------------------------------
    def _declared_unit(self, column: str, canonical: str) -> tuple[str, str | None, str]:
        """(declared spelling, normalised unit or None if unrecognised, origin) for a column."""
        for key in (column.upper(), base_mnemonic(column), canonical):
            if key in self.unit_overrides:
                return self.unit_overrides[key], self.unit_overrides[key], "user"
        declared = str(self.raw.units.get(column, "") or "").strip()
        return declared, normalise_unit(declared), "file"

    def _unit_choice(self, column: str, canonical: str, values: np.ndarray) -> tuple[Conversion | None, str]:
        """Conversion to the canonical unit, or (None, reason) when the column is not usable."""
        target = CANONICAL_CURVES[canonical][0]
        quantity = self.table.quantity[canonical]
        declared, unit, origin = self._declared_unit(column, canonical)
        if unit:  # a recognised unit: it must belong to the right family
            q = quantity_of(unit)
            if q != quantity:
                return None, f"unit {declared!r} is a {q}, not a {quantity}"
            conv = conversion(unit, target)
            if conv is None:  # pragma: no cover - same family always converts
                return None, f"unit {declared!r} cannot be converted to {target}"
            note = f"unit {unit} given by user (--unit)" if origin == "user" else ""
            if origin == "file" and not plausible_in(canonical, unit, values):
                guess = infer_unit(canonical, values)
                if guess and guess != unit:
                    self.notes.append((
                        "unit",
                        f"{column}: declared {declared!r} but values look like {guess}; kept as declared "
                        f"(pass units={{'{column}': '{guess}'}} / --unit {column}={guess} if the header is wrong)",
                        canonical,
                    ))
            return conv, note
        # no unit or an unrecognised one: infer from the value range where unambiguous
        guess = infer_unit(canonical, values)
        shown = declared or "none"
        unit_text = f"unit {declared!r} not recognised" if declared else "no unit given"
        if guess is None:
            finite = values[np.isfinite(values)]
            median = f"{np.median(finite):.4g}" if finite.size else "n/a"
            raise WellReadError(
                _source_name(self.raw),
                f"curve {column}: unit {shown!r} cannot be converted to canonical {target} for {canonical} "
                f"(median {median} fits no known unit); pass units={{'{column}': ...}} / --unit {column}=UNIT",
            )
        conv = conversion(guess, target)
        assert conv is not None
        if guess == target:
            return conv, f"{unit_text}; values fit {target}, accepted as {target}"
        return conv, f"{unit_text}; inferred {guess} from the value range"

    # -- choice ------------------------------------------------------------------------------
    def _rejection(self, column: str, canonical: str, values: np.ndarray) -> str | None:
        """Why a table candidate must not be used (None: usable)."""
        if not np.isfinite(values).any():
            return "no values (all null)"
        if canonical == "RHOB":
            finite = values[np.isfinite(values)]
            declared, unit, _ = self._declared_unit(column, canonical)
            if unit in ("g/cm3", "", None) and abs(float(np.median(finite))) < _DENSITY_CORRECTION_MAX:
                return "values near 0 g/cm3: a density correction, not bulk density"
        return None

    def choose(self, canonical: str) -> tuple[_Choice | None, CurveMapping | None]:
        overridden = [c for c, canon in self.overrides.items() if canon == canonical]
        taken_elsewhere = {c for c, canon in self.overrides.items() if canon != canonical}
        table = [c for c in self.table.candidates(canonical, self.columns) if c not in taken_elsewhere and c not in overridden]
        chosen: _Choice | None = None
        reason = ""
        passed_over: list[str] = []
        for column in overridden:  # a user override is taken as asked, unit permitting
            values = _values(self.raw, column)
            conv, note = self._unit_choice(column, canonical, values)
            if conv is None:
                raise WellReadError(
                    _source_name(self.raw),
                    f"curve {column}: cannot be used as {canonical} as asked by the alias override: {note}",
                )
            chosen, reason = _Choice(column, conv, note), f"user override {column}={canonical}"
            break
        for column in table:
            if chosen is not None:
                passed_over.append(column)
                continue
            values = _values(self.raw, column)
            why_not = self._rejection(column, canonical, values)
            if why_not is None:
                conv, unit_note = self._unit_choice(column, canonical, values)
                if conv is not None:
                    rank = self.table.aliases[canonical].index(base_mnemonic(column)) + 1
                    chosen = _Choice(column, conv, unit_note)
                    reason = f"alias {base_mnemonic(column)}, priority {rank}"
                    continue
                why_not = unit_note
            self.notes.append(("alias", f"{column} not taken as {canonical}: {why_not}", canonical))
        if chosen is None:
            return None, None
        if passed_over:
            reason += f"; preferred over {', '.join(passed_over)}"
            self.notes.append(("alias", f"{chosen.source} chosen as {canonical} over {', '.join(passed_over)} (alias priority)", canonical))
        declared = str(self.raw.units.get(chosen.source, "") or "")
        conv_text = chosen.conversion.describe()
        if chosen.note:
            conv_text = _with_note(conv_text, chosen.note)
        mapping = CurveMapping(
            canonical=canonical,
            source=chosen.source,
            source_unit=declared,
            unit=CANONICAL_CURVES[canonical][0],
            conversion=conv_text,
            reason=reason,
        )
        return chosen, mapping


def _depth_unit(raw: RawWell, column: str, values: np.ndarray, resolver: _Resolver) -> tuple[Conversion, str]:
    """Depth conversion to metres: declared/overridden unit, else the ~Well STRT unit, else the step."""
    declared, unit, origin = resolver._declared_unit(column, "DEPT")
    if unit:
        if quantity_of(unit) != "length":
            raise WellReadError(_source_name(raw), f"depth curve {column}: unit {declared!r} is not a length; pass --unit {column}=m or ft")
        conv = conversion(unit, "m")
        assert conv is not None
        return conv, ("unit given by user (--unit)" if origin == "user" else "")
    for section in raw.header.values():
        if isinstance(section, Mapping):
            for key in ("STRT", "STOP", "STEP"):
                item = section.get(key)
                if isinstance(item, Mapping):
                    hdr_unit = normalise_unit(item.get("unit"))
                    if hdr_unit and quantity_of(hdr_unit) == "length":
                        conv = conversion(hdr_unit, "m")
                        assert conv is not None
                        return conv, f"depth unit {declared or 'none'!r} taken from header {key} unit {hdr_unit}"
    finite = values[np.isfinite(values)]
    step = float(np.median(np.abs(np.diff(finite)))) if finite.size > 1 else float("nan")
    if np.isfinite(step) and abs(step - 0.1524) < 0.002:
        return Conversion("m", "m", 1.0), "depth unit not given; step 0.1524 is metric (m)"
    if np.isfinite(step) and any(abs(step - s) < 1e-6 for s in (0.5, 0.25)):
        return Conversion("ft", "m", 0.3048), f"depth unit not given; step {step:g} is imperial (ft)"
    return Conversion("m", "m", 1.0), (
        f"depth unit not given and not inferable; assumed m (pass units={{'{column}': 'ft'}} / --unit {column}=ft if wrong)"
    )


def _declared_non_length(raw: RawWell, column: str) -> bool:
    """True when ``column`` declares a unit that is not a length (e.g. a TIME index in HHMMSS)."""
    unit = normalise_unit(raw.units.get(column))
    return unit != "" and (unit is None or quantity_of(unit) != "length")


#: deeper than any well drilled (Kola SG-3: 12.26 km): a depth beyond this is a wrong unit, STEP or index
MAX_PLAUSIBLE_DEPTH_M = 15_000.0


def _check_plausible_depth(raw: RawWell, column: str, depth: np.ndarray, conv: Conversion) -> None:
    """Refuse a depth index that no well can have, before a model extrapolates along it silently."""
    finite = np.abs(depth[np.isfinite(depth)])
    if finite.size and float(finite.max()) > MAX_PLAUSIBLE_DEPTH_M:
        raise WellReadError(_source_name(raw), (
            f"depth {column} reaches {float(finite.max()):,.0f} m (read as {conv.source_unit or 'm'}): deeper than any well; "
            f"fix its unit (--unit {column}=ft or m) or STEP, or, if {column} is not depth, name the depth curve (--alias CURVE=DEPT)"))


def _vertical_depth_down(data: pd.DataFrame, source: str) -> list[tuple[str, str, str | None]]:
    """TVD given as an elevation (negative below the datum, as force2020's z_loc) becomes a depth
    (positive down) in place: one sign convention for every well a model sees."""
    values = data["TVD"].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size == 0 or np.median(finite) >= 0:
        return []
    data["TVD"] = -values
    return [("unit", f"{source}: values are elevations (negative below the datum); sign flipped to depth positive down", "TVD")]


def canonicalise(raw: RawWell, *, aliases: Mapping[str, str] | None = None, units: Mapping[str, str] | None = None) -> Well:
    """Turn a :class:`RawWell` into a canonical :class:`Well` and run QC on it.

    ``aliases`` = {SRC: CANON} overrides the alias table; ``units`` = {MNEMONIC: UNIT} supplies or
    corrects units (keys: file mnemonic or canonical name). Raises WellReadError when a chosen
    curve's unit can neither be converted nor inferred; UsageError for malformed overrides.
    """
    from welllog.qc import run_qc  # QC imports the curves package; import late to avoid a cycle

    table = load_aliases()
    resolver = _Resolver(raw, table, aliases, units)
    frame = raw.frame
    n = len(frame)
    mappings: dict[str, CurveMapping] = {}
    choices: dict[str, _Choice] = {}
    for canonical in CANONICAL_CURVES:
        if canonical == "DEPT":
            continue
        choice, mapping = resolver.choose(canonical)
        if choice is not None and mapping is not None:
            choices[canonical], mappings[canonical] = choice, mapping
    # a column may serve only one canonical curve (aliases are unique, overrides are per column)

    # -- depth ---------------------------------------------------------------------------------
    notes: list[tuple[str, str, str | None]] = []
    depth_col = raw.depth_column
    user_depth = [c for c, canon in resolver.overrides.items() if canon == "DEPT"]
    if user_depth:
        depth_col = user_depth[0]
        notes.append(("user", f"depth index taken from {depth_col} (alias override {depth_col}=DEPT)", "DEPT"))
    if depth_col is None:
        found = table.candidates("DEPT", resolver.columns)
        found = [c for c in found if c not in {ch.source for ch in choices.values()}]
        if found:
            depth_col = found[0]
            notes.append(("depth", f"no depth column declared by the reader; using {depth_col} (alias table)", "DEPT"))
    if depth_col is not None and not user_depth and _declared_non_length(raw, depth_col):
        lengths = [c for c in table.candidates("DEPT", resolver.columns)
                   if c != depth_col and quantity_of(normalise_unit(raw.units.get(c)) or "") == "length"]
        if lengths:
            notes.append(("depth", f"index {depth_col} has unit {raw.units.get(depth_col)!r}, not a length; "
                                   f"depth taken from {lengths[0]} ({raw.units.get(lengths[0])})", "DEPT"))
            depth_col = lengths[0]
    if depth_col is not None:
        others = [c for c in table.candidates("DEPT", resolver.columns) if c != depth_col]
        depth_raw = _values(raw, depth_col)
        conv, note = _depth_unit(raw, depth_col, depth_raw, resolver)
        depth = conv.apply(depth_raw)
        _check_plausible_depth(raw, depth_col, depth, conv)
        reason = f"user override {depth_col}=DEPT" if user_depth else "depth column"
        if others:
            reason += f"; also found {', '.join(others)} (not used as the index)"
            notes.append(("alias", f"{depth_col} used as depth; {', '.join(others)} also found, not used", "DEPT"))
        conv_text = conv.describe()
        if note:
            conv_text = _with_note(conv_text, note)
            notes.append(("unit", f"{depth_col}: {note}", "DEPT"))
        if not conv.identity:
            notes.append(("unit", f"{depth_col}: converted {conv.describe()}", "DEPT"))
        depth_mapping = CurveMapping("DEPT", depth_col, str(raw.units.get(depth_col, "") or ""), "m", conv_text, reason)
        has_depth = True
    else:
        depth = np.arange(n, dtype=float)
        depth_mapping = None
        has_depth = False
        notes.append(("depth", "no depth column: rows taken in depth order; index = row number (0, 1, 2, ...) in m", "DEPT"))

    # -- rows: drop null depths, sort, de-duplicate ----------------------------------------------
    positions = np.arange(n)
    finite = np.isfinite(depth)
    if (~finite).any():
        notes.append(("depth", f"{int((~finite).sum())} row(s) with null depth dropped", "DEPT"))
    positions, kept_depth = positions[finite], depth[finite]
    if kept_depth.size > 1 and (np.diff(kept_depth) <= 0).any():
        decreasing = bool(kept_depth[0] > kept_depth[-1])
        order = np.argsort(kept_depth, kind="stable")
        positions, kept_depth = positions[order], kept_depth[order]
        uniq = np.concatenate([[True], np.diff(kept_depth) > 0])
        n_dup = int((~uniq).sum())
        positions, kept_depth = positions[uniq], kept_depth[uniq]
        if decreasing:
            what = "depths decreasing (reversed): sorted increasing"
        elif n_dup and (np.diff(depth[finite]) >= 0).all():
            what = "depths repeated (in order otherwise)"
        else:
            what = "depths not monotonic: sorted increasing"
        notes.append(("depth", f"{what}; {n_dup} duplicate depth row(s) dropped (first kept)", "DEPT"))

    data = pd.DataFrame(index=pd.Index(kept_depth, name="DEPT"))
    for canonical, choice in choices.items():
        values = choice.conversion.apply(_values(raw, choice.source))
        data[canonical] = values[positions]
        if not choice.conversion.identity:
            notes.append(("unit", f"{choice.source}: converted {choice.conversion.describe()}", canonical))
        if choice.note:
            notes.append(("unit", f"{choice.source}: {choice.note}", canonical))
    if "TVD" in data.columns:
        flipped = _vertical_depth_down(data, choices["TVD"].source)
        if flipped:
            notes.extend(flipped)
            mappings["TVD"].conversion = _with_note(mappings["TVD"].conversion, "sign flipped (elevation -> depth)")

    well = Well(
        name=raw.name,
        data=data,
        original=raw.frame,
        rows=positions.astype(np.int64),
        original_units=dict(raw.units),
        original_descr=dict(raw.descr),
        mapping={**({"DEPT": depth_mapping} if depth_mapping else {}), **mappings},
        header=raw.header,
        source=raw.source,
        source_format=raw.source_format,
        has_depth=has_depth,
    )
    for message in raw.notes:
        well.note("read", message)
    for step, message, curve in resolver.notes:
        well.note(step, message, curve)
    for canonical, mapping in mappings.items():
        well.note("alias", f"{mapping.source} -> {canonical}: {mapping.reason}", canonical)
    for step, message, curve in notes:
        well.note(step, message, curve)
    used = {m.source for m in well.mapping.values()}
    for column in resolver.columns:
        why = table.never_reason(column)
        if why and column not in used:
            well.note("alias", f"{column} not mapped: {why}", None)
    run_qc(well)
    return well
