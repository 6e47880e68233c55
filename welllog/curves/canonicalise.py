"""RawWell -> Well: pick one source curve per canonical curve, convert units, fix the depth index.

Why here and not in the readers: every format (LAS, CSV, JSON arrays) needs the same decisions,
and every decision must land in one provenance list so a user can see *why* HDRS became RDEP or
why a curve was converted. The original values are never modified: ``Well.original`` is the raw
frame itself and ``Well.data`` is built from copies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from welllog.errors import UsageError, WellReadError, alias_fix, unit_fix
from welllog.ingest.raw import RawWell
from welllog.well import CANONICAL_CURVES, CurveMapping, Well

from .aliases import AliasTable, base_mnemonic, load_aliases, validate_alias_overrides
from .units import UNITS, Conversion, beyond_any_unit, conversion, infer_unit, normalise_unit, plausible_in, quantity_of

#: a RHOB candidate in g/cm3 whose median |value| is below this is a density correction (DRHO/HDRA)
_DENSITY_CORRECTION_MAX = 0.5

#: the words of a candidate passed over because no unit explains its values (prediction warns on them)
UNIT_FITS_NOTHING = "fits no known unit"


#: a step's provenance entry: (step, message, canonical curve or None)
_Note = tuple[str, str, str | None]


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


#: at most this many of a file's curves are listed in an error message
_LISTED_CURVES = 40


def curve_list(columns: list[str]) -> str:
    """The file's curves for an error message (long LAS 3.0 lists are cut)."""
    more = len(columns) - _LISTED_CURVES
    return ", ".join(columns[:_LISTED_CURVES]) + (f" ... ({more} more)" if more > 0 else "")


def user_unit_note(unit: str) -> str:
    """How a unit override is recorded in provenance. Route-neutral: the same override arrives as
    the CLI's ``--unit``, the API's ``units`` field or its upload query ``unit``, and canonicalise
    does not know which, so the note must be true for all of them."""
    return f"unit {unit} given by the user (unit override)"


def _holder(raw: RawWell) -> str:
    """What the user sent, in their words: a request's arrays or a file."""
    return "the request" if raw.source_format == "json" else "this file"


def override_error(raw: RawWell, field: str, reason: str) -> WellReadError:
    """A WellReadError about a user's alias/unit override, with ``field`` (``aliases.SRC`` /
    ``units.MNEM``) so that the API can say which request entry to fix; the CLI shows the message."""
    return WellReadError(_source_name(raw), reason, field=field)


#: what an alias/unit override that names no curve of the well does (``canonicalise(unmatched=...)``)
UNMATCHED_POLICIES = ("error", "note")


def unmatched_overrides(well: Well) -> set[str]:
    """The override fields (``aliases.SRC`` / ``units.MNEM``) that named no curve of ``well``
    (read with ``unmatched="note"``): a run over many wells is an error only when an override
    names no curve of *any* of them."""
    return set(well.unmatched_overrides)


def override_label(field: str) -> str:
    """'unit override DCAL (CLI --unit, API "units")' for the field ``units.DCAL``: the same
    override reads right in a CLI run and in an API answer (a bare ``units.DCAL`` is only the API's)."""
    kind, _, key = field.partition(".")
    flag, entry = ("--unit", "units") if kind == "units" else ("--alias", "aliases")
    return f"{'unit' if kind == 'units' else 'alias'} override {key} (CLI {flag}, API \"{entry}\")"


def never_matched_message(per_well: Sequence[set[str]]) -> str:
    """'' or what to tell the user when an override given to a run of several wells (read with
    ``unmatched="note"``; ``per_well``: each well's :func:`unmatched_overrides`) named no curve of
    any of them: a typo, not a curve some wells lack."""
    never = set.intersection(*map(set, per_well)) if per_well else set()
    if not never:
        return ""
    return (f"{', '.join(override_label(f) for f in sorted(never))}: names no curve of any of the {len(per_well)} wells read; check the "
            "mnemonic (`welllog inspect FILE` lists each file's curves)")


def never_matched(per_well: Sequence[set[str]]) -> None:
    """Raise UsageError when an override matched no well of the run (:func:`never_matched_message`):
    training and evaluation stop before the work; a batch prediction reports it instead."""
    message = never_matched_message(per_well)
    if message:
        raise UsageError(message)


