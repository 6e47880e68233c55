"""The one canonical well representation that flows through the whole pipeline.

Readers build a :class:`Well` at the edge (LAS, CSV, JSON arrays); features, models, QC,
explanations, the API and the dashboard only ever see this object; writers convert back at the
other edge. Two views are kept side by side so that *nothing is lost*:

* ``original`` — every curve exactly as read (original mnemonics, values, file row order; nulls
  become NaN), with ``original_units`` / ``original_descr``. Outputs are built on this view.
* ``data`` — the canonical view: index ``DEPT`` in metres, increasing and unique; columns are
  canonical mnemonics (``CANONICAL_CURVES``) in canonical units. ``rows[i]`` is the position in
  ``original`` of canonical row ``i`` so predictions can be mapped back to the input rows.

Every alias choice, unit conversion, clipping, sort or de-duplication is appended to
``provenance``; per-sample QC flags live in ``qc`` (aligned with ``data``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import IntFlag
from typing import Any

import numpy as np
import pandas as pd

#: canonical mnemonic -> (canonical unit, meaning). Order is the display / feature order.
CANONICAL_CURVES: dict[str, tuple[str, str]] = {
    "DEPT": ("m", "measured depth"),
    "TVD": ("m", "true vertical depth"),
    "CALI": ("in", "caliper"),
    "BS": ("in", "bit size"),
    "NPHI": ("v/v", "neutron porosity"),
    "GR": ("gAPI", "gamma ray"),
    "RDEP": ("ohm.m", "deep resistivity"),
    "RMED": ("ohm.m", "medium resistivity"),
    "PEF": ("b/e", "photoelectric factor"),
    "RHOB": ("g/cm3", "bulk density"),
    "DTC": ("us/ft", "compressional slowness"),
    "DTS": ("us/ft", "shear slowness"),
}
#: the curves models may use as inputs (DEPT, TVD, BS and targets are not inputs by default)
INPUT_CURVES: tuple[str, ...] = ("CALI", "NPHI", "GR", "RDEP", "RMED", "PEF", "RHOB")
TARGET_CURVES: tuple[str, ...] = ("DTC", "DTS")


def canonical_unit(mnemonic: str) -> str:
    """The canonical unit of a canonical mnemonic."""
    return CANONICAL_CURVES[mnemonic][0]


class QCFlag(IntFlag):
    """Per-sample, per-curve QC bits stored in :attr:`Well.qc`."""

    OK = 0
    MISSING = 1  #: null in the input (or the curve is absent)
    IMPOSSIBLE = 2  #: physically impossible value, set to null
    SPIKE = 4  #: isolated spike against its neighbours
    BAD_HOLE = 8  #: caliper well above bit size: pad tools (RHOB, NPHI, PEF) are suspect
    SCALE_SHIFT = 16  #: the curve's scale changes part-way down the file
    NOT_FORMATION = 32  #: a sonic stretch that did not measure the rock: a straight-line fill or casing arrivals
    BEHIND_CASING = 64  #: an input logged where the well's own DTC reads casing arrivals: read through pipe, not open hole


#: QC flags that make a measured sonic sample no measurement of the rock: neither trained on nor
#: served from (the shear routes' logged DTC). Scoring drops NOT_FORMATION only (qc.formation_values):
#: a spike is still what the tool measured, and a synthetic log is judged against the log as recorded
NOT_ROCK = QCFlag.SPIKE | QCFlag.IMPOSSIBLE | QCFlag.NOT_FORMATION


#: T_QC bits of a prediction (per row and target; CONTRACTS.md): :mod:`welllog.models.sonic` sets 1-16,
#: the recipe (:mod:`welllog.recipes`) 32 (its reduced-input model) and 64 (DTS from the well's measured DTC)
QC_MISSING, QC_NULLED, QC_BAD_HOLE, QC_OOD, QC_NOT_PREDICTED, QC_REDUCED, QC_LOGGED_DTC = 1, 2, 4, 8, 16, 32, 64
#: T_QC bits that ask for caution at a sample (input flagged by QC, bad hole, out of training range);
#: bits 1, 32 and 64 say how a value was made, 16 that there is none
QC_CAUTION = QC_NULLED | QC_BAD_HOLE | QC_OOD
#: T_QC bit -> what it means: one wording for the LAS column descriptions, the API schema and the docs
QC_BITS: dict[int, str] = {QC_MISSING: "input missing or imputed", QC_NULLED: "input flagged by QC (impossible and nulled, a spike, or logged behind casing)", QC_BAD_HOLE: "bad hole",
                           QC_OOD: "out of training range", QC_NOT_PREDICTED: "not predicted",
                           QC_REDUCED: "reduced inputs without density and neutron",
                           QC_LOGGED_DTC: "DTS from the measured DTC"}


def describe_qc_bits() -> str:
    """'1 input missing or imputed, 2 input flagged by QC (...), ...' (no colon: LAS 2.0 splits at the last one)."""
    return ", ".join(f"{bit} {meaning}" for bit, meaning in QC_BITS.items())


@dataclass
class CurveMapping:
    """How one canonical curve was obtained from a source curve."""

    canonical: str
    source: str  #: original mnemonic
    source_unit: str  #: unit as declared in the file ('' when none)
    unit: str  #: canonical unit after conversion
    conversion: str = "none"  #: e.g. "us/m -> us/ft (x 0.3048)" or "unit inferred from range: %"
    reason: str = ""  #: why this source was chosen (alias rank, override, competition outcome)

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass
class Provenance:
    """One recorded decision or change: which step, which curve, and what was done."""

    step: str  #: read | alias | unit | qc | depth | user
    message: str
    curve: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"step": self.step, "curve": self.curve, "message": self.message}


#: the ~Well SRVC of wells written by ``welllog demo`` (synthetic, for demonstration only)
SYNTHETIC_SERVICE = "welllog.demo"


@dataclass(eq=False)
class Well:
    """A well in canonical form plus everything needed to give the user back what they gave us.

    Compared by identity (``eq=False``): field-wise equality would compare DataFrames, which raises;
    two wells with the same curves are told apart by :meth:`content_hash`."""

    name: str
    data: pd.DataFrame
    original: pd.DataFrame
    rows: np.ndarray
    original_units: dict[str, str] = field(default_factory=dict)
    original_descr: dict[str, str] = field(default_factory=dict)
    #: original mnemonic -> values as read (object: text, None where null) for curves holding text
    #: (``original`` has them as null): written back by every output (:mod:`welllog.ingest.writers`)
    original_text: dict[str, np.ndarray] = field(default_factory=dict)
    mapping: dict[str, CurveMapping] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)
    provenance: list[Provenance] = field(default_factory=list)
    qc: pd.DataFrame | None = None
    source: str | None = None
    source_format: str = "las"  #: las | csv | json
    has_depth: bool = True  #: False for a CSV without depth (index is then the row number x 1 m)
    #: override fields (``aliases.SRC`` / ``units.MNEM``) given for a run of several wells that named
    #: no curve of this one (read with ``unmatched="note"``; also noted in provenance)
    unmatched_overrides: tuple[str, ...] = ()
    #: canonical curve -> {"curve": source mnemonic, "declared": unit as declared, "likely": unit the
    #: values look like} for a curve kept in a declared unit its values do not fit (also in provenance):
    #: a prediction warning names it with the fix, rather than only "outside the training range"
    unit_doubts: dict[str, dict[str, str]] = field(default_factory=dict)
    #: how the depth's unit was guessed when neither the curve nor the header gave it (a 0.5 step read
    #: as feet; metres assumed), with the override; "" when it was given. Also in provenance, and a
    #: prediction warning repeats it: a wrong guess moves every depth 3.3x without any other sign
    depth_unit_guess: str = ""
    #: how the source CSV gave its units ("row", "names", ""; :attr:`welllog.ingest.raw.RawWell.csv_units`)
    csv_units: str = ""
    #: the source CSV's null code (:attr:`welllog.ingest.raw.RawWell.csv_null`)
    csv_null: str = ""

    # -- views -------------------------------------------------------------------------------
    @property
    def depth(self) -> np.ndarray:
        return self.data.index.to_numpy(dtype=float)

    @property
    def label(self) -> str:
        """The well as a message names it: its name, plus the file it was read from when the
        file's name says something else ("ANY ET AL OIL WELL #12 (sample.las)") — the header's
        WELL is what a report lists, the file is what the user has to open or fix."""
        if not self.source:
            return self.name
        file = str(self.source).replace("\\", "/").rsplit("/", 1)[-1]
        return self.name if self.name in (file, file.rsplit(".", 1)[0]) else f"{self.name} ({file})"

    @property
    def curves(self) -> list[str]:
        """Canonical curves present (at least one non-null sample)."""
        return [c for c in self.data.columns if self.data[c].notna().any()]

    def has(self, mnemonic: str) -> bool:
        return mnemonic in self.data.columns and bool(self.data[mnemonic].notna().any())

    def note(self, step: str, message: str, curve: str | None = None, once: bool = False) -> None:
        """Record a decision in the provenance; ``once``: not again if the same entry is there
        (a well predicted twice, or a decision reported back by the API, is one decision)."""
        entry = Provenance(step=step, message=message, curve=curve)
        if not (once and entry in self.provenance):
            self.provenance.append(entry)

    def qc_flags(self) -> pd.DataFrame:
        """Per-sample QC bits per canonical curve (zeros when QC has not run)."""
        if self.qc is None:
            return pd.DataFrame(0, index=self.data.index, columns=self.data.columns, dtype="int16")
        return self.qc

    def to_original_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Map a frame aligned with ``data`` back onto ``original``'s rows and order.

        Input rows that have no canonical row (dropped duplicate depths, null depth) get NaN, so
        output files have one row per input row, in input order.
        """
        out = pd.DataFrame(np.nan, index=self.original.index, columns=frame.columns)
        for col in frame.columns:
            values = np.full(len(self.original), np.nan)
            values[self.rows] = frame[col].to_numpy(dtype=float)
            out[col] = values
        return out

    def is_synthetic(self) -> bool:
        """True for a well written by ``welllog demo`` (its ~Well SRVC is :data:`SYNTHETIC_SERVICE`):
        a model trained only on such wells is a demonstration, and the dashboard says so."""
        well = self.header.get("Well") if isinstance(self.header, dict) else None
        item = well.get("SRVC") if isinstance(well, dict) else None
        value = item.get("value") if isinstance(item, dict) else item
        return str(value or "").strip() == SYNTHETIC_SERVICE

    def content_hash(self) -> str:
        """sha256 of the canonical data: identifies a training well independent of file format."""
        h = hashlib.sha256()
        h.update(",".join(map(str, self.data.columns)).encode())
        h.update(np.ascontiguousarray(self.data.index.to_numpy(dtype="float64")).tobytes())
        h.update(np.ascontiguousarray(self.data.to_numpy(dtype="float64")).tobytes())
        return h.hexdigest()

    def _depth_as_logged(self) -> dict[str, Any]:
        """The depth range in the file's own unit, where that is not metres: a log in feet is known
        by its feet ("5000-9000 ft"), and a range shown only in metres reads like another well."""
        m = self.mapping.get("DEPT")
        if m is None or m.conversion in ("", "none") or m.source not in self.original.columns:
            return {}
        logged = pd.to_numeric(self.original[m.source], errors="coerce").to_numpy(dtype=float)
        logged = logged[np.isfinite(logged)]
        if not logged.size:
            return {}
        return {"file_unit": m.source_unit or "?", "file_start": float(logged.min()), "file_stop": float(logged.max())}

    def summary(self) -> dict[str, Any]:
        """Plain-data description for `welllog inspect --json` and the API."""
        depth = self.depth
        gaps = np.diff(depth)
        step = float(np.median(gaps)) if len(depth) > 1 else float("nan")
        # a median of irregular sampling is no "step": say which it is (CLI audit: "step 193.9 m" for STEP 0)
        regular = bool(len(gaps) == 0 or np.allclose(gaps, step, rtol=0.01, atol=1e-6))
        return {
            "name": self.name,
            "source": self.source,
            "format": self.source_format,
            "samples": int(len(self.data)),
            "depth": {
                "start": float(depth[0]) if len(depth) else None,
                "stop": float(depth[-1]) if len(depth) else None,
                "step": step,
                "regular": regular,
                "unit": "m",
                "from_file": self.has_depth,
                **self._depth_as_logged(),
            },
            "curves": [m.to_dict() for m in self.mapping.values()],
            "unmapped": [c for c in self.original.columns if c not in {m.source for m in self.mapping.values()}],
            "provenance": [p.to_dict() for p in self.provenance],
        }