def unit_doubt(well: Well, canonical: str, emptied: bool = False) -> str:
    """'' or, for a curve kept in a declared unit its values do not fit (:attr:`Well.unit_doubts`),
    one short phrase for the user: curve, declared unit, the unit the values look like, the fix
    (``emptied``: QC nulled every value, so a prediction ran without the curve).
    (A prediction on it runs but is biased: the warning must name the cause, not only its effect.)"""
    doubt = getattr(well, "unit_doubts", {}).get(canonical)  # wells pickled before the field existed
    if not doubt:
        return ""
    curve, declared, likely = doubt["curve"], doubt["declared"], doubt["likely"]
    name = canonical if curve == canonical else f"{canonical} ({curve})"
    kept = "kept as declared, which nulls every value as impossible (predicted without it)" if emptied else "kept as declared"
    return f"{name} declared {declared!r} but its values look like {likely}; {kept} (if the header is wrong: {unit_fix(curve, likely)})"


def emptied_curve_fix(well: Well, canonical: str) -> str:
    """'' or how to get back a curve the file has but QC nulled entirely as physically impossible:
    almost always a wrong unit (a g/cm3 density declared kg/m3, or negative resistivities), so the
    unit override with the unit the values likely are (if the value range says); '' when no unit
    can help (values beyond any unit, e.g. 1e308) or QC nulled nothing."""
    from welllog.well import QCFlag

    mapping = well.mapping.get(canonical)
    if mapping is None:
        return ""
    doubt = getattr(well, "unit_doubts", {}).get(canonical)
    if doubt:
        return f"its values look like {doubt['likely']}, not {doubt['declared']!r}: give the unit ({unit_fix(mapping.source, doubt['likely'])})"
    flags = well.qc_flags()
    if canonical not in flags.columns or not ((flags[canonical].to_numpy() & int(QCFlag.IMPOSSIBLE)) != 0).any():
        return ""
    raw = (pd.to_numeric(well.original[mapping.source], errors="coerce").to_numpy(dtype=float)
           if mapping.source in well.original.columns else np.array([]))
    finite = raw[np.isfinite(raw)]
    if finite.size and beyond_any_unit(finite).all():
        return ""
    declared = mapping.source_unit or "none"
    likely = infer_unit(canonical, raw) if finite.size else None
    if likely and likely != normalise_unit(mapping.source_unit):
        return f"its values look like {likely}: give the unit ({unit_fix(mapping.source, likely)})"
    return f"if its unit {declared!r} is wrong, give the right one ({unit_fix(mapping.source)})"


class _Resolver:
    """Decides, per canonical curve, which column to use and how to convert it."""

    def __init__(self, raw: RawWell, table: AliasTable, aliases: Mapping[str, str] | None, units: Mapping[str, str] | None,
                 unmatched: str = "error"):
        if unmatched not in UNMATCHED_POLICIES:
            raise UsageError(f"unmatched must be one of {', '.join(UNMATCHED_POLICIES)}, not {unmatched!r}")
        self.unmatched = unmatched
        self.raw = raw
        self.table = table
        self.columns = [str(c) for c in raw.frame.columns]
        self.notes: list[tuple[str, str, str | None]] = []  # (step, message, curve)
        self.unmatched_fields: list[str] = []  # overrides naming no curve, under unmatched="note"
        self.unit_doubts: dict[str, dict[str, str]] = {}  # canonical -> declared unit the values do not fit (Well.unit_doubts)
        self.overrides: dict[str, str] = {}  # column -> canonical
        self.taken: set[str] = set()  # columns chosen for a canonical curve so far (one curve each)
        given_keys = {str(k).strip().upper(): str(k).strip() for k in (aliases or {})}
        for key, canon in validate_alias_overrides(aliases).items():
            cols = _match_column(key, self.columns)
            if not cols:  # silently ignoring it would train or predict without the curve the user meant
                given = given_keys.get(key, key)
                if self._unmatched_noted(f"aliases.{given}", canon):
                    continue
                raise override_error(raw, f"aliases.{given}", (
                    f"alias {given}={canon} names no curve of {_holder(raw)}: there is no curve {given}; "
                    f"its curves are {curve_list(self.columns)}. Give one of these as the source "
                    f"({alias_fix('SRC', canon)})"))
            self.overrides[cols[0]] = canon
        self.unit_overrides: dict[str, str] = {}  # column or canonical name (upper) -> normalised unit
        self.unit_given: dict[str, tuple[str, str]] = {}  # same keys -> (key, unit) as the user typed them
        for key, unit in (units or {}).items():
            norm = normalise_unit(unit)
            if not norm:
                known = ", ".join(sorted(UNITS))
                error = UsageError(f"unit override {key}={unit}: unit {unit!r} not recognised; use one of {known}")
                error.field = f"units.{key}"  # type: ignore[attr-defined]  # read by the API's error handler
                raise error
            self._check_unit_names_a_curve(str(key).strip(), str(unit))
            self.unit_overrides[str(key).strip().upper()] = norm
            self.unit_given[str(key).strip().upper()] = (str(key).strip(), str(unit))

    def _check_unit_names_a_curve(self, key: str, unit: str) -> None:
        """A unit for a curve the file does not have is a mistake (a typo, the wrong file), not a no-op.

        Keys may be a file mnemonic or a canonical name that some curve of the file can stand for.
        """
        upper = key.upper()
        if _match_column(upper, self.columns):
            return
        if upper == "DEPT" and (self.raw.depth_column or self.table.candidates("DEPT", self.columns)):
            return
        if upper in CANONICAL_CURVES and (self.table.candidates(upper, self.columns) or upper in self.overrides.values()):
            return
        if self._unmatched_noted(f"units.{key}", None):
            return
        raise override_error(self.raw, f"units.{key}", (
            f"unit {key}={unit} names no curve of {_holder(self.raw)}: there is no curve {key}; its curves are "
            f"{curve_list(self.columns)}. Give the unit for one of these ({unit_fix('MNEM', unit)})"))

    def _unmatched_noted(self, field: str, curve: str | None) -> bool:
        """Under ``unmatched="note"`` (one override for many wells, some without that curve) the
        override is recorded as naming no curve of this well instead of failing it."""
        if self.unmatched != "note":
            return False
        self.unmatched_fields.append(field)
        self.notes.append(("user", f"{override_label(field)} names no curve of this well (given for a run of several wells; not used here)", curve))
        return True

    # -- units -------------------------------------------------------------------------------
    def _user_unit_key(self, column: str, canonical: str) -> str | None:
        """The key of the user's unit override that applies to ``column``: its own mnemonic, else the
        canonical curve it is a candidate for — unless a file curve bears that name, whose override it
        then is (``--unit GR=ohm.m`` for the file's GR also turned its SGR into a resistivity: CLI audit)."""
        own = next((k for k in (column.upper(), base_mnemonic(column)) if k in self.unit_overrides), None)
        if own is not None:
            return own
        if canonical in self.unit_overrides and not any(c.upper() == canonical or base_mnemonic(c) == canonical for c in self.columns):
            return canonical
        return None

    def _declared_unit(self, column: str, canonical: str) -> tuple[str, str | None, str]:
        """(declared spelling, normalised unit or None if unrecognised, origin) for a column."""
        key = self._user_unit_key(column, canonical)
        if key is not None:
            return self.unit_overrides[key], self.unit_overrides[key], "user"
        declared = str(self.raw.units.get(column, "") or "").strip()
        return declared, normalise_unit(declared), "file"

    def _check_user_unit(self, column: str, canonical: str, conv: Conversion, values: np.ndarray) -> None:
        """A unit the user gave that makes *every* value impossible is refused, naming a likely unit.

        QC would null the whole curve and the model would go without it, with no hint why. A
        file's own unit only gets a note (the header may be odd, the values kept as declared);
        a unit the user typed is theirs to fix.
        """
        from welllog.qc import impossible  # QC's own limits, so we refuse exactly what it would null

        finite = values[np.isfinite(values)]
        if finite.size == 0 or not impossible(canonical, conv.apply(finite)).all():
            return
        key, given = self.unit_given[self._user_unit_key(column, canonical) or canonical]
        target = CANONICAL_CURVES[canonical][0]
        converted = conv.apply(np.array([finite.min(), finite.max()]))
        guess = infer_unit(canonical, values)
        if guess and guess != conv.source_unit:
            hint = f"the values look like {guess}: give it ({unit_fix(key, guess)}) or leave the unit out"
        else:
            hint = "check the unit, or leave it out to have it inferred from the values"
        raise override_error(self.raw, f"units.{key}", (
            f"curve {column}: unit {given!r} given by the user makes all {finite.size:,} values physically impossible "
            f"as {canonical} ({converted[0]:.4g} to {converted[1]:.4g} {target}; values in the file range "
            f"{finite.min():.4g} to {finite.max():.4g}); {hint}"))

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
            note = user_unit_note(unit) if origin == "user" else ""
            if origin == "user":
                self._check_user_unit(column, canonical, conv, values)
            if origin == "file" and not plausible_in(canonical, unit, values):
                guess = infer_unit(canonical, values)
                if guess and guess != unit:
                    self.notes.append((
                        "unit",
                        f"{column}: declared {declared!r} but values look like {guess}; kept as declared "
                        f"(if the header is wrong: {unit_fix(column, guess)})",
                        canonical,
                    ))
                    self.unit_doubts[canonical] = {"curve": column, "declared": declared, "likely": guess}
            return conv, note
        # no unit or an unrecognised one: infer from the value range where unambiguous
        shown = declared or "none"
        unit_text = f"unit {declared!r} not recognised" if declared else "no unit given"
        finite = values[np.isfinite(values)]
        absurd = beyond_any_unit(finite, canonical)
        if finite.size and absurd.all():  # 1e308 or a negative slowness is no unit's value: bad values for QC to null, not a unit question
            conv = conversion(target, target)
            assert conv is not None
            return conv, f"{unit_text}; values beyond any unit (e.g. {finite[0]:.4g}), impossible: taken as {target}"
        guess = infer_unit(canonical, values)
        if guess is None:
            # not the whole well's failure: the candidate is passed over (provenance says why and how to
            # give the unit), and only a curve the caller needs fails, naming this (sonic.MissingCurvesError)
            usable = finite[~absurd]
            median = f"{np.median(usable):.4g}" if usable.size else "n/a"
            return None, (f"unit {shown!r} cannot be converted to canonical {target} (median {median} "
                          f"{UNIT_FITS_NOTHING}); give its unit ({unit_fix(column)})")
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

    def _by_description(self, canonical: str, taken_elsewhere: set[str]) -> tuple[_Choice | None, str]:
        """The first column the table does not know whose ~Curve description names ``canonical``
        and whose values and unit pass the same checks as an alias (:meth:`AliasTable.described`)."""
        for column, phrase in self.table.described(canonical, self.columns, self.raw.descr):
            if column in taken_elsewhere or column in self.taken:
                continue
            choice = self._candidate(column, canonical)
            if choice is not None:
                described = " ".join(str(self.raw.descr[column]).split())
                return choice, f"description {described!r} names {canonical} ({phrase}); mnemonic {column} not in the alias table"
        return None, ""

    def _candidate(self, column: str, canonical: str) -> _Choice | None:
        """The column as ``canonical`` when its values and unit pass (:meth:`_rejection`, :meth:`_unit_choice`);
        else None, with why in provenance ("PEFZ not taken as PEF: no values (all null)")."""
        values = _values(self.raw, column)
        why_not = self._rejection(column, canonical, values)
        if why_not is None:
            conv, unit_note = self._unit_choice(column, canonical, values)
            if conv is not None:
                return _Choice(column, conv, unit_note)
            why_not = unit_note
        self.notes.append(("alias", f"{column} not taken as {canonical}: {why_not}", canonical))
        return None

    def choose(self, canonical: str) -> tuple[_Choice | None, CurveMapping | None]:
        overridden = [c for c, canon in self.overrides.items() if canon == canonical]
        taken_elsewhere = {c for c, canon in self.overrides.items() if canon != canonical}
        table = [c for c in self.table.candidates(canonical, self.columns) if c not in taken_elsewhere and c not in overridden]
        counts = {c: int(np.isfinite(_values(self.raw, c)).sum()) for c in table}
        ranked = table
        table, sparse = _sparse_last(table, counts)
        chosen: _Choice | None = None
        reason = ""
        passed_over: list[str] = []
        for column in overridden:  # a user override is taken as asked, unit permitting
            values = _values(self.raw, column)
            conv, note = self._unit_choice(column, canonical, values)
            if conv is None:
                raise override_error(self.raw, f"aliases.{column}",
                                     f"curve {column}: cannot be used as {canonical} as asked by the alias override: {note}")
            chosen, reason = _Choice(column, conv, note), f"user override {column}={canonical}"
            break
        for column in table:
            if chosen is not None:
                passed_over.append(column)
                continue
            chosen = self._candidate(column, canonical)
            if chosen is not None:
                reason = f"alias {base_mnemonic(column)}, priority {self.table.aliases[canonical].index(base_mnemonic(column)) + 1}"
        if chosen is None and not overridden:
            chosen, reason = self._by_description(canonical, taken_elsewhere)
        if chosen is None:
            return None, None
        self.taken.add(chosen.source)
        # the sparse candidates that alias priority alone would have taken instead
        sparse = [c for c in sparse if c in passed_over and ranked.index(c) < ranked.index(chosen.source)] if not overridden else []
        if len(passed_over) > len(sparse):  # recorded once, in the mapping's provenance line ("SRC -> CANON: <reason>")
            reason += f"; preferred over {', '.join(c for c in passed_over if c not in sparse)}"
        if sparse:
            reason += "; " + _sparse_note(sparse, chosen.source, counts[chosen.source], canonical)
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


#: a candidate with values on fewer than this share of the fullest candidate's samples is tried last
SPARSE_CANDIDATE_SHARE = 0.5


def _sparse_last(table: list[str], counts: Mapping[str, int]) -> tuple[list[str], list[str]]:
    """``table`` (alias priority order) with the candidates much sparser than the fullest moved to
    the end, and those moved.

    Why: alias priority says which mnemonic usually holds the better log, not which holds this
    file's log. A vendor export with DT logged over the bottom 10% beside a complete DTCO took DT
    (priority 2 before 3) and served DTS from 1,242 measured DTC rows instead of ~9,400."""
    fullest = max(counts.values(), default=0)
    sparse = [c for c in table if 0 < counts[c] < SPARSE_CANDIDATE_SHARE * fullest]
    return [c for c in table if c not in sparse] + sparse, sparse


def _sparse_note(sparse: Sequence[str], chosen: str, values: int, canonical: str) -> str:
    """Why the higher-priority candidates were passed over for ``chosen`` (``values`` samples), and how to take one anyway."""
    return (f"taken before {', '.join(sparse)}, logged on fewer than half as many samples ({chosen}: {values:,}; "
            f"{alias_fix(sparse[0], canonical)} to use {sparse[0]})")


def _depth_unit(raw: RawWell, column: str, values: np.ndarray, resolver: _Resolver) -> tuple[Conversion, str, bool]:
    """Depth conversion to metres: declared/overridden unit, else the ~Well STRT unit, else the step;
    the note, and whether the unit is a guess the user should hear about (:attr:`Well.depth_unit_guess`):
    a 0.5 or 0.25 step is usually feet, but metric logs are sampled so too, and every depth, TVD and
    the depth companion's input would be 3.3x off."""
    declared, unit, origin = resolver._declared_unit(column, "DEPT")
    if unit:
        if quantity_of(unit) != "length":
            raise WellReadError(_source_name(raw), f"depth curve {column}: unit {declared!r} is not a length; "
                                                   f"give m or ft ({unit_fix(column, 'm')})")
        conv = conversion(unit, "m")
        assert conv is not None
        return conv, (user_unit_note(unit) if origin == "user" else ""), False
    for section in raw.header.values():
        if isinstance(section, Mapping):
            for key in ("STRT", "STOP", "STEP"):
                item = section.get(key)
                if isinstance(item, Mapping):
                    hdr_unit = normalise_unit(item.get("unit"))
                    if hdr_unit and quantity_of(hdr_unit) == "length":
                        conv = conversion(hdr_unit, "m")
                        assert conv is not None
                        return conv, f"depth unit {declared or 'none'!r} taken from header {key} unit {hdr_unit}", False
    finite = values[np.isfinite(values)]
    step = float(np.median(np.abs(np.diff(finite)))) if finite.size > 1 else float("nan")
    if np.isfinite(step) and abs(step - 0.1524) < 0.002:
        return Conversion("m", "m", 1.0), "depth unit not given; step 0.1524 is metric (m)", False
    if np.isfinite(step) and any(abs(step - s) < 1e-6 for s in (0.5, 0.25)):
        return Conversion("ft", "m", 0.3048), (
            f"depth unit not given; read as ft from its step {step:g} (if the depth is in metres: {unit_fix(column, 'm')})"), True
    return Conversion("m", "m", 1.0), (
        f"depth unit not given and not inferable; assumed m (if wrong: {unit_fix(column, 'ft')})"
    ), True


def _declared_non_length(raw: RawWell, column: str) -> bool:
    """True when ``column`` declares a unit that is not a length (e.g. a TIME index in HHMMSS)."""
    unit = normalise_unit(raw.units.get(column))
    return unit != "" and (unit is None or quantity_of(unit) != "length")


#: deeper than any well drilled (Kola SG-3: 12.26 km): a depth beyond this is a wrong unit, STEP or index
MAX_PLAUSIBLE_DEPTH_M = 15_000.0


#: a raw depth value beyond this is deeper than any well in every length unit we know, even the
#: smallest (0.1 in): a bad value (1e308, an overflow, a broken null code), never a unit question
IMPOSSIBLE_DEPTH_VALUE = MAX_PLAUSIBLE_DEPTH_M / min(f for q, f in UNITS.values() if q == "length" and f)


def _depth_error(raw: RawWell, reason: str) -> WellReadError:
    """A WellReadError about the depth; from a request's arrays it names the field ``depth`` for the
    API (a file's depth is part of the file: no field)."""
    return WellReadError(_source_name(raw), reason, field="depth" if raw.source_format == "json" else None)


def _check_possible_depth(raw: RawWell, column: str, values: np.ndarray) -> None:
    """Refuse depth values no unit can make a depth, naming the value and its row, before the unit
    is judged: telling the user to change the unit of a 1e308 would send them the wrong way."""
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(np.isfinite(values) & (np.abs(values) > IMPOSSIBLE_DEPTH_VALUE))
    if not bad.size:
        return
    first = int(bad[0])
    example = f"{values[first]:.4g} (data row {first + 1:,})"
    if bad.size < np.isfinite(values).sum():
        more = f" and {bad.size - 1:,} more" if bad.size > 1 else ""
        raise _depth_error(raw, (
            f"depth {column} holds an impossible value, {example}{more}: deeper than any well in any length unit, "
            f"so a bad value, not a unit question; correct or remove that row in {_holder(raw)}"))
    raise _depth_error(raw, (
        f"depth {column}: every value is impossible as a depth in any length unit (e.g. {example}); if {column} "
        f"is not the depth, name the depth curve ({alias_fix('CURVE', 'DEPT')}), else correct the values"))


def _check_plausible_depth(raw: RawWell, column: str, depth: np.ndarray, conv: Conversion) -> None:
    """Refuse a depth index that no well can have, before a model extrapolates along it silently."""
    finite = np.abs(depth[np.isfinite(depth)])
    if finite.size and float(finite.max()) > MAX_PLAUSIBLE_DEPTH_M:
        raise _depth_error(raw, (
            f"depth {column} reaches {float(finite.max()):,.0f} m (read as {conv.source_unit or 'm'}): deeper than any well; "
            f"fix its unit (ft or m: {unit_fix(column, 'ft')}) or STEP, or, if {column} is not depth, "
            f"name the depth curve ({alias_fix('CURVE', 'DEPT')})"))


def _depth_down(depth: np.ndarray) -> tuple[np.ndarray, bool]:
    """A depth index given as elevations (negative below the datum; median below zero) becomes depth
    positive down, as TVD does (:func:`_vertical_depth_down`). Why: sorted as read, the deepest row
    came first, so log tracks drew the well upside down, context gradients changed sign and the
    depth companion saw depths no training well has."""
    finite = depth[np.isfinite(depth)]
    if finite.size == 0 or np.median(finite) >= 0:
        return depth, False
    return -depth, True


def _vertical_depth_down(data: pd.DataFrame, source: str) -> list[_Note]:
    """TVD given as an elevation (negative below the datum, as force2020's z_loc) becomes a depth
    (positive down) in place: one sign convention for every well a model sees."""
    values, flipped = _depth_down(data["TVD"].to_numpy(dtype=float))
    if not flipped:
        return []
    data["TVD"] = values
    return [("unit", f"{source}: values are elevations (negative below the datum); sign flipped to depth positive down", "TVD")]


@dataclass
class _DepthIndex:
    """The depth index as chosen and converted (step 2 of :func:`canonicalise`)."""

    column: str | None  #: source column, None for a well without depth (rows in depth order)
    values: np.ndarray  #: metres, positive down, one per raw row (NaN where null)
    mapping: CurveMapping | None
    unit_guess: str = ""  #: :attr:`Well.depth_unit_guess`

    @property
    def given(self) -> bool:
        return self.column is not None


def _choose_curves(resolver: _Resolver) -> tuple[dict[str, _Choice], dict[str, CurveMapping]]:
    """Step 1: one source column per canonical curve (DEPT apart), with its unit conversion. A column
    serves only one canonical curve (aliases are unique, overrides are per column)."""
    choices: dict[str, _Choice] = {}
    mappings: dict[str, CurveMapping] = {}
    for canonical in CANONICAL_CURVES:
        if canonical == "DEPT":
            continue
        choice, mapping = resolver.choose(canonical)
        if choice is not None and mapping is not None:
            choices[canonical], mappings[canonical] = choice, mapping
    return choices, mappings


def _depth_column(raw: RawWell, table: AliasTable, resolver: _Resolver, choices: Mapping[str, _Choice],
                  notes: list[_Note]) -> tuple[str | None, bool]:
    """Step 2a: which column is the depth index — a user override, the reader's, else the alias
    table's first unused candidate; an index declared in a non-length unit (time) gives way to a
    length column. Returns (column or None, chosen by the user)."""
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
    return depth_col, bool(user_depth)


def _depth_index(raw: RawWell, table: AliasTable, resolver: _Resolver, depth_col: str | None, by_user: bool,
                 notes: list[_Note]) -> _DepthIndex:
    """Step 2b: the depth column's values in metres, positive down (checked possible and plausible,
    unit converted or guessed, elevations flipped), and its mapping; without a depth column the row
    number stands in (and the well says so)."""
    if depth_col is None:
        notes.append(("depth", "no depth column: rows taken in depth order; index = row number (0, 1, 2, ...), not a depth", "DEPT"))
        return _DepthIndex(None, np.arange(len(raw.frame), dtype=float), None)
    others = [c for c in table.candidates("DEPT", resolver.columns) if c != depth_col]
    depth_raw = _values(raw, depth_col)
    _check_possible_depth(raw, depth_col, depth_raw)
    conv, note, guessed = _depth_unit(raw, depth_col, depth_raw, resolver)
    depth = conv.apply(depth_raw)
    _check_plausible_depth(raw, depth_col, depth, conv)
    depth, flipped = _depth_down(depth)
    reason = f"user override {depth_col}=DEPT" if by_user else "depth column"
    if others:
        reason += f"; also found {', '.join(others)} (not used as the index)"
        notes.append(("alias", f"{depth_col} used as depth; {', '.join(others)} also found, not used", "DEPT"))
    conv_text = conv.describe()
    if note:
        conv_text = _with_note(conv_text, note)
        notes.append(("unit", f"{depth_col}: {note}", "DEPT"))
    if not conv.identity:
        notes.append(("unit", f"{depth_col}: converted {conv.describe()}", "DEPT"))
    if flipped:
        conv_text = _with_note(conv_text, "sign flipped (elevation -> depth)")
        notes.append(("unit", f"{depth_col}: values are elevations (negative below the datum); sign flipped to depth "
                              "positive down (outputs keep the original values)", "DEPT"))
    mapping = CurveMapping("DEPT", depth_col, str(raw.units.get(depth_col, "") or ""), "m", conv_text, reason)
    return _DepthIndex(depth_col, depth, mapping, f"{depth_col}: {note}" if guessed else "")


def _ordered_rows(raw: RawWell, index: _DepthIndex, notes: list[_Note]) -> tuple[np.ndarray, np.ndarray]:
    """Step 3: the raw rows the canonical well keeps, in depth order — null depths dropped, sorted
    increasing, the first of each repeated depth kept. Returns (raw row positions, their depths)."""
    depth = index.values
    n = len(depth)
    positions = np.arange(n)
    finite = np.isfinite(depth)
    if n and not finite.any():  # else a zero-row well, and "no usable value is left" for every curve
        raise _depth_error(raw, f"depth {index.column}: every one of its {n:,} rows is null (or the file's null value), so no "
                                "sample has a place; give the depth curve that holds values "
                                f"({alias_fix('CURVE', 'DEPT')}), or drop the depth column to take rows in depth order")
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
    return positions, kept_depth


def _canonical_frame(raw: RawWell, choices: Mapping[str, _Choice], mappings: Mapping[str, CurveMapping],
                     positions: np.ndarray, depth: np.ndarray, notes: list[_Note]) -> pd.DataFrame:
    """Step 4: the canonical curves (copies, converted to canonical units) on the kept rows, indexed by
    depth; TVD given as elevations flipped positive down like the index."""
    data = pd.DataFrame(index=pd.Index(depth, name="DEPT"))
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
    return data


def _record_provenance(well: Well, raw: RawWell, resolver: _Resolver, table: AliasTable,
                       mappings: Mapping[str, CurveMapping], notes: Sequence[_Note]) -> None:
    """Step 5: every decision of steps 1-4 into the well's provenance, in the order a reader follows
    them: what the reader said, how each curve was resolved and chosen, the depth and unit notes, and
    the columns deliberately left unmapped (DRHO is no density) with the reason."""
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


def canonicalise(raw: RawWell, *, aliases: Mapping[str, str] | None = None, units: Mapping[str, str] | None = None,
                 unmatched: str = "error") -> Well:
    """Turn a :class:`RawWell` into a canonical :class:`Well` and run QC on it.

    ``aliases`` = {SRC: CANON} overrides the alias table; ``units`` = {MNEMONIC: UNIT} supplies or
    corrects units (keys: file mnemonic or canonical name). A candidate whose unit can neither be
    converted nor inferred is passed over (provenance says why and how to give its unit). Raises
    WellReadError when an override's curve cannot be used, or when an override names no curve of the
    well (``unmatched="note"``: recorded in provenance instead, for one override given to many
    wells; :func:`unmatched_overrides`); UsageError for malformed overrides.

    Steps, one function each: choose the curves (:func:`_choose_curves`), the depth index
    (:func:`_depth_column`, :func:`_depth_index`), the rows in depth order (:func:`_ordered_rows`),
    the canonical frame (:func:`_canonical_frame`), provenance (:func:`_record_provenance`), QC.
    """
    from welllog.qc import run_qc  # QC imports the curves package; import late to avoid a cycle

    table = load_aliases()
    resolver = _Resolver(raw, table, aliases, units, unmatched)
    choices, mappings = _choose_curves(resolver)
    notes: list[_Note] = []
    depth_col, by_user = _depth_column(raw, table, resolver, choices, notes)
    index = _depth_index(raw, table, resolver, depth_col, by_user, notes)
    positions, depth = _ordered_rows(raw, index, notes)
    data = _canonical_frame(raw, choices, mappings, positions, depth, notes)
    well = Well(
        name=raw.name,
        data=data,
        original=raw.frame,
        rows=positions.astype(np.int64),
        original_units=dict(raw.units),
        original_descr=dict(raw.descr),
        original_text=dict(raw.text),
        mapping={**({"DEPT": index.mapping} if index.mapping else {}), **mappings},
        header=raw.header,
        source=raw.source,
        source_format=raw.source_format,
        has_depth=index.given,
        unmatched_overrides=tuple(resolver.unmatched_fields),
        unit_doubts={c: d for c, d in resolver.unit_doubts.items() if c in choices and choices[c].source == d["curve"]},
        depth_unit_guess=index.unit_guess,
        csv_units=raw.csv_units,
        csv_null=raw.csv_null,
    )
    _record_provenance(well, raw, resolver, table, mappings, notes)
    run_qc(well)
    return well
